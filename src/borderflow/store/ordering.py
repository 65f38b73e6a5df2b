"""Text sorted the same on SQLite and PostgreSQL: by its bytes, whatever the database's collation.

SQLite compares text bytewise (its BINARY collation). PostgreSQL compares by the
database's collation, which is the locale it was created with: under ``en_US.UTF-8``
or an ICU locale, ``apple bridge`` sorts before ``Zebra Bridge``; bytewise (collation
"C") it sorts after. Every ORDER BY on a text column in exports, API lists and pages
goes through :func:`in_byte_order`, so an export or a page holds the same rows in the
same order on either database, and paging with an offset walks one fixed order.

UTF-8 bytes sort as the code points they encode, so Python's ``sorted`` over ``str``
agrees with this order too.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal, _TraverseInternalsType


class InByteOrder(ColumnElement[Any]):
    """A text expression compared by its bytes: ``expr COLLATE "C"`` on PostgreSQL, the
    expression itself on SQLite (whose default collation already is bytewise)."""

    inherit_cache = True
    # what SQLAlchemy's statement cache keys on: the wrapped expression
    _traverse_internals: _TraverseInternalsType = [  # noqa: RUF012 (SQLAlchemy reads it off the class)
        ("element", InternalTraversal.dp_clauseelement)]

    def __init__(self, element: ColumnElement[Any]) -> None:
        self.element = element
        self.type = element.type


@compiles(InByteOrder)
def _as_it_is(element: InByteOrder, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.element, **kw)


@compiles(InByteOrder, "postgresql")
def _collate_c(element: InByteOrder, compiler: SQLCompiler, **kw: Any) -> str:
    return f'{compiler.process(element.element, **kw)} COLLATE "C"'


def in_byte_order(column: ColumnElement[Any]) -> InByteOrder:
    """``column`` to sort by: the same order on SQLite and on PostgreSQL under any locale."""
    return InByteOrder(column)
