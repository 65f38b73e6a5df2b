"""Scenario: a port's inspection model plus its demand, validated before anything runs.

A scenario file (YAML or JSON) is read by :func:`load_scenario`, which checks every
rule up front and raises one :class:`~borderflow.errors.BadInputError` naming every
problem found ("lane_groups.general.booths must be a whole number >= 0 for each of
the 24 hours; got -1 at hour 7"). What comes back is a tree of frozen dataclasses
that the simulator trusts without checking again.

The format is documented in ``docs/simulator.md``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeGuard

import yaml

from borderflow.errors import BadInputError
from borderflow.messages import Message
from borderflow.sim.clock import Clock, parse_clock
from borderflow.vocabulary import MODES, PROGRAMS

#: Service-time distributions a lane group may use.
DISTRIBUTIONS: tuple[str, ...] = ("exponential", "lognormal", "gamma", "deterministic", "empirical")
#: Distributions whose spread is set by ``cv``.
DISTRIBUTIONS_WITH_CV: tuple[str, ...] = ("lognormal", "gamma")
#: Longest horizon accepted: a leap year of hours.
MAX_HOURS = 8784
MAX_REPLICATIONS = (
    10_000  # per-replication sums are kept (for the CIs): ~100 bytes per group-hour each
)
#: Most booths a lane group may open in an hour, and most secondary spaces: each is
#: simulated as its own server (the largest US land port has about 60 primary booths).
MAX_BOOTHS = 10_000
#: Longest mean service time, and longest empirical value, in seconds: a day. (A primary
#: inspection takes seconds to minutes, a truck's secondary inspection up to hours.)
MAX_SERVICE_SECONDS = 86_400.0
#: Largest coefficient of variation of a lognormal or gamma service time: with more, a
#: draw thousands of times the mean is routine and the times stop meaning anything.
MAX_CV = 10.0
#: Largest arrival rate of one demand entry, vehicles an hour (a busy crossing sees a few
#: thousand; a replication holds at most 50 million arrivals anyway).
MAX_RATE_PER_HOUR = 1_000_000.0
DEFAULT_SEED = 0
DEFAULT_REPLICATIONS = 10
#: Queue length per vehicle, metres (a car plus the gap to the next, a common planning figure).
DEFAULT_QUEUE_SPACING_METRES = 7.5

_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class ServiceTime:
    """A service-time distribution in seconds.

    ``cv`` is the coefficient of variation (standard deviation / mean): 1 for
    exponential, 0 for deterministic, as given for lognormal and gamma, and the
    sample's own for empirical (whose ``mean_seconds`` is the mean of its values).
    """

    dist: str
    mean_seconds: float
    cv: float
    values_seconds: tuple[float, ...] = ()


@dataclass(frozen=True)
class Secondary:
    """Referral to secondary inspection after primary: a first-come-first-served pool."""

    probability: float
    service: ServiceTime
    spaces: int


@dataclass(frozen=True)
class LaneGroup:
    """Booths of one lane (mode x program) that share one first-come-first-served queue.

    ``booths[h]`` is the number of booths open in hour ``h`` (booths ``0 ..
    booths[h]-1``); its length is the scenario's ``hours``.
    """

    id: str
    mode: str
    program: str
    booths: tuple[int, ...]
    service: ServiceTime
    secondary: Secondary | None = None
    queue_spacing_metres: float = DEFAULT_QUEUE_SPACING_METRES


@dataclass(frozen=True)
class Demand:
    """A Poisson arrival stream with a rate per hour, choosing among ``to`` on arrival."""

    to: tuple[str, ...]
    per_hour: tuple[float, ...]


@dataclass(frozen=True)
class Scenario:
    name: str
    hours: int
    seed: int
    replications: int
    lane_groups: tuple[LaneGroup, ...]
    demand: tuple[Demand, ...]
    description: str = ""
    #: Where the hours fall on a local clock (a real day's scenario), or None.
    clock: Clock | None = None

    def hour_labels(self) -> tuple[str, ...]:
        """Each hour as it is shown: its local clock time when the scenario has a clock
        (``01:00 CDT``, :meth:`Clock.labels`), else its number (``00``, ``01``, ...)."""
        if self.clock is not None:
            return self.clock.labels(self.hours)
        return tuple(f"{h:02d}" for h in range(self.hours))

    @property
    def group_ids(self) -> tuple[str, ...]:
        return tuple(g.id for g in self.lane_groups)

    def lane_group(self, group_id: str) -> LaneGroup:
        for group in self.lane_groups:
            if group.id == group_id:
                return group
        raise KeyError(group_id)

    def with_run_options(
        self, replications: int | None = None, seed: int | None = None
    ) -> Scenario:
        """The same scenario with replications and/or seed replaced (validated)."""
        problems: list[str] = []
        if replications is not None:
            _check_whole(replications, "replications", 1, MAX_REPLICATIONS, problems)
        if seed is not None:
            _check_whole(seed, "seed", 0, None, problems)
        _raise_if(problems, "run options")
        return replace(
            self,
            replications=self.replications if replications is None else int(replications),
            seed=self.seed if seed is None else int(seed),
        )

    def expected_vehicles(self) -> float:
        """Expected arrivals in one replication (sum of all hourly rates)."""
        return float(sum(sum(d.per_hour) for d in self.demand))


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader refusing a key given twice in one mapping (the second would
    silently replace the first: two lane groups of one name, a name written twice) and
    aliases (``*name``): a scenario has no use for them, and an alias can make a structure
    that refers to itself or that grows exponentially as it is read."""

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):  # type: ignore[no-untyped-call]
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "an alias (*name) is not allowed in a scenario; write the value out", event.start_mark)
        return super().compose_node(parent, index)  # type: ignore[no-untyped-call, no-any-return]

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if isinstance(key, (str, int, float, bool)):
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"found the key {key!r} twice in one mapping; keep one", key_node.start_mark)
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


# A number written 1e6 or 2.5E-3 is a float, as in JSON and YAML 1.2 (PyYAML, which reads
# YAML 1.1, would take it for the text "1e6" and the scenario would refuse it as a number).
_UniqueKeyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."))


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"found the key {key!r} twice in one object; keep one")
        out[key] = value
    return out


def read_scenario_text(text: str, *, json_text: bool = False) -> Any:
    """YAML or JSON text as data, a key given twice being an error (ValueError for JSON,
    yaml.YAMLError for YAML). The YAML loader is a safe loader."""
    try:
        if json_text:
            return json.loads(text, object_pairs_hook=_unique_pairs)
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except RecursionError:
        raise ValueError("the scenario is nested too deeply to read; a scenario is a few levels deep") from None


def load_scenario(source: str | Path | Mapping[str, Any]) -> Scenario:
    """Read and validate a scenario from a YAML/JSON file path or an already-parsed mapping."""
    if isinstance(source, Mapping):
        return _build(source, Message("scenario", "scenario.where"))
    path = Path(source)
    if path.is_dir():
        raise BadInputError(f"{str(path)!r} is a folder; name a scenario file (YAML or JSON) in it")
    if not path.is_file():
        raise BadInputError(f"scenario file {str(path)!r} does not exist; check the path")
    text = path.read_text(encoding="utf-8")
    try:
        data = read_scenario_text(text, json_text=path.suffix.lower() == ".json")
    except (ValueError, yaml.YAMLError) as exc:  # JSONDecodeError is a ValueError
        detail = " ".join(str(exc).split())
        raise BadInputError(f"{path.name} is not valid YAML/JSON: {detail}") from exc
    if not isinstance(data, Mapping):
        raise BadInputError(
            f"{path.name} must hold a mapping with name, hours, lane_groups and demand; "
            f"got {type(data).__name__}"
        )
    return _build(data, path.name)


def checked(scenario: Scenario, where: str) -> Scenario:
    """``scenario`` (made by code: an edit, a calibration) checked by the same rules as a
    file; BadInputError naming what breaks them."""
    return _build(scenario_mapping(scenario), where)


def scenario_mapping(scenario: Scenario) -> dict[str, Any]:
    """The scenario as the mapping of its file (JSON-ready): ``load_scenario`` of it gives
    the same scenario back. Stored runs keep their scenario this way."""

    def service(s: ServiceTime) -> dict[str, Any]:
        if s.dist == "empirical":
            return {"dist": s.dist, "values_seconds": list(s.values_seconds)}
        out: dict[str, Any] = {"dist": s.dist, "mean_seconds": s.mean_seconds}
        if s.dist in DISTRIBUTIONS_WITH_CV:
            out["cv"] = s.cv
        return out

    groups: dict[str, Any] = {}
    for g in scenario.lane_groups:
        group: dict[str, Any] = {"mode": g.mode, "program": g.program, "booths": list(g.booths),
                                 "service": service(g.service), "queue_spacing_metres": g.queue_spacing_metres}
        if g.secondary is not None:
            group["secondary"] = {"probability": g.secondary.probability, "service": service(g.secondary.service),
                                  "spaces": g.secondary.spaces}
        groups[g.id] = group
    mapping: dict[str, Any] = {
        "name": scenario.name, "description": scenario.description, "hours": scenario.hours,
        "seed": scenario.seed, "replications": scenario.replications, "lane_groups": groups,
        "demand": [{"to": list(d.to) if len(d.to) > 1 else d.to[0], "per_hour": list(d.per_hour)}
                   for d in scenario.demand],
    }
    if scenario.clock is not None:
        mapping["clock"] = scenario.clock.to_mapping()
    return mapping


# ---------------------------------------------------------------------------
# validation


_TOP_KEYS = ("name", "description", "hours", "seed", "replications", "lane_groups", "demand", "clock")
_GROUP_KEYS = ("mode", "program", "booths", "service", "secondary", "queue_spacing_metres")
_SERVICE_KEYS = ("dist", "mean_seconds", "cv", "values_seconds")
_SECONDARY_KEYS = ("probability", "service", "spaces")
_DEMAND_KEYS = ("to", "per_hour")


def _build(data: Mapping[str, Any], where: str) -> Scenario:
    problems: list[str] = []
    _check_keys(data, "", _TOP_KEYS, problems)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(Message(f"name must be a non-empty string; got {name!r}", "scenario.name", {"got": name}))
        name = ""
    description = data.get("description", "")
    if not isinstance(description, str):
        problems.append(f"description must be a string; got {type(description).__name__}")
        description = ""
    hours = _check_whole(data.get("hours"), "hours", 1, MAX_HOURS, problems)
    seed = _check_whole(data.get("seed", DEFAULT_SEED), "seed", 0, None, problems)
    reps = _check_whole(
        data.get("replications", DEFAULT_REPLICATIONS),
        "replications",
        1,
        MAX_REPLICATIONS,
        problems,
    )
    if hours is None:
        _raise_if(problems, where)
        raise AssertionError("unreachable")  # pragma: no cover
    raw_groups = data.get("lane_groups")
    groups = _lane_groups(raw_groups, hours, problems)
    declared = set(raw_groups) if isinstance(raw_groups, Mapping) else set()
    demand = _demand(data.get("demand"), hours, groups, declared, problems)
    clock = None if data.get("clock") is None else parse_clock(data["clock"], "clock", problems)
    _raise_if(problems, where)
    return Scenario(
        name=name.strip(),
        hours=hours,
        seed=int(seed or 0),
        replications=int(reps or DEFAULT_REPLICATIONS),
        lane_groups=tuple(groups.values()),
        demand=tuple(demand),
        description=description.strip(),
        clock=clock,
    )


def _lane_groups(raw: Any, hours: int, problems: list[str]) -> dict[str, LaneGroup]:
    if not isinstance(raw, Mapping) or not raw:
        problems.append(Message(
            "lane_groups must be a non-empty mapping from a lane group id to its booths and "
            f"service; got {_show(raw)}", "scenario.lane_groups", {"got": _show(raw)}
        ))
        return {}
    groups: dict[str, LaneGroup] = {}
    for gid, spec in raw.items():
        path = f"lane_groups.{gid}"
        if not isinstance(gid, str) or not _ID_PATTERN.match(gid):
            problems.append(
                f"lane group id {gid!r} must be 1-64 letters, digits, '_' or '-'; rename it"
            )
            continue
        if not isinstance(spec, Mapping):
            problems.append(Message(f"{path} must be a mapping with mode, program, booths and service",
                                    "scenario.group_mapping", {"path": path}))
            continue
        _check_keys(spec, path, _GROUP_KEYS, problems)
        mode = _check_choice(spec.get("mode"), f"{path}.mode", MODES, problems)
        program = _check_choice(spec.get("program"), f"{path}.program", PROGRAMS, problems)
        if program == "fast" and mode not in (None, "commercial"):
            problems.append(f"{path}.program fast is a commercial (truck) program; got mode {mode}")
        booths = _per_hour(spec.get("booths"), f"{path}.booths", hours, problems, whole=True)
        if booths is not None and max(booths, default=0) > MAX_BOOTHS:
            problems.append(f"{path}.booths may be at most {MAX_BOOTHS:,} in an hour (a group's booths are "
                            f"simulated one by one); got {max(booths):,.0f}")
            booths = None
        service = _service(spec.get("service"), f"{path}.service", problems)
        secondary = None
        if spec.get("secondary") is not None:
            secondary = _secondary(spec["secondary"], f"{path}.secondary", problems)
        spacing = spec.get("queue_spacing_metres", DEFAULT_QUEUE_SPACING_METRES)
        if not _is_number(spacing) or not spacing > 0:
            problems.append(
                f"{path}.queue_spacing_metres must be a number > 0; got {_show(spacing)}"
            )
            spacing = DEFAULT_QUEUE_SPACING_METRES
        if mode and program and booths is not None and service is not None:
            groups[gid] = LaneGroup(
                id=gid,
                mode=mode,
                program=program,
                booths=tuple(int(b) for b in booths),
                service=service,
                secondary=secondary,
                queue_spacing_metres=float(spacing),
            )
    return groups


def _service(raw: Any, path: str, problems: list[str]) -> ServiceTime | None:
    if not isinstance(raw, Mapping):
        problems.append(
            f"{path} must be a mapping with dist and mean_seconds (and cv or values_seconds); "
            f"got {_show(raw)}"
        )
        return None
    before = len(problems)
    _check_keys(raw, path, _SERVICE_KEYS, problems)
    dist = _check_choice(raw.get("dist"), f"{path}.dist", DISTRIBUTIONS, problems)
    if dist is None:
        return None
    mean = raw.get("mean_seconds")
    cv = raw.get("cv")
    values = raw.get("values_seconds")
    if dist != "empirical" and values is not None:
        problems.append(f"{path}.values_seconds applies only to dist empirical; remove it")
    if dist == "empirical":
        if cv is not None:
            problems.append(f"{path}.cv does not apply to empirical (it follows from the values)")
        if not (
            isinstance(values, list)
            and len(values) > 0
            and all(_is_number(v) and 0 <= v <= MAX_SERVICE_SECONDS for v in values)
        ):
            problems.append(
                f"{path}.values_seconds must be a non-empty list of numbers from 0 to {MAX_SERVICE_SECONDS:,.0f} "
                f"(a day); got {_show(values)}"
            )
            return None
        vals = tuple(float(v) for v in values)
        vmean = math.fsum(vals) / len(vals)
        if vmean <= 0:
            problems.append(f"{path}.values_seconds must not all be 0")
            return None
        if mean is not None and (not _is_number(mean) or abs(mean - vmean) > 1e-6 * vmean + 1e-9):
            problems.append(
                f"{path}.mean_seconds must equal the mean of values_seconds ({vmean:g}) or be left "
                f"out; got {_show(mean)}"
            )
        var = math.fsum((v - vmean) ** 2 for v in vals) / len(vals)
        return ServiceTime("empirical", vmean, math.sqrt(var) / vmean, vals)
    if not _is_number(mean) or not 0 < mean <= MAX_SERVICE_SECONDS:
        problems.append(Message(
            f"{path}.mean_seconds must be a number > 0 and at most {MAX_SERVICE_SECONDS:,.0f} (a day); "
            f"got {_show(mean)}", "scenario.mean_seconds", {"path": path, "got": _show(mean)}))
        return None
    if dist in DISTRIBUTIONS_WITH_CV:
        if not _is_number(cv) or not 0 < cv <= MAX_CV:
            problems.append(f"{path}.cv must be a number > 0 and at most {MAX_CV:g} for {dist}; got {_show(cv)}")
            return None
        result_cv = float(cv)
    else:
        implied = 1.0 if dist == "exponential" else 0.0
        if cv is not None and not (_is_number(cv) and float(cv) == implied):
            problems.append(
                f"{path}.cv does not apply to {dist} (its cv is {implied:g}); remove it"
            )
        result_cv = implied
    if len(problems) > before:
        return None
    return ServiceTime(dist, float(mean), result_cv)


def _secondary(raw: Any, path: str, problems: list[str]) -> Secondary | None:
    if not isinstance(raw, Mapping):
        problems.append(f"{path} must be a mapping with probability, service and spaces")
        return None
    _check_keys(raw, path, _SECONDARY_KEYS, problems)
    p = raw.get("probability")
    if not _is_number(p) or not 0 <= p <= 1:
        problems.append(Message(f"{path}.probability must be a number from 0 to 1; got {_show(p)}",
                                "scenario.probability", {"path": path, "got": _show(p)}))
        p = None
    spaces = _check_whole(raw.get("spaces"), f"{path}.spaces", 1, MAX_BOOTHS, problems)
    service = _service(raw.get("service"), f"{path}.service", problems)
    if p is None or spaces is None or service is None:
        return None
    return Secondary(float(p), service, spaces)


def _demand(
    raw: Any,
    hours: int,
    groups: Mapping[str, LaneGroup],
    declared: set[Any],
    problems: list[str],
) -> list[Demand]:
    """Demand entries; entries naming a declared but invalid group are skipped quietly
    (that group's own problem is reported)."""
    if not isinstance(raw, list):
        problems.append(Message(
            f"demand must be a list of {{to: GROUP or [GROUP, ...], per_hour: ...}}; got {_show(raw)}",
            "scenario.demand", {"got": _show(raw)}
        ))
        return []
    out: list[Demand] = []
    for i, entry in enumerate(raw):
        path = f"demand[{i}]"
        if not isinstance(entry, Mapping):
            problems.append(Message(f"{path} must be a mapping with to and per_hour; got {_show(entry)}",
                                    "scenario.demand_entry", {"path": path, "got": _show(entry)}))
            continue
        _check_keys(entry, path, _DEMAND_KEYS, problems)
        to = entry.get("to")
        targets = [to] if isinstance(to, str) else to
        if (
            not isinstance(targets, list)
            or not targets
            or not all(isinstance(t, str) for t in targets)
        ):
            problems.append(f"{path}.to must be a lane group id or a list of them; got {_show(to)}")
            continue
        unknown = [t for t in targets if t not in declared]
        if unknown:
            known = ", ".join(map(str, declared)) or "none"
            problems.append(Message(
                f"{path}.to names unknown lane group(s) {', '.join(unknown)}; known: {known}",
                "scenario.demand_unknown", {"path": path, "unknown": ", ".join(unknown), "known": known}
            ))
            continue
        if any(t not in groups for t in targets):
            continue
        if len(set(targets)) != len(targets):
            problems.append(f"{path}.to lists a lane group twice; got {targets}")
            continue
        modes = sorted({groups[t].mode for t in targets})
        if len(modes) > 1:
            problems.append(
                f"{path}.to mixes modes ({', '.join(modes)}); an arrival chooses among lanes "
                "of one mode"
            )
            continue
        rates = _per_hour(entry.get("per_hour"), f"{path}.per_hour", hours, problems, whole=False)
        if rates is not None and max(rates, default=0.0) > MAX_RATE_PER_HOUR:
            problems.append(f"{path}.per_hour may be at most {MAX_RATE_PER_HOUR:,.0f} vehicles an hour; "
                            f"got {max(rates):,.0f}")
            rates = None
        if rates is not None:
            out.append(Demand(tuple(targets), tuple(float(r) for r in rates)))
    return out


# ---------------------------------------------------------------------------
# small checks


def _per_hour(
    raw: Any, path: str, hours: int, problems: list[str], *, whole: bool
) -> list[float] | None:
    kind = (Message("a whole number >= 0", "scenario.kind_whole") if whole
            else Message("a number >= 0", "scenario.kind_number"))
    rule = f"{path} must be {kind} for each of the {hours} hours"
    if isinstance(raw, list):
        if len(raw) != hours:
            problems.append(Message(f"{rule}; got a list of {len(raw)} values, expected {hours}",
                                    "scenario.per_hour_count",
                                    {"path": path, "kind": kind, "hours": hours, "count": len(raw)}))
            return None
        values = raw
    else:
        values = [raw] * hours
    for h, v in enumerate(values):
        good = _is_number(v) and v >= 0 and (not whole or float(v).is_integer())
        if not good:
            at = Message(f" at hour {h}", "scenario.at_hour", {"hour": h}) if isinstance(raw, list) else ""
            problems.append(Message(f"{rule}; got {_show(v)}{at}", "scenario.per_hour_value",
                                    {"path": path, "kind": kind, "hours": hours, "got": _show(v), "at": at}))
            return None
    return [float(v) for v in values]


def _check_whole(
    value: Any, path: str, low: int, high: int | None, problems: list[str]
) -> int | None:
    good = _is_number(value) and float(value).is_integer() and value >= low
    if good and high is not None:
        good = value <= high
    if not good:
        span = f"from {low} to {high}" if high is not None else f">= {low}"
        problems.append(Message(f"{path} must be a whole number {span}; got {_show(value)}",
                                "scenario.whole_range" if high is not None else "scenario.whole_min",
                                {"path": path, "low": low, "high": high, "got": _show(value)}))
        return None
    return int(value)


def _check_choice(
    value: Any, path: str, choices: tuple[str, ...], problems: list[str]
) -> str | None:
    if value not in choices:
        listed = " | ".join(choices)
        problems.append(Message(f"{path} must be one of {listed}; got {_show(value)}", "value.one_of",
                                {"path": path, "choices": listed, "got": _show(value)}))
        return None
    return str(value)


def _check_keys(
    raw: Mapping[str, Any], path: str, allowed: tuple[str, ...], problems: list[str]
) -> None:
    for key in raw:
        if key not in allowed:
            where = f" in {path}" if path else ""
            problems.append(Message(f"unknown key {key!r}{where}; expected one of {', '.join(allowed)}",
                                    "scenario.unknown_key_in" if path else "scenario.unknown_key",
                                    {"key": key, "path": path, "allowed": ", ".join(allowed)}))


def _is_number(value: Any) -> TypeGuard[float]:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _show(value: Any) -> str:
    if value is None:
        return Message("nothing", "value.nothing")
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _raise_if(problems: list[str], where: str) -> None:
    """One BadInputError naming every problem (the first ten), each said in the reader's
    language on a page where it has a text; the others in English, inside a lead-in that is."""
    if not problems:
        return
    if len(problems) == 1:
        raise BadInputError(f"{where}: {problems[0]}", key="scenario.problem",
                            fields={"where": where, "problem": problems[0]})
    listed = "; ".join(problems[:10])
    extra = len(problems) - 10
    more = Message(f"; and {extra} more", "scenario.more", {"count": extra}) if extra > 0 else ""
    raise BadInputError(f"{where} has {len(problems)} problems: {listed}{more}", key="scenario.problems",
                        fields={"where": where, "count": len(problems), "problems": list(problems[:10]),
                                "more": more})
