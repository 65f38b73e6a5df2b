"""What a live-feed payload says, less the clock of the feed itself.

CBP updates each lane about once an hour, so a feed polled every five minutes repeats
itself eleven times in twelve, differing only in the feed's own clock (the ``time`` of
each port in JSON, ``last_updated_time`` in XML). Two payloads of the same format whose
bytes are equal once those clocks are cut out parse to the same readings, with one
exception: an update time read as "yesterday" because it lay more than two hours ahead
of the feed clock becomes "today" once the clock comes within two hours of it (see
``cbp_time``). A lane still showing yesterday afternoon's reading the next day crosses
that line at some poll. So a payload stands for an earlier one only when no clock field
moved by as much as the earlier parse's ``day_before_slack`` (the least advance that
re-dates one of its readings), less an hour for a daylight-saving change between them;
otherwise it is parsed in full. :data:`MAX_CLOCK_GAP_SECONDS` bounds how far apart two
payloads may be for one to stand for the other.

The same cut gives a compact, exact encoding of a repeat: its clock fields, byte for
byte (:meth:`Fingerprint.clock_fields`). :func:`rebuild` puts them back into the text of
the payload it repeats and returns the repeat's bytes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from borderflow.errors import BadInputError

#: Two payloads with the same text between their clocks stand for each other only
#: within this gap.
MAX_CLOCK_GAP_SECONDS = 12 * 3600

#: A clock field's advance in wall-clock seconds may fall short of the real advance by
#: an hour when clocks go back between two polls.
DST_MARGIN_SECONDS = 3600

# One group around the whole clock field (kept byte for byte), then hours, minutes and
# seconds: re.split yields text, field, h, m, s, text, ...
_PATTERNS = {
    "cbp-json": re.compile(rb'("time"\s*:\s*"(\d{1,2}):(\d{2})(?::(\d{2}))?")'),
    "cbp-xml": re.compile(rb"(<last_updated_time>\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*</last_updated_time>)"),
}
_STRIDE = 5
#: Separates clock fields in :meth:`Fingerprint.clock_fields` (no field can hold it).
_SEPARATOR = b"\x00"


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """The payload cut at its feed clock fields: the text between them, the fields
    themselves, and the latest clock in seconds of the day."""

    texts: tuple[bytes, ...]
    fields: tuple[bytes, ...]
    clock_seconds: int
    #: Each clock field in seconds of the day, in order.
    field_seconds: tuple[int, ...] = ()

    def stands_for(self, reference: Fingerprint, day_before_slack: dt.timedelta | None = None) -> bool:
        """Whether this payload parses to the same readings as the earlier ``reference``,
        whose parse put a reading on the day before with ``day_before_slack`` to spare."""
        gap = self.clock_seconds - reference.clock_seconds
        if not (0 <= gap <= MAX_CLOCK_GAP_SECONDS and self.texts == reference.texts):
            return False
        if day_before_slack is None:
            return True
        advance = max((a - b for a, b in zip(self.field_seconds, reference.field_seconds)), default=0)
        return advance + DST_MARGIN_SECONDS < day_before_slack.total_seconds()

    def clock_fields(self) -> bytes:
        """The clock fields, in order, as one byte string for :func:`rebuild`."""
        return _SEPARATOR.join(self.fields)


def feed_fingerprint(format: str, data: bytes) -> Fingerprint | None:
    """The fingerprint of a live-feed payload; None when the format has no feed clock or
    the clock cannot be read — then the payload must be parsed in full."""
    pattern = _PATTERNS.get(format)
    if pattern is None:
        return None
    parts = pattern.split(data)
    if len(parts) < _STRIDE + 1:
        return None
    seconds = tuple(
        int(h) * 3600 + int(m) * 60 + int(sec or 0)
        for h, m, sec in zip(parts[2::_STRIDE], parts[3::_STRIDE], parts[4::_STRIDE])
    )
    return Fingerprint(tuple(parts[0::_STRIDE]), tuple(parts[1::_STRIDE]), max(seconds), seconds)


def rebuild(format: str, base: bytes, clock_fields: bytes) -> bytes:
    """The bytes of a payload that repeats ``base`` with the given clock fields."""
    pattern = _PATTERNS.get(format)
    if pattern is None:
        raise BadInputError(f"format {format!r} has no feed clock; a clock delta cannot be applied to it")
    texts = pattern.split(base)[0::_STRIDE]
    fields = clock_fields.split(_SEPARATOR)
    if len(fields) != len(texts) - 1:
        raise BadInputError(
            f"the clock delta holds {len(fields)} clock fields but its base payload has {len(texts) - 1}; "
            "the base is not the payload this delta was made from"
        )
    out = [texts[0]]
    for field, text in zip(fields, texts[1:]):
        out.append(field)
        out.append(text)
    return b"".join(out)
