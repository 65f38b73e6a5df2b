"""CBP's update-time text resolved to an aware UTC datetime.

CBP writes the time of each lane's last update as text in the crossing's local time,
with a zone label: ``"At 3:00 pm EDT"``, ``"At Noon PDT"``, ``"At Midnight EDT"``, or
``""`` when the lane has no reading. The date is not in the text; it comes from the
feed (the port block's ``date``, else the feed's own date).

The time rule (every CBP parser uses it):

1. **Zone.** The crossing's own IANA zone from the catalog
   (:func:`borderflow.catalog.timezone_of`). CBP's labels are not trusted: they are
   often wrong for the season (Douglas, Arizona says "PST" in June; Arizona keeps
   UTC-7 all year). Only when the catalog does not know the crossing does the label
   pick the zone, as a zone *family* with its daylight rules, never as a fixed offset:
   EST/EDT -> America/New_York, CST/CDT -> America/Chicago, MDT -> America/Denver,
   MST -> America/Phoenix, PST/PDT -> America/Los_Angeles, AKST/AKDT ->
   America/Anchorage. MST goes to Phoenix because in summer only Arizona still says
   MST, and in winter Phoenix and Denver agree (UTC-7), so Phoenix is right both ways.
2. **Date.** The wall time is placed on the feed's date for the crossing (the port
   block's ``date``, else the feed's date there). If that instant is more than
   ``READING_LEAD`` (2 hours) later than the feed time (the port's date+time, or the
   feed's generation time), the reading belongs to the day before: the same wall time
   on the previous calendar day (a calendar day, not 24 hours, so DST keeps the wall
   time). The 2-hour allowance is what real feeds need: CBP stamps a reading with the
   coming hour ("At 4:00 am CDT" in an RSS published at 3:53 CDT, then revised), and
   some northern ports run an hour ahead (Calais "At 3:00 pm EDT" in a feed of
   13:25 EDT; International Falls "At 2:00 pm CDT" at 12:25 CDT; the same ports lead
   again in the next capture, so they are not a day stale). Leads seen: up to 95
   minutes. Without the allowance such a reading lands a day early and collides with
   the true reading of the day before.
3. **Noon / Midnight / 0 am.** "Noon" is 12:00; "Midnight" is 00:00 at the start of
   the date (rule 2 moves it back a day only if it is still ahead); "At 0:31 am EDT"
   (2017) is 00:31.
4. **DST edges, deterministic.** A wall time that happens twice (fall back) takes the
   occurrence the label names when the label is a daylight (``*DT``) or standard
   (``*ST``) label, else the earlier one. A wall time that never happens (spring
   forward) is read with the offset in force before the change (PEP 495 ``fold=0``):
   2:30 becomes 3:30 daylight time.

The result is an aware datetime in UTC, whole seconds.

The pure functions here are memoized: a feed polled every few minutes repeats the
same few hundred texts, and a cached answer is exact (the functions depend on their
arguments alone).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from borderflow.errors import BadInputError

_catalog_timezone_of: Callable[[str], str | None] | None
try:  # the catalog ships with BorderFlow; a stripped install falls back to labels
    from borderflow.catalog import timezone_of as _catalog_timezone_of
except ImportError:  # pragma: no cover - only without the catalog package
    _catalog_timezone_of = None

UTC = dt.UTC

#: Zone of CBP's own clock: bwt.xml ``last_updated_date/time`` and the RSS pubDate.
#: Evidence: the 2014 feed says 15:25:59 while eastern ports read "At 3:00 pm EDT";
#: the 2017 feed says 0:31:39 while Blaine's block is still dated the day before.
CBP_CLOCK_ZONE = "America/New_York"

#: Zone label -> the zone family used when the catalog does not know a crossing.
LABEL_ZONES: dict[str, str] = {
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "CST": "America/Chicago",
    "CDT": "America/Chicago",
    "MST": "America/Phoenix",
    "MDT": "America/Denver",
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "AKST": "America/Anchorage",
    "AKDT": "America/Anchorage",
}

#: How far an update time may run ahead of the feed time and still be the feed's day.
READING_LEAD = dt.timedelta(hours=2)

#: Years a CBP date may carry; anything else is a typo, not a reading.
FIRST_YEAR, LAST_YEAR = 1990, 2999

_CLOCK = re.compile(
    r"^\s*(?:at\s+)?"
    r"(?:(?P<word>noon|midnight)"
    r"|(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?(?::(?P<second>\d{2}))?"
    r"\s*(?:(?P<ampm>[ap])\.?\s?m\.?)?)"
    r"\s*(?P<label>[a-z]{2,4})?\s*$",
    re.IGNORECASE,
)
_SLASH_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")
_DASH_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_RFC822 = re.compile(
    r"^\s*(?:[a-z]{3},?\s+)?(\d{1,2})\s+([a-z]{3})[a-z]*\s+(\d{4})\s+"
    r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([a-z]{1,5}|[+-]\d{4})?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class ClockReading:
    """An update-time text read: local wall-clock time of day and the label as written.

    ``label`` is upper-cased ("EDT"), "" when the text has none.
    """

    time: dt.time
    label: str


@lru_cache(maxsize=8192)
def parse_clock(text: str) -> ClockReading:
    """Read "At 3:00 pm EDT", "At Noon PDT", "At Midnight EDT", "At 0:31 am EDT", "13:40".

    Raises BadInputError when the text is not a time of day.
    """
    match = _CLOCK.match(text)
    if match is None:
        raise BadInputError(f"update time {text!r} is not like 'At 3:00 pm EDT' or 'At Noon CDT'")
    label = (match["label"] or "").upper()
    if label in {"AM", "PM"}:
        raise BadInputError(f"update time {text!r} has am/pm but no hour")
    if match["word"]:
        hour = 12 if match["word"].lower() == "noon" else 0
        return ClockReading(dt.time(hour), label)
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    second = int(match["second"] or 0)
    if match["ampm"]:
        # CBP has written "At 0:31 am EDT" for 12:31 am; 0 is read as 12.
        if hour > 12:
            raise BadInputError(f"update time {text!r}: hour must be 0-12 with am/pm")
        hour = hour % 12 + (12 if match["ampm"].lower() == "p" else 0)
    elif match["minute"] is None:
        raise BadInputError(f"update time {text!r} has neither minutes nor am/pm")
    if hour > 23 or minute > 59 or second > 59:
        raise BadInputError(f"update time {text!r} is not a valid time of day")
    return ClockReading(dt.time(hour, minute, second), label)


@lru_cache(maxsize=8192)
def parse_feed_date(text: str) -> dt.date:
    """Read a CBP date: "3/15/2014" (port blocks, RSS) or "2014-3-15" (bwt.xml header)."""
    match = _SLASH_DATE.match(text)
    if match:
        month, day, year = (int(g) for g in match.groups())
    elif match := _DASH_DATE.match(text):
        year, month, day = (int(g) for g in match.groups())
    else:
        raise BadInputError(f"date {text!r} is not like 3/15/2014 or 2014-3-15")
    return _date(year, month, day, text)


@lru_cache(maxsize=8192)
def parse_feed_clock(text: str) -> dt.time:
    """Read a 24-hour clock time "15:25:59" or "0:31:39" (the feed's own time)."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*", text)
    if match is None:
        raise BadInputError(f"time {text!r} is not like 15:25:59")
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise BadInputError(f"time {text!r} is not a valid time of day")
    return dt.time(hour, minute, second)


@lru_cache(maxsize=8192)
def zone_named(name: str) -> ZoneInfo | None:
    """The ZoneInfo for an IANA name, or None when the name is not a known zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@lru_cache(maxsize=8192)
def catalog_zone_name(crossing_id: str) -> str | None:
    """The catalog's IANA zone for a crossing, or None when it does not know it."""
    if _catalog_timezone_of is None:  # pragma: no cover - only without the catalog
        return None
    return _catalog_timezone_of(crossing_id)


@lru_cache(maxsize=8192)
def crossing_zone(crossing_id: str, label: str = "") -> ZoneInfo | None:
    """The zone to read a crossing's wall times in: catalog first, then the label.

    None when the catalog does not know the crossing and the label is absent or not
    one of :data:`LABEL_ZONES`.
    """
    name = catalog_zone_name(crossing_id)
    zone = zone_named(name) if name else None
    if zone is None and label.upper() in LABEL_ZONES:
        zone = ZoneInfo(LABEL_ZONES[label.upper()])
    return zone


@lru_cache(maxsize=8192)
def to_utc(day: dt.date, time: dt.time, zone: ZoneInfo, label: str = "") -> dt.datetime:
    """Local wall time on ``day`` in ``zone`` as an aware UTC datetime (rule 4 above)."""
    naive = dt.datetime.combine(day, time)
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    chosen = first
    if first.utcoffset() != second.utcoffset() and _exists(second):
        # The wall time happens twice; a *DT / *ST label says which.
        wants_daylight = label.upper().endswith("DT")
        wants_standard = label.upper().endswith("ST")
        for candidate in (first, second):
            is_daylight = bool(candidate.dst())
            if (wants_daylight and is_daylight) or (wants_standard and not is_daylight):
                chosen = candidate
                break
    return chosen.astimezone(UTC)


def resolve_update_time(
    reading: ClockReading,
    day: dt.date,
    zone: ZoneInfo,
    feed_time: dt.datetime | None,
) -> dt.datetime:
    """The UTC instant of an update time read on the feed's local ``day`` (rules 2-4).

    ``feed_time`` (aware) is the instant the feed describes; an update time more than
    READING_LEAD later than it belongs to the previous calendar day. Without a feed
    time no day is moved.
    """
    return place_update_time(reading, day, zone, feed_time)[0]


def place_update_time(
    reading: ClockReading,
    day: dt.date,
    zone: ZoneInfo,
    feed_time: dt.datetime | None,
) -> tuple[dt.datetime, dt.timedelta | None]:
    """:func:`resolve_update_time`, and for an update time rule 2 moved to the previous
    day, how much later the feed time would have had to be to keep it on ``day`` (a
    positive slack; None when the time was not moved). A feed polled again with the
    same text but a clock that far ahead dates that reading differently."""
    at = to_utc(day, reading.time, zone, reading.label)
    if feed_time is not None and at > feed_time + READING_LEAD:
        slack = at - READING_LEAD - feed_time
        return to_utc(day - dt.timedelta(days=1), reading.time, zone, reading.label), slack
    return at, None


def local_date(instant: dt.datetime, zone: ZoneInfo) -> dt.date:
    """The calendar date an aware instant falls on in ``zone``."""
    return instant.astimezone(zone).date()


def parse_rss_pubdate(text: str) -> dt.datetime:
    """CBP's RSS pubDate "Wed, 12 Aug 2026 00:14:34 EST" as an aware UTC datetime.

    CBP writes US-Eastern wall-clock time with daylight saving and labels it "EST"
    all year, so a US label names a zone family (:data:`LABEL_ZONES`, wall time with
    DST), not a fixed offset. GMT/UT/UTC/Z and numeric offsets ("+0000") are honoured
    as written; a missing label means CBP's clock (America/New_York).
    """
    match = _RFC822.match(text)
    if match is None:
        raise BadInputError(f"pubDate {text!r} is not like 'Wed, 12 Aug 2026 00:14:34 EST'")
    day_text, month_text, year_text, hour, minute, second, label = match.groups()
    if month_text.lower() not in _MONTHS:
        raise BadInputError(f"pubDate {text!r}: {month_text!r} is not a month name")
    day = _date(int(year_text), _MONTHS.index(month_text.lower()) + 1, int(day_text), text)
    if int(hour) > 23 or int(minute) > 59 or int(second or 0) > 59:
        raise BadInputError(f"pubDate {text!r} is not a valid time of day")
    clock = dt.time(int(hour), int(minute), int(second or 0))
    label = (label or "").upper()
    if label in {"GMT", "UT", "UTC", "Z"}:
        return dt.datetime.combine(day, clock, UTC)
    if label[:1] in {"+", "-"}:
        sign = -1 if label[0] == "-" else 1
        offset = dt.timedelta(hours=int(label[1:3]), minutes=int(label[3:5]))
        if offset >= dt.timedelta(hours=24):
            raise BadInputError(f"pubDate {text!r}: offset {label} is out of range")
        zone = dt.timezone(sign * offset)
        return dt.datetime.combine(day, clock, zone).astimezone(UTC)
    if label and label not in LABEL_ZONES:
        raise BadInputError(f"pubDate {text!r}: zone {label!r} is not a US zone label or offset")
    zone_info = ZoneInfo(LABEL_ZONES.get(label, CBP_CLOCK_ZONE))
    return to_utc(day, clock, zone_info, "")


def _exists(local: dt.datetime) -> bool:
    """Whether an aware local wall time survives a round trip through UTC."""
    back = local.astimezone(UTC).astimezone(local.tzinfo)
    return back.replace(tzinfo=None) == local.replace(tzinfo=None)


def _date(year: int, month: int, day: int, text: str) -> dt.date:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise BadInputError(f"date {text!r}: year {year} is outside {FIRST_YEAR}-{LAST_YEAR}")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise BadInputError(f"date {text!r} is not a calendar date") from None
