"""What a live-feed payload says, less the clock of the feed itself.

CBP updates each lane about once an hour, so a feed polled every five minutes repeats
itself eleven times in twelve, differing only in the feed's own clock (the ``time`` of
each port in JSON, ``last_updated_time`` in XML). Two payloads of the same format whose
bytes are equal once those clocks are blanked therefore parse to the same records, with
one exception the caller must guard against: an update time read as "yesterday" because
it lay ahead of the feed clock becomes "today" once the clock passes it (see
``cbp_time``). That takes at least 21 hours of the same date, so
:data:`MAX_CLOCK_GAP_SECONDS` bounds how far apart two payloads may be for one to stand
for the other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Two payloads with equal blanked bytes stand for each other only within this gap.
MAX_CLOCK_GAP_SECONDS = 12 * 3600

_JSON_TIME = re.compile(rb'"time"\s*:\s*"(\d{1,2}):(\d{2})(?::(\d{2}))?"')
_XML_TIME = re.compile(rb"<last_updated_time>\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*</last_updated_time>")


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """The payload with its feed clock blanked, and that clock in seconds of the day."""

    blanked: bytes
    clock_seconds: int

    def stands_for(self, reference: Fingerprint) -> bool:
        """Whether this payload parses to the same records as the earlier ``reference``."""
        gap = self.clock_seconds - reference.clock_seconds
        return 0 <= gap <= MAX_CLOCK_GAP_SECONDS and self.blanked == reference.blanked


def feed_fingerprint(format: str, data: bytes) -> Fingerprint | None:
    """The fingerprint of a live-feed payload; None when the format has no feed clock or
    the clock cannot be read — then the payload must be parsed in full."""
    if format == "cbp-json":
        pattern = _JSON_TIME
    elif format == "cbp-xml":
        pattern = _XML_TIME
    else:
        return None
    # split() yields text, hours, minutes, seconds, text, ...: the clocks fall out.
    parts = pattern.split(data)
    if len(parts) < 5:
        return None
    latest = max(
        int(h) * 3600 + int(m) * 60 + int(sec or 0)
        for h, m, sec in zip(parts[1::4], parts[2::4], parts[3::4])
    )
    return Fingerprint(b"\x00".join(parts[0::4]), latest)
