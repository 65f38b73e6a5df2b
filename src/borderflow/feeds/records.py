"""What parsers return: plain records and the rejected parts, never half a result."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal

from borderflow.vocabulary import Observation

#: Snapshot key of a live feed's (or RSS item's) lanes shown without a reading ("N/A" or
#: blank), as "mode/program" words joined by spaces, sorted: the archive's record of a
#: lane that stopped reporting, which the CBP-compatible feed replays as N/A.
ABSENT_LANES = "absent_lanes"


@dataclass(frozen=True, slots=True)
class CrossingSeen:
    """A crossing as a source describes it; used to grow the catalog.

    ``max_lanes`` maps a mode to CBP's maximum lanes (None when "N/A" or absent).
    ``snapshot`` holds the port-level fields of a live feed as the source wrote them
    (hours, port_status, construction_notice, date, time, border, ...), so the archive
    can serve the feed back in CBP's own shape.
    """

    crossing_id: str
    port_name: str = ""
    crossing_name: str = ""
    border: str = ""
    max_lanes: dict[str, int | None] = field(default_factory=dict)
    hours: str = ""
    seen_at: dt.datetime | None = None
    snapshot: dict[str, str] = field(default_factory=dict)
    #: The IANA zone the parser read the crossing's times in ("" when it had none); for a
    #: crossing the catalog does not know, the zone its feed's labels named.
    timezone: str = ""


@dataclass(frozen=True, slots=True)
class HistoricalAverage:
    """A CBP historical wait statistic, kept apart from observations.

    ``kind``: ``mean`` (CBP's average), ``min``, ``max``. ``month`` 1-12 or None,
    ``weekday`` 0 = Monday .. 6 = Sunday or None, ``hour`` 0-23 local time at the
    crossing, ``on_date`` the date a daily graph describes (None for monthly tables),
    ``year`` the year the table covers when the source says.
    """

    crossing_id: str
    mode: str
    program: str
    kind: str
    hour: int
    wait_minutes: float | None
    source: str
    month: int | None = None
    weekday: int | None = None
    on_date: dt.date | None = None
    year: int | None = None


@dataclass(frozen=True, slots=True)
class Volume:
    """A count of crossings over a period.

    ``period`` is ``month`` (``period_start`` the first of the month) or ``day``.
    ``measure`` uses BTS's measure names ("Personal Vehicles", "Trucks", ...; "Full"
    of the older schema becomes "Loaded"). ``site`` names a bridge or sub-site when
    the source is finer than a port ("" for port-level counts). ``port_code`` is the
    4-digit CBP port code, or "" when the source names no port.
    """

    port_code: str
    period_start: dt.date
    measure: str
    value: float
    source: str
    period: str = "month"
    site: str = ""
    direction: str = "northbound"
    port_name: str = ""
    state: str = ""
    border: str = ""
    latitude: float | None = None
    longitude: float | None = None


#: The largest count a volume may hold, and the most decimal places: what the volumes CSV
#: (:mod:`borderflow.feeds.volumes_csv`) writes and reads back, so a stored count can always
#: be exported. Every volume parser refuses, row by row, a value outside this rule.
MAX_VOLUME = 999_999_999_999
MAX_VOLUME_DECIMALS = 20


#: The rule as messages state it.
#: What joins the fields of a record's key where it is kept as text (conflicts, adoptions).
KEY_SEPARATOR = "|"


def key_separator_problem(name: str, value: str) -> str | None:
    """Why ``value``, read from a file into a field of a record's key, is refused (it holds
    :data:`KEY_SEPARATOR`, so two records' keys could read alike), or None."""
    if KEY_SEPARATOR not in value:
        return None
    return (f"{name} may not contain {KEY_SEPARATOR!r} (it separates the fields of a record's key, so two "
            f"records could read as one); got {value[:80]!r}")


VOLUME_RULE = (f"a count >= 0 of at most {MAX_VOLUME:,}, with at most {MAX_VOLUME_DECIMALS} "
               "decimal places")


def is_volume(value: float) -> bool:
    """True when ``value`` keeps :data:`VOLUME_RULE`: finite, >= 0, at most
    :data:`MAX_VOLUME`, at most :data:`MAX_VOLUME_DECIMALS` decimal places in its shortest
    exact form (``repr``: 1e-25 has 25)."""
    if not (math.isfinite(value) and 0 <= value <= MAX_VOLUME) or math.copysign(1, value) < 0:
        return False  # -0.0 too: it would be written "-0"
    exponent = Decimal(repr(float(value))).normalize().as_tuple().exponent
    return isinstance(exponent, int) and -exponent <= MAX_VOLUME_DECIMALS


#: Significant digits any decimal keeps through a float (C's DBL_DIG): a count's text with
#: more may come back another number, and is refused unless it comes back unchanged.
FLOAT_DIGITS = 15


def survives_float(text: str) -> bool:
    """True when the decimal ``text`` comes back from its float as the same number
    ("0.1", "1.50", any text of at most :data:`FLOAT_DIGITS` significant digits; not
    "12345678901.99999999", which is stored as 12345678902)."""
    try:
        exact = Decimal(text)
    except ArithmeticError:
        return False
    return exact.is_finite() and exact == Decimal(repr(float(text)))


def float_refusal(name: str, text: str) -> str:
    """The reason a count's text that does not survive as a float is refused."""
    return (f"{name} must survive storage as a number of {FLOAT_DIGITS} significant digits; got {text[:40]!r}, "
            f"which would be stored as {float(text)!r}: round it to {FLOAT_DIGITS} significant digits")


def volume_value(text: str, name: str) -> float:
    """A count read from a cell (spaces and thousands commas allowed: "1,234"); ValueError
    naming ``name``, :data:`VOLUME_RULE` and the text otherwise."""
    try:
        value = float(text.strip().replace(",", ""))
    except ValueError:
        value = math.nan
    if value == 0:
        value = 0.0  # "-0" is a count of none
    if not is_volume(value):
        raise ValueError(f"{name} must be {VOLUME_RULE}; got {text[:40]!r}")
    if not survives_float(text.strip().replace(",", "")):
        raise ValueError(float_refusal(name, text.strip().replace(",", "")))
    return value


#: The first day a count may be for: no source of border counts goes back further (BTS
#: starts in 1996), and year 1 is a typo, not a count.
FIRST_VOLUME_DAY = dt.date(1900, 1, 1)


def volume_date_problem(volume: Volume, latest: dt.date) -> str | None:
    """Why ``volume`` cannot be stored, when its period starts before
    :data:`FIRST_VOLUME_DAY` or after ``latest`` (the day it is stored: as a reading, a
    count cannot be made before its period begins); None when it can."""
    start = volume.period_start
    if FIRST_VOLUME_DAY <= start <= latest:
        return None
    what = "month" if volume.period == "month" else volume.period
    return (f"a {what} starting {start.isoformat()} is outside the dates a count can have: from "
            f"{FIRST_VOLUME_DAY.isoformat()} to the day it is stored ({latest.isoformat()}), since a count "
            "cannot be made before its period begins; check the date and the year")


#: What volumes count, in BTS's words (its Border Crossing Entry Data measures), and the
#: finer counts other sources publish (Cascade's NEXUS and FAST lanes).
MEASURES: frozenset[str] = frozenset({
    "Bus Passengers", "Buses", "Pedestrians", "Personal Vehicle Passengers", "Personal Vehicles",
    "Rail Containers Empty", "Rail Containers Loaded", "Train Passengers", "Trains", "Truck Containers Empty",
    "Truck Containers Loaded", "Trucks", "Personal Vehicles (NEXUS)", "Trucks (FAST)",
})

#: How far after the moment it is stored a reading may be dated: CBP stamps some readings
#: with the coming hour (up to 2 h ahead of its feed's clock); a later one cannot be a
#: reading yet. Ingest keeps it aside rather than show it as the current wait until then.
FUTURE_SLACK = dt.timedelta(hours=3)
#: Sources whose values are means over more than an hour (``cascade-daily-mean``): kept
#: and served as stored, but never readings of a moment, so never a current wait, an
#: hour of history or an hour of a forecast's series.
AGGREGATE_SOURCE_SUFFIXES: tuple[str, ...] = ("-daily-mean",)


@dataclass(frozen=True, slots=True)
class Rejected:
    """A part of a file that could not be read: where, why, and the raw text."""

    place: str
    reason: str
    raw: str = ""


@dataclass(slots=True)
class Parsed:
    """Everything one parser made of one file or payload."""

    format: str
    observations: list[Observation] = field(default_factory=list)
    crossings: list[CrossingSeen] = field(default_factory=list)
    averages: list[HistoricalAverage] = field(default_factory=list)
    volumes: list[Volume] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    #: The time the source says it was generated (feed time), in UTC, when known.
    generated_at: dt.datetime | None = None
    #: The least advance of the feed's clock that would date one of these readings a day
    #: later: an update time ahead of the feed time by more than the allowed lead was
    #: put on the day before (:func:`~borderflow.feeds.cbp_time.place_update_time`).
    #: None when no reading was moved. A repeat of the payload whose clocks moved this
    #: far is not a repeat of its records.
    day_before_slack: dt.timedelta | None = None
    #: Things the user should be told that are not rejections (e.g. "693 empty delay
    #: cells, no reading made"; "POE 'X' has no BTS port code").
    notes: list[str] = field(default_factory=list)
    #: Set once the records holding text the archive cannot store were refused
    #: (:func:`borderflow.store.storable.refuse_unstorable`), where the file was parsed.
    storable: bool = False
