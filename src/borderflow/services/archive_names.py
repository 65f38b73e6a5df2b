"""What a user names in a filter — a crossing, a source, a port — checked against what
the archive holds, so that a typo is told apart from a filter that matches nothing.

``export observations --crossing 53550`` (five digits) or ``--source cbp_rss`` (the
archive's source is ``cbp-rss``) would otherwise give an empty file and exit 0, the same
answer as a real crossing with no readings in the chosen hours.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine, Table, literal, select

from borderflow.errors import BadInputError, NotFoundError
from borderflow.store.ordering import in_byte_order
from borderflow.store.schema import crossings, observations, volumes

_CROSSING_ID = re.compile(r"[0-9]{6}")
_PORT_CODE = re.compile(r"[0-9]{4}")
#: Names listed in a message before "and N more".
_LISTED = 12


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:_LISTED])
    return shown + (f" and {len(names) - _LISTED} more" if len(names) > _LISTED else "")


def check_crossing_id(crossing_id: str, option: str = "--crossing") -> None:
    """BadInputError unless ``crossing_id`` is a 6-digit CBP crossing number."""
    if not _CROSSING_ID.fullmatch(crossing_id):
        raise BadInputError(f"{option} must be a 6-digit CBP crossing number such as 250401 (San Ysidro); "
                            f"got {crossing_id!r}")


def require_crossing(engine: Engine, crossing_id: str, option: str = "--crossing") -> None:
    """A well-formed crossing number the archive knows (its catalog or a feed that named
    it); NotFoundError naming the crossings of the same port otherwise."""
    check_crossing_id(crossing_id, option)
    c = crossings.c
    with engine.connect() as conn:
        if conn.execute(select(c.crossing_id).where(c.crossing_id == crossing_id)).first() is not None:
            return
        same_port = list(conn.scalars(select(c.crossing_id).where(c.crossing_id.startswith(crossing_id[:4]))
                                      .order_by(in_byte_order(c.crossing_id))))
    hint = (f"the crossings numbered {crossing_id[:4]}.. are {_listed(same_port)}" if same_port else
            "the known crossings are listed by GET /api/v1/crossings and on the overview page (/) of "
            "'borderflow serve'")
    raise NotFoundError(f"crossing {crossing_id} is not in the archive; {hint}")


def _require_source(engine: Engine, table: Table, what: str, source: str) -> None:
    t = table.c
    with engine.connect() as conn:
        if conn.execute(select(literal(1)).where(t.source == source).limit(1)).first() is not None:
            return
        stored = sorted(conn.scalars(select(t.source).distinct()))  # in byte order, as SQLite sorts
    held = f"its sources are {_listed(stored)}" if stored else f"it holds no {what} yet"
    raise NotFoundError(f"the archive holds no {what} of source {source!r}; {held}")


def require_observation_source(engine: Engine, source: str) -> None:
    """A source some stored reading came from; NotFoundError naming those there are."""
    _require_source(engine, observations, "readings", source)


def require_volume_source(engine: Engine, source: str) -> None:
    """A source some stored volume came from; NotFoundError naming those there are."""
    _require_source(engine, volumes, "volumes", source)


def require_volume_port(engine: Engine, port_code: str) -> None:
    """A 4-digit port code with stored volumes; NotFoundError naming the ports that have."""
    if not _PORT_CODE.fullmatch(port_code):
        raise BadInputError(f"--port must be a 4-digit CBP port code such as 2304; got {port_code!r}")
    v = volumes.c
    with engine.connect() as conn:
        if conn.execute(select(literal(1)).where(v.port_code == port_code).limit(1)).first() is not None:
            return
        ports = sorted(conn.scalars(select(v.port_code).distinct()))
    held = f"ports with volumes: {_listed(ports)}" if ports else "it holds no volumes yet"
    raise NotFoundError(f"the archive holds no volumes of port {port_code}; {held}")
