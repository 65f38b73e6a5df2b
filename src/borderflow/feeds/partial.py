"""The complete part of a file that breaks off: what a cut or damaged download still holds.

A live feed fetched over a dropped connection, or a capture copied while it was being
written, ends in the middle of a port. Its ports before the cut are whole and as good as
any: they land, and the rest is kept aside (the payload's bytes are kept whole too), with a
reason naming where the file broke and the fix, to fetch it again. A file with no complete
item before the break is refused as a whole, as before.

:func:`json_list_prefix` reads a top-level JSON list item by item;
:func:`~borderflow.feeds.cbp_feed.read_xml` does the same for XML when given the element
that repeats (``port`` in ``bwt.xml``, ``item`` in RSS).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from borderflow.feeds.records import Rejected

#: Characters of the broken tail kept with the rejection (the payload keeps every byte).
TAIL_CHARS = 4000

_SPACE = " \t\r\n"


@dataclass(frozen=True, slots=True)
class BreakOff:
    """Where a file broke: the complete items before it, why, and the text from there on."""

    #: How many items were complete before the break.
    complete: int
    #: Why, e.g. "the file breaks off here: not valid JSON at line 1796 column 13 (...)".
    reason: str
    #: The text from the start of the first incomplete item (at most TAIL_CHARS).
    tail: str


def _decoded(data: bytes) -> str | None:
    """The text of JSON bytes in the encoding JSON's own rule detects. A character cut in
    two by the end of the data (a cut download) is left out; None when a byte before the
    end is not of that encoding: that is a file in another encoding, not a cut one."""
    encoding = json.detect_encoding(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        if exc.end < len(data) or len(data) - exc.start > 3:
            return None
        text = data[:exc.start].decode(encoding)
    return text.removeprefix("\ufeff")


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at] in _SPACE:
        at += 1
    return at


def _line_column(text: str, at: int) -> tuple[int, int]:
    line = text.count("\n", 0, at) + 1
    return line, at - (text.rfind("\n", 0, at) + 1) + 1


def json_list_prefix(data: bytes | str, *, parse_float: Any = None) -> tuple[list[Any], BreakOff] | None:
    """The items of a top-level JSON list (bytes, or text already decoded) read one by one
    up to where the text stops being JSON, and the :class:`BreakOff`; None when the text
    does not start as a list, when it is whole (``json.loads`` reads it), or when it is not
    in JSON's encodings before its end.

    Only called after ``json.loads`` failed: a file that is valid JSON never comes here.
    """
    text = _decoded(data) if isinstance(data, bytes) else data.removeprefix("\ufeff")
    if text is None:
        return None
    at = _skip(text, 0)
    if not text.startswith("[", at):
        return None
    decoder = json.JSONDecoder(parse_float=parse_float)
    items: list[Any] = []

    def broke(why: str, at: int) -> tuple[list[Any], BreakOff]:
        return items, BreakOff(len(items), why, text[at:at + TAIL_CHARS])

    def where(at: int) -> str:
        line, column = _line_column(text, at)
        return f"line {line} column {column}"

    at = _skip(text, at + 1)
    if not text.startswith("]", at):
        while True:
            start = at
            try:
                item, at = decoder.raw_decode(text, at)
            except json.JSONDecodeError as exc:
                return broke(f"the file breaks off here: not valid JSON at line {exc.lineno} column {exc.colno} "
                             f"({exc.msg})", start)
            except RecursionError:
                return broke(f"the file breaks off here: JSON nested too deeply from {where(start)}", start)
            at = _skip(text, at)
            if at == len(text) and not isinstance(item, (dict, list)):
                # a number or word at the very end may be cut short ("12" of "125"): not whole
                return broke(f"the file breaks off here: the text ends at {where(start)} inside the list", start)
            items.append(item)
            if text.startswith(",", at):
                at = _skip(text, at + 1)
            elif text.startswith("]", at):
                break
            elif at == len(text):
                return broke(f"the file breaks off here: the text ends at {where(at)} inside the list", at)
            else:
                return broke(f"the file breaks off here: not valid JSON at {where(at)} (expected ',' or ']')", at)
    at = _skip(text, at + 1)
    if at == len(text):
        return None
    return broke(f"the file goes on after the end of the list at {where(at)}", at)


def broken_off(place: str, broke: BreakOff, what: str) -> Rejected:
    """The rejection of the part of a file from where it breaks off (``place``, e.g.
    "port[22] onward"; ``what`` the items, e.g. "ports")."""
    return Rejected(place, f"{broke.reason}; the {broke.complete} {what} before it were read; fix: fetch or copy "
                           "the file again for the rest", broke.tail)
