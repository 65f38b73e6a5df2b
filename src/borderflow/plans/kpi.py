"""KPIs computed from the archive, never typed in.

A :class:`KpiSpec` names what to measure:

- ``source: observations`` — wait readings of ``crossings`` x ``mode`` x ``program``
  (direction northbound by default); ``statistic`` ``mean``, ``p50``, ``p95`` of
  ``wait_minutes`` over the readings that have a wait, or ``count`` of such readings;
  optional ``weekdays`` (0 = Monday .. 6) and ``hours`` ``[start, end)`` in the
  crossing's **local** time (its time zone in the catalog).
- ``source: volumes`` — ``statistic: sum`` of ``measure`` (one of :func:`volume_measures`,
  written as BTS writes it: ``Trucks``) at ``ports`` (4-digit) and ``direction``; a
  quarter missing a month is left out.
- ``source: results`` — a number read from saved simulation or appraisal results
  files (JSON): ``results: [{"period", "file", "field": "a.b.0.c"}]``; each ``period`` is
  a label of the KPI's own ``period`` ("2026-03" for months, "2026Q1" for quarters).

Values are grouped by ``period`` (``month`` -> "2024-05", ``quarter`` -> "2024Q2").
Percentiles interpolate linearly between closest ranks (Hyndman-Fan type 7, as
:mod:`borderflow.services.queries`). The **baseline** is the mean of the period values
whose period lies wholly in ``baseline: {"from": "YYYY-MM", "to": "YYYY-MM"}``
(inclusive): a quarter only partly inside those months is left out, as a quarter
missing a month is left out of the measured values. ``target`` and ``better``
(``lower`` or ``higher``) say when the KPI is met; a baseline that already meets the
target is flagged (:attr:`KpiSeries.target_met_at_baseline`), not refused: holding a
level is a legitimate target.

A KPI that cannot be measured (a results file missing, a stored definition no longer
valid) is a :class:`KpiSeries` with no values and its ``error``: the plan's other KPIs,
its page and its report are still shown.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from borderflow.errors import BadInputError, NotFoundError
from borderflow.messages import Message
from borderflow.plans.model import FIRST_DATE, LAST_DATE, choice, parse_date, text_value
from borderflow.text_rules import checked_text

SOURCES: tuple[str, ...] = ("observations", "volumes", "results")
#: The keys of a KPI's definition (its JSON ``spec``) as :meth:`KpiSpec.as_dict` writes them:
#: the ones an edit may set (a key left out takes its default, or is not used).
SPEC_KEYS: tuple[str, ...] = (
    "source", "statistic", "period", "better", "unit", "target", "baseline", "crossings", "mode", "program",
    "direction", "weekdays", "hours", "ports", "measure", "volumes_from", "results", "start", "end",
)
#: The most characters of a KPI's unit ("minutes", "trucks per day"): one line, trimmed;
#: a blank unit is no unit.
UNIT_LIMIT = 60
WAIT_STATISTICS: tuple[str, ...] = ("mean", "p50", "p95", "count")
PERIODS: tuple[str, ...] = ("month", "quarter")
BETTER: tuple[str, ...] = ("lower", "higher")


@dataclass(frozen=True)
class KpiSpec:
    source: str
    statistic: str
    period: str
    better: str
    unit: str = ""
    crossings: tuple[str, ...] = ()
    mode: str = ""
    program: str = ""
    direction: str = "northbound"
    weekdays: tuple[int, ...] = ()
    hours: tuple[int, int] | None = None
    ports: tuple[str, ...] = ()
    measure: str = ""
    #: volumes: the archive source whose rows are summed ("bts", "txdot", ...); "" = the
    #: port-level totals of the one source that has the most of them (never two sources
    #: added together: BTS and TxDOT count the same trucks).
    volumes_from: str = ""
    results: tuple[tuple[str, str, str], ...] = ()
    baseline_from: str = ""
    baseline_to: str = ""
    target: float | None = None
    start: dt.date | None = None
    end: dt.date | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["crossings"], data["weekdays"], data["ports"] = list(self.crossings), list(self.weekdays), list(self.ports)
        data["hours"] = list(self.hours) if self.hours else None
        data["results"] = [{"period": p, "file": f, "field": k} for p, f, k in self.results]
        data["baseline"] = {"from": data.pop("baseline_from"), "to": data.pop("baseline_to")}
        data["start"] = self.start.isoformat() if self.start else None
        data["end"] = self.end.isoformat() if self.end else None
        return {k: v for k, v in data.items() if v not in ((), [], "", None)}


@dataclass(frozen=True)
class KpiValue:
    period: str
    value: float
    #: Readings (or monthly counts, or files) the value stands on.
    n: int


@dataclass(frozen=True)
class KpiSeries:
    key: str
    name: str
    spec: KpiSpec
    values: tuple[KpiValue, ...]
    baseline: float | None
    #: Why the KPI could not be measured ("" when it was): shown instead of values; a
    #: :class:`~borderflow.messages.Message`, so a page or a report can say it in its language.
    error: str = ""

    @property
    def latest(self) -> KpiValue | None:
        return self.values[-1] if self.values else None

    @property
    def target_met_at_baseline(self) -> bool:
        """Whether the baseline already reaches the target: a level to hold (keep waits
        under an hour while traffic grows), or a target set on the wrong side of the
        baseline by mistake. Shown with the KPI, so a reader can tell which."""
        if self.baseline is None or self.spec.target is None:
            return False
        if self.spec.better == "lower":
            return self.baseline <= self.spec.target
        return self.baseline >= self.spec.target

    @property
    def met(self) -> bool | None:
        """Whether the latest value reaches the target (None without either)."""
        if self.latest is None or self.spec.target is None:
            return None
        if self.spec.better == "lower":
            return self.latest.value <= self.spec.target
        return self.latest.value >= self.spec.target

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "spec": self.spec.as_dict(), "baseline": self.baseline,
                "target": self.spec.target, "better": self.spec.better, "unit": self.spec.unit,
                "met": self.met, "target_met_at_baseline": self.target_met_at_baseline,
                "values": [asdict(v) for v in self.values],
                **({"error": self.error} if self.error else {})}


def _finite_number(value: Any) -> bool:
    """Whether ``value`` is a number a float holds (a whole number of 400 digits is not)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _shown(value: Any) -> Any:
    """A short stand-in for a value in a message: a text cut to 40 characters, a whole
    number too long to read by its digits, a list or an object by its type."""
    if isinstance(value, str):
        return value[:40]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**20:
        return f"a whole number of {len(str(abs(value)))} digits"
    if isinstance(value, list | dict):
        return type(value).__name__
    return value


def unmeasured(key: str, name: str, data: Mapping[str, Any], reason: Message) -> KpiSeries:
    """The series of a KPI that cannot be measured: no values, ``reason`` as its error.

    ``data`` is the stored definition, which may itself be what is wrong: only its unit,
    direction and target are kept, where they are usable.
    """
    better = data.get("better") if data.get("better") in BETTER else "lower"
    target = data.get("target")
    usable = _finite_number(target)
    spec = KpiSpec(source=str(data.get("source", "")), statistic="", period="quarter", better=str(better),
                   unit=str(data.get("unit", "")), target=float(target) if usable and target is not None else None)
    return KpiSeries(key, name, spec, (), None, reason)


def period_label(day: dt.date, period: str) -> str:
    """"2024-05" (month) or "2024Q2" (quarter) for the period holding ``day``."""
    if period == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return f"{day.year:04d}Q{(day.month - 1) // 3 + 1}"


_MONTH_LABEL = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])\Z")
_QUARTER_LABEL = re.compile(r"([0-9]{4})Q([1-4])\Z")


def period_months(label: str) -> tuple[dt.date, dt.date] | None:
    """(first month, last month) of a period label "2024-05" or "2024Q2"; None for anything else."""
    if found := _MONTH_LABEL.match(label):
        first = dt.date(int(found[1]), int(found[2]), 1)
        return first, first
    if found := _QUARTER_LABEL.match(label):
        year, quarter = int(found[1]), int(found[2])
        return dt.date(year, 3 * quarter - 2, 1), dt.date(year, 3 * quarter, 1)
    return None


def _month(text: Any, where: str) -> str:
    if not isinstance(text, str) or not _MONTH_LABEL.match(text) or not (
            FIRST_DATE.year <= int(text[:4]) <= LAST_DATE.year):
        raise BadInputError(f"{where} must be a month YYYY-MM from {FIRST_DATE.year} to {LAST_DATE.year}; "
                            f"got {text!r}", key="kpi.month",
                            fields={"where": where, "first": FIRST_DATE.year, "last": LAST_DATE.year, "got": text})
    return text


def _period_label(text: str, period: str, where: str) -> str:
    pattern, example = (_MONTH_LABEL, "2026-03") if period == "month" else (_QUARTER_LABEL, "2026Q1")
    found = pattern.match(text)
    if not found or not FIRST_DATE.year <= int(found[1]) <= LAST_DATE.year:
        raise BadInputError(f"{where} must be a {period} label like {example!r} (the KPI's period is "
                            f"{period!r}); got {text!r}", key="kpi.period_label",
                            fields={"where": where, "period": Message(period, f"period.{period}"), "name": period,
                                    "example": example, "got": text})
    return text


def _whole_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _codes(value: Any, where: str, digits: int, example: str) -> tuple[str, ...]:
    """A list of CBP codes of ``digits`` ASCII digits (crossings 6, ports 4)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(
            isinstance(v, str) and re.fullmatch(f"[0-9]{{{digits}}}", v.strip()) for v in value):
        raise BadInputError(f"{where} must be a list of {digits}-digit CBP codes such as [{example!r}]; "
                            f"got {value!r}", key="kpi.codes",
                            fields={"where": where, "digits": digits, "example": example, "got": value})
    return tuple(v.strip() for v in value)


def _source_name(value: Any, where: str) -> str:
    if not isinstance(value, str) or len(value) > 40:
        raise BadInputError(f"{where} must be an archive source name such as \"bts\" or \"txdot\"; got {value!r}",
                            key="kpi.volumes_from", fields={"where": where, "got": value})
    return checked_text(value.strip(), where, one_line=True)


def volume_measures() -> tuple[str, ...]:
    """The measures volumes are stored under: BTS's words (TxDOT's counts are stored in them
    too, and its railcars as "Railcars"), and the finer counts of other sources."""
    from borderflow.feeds.records import MEASURES
    from borderflow.feeds.txdot import MODE_MEASURES

    return tuple(sorted(MEASURES | set(MODE_MEASURES.values())))


def _measure(value: Any, where: str) -> str:
    """One of :func:`volume_measures`, written exactly (a count of "trucks" finds nothing)."""
    measure = value.strip() if isinstance(value, str) else ""
    known = volume_measures()
    if measure in known:
        return measure
    if not measure:
        raise BadInputError(f"{where} is required for volumes, e.g. \"Trucks\"; one of {', '.join(known)}",
                            key="kpi.measure_required", fields={"where": where, "known": ", ".join(known)})
    close = [m for m in known if m.lower() == measure.lower()]
    hint = Message(f"did you mean {close[0]!r}? ", "kpi.measure_hint", {"close": close[0]}) if close else ""
    raise BadInputError(f"{where} {measure!r} is not a measure the archive stores; {hint}"
                        f"use one of {', '.join(known)} (as written)", key="kpi.measure_unknown",
                        fields={"where": where, "measure": measure, "hint": hint, "known": ", ".join(known)})


def parse_spec(data: Mapping[str, Any], where: str = "spec") -> KpiSpec:
    """A validated :class:`KpiSpec` from its JSON object; BadInputError naming the field."""
    from borderflow.vocabulary import DIRECTIONS, MODES, PROGRAMS

    source = choice(data.get("source"), SOURCES, f"{where}.source")
    period = choice(data.get("period", "quarter"), PERIODS, f"{where}.period")
    better = choice(data.get("better"), BETTER, f"{where}.better")
    target = data.get("target")
    if target is not None and not _finite_number(target):
        raise BadInputError(f"{where}.target must be a number; got {_shown(target)!r}", key="kpi.target",
                            fields={"where": where, "got": _shown(target)})
    baseline = data.get("baseline") or {}
    if not isinstance(baseline, Mapping):
        raise BadInputError(f"{where}.baseline must be {{\"from\": \"YYYY-MM\", \"to\": \"YYYY-MM\"}}; got {baseline!r}",
                            key="kpi.baseline_shape", fields={"where": where, "got": baseline})
    b_from = _month(baseline["from"], f"{where}.baseline.from") if baseline.get("from") else ""
    b_to = _month(baseline["to"], f"{where}.baseline.to") if baseline.get("to") else ""
    if bool(b_from) != bool(b_to) or (b_from and b_from > b_to):
        raise BadInputError(f"{where}.baseline needs both from and to, from <= to; got {dict(baseline)!r}",
                            key="kpi.baseline_order", fields={"where": where, "got": dict(baseline)})
    common: dict[str, Any] = {
        "source": source, "period": period, "better": better, "unit": text_value(data.get("unit"), f"{where}.unit", required=False, limit=UNIT_LIMIT),
        "target": float(target) if target is not None else None, "baseline_from": b_from, "baseline_to": b_to,
        "start": parse_date(data["start"], f"{where}.start") if data.get("start") not in (None, "") else None,
        "end": parse_date(data["end"], f"{where}.end") if data.get("end") not in (None, "") else None,
    }
    if common["start"] and common["end"] and common["start"] >= common["end"]:
        raise BadInputError(f"{where}.start must be before {where}.end; got {common['start']} and {common['end']}",
                            key="kpi.start_end", fields={"where": where, "start": common["start"], "end": common["end"]})
    if source == "observations":
        hours = data.get("hours")
        if hours is not None and not (isinstance(hours, list) and len(hours) == 2
                                      and all(_whole_number(h) for h in hours) and 0 <= hours[0] < hours[1] <= 24):
            raise BadInputError(f"{where}.hours must be [start, end) whole local hours 0-24, e.g. [6, 10]; got {hours!r}",
                                key="kpi.hours", fields={"where": where, "got": hours})
        weekdays = data.get("weekdays") or []
        if not isinstance(weekdays, list) or not all(_whole_number(d) and 0 <= d <= 6 for d in weekdays):
            raise BadInputError(f"{where}.weekdays must be a list of 0 (Monday) .. 6 (Sunday); got {weekdays!r}",
                                key="kpi.weekdays", fields={"where": where, "got": weekdays})
        return KpiSpec(**common, statistic=choice(data.get("statistic"), WAIT_STATISTICS, f"{where}.statistic"),
                       crossings=_codes(data.get("crossings"), f"{where}.crossings", 6, "250401"),
                       mode=choice(data.get("mode"), MODES, f"{where}.mode"),
                       program=choice(data.get("program", "standard"), PROGRAMS, f"{where}.program"),
                       direction=choice(data.get("direction", "northbound"), DIRECTIONS, f"{where}.direction"),
                       weekdays=tuple(sorted(set(weekdays))), hours=(hours[0], hours[1]) if hours else None)
    if source == "volumes":
        measure = _measure(data.get("measure"), f"{where}.measure")
        return KpiSpec(**common, statistic=choice(data.get("statistic", "sum"), ("sum",), f"{where}.statistic"),
                       ports=_codes(data.get("ports"), f"{where}.ports", 4, "2304"), measure=measure,
                       direction=choice(data.get("direction", "northbound"), DIRECTIONS, f"{where}.direction"),
                       volumes_from=_source_name(data.get("volumes_from", ""), f"{where}.volumes_from"))
    entries = data.get("results") or []
    if not isinstance(entries, list) or not entries:
        raise BadInputError(f"{where}.results must list {{\"period\", \"file\", \"field\"}} entries",
                            key="kpi.results_list", fields={"where": where})
    results = []
    for i, e in enumerate(entries):
        if not isinstance(e, Mapping) or not all(isinstance(e.get(k), str) and e.get(k) for k in ("period", "file", "field")):
            raise BadInputError(f"{where}.results[{i}] needs text period, file and field; got {e!r}",
                                key="kpi.results_entry", fields={"where": where, "index": i, "got": e})
        results.append((_period_label(e["period"], period, f"{where}.results[{i}].period"),
                        checked_text(e["file"], f"{where}.results[{i}].file", one_line=True),
                        checked_text(e["field"], f"{where}.results[{i}].field", one_line=True)))
    return KpiSpec(**common, statistic="value", results=tuple(results))


# -- statistics (pure) ------------------------------------------------------------------


def quantile(values: list[float], q: float) -> float:
    """Type-7 quantile: linear between the closest ranks of the sorted values."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def wait_statistic(values: list[float], statistic: str) -> float:
    if statistic == "count":
        return float(len(values))
    if statistic == "mean":
        return math.fsum(values) / len(values)
    return quantile(values, {"p50": 0.5, "p95": 0.95}[statistic])


def wait_series(readings: Iterable[tuple[dt.datetime, float, dt.tzinfo]], spec: KpiSpec) -> list[KpiValue]:
    """Per-period values of ``spec``'s statistic from (observed_at UTC, wait, local zone) readings."""
    groups: dict[str, list[float]] = defaultdict(list)
    for at, wait, zone in readings:
        local = at.astimezone(zone)
        if spec.weekdays and local.weekday() not in spec.weekdays:
            continue
        if spec.hours and not spec.hours[0] <= local.hour < spec.hours[1]:
            continue
        if (spec.start and local.date() < spec.start) or (spec.end and local.date() >= spec.end):
            continue
        groups[period_label(local.date(), spec.period)].append(float(wait))
    return [KpiValue(p, wait_statistic(v, spec.statistic), len(v)) for p, v in sorted(groups.items())]


def volume_series(counts: Iterable[tuple[dt.date, float]], spec: KpiSpec) -> list[KpiValue]:
    """Per-period sums of monthly counts (period_start, value)."""
    sums: dict[str, float] = defaultdict(float)
    months: dict[str, int] = defaultdict(int)
    for start, value in counts:
        if (spec.start and start < spec.start) or (spec.end and start >= spec.end):
            continue
        label = period_label(start, spec.period)
        sums[label] += value
        months[label] += 1
    # A quarter with fewer than three months in the archive is not comparable: left out.
    needed = 3 if spec.period == "quarter" else 1
    return [KpiValue(p, sums[p], months[p]) for p in sorted(sums) if months[p] >= needed]


#: The largest results file a KPI reads (bytes): an appraisal's --json output is far smaller,
#: and a page or a report must not wait on reading a huge file.
RESULTS_FILE_LIMIT = 64 * 1024 * 1024


def _unreadable(location: Path, why: Message) -> BadInputError:
    return BadInputError(f"KPI results file {str(location)!r} cannot be read: {why}; save the appraisal's --json "
                         "output there", key="kpi.results_unreadable", fields={"file": str(location), "why": why})


def _results_document(location: Path) -> Any:
    """The decoded JSON of a results file: NotFoundError when it is missing, BadInputError
    (one line, said in the reader's language) when it cannot be read as JSON text: not a
    regular file, too large, not readable, not UTF-8, not JSON (or nested too deep)."""
    try:
        size = location.stat().st_size
        if not location.is_file():
            raise _unreadable(location, Message("it is not a regular file (a directory?)", "kpi.unreadable_not_file"))
        if size > RESULTS_FILE_LIMIT:
            raise _unreadable(location, Message(f"it holds {size:,} bytes, more than {RESULTS_FILE_LIMIT:,}",
                                                "kpi.unreadable_too_large", {"size": size, "limit": RESULTS_FILE_LIMIT}))
        raw = location.read_bytes()
    except FileNotFoundError:
        raise NotFoundError(f"KPI results file {str(location)!r} does not exist; run the appraisal "
                            "and save its --json output there", key="kpi.results_missing",
                            fields={"file": str(location)}) from None
    except PermissionError:
        raise _unreadable(location, Message("permission denied", "kpi.unreadable_denied")) from None
    except OSError as exc:
        raise _unreadable(location, Message(f"the system refused to read it ({exc.strerror or type(exc).__name__})",
                                            "kpi.unreadable_os", {"why": exc.strerror or type(exc).__name__})) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _unreadable(location, Message("it is not UTF-8 text", "kpi.unreadable_not_utf8")) from None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise _unreadable(location, Message("it is not JSON", "kpi.unreadable_not_json")) from None


def results_series(spec: KpiSpec, base: Path | None = None) -> list[KpiValue]:
    """Values read from saved results files (JSON) at a dotted ``field`` path. A file that is
    missing or cannot be read, a field not there or not a finite number, is a BorderFlowError
    (:func:`_results_document`): the KPI cannot be measured, and says why."""
    values = []
    for period, file, path in spec.results:
        location = Path(file) if Path(file).is_absolute() or base is None else base / file
        node: Any = _results_document(location)
        for part in path.split("."):
            try:
                node = node[int(part)] if isinstance(node, list) else node[part]
            except (KeyError, IndexError, ValueError, TypeError):
                raise BadInputError(f"results file {str(location)!r} has no field {path!r} (stopped at {part!r})",
                                    key="kpi.results_no_field",
                                    fields={"file": str(location), "field": path, "part": part}) from None
        if not _finite_number(node):
            shown = _shown(node)
            raise BadInputError(f"field {path!r} of {str(location)!r} must be a number; got {shown!r}",
                                key="kpi.results_not_number", fields={"file": str(location), "field": path,
                                                                      "got": shown})
        values.append(KpiValue(period, float(node), 1))
    return sorted(values, key=lambda v: v.period)


def baseline_of(values: Iterable[KpiValue], spec: KpiSpec) -> float | None:
    """Mean of the period values wholly inside the baseline months (None when none fall there).

    A quarter counts only when its three months all lie in [from, to]: baseline
    2024-02 .. 2024-12 takes 2024Q2, Q3 and Q4, not Q1.
    """
    if not spec.baseline_from:
        return None
    low = dt.date.fromisoformat(spec.baseline_from + "-01")
    high = dt.date.fromisoformat(spec.baseline_to + "-01")
    inside = []
    for v in values:
        months = period_months(v.period)
        if months is not None and low <= months[0] and months[1] <= high:
            inside.append(v.value)
    return math.fsum(inside) / len(inside) if inside else None
