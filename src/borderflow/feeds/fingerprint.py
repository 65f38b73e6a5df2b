"""What a live-feed payload says, less the clock of the feed itself.

CBP updates each lane about once an hour, so a feed polled every five minutes repeats
itself eleven times in twelve, differing only in the feed's own clock (the ``time`` of
each port in JSON, ``last_updated_time`` in XML). Two payloads of the same format with
the same fingerprint therefore parse to the same records, with one exception the
caller must guard against: an update time read as "yesterday" because it lay ahead of
the feed clock becomes "today" once the clock passes it (see ``cbp_time``). That takes
at least 21 hours of the same date, so :data:`MAX_CLOCK_GAP_SECONDS` bounds how far
apart two payloads may be for one to stand for the other.
"""

from __future__ import annotations

import hashlib
import re

#: Two payloads with equal fingerprints stand for each other only within this gap.
MAX_CLOCK_GAP_SECONDS = 12 * 3600

_JSON_TIME = re.compile(rb'"time"\s*:\s*"')
_XML_TIME = re.compile(rb"<last_updated_time>([^<]*)</last_updated_time>")
_CLOCK = re.compile(rb"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")


def _seconds(text: bytes) -> int | None:
    match = _CLOCK.match(text)
    if not match:
        return None
    h, m, s = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    return h * 3600 + m * 60 + s


def feed_fingerprint(format: str, data: bytes) -> tuple[str, int] | None:
    """(digest of the payload without its feed clock, the clock in seconds of the day).

    None when the format has no such clock or the payload's clock cannot be read —
    then the payload must be parsed in full.
    """
    if format == "cbp-json":
        return _json_fingerprint(data)
    if format == "cbp-xml":
        return _xml_fingerprint(data)
    return None


def _json_fingerprint(data: bytes) -> tuple[str, int] | None:
    parts = _JSON_TIME.split(data)
    if len(parts) < 2:
        return None
    digest = hashlib.sha256(parts[0])
    latest = -1
    for part in parts[1:]:
        end = part.find(b'"')
        if end < 0:
            return None
        seconds = _seconds(part[:end])
        if seconds is None:
            return None
        latest = max(latest, seconds)
        digest.update(b"\x00")
        digest.update(part[end:])
    return digest.hexdigest(), latest


def _xml_fingerprint(data: bytes) -> tuple[str, int] | None:
    match = _XML_TIME.search(data)
    if match is None:
        return None
    seconds = _seconds(match.group(1))
    if seconds is None:
        return None
    digest = hashlib.sha256(data[: match.start()])
    digest.update(b"\x00")
    digest.update(data[match.end() :])
    return digest.hexdigest(), seconds


def stands_for(current: tuple[str, int], reference: tuple[str, int]) -> bool:
    """Whether a payload with fingerprint ``current`` parses to the same records as the
    earlier ``reference`` (same digest, clock at most MAX_CLOCK_GAP_SECONDS later)."""
    return current[0] == reference[0] and 0 <= current[1] - reference[1] <= MAX_CLOCK_GAP_SECONDS
