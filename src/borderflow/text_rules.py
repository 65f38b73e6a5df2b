"""Which characters text may hold, the same on every database and in every front.

* **Storable** (:func:`unstorable_character`, :func:`shown_storable`): what any column
  of the archive can hold on SQLite and on PostgreSQL alike. PostgreSQL refuses NUL
  (U+0000) in text, and neither database takes a lone surrogate (U+D800-U+DFFF: half of
  a UTF-16 pair, not a character; Python makes one of a file name's byte that is not
  UTF-8, and JSON's ``"\\ud800"`` escape makes one too). Text read from a source that
  holds one is refused (a record) or shown escaped (a label, a quarantined raw text):
  NUL as ``\\x00``, a file name's undecodable byte as ``\\xe9``, any other surrogate as
  ``\\ud800``. The raw payload itself is kept as bytes, exactly.
* **Safe to read** (:func:`checked_text`): what text people write (exchange records,
  action plans) may hold: no C0 or C1 control (tab and line breaks aside), none of the
  direction overrides and isolates that make text read otherwise than it is stored, and
  no lone surrogate; a one-line text (a title, a name, a reason of an exchange record)
  holds no tab or line break either. Such text is refused, never changed.
"""

from __future__ import annotations

import re

from borderflow.errors import BadInputError
from borderflow.messages import Message

#: Characters no column of the archive can hold on both databases.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
#: Characters no text written by a person may hold: C0 and C1 controls (tab and line
#: breaks aside), the direction overrides and isolates, lone surrogates.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
#: What a one-line text may not hold either: tabs and line breaks of any kind.
_LINE_BREAKS = re.compile("[\t\n\r\u2028\u2029]")


def unstorable_character(text: str) -> str | None:
    """Why ``text`` cannot be stored ("NUL (U+0000) at position 3"), or None when it can."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    return f"{_describe(found.group())} at position {found.start() + 1}"


def _describe(char: str) -> str:
    code = ord(char)
    if code == 0:
        return "NUL (U+0000)"
    if 0xD800 <= code <= 0xDFFF:
        return f"U+{code:04X} (half of a UTF-16 surrogate pair, not a character)"
    return f"U+{code:04X}"


def _escaped(found: re.Match[str]) -> str:
    code = ord(found.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (Python's surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown_storable(text: str) -> str:
    """``text`` with every character the archive cannot store written as a visible escape
    (``\\x00``, ``\\xe9`` for a file name's byte that is not UTF-8, ``\\ud800``).

    For labels and excerpts (file names, quarantined raw text), never for data: an escape
    reads the same as the same characters typed, so it is not reversible; the raw payload
    keeps the exact bytes.
    """
    return _UNSTORABLE.sub(_escaped, text) if _UNSTORABLE.search(text) else text



#: What a terminal would act on rather than show: C0 and C1 controls, line and paragraph
#: separators, the direction overrides and isolates.
_TERMINAL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def shown_on_terminal(text: str) -> str:
    """``text`` with every character a terminal would act on written as a visible escape
    (``\x1b``, ``\x0a``, ``\u202e``): stored file names, keys, reasons and raw excerpts are
    printed through it, since text kept before such characters were refused, or a refused
    record's raw text, may hold them (an escape sequence would recolour or rewrite the
    terminal; a line break would forge a line)."""
    return _TERMINAL.sub(_escaped, text) if _TERMINAL.search(text) else text


def checked_text(text: str, name: str, *, one_line: bool = False) -> str:
    """``text`` unchanged when a person's text may hold it; else BadInputError naming
    ``name``, the character and its position, and the fix."""
    bad = _UNSAFE.search(text) or (_LINE_BREAKS.search(text) if one_line else None)
    if bad:
        code = ord(bad.group())
        kind = (Message("half of a UTF-16 surrogate pair, not a character", "text.surrogate") if 0xD800 <= code <= 0xDFFF
                else Message("a line or paragraph separator, which a one-line text does not hold", "text.separator")
                if code in (0x2028, 0x2029) else Message("a control or direction override", "text.control"))
        raise BadInputError(f"{name} holds the character U+{code:04X} at position {bad.start() + 1}, {kind}; remove it",
                            key="text.character", fields={"name": name, "code": f"U+{code:04X}",
                                                          "position": bad.start() + 1, "kind": kind})
    return text
