"""Modernization alternatives as edits of a base scenario.

An alternative is either a whole scenario file, or an **edit file** — a name and a list
of changes applied to the base scenario in order:

```yaml
name: Four more general booths, 20 % faster primary
changes:
  - add_booths: {group: general, booths: 4}          # every hour the group is open
  - scale_booths: {group: ready, factor: 2}          # stacked booths: two per lane
  - convert_booths: {from: general, to: sentri, booths: 2}
  - shift_demand: {from: general, to: sentri, share: 0.10}   # more trusted travellers
  - scale_service: {group: general, factor: 0.8}     # joint inspection, RFID documents
  - set_secondary: {group: general, probability: 0.015}
```

Rules: ``add_booths`` adds to every hour with at least one booth open (a lane that
is closed stays closed); ``scale_booths`` multiplies and rounds to whole booths, halves
up (3 x 1.5 = 4.5 -> 5, as 1 x 1.5 = 1.5 -> 2);
``convert_booths`` moves up to ``booths`` booths per hour from one group to another of
the same mode; ``shift_demand`` moves ``share`` (0-1) of the arrivals that can only use
``from`` to ``to`` (an entry that can only use ``to`` must exist, or one is added);
``scale_service`` multiplies the primary inspection time (mean, and the values of an
empirical distribution); ``set_secondary`` changes the referral probability of a group
that has a secondary.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from borderflow.errors import BadInputError
from borderflow.sim.scenario import (
    Demand,
    LaneGroup,
    Scenario,
    ServiceTime,
    checked,
    load_scenario,
    read_scenario_text,
)

CHANGES = ("add_booths", "scale_booths", "convert_booths", "shift_demand", "scale_service",
           "set_secondary")


def is_edit_file(data: Mapping[str, Any]) -> bool:
    """An edit file has ``changes`` and no ``lane_groups``."""
    return "changes" in data and "lane_groups" not in data


def apply_edits(base: Scenario, data: Mapping[str, Any], where: str = "alternative") -> Scenario:
    """The base scenario with ``data["changes"]`` applied; named ``data["name"]``."""
    unknown = [k for k in data if k not in ("name", "description", "changes")]
    if unknown:
        raise BadInputError(f"{where}: unknown key {unknown[0]!r}; an edit file has name, description and changes")
    changes = data.get("changes")
    if not isinstance(changes, list) or not changes:
        raise BadInputError(f"{where}: changes must be a non-empty list of edits like "
                            "{add_booths: {group: general, booths: 4}}")
    scenario = base
    for i, change in enumerate(changes):
        if not (isinstance(change, Mapping) and len(change) == 1):
            raise BadInputError(f"{where}: changes[{i}] must be one edit like {{add_booths: {{...}}}}; got {change!r}")
        (kind, args), = change.items()
        if kind not in _EDITS:
            raise BadInputError(f"{where}: changes[{i}] {kind!r} is not an edit; use one of {', '.join(CHANGES)}")
        if not isinstance(args, Mapping):
            raise BadInputError(f"{where}: changes[{i}].{kind} must be a mapping of its settings")
        try:
            scenario = _EDITS[kind](scenario, **args)
        except TypeError as exc:
            raise BadInputError(f"{where}: changes[{i}].{kind}: {exc}") from None
        except (OverflowError, ValueError) as exc:  # a number beyond any booth count (1e308, inf)
            raise BadInputError(f"{where}: changes[{i}].{kind}: a number is too large or not finite ({exc}); "
                                "give a number a port could have") from None
        except BadInputError as exc:
            raise BadInputError(f"{where}: changes[{i}].{kind}: {exc}") from None
    name = data.get("name") or f"{base.name} (edited)"
    edited = replace(scenario, name=str(name), description=str(data.get("description", "")))
    return checked(edited, f"{where} (the base with its changes)")  # an edit cannot make what a file may not


def add_booths(scenario: Scenario, group: str, booths: int) -> Scenario:
    g = _group(scenario, group)
    _whole(booths, "booths", low=-10_000)
    row = tuple(max(0, b + booths) if b > 0 else 0 for b in g.booths)
    return _with_group(scenario, replace(g, booths=row))


def scale_booths(scenario: Scenario, group: str, factor: float) -> Scenario:
    g = _group(scenario, group)
    _positive(factor, "factor")
    return _with_group(scenario, replace(g, booths=tuple(round_half_up(b * factor) for b in g.booths)))


def round_half_up(value: float) -> int:
    """The nearest whole number, halves up (1.5 -> 2, 4.5 -> 5), unlike Python's round,
    which rounds halves to even (4.5 -> 4). The product is first rounded to 9 decimals so
    that a half computed in binary (25 x 0.58 = 14.499999999999998) counts as a half."""
    return math.floor(round(value, 9) + 0.5)


def convert_booths(scenario: Scenario, booths: int, **ends: str) -> Scenario:
    source, target = _group(scenario, ends.get("from", "")), _group(scenario, ends.get("to", ""))
    _whole(booths, "booths", low=1)
    if source.id == target.id:
        raise BadInputError(f"from and to are both {source.id}; booths are converted from one lane group to another")
    if source.mode != target.mode:
        raise BadInputError(f"{source.id} ({source.mode}) and {target.id} ({target.mode}) are different modes")
    moved = [min(b, booths) for b in source.booths]
    scenario = _with_group(scenario, replace(source, booths=tuple(b - m for b, m in zip(source.booths, moved, strict=True))))
    return _with_group(scenario, replace(target, booths=tuple(b + m for b, m in zip(target.booths, moved, strict=True))))


def shift_demand(scenario: Scenario, share: float, **ends: str) -> Scenario:
    source, target = _group(scenario, ends.get("from", "")), _group(scenario, ends.get("to", ""))
    if source.id == target.id:
        raise BadInputError(f"from and to are both {source.id}; demand is shifted from one lane group to another")
    if not (isinstance(share, (int, float)) and 0 <= share <= 1):
        raise BadInputError(f"share must be a number from 0 to 1; got {share!r}")
    if source.mode != target.mode:
        raise BadInputError(f"{source.id} ({source.mode}) and {target.id} ({target.mode}) are different modes")
    moved = [0.0] * scenario.hours
    entries: list[Demand] = []
    for entry in scenario.demand:
        if entry.to == (source.id,):
            kept = tuple(r * (1 - share) for r in entry.per_hour)
            moved = [m + r * share for m, r in zip(moved, entry.per_hour, strict=True)]
            entries.append(replace(entry, per_hour=kept))
        else:
            entries.append(entry)
    if not any(moved):
        raise BadInputError(f"no demand entry goes only to {source.id}; nothing to shift")
    for i, entry in enumerate(entries):
        if entry.to == (target.id,):
            entries[i] = replace(entry, per_hour=tuple(r + m for r, m in zip(entry.per_hour, moved, strict=True)))
            break
    else:
        entries.append(Demand((target.id,), tuple(moved)))
    return replace(scenario, demand=tuple(entries))


def scale_service(scenario: Scenario, group: str, factor: float) -> Scenario:
    g = _group(scenario, group)
    _positive(factor, "factor")
    s = g.service
    service = ServiceTime(s.dist, s.mean_seconds * factor, s.cv, tuple(v * factor for v in s.values_seconds))
    return _with_group(scenario, replace(g, service=service))


def set_secondary(scenario: Scenario, group: str, probability: float) -> Scenario:
    g = _group(scenario, group)
    if g.secondary is None:
        raise BadInputError(f"{g.id} has no secondary to change; add one in the scenario")
    if not (isinstance(probability, (int, float)) and 0 <= probability <= 1):
        raise BadInputError(f"probability must be a number from 0 to 1; got {probability!r}")
    return _with_group(scenario, replace(g, secondary=replace(g.secondary, probability=float(probability))))


_EDITS: dict[str, Callable[..., Scenario]] = {
    "add_booths": add_booths,
    "scale_booths": scale_booths,
    "convert_booths": convert_booths,
    "shift_demand": shift_demand,
    "scale_service": scale_service,
    "set_secondary": set_secondary,
}


def _group(scenario: Scenario, group_id: str) -> LaneGroup:
    try:
        return scenario.lane_group(group_id)
    except KeyError:
        raise BadInputError(
            f"unknown lane group {group_id!r}; the scenario has {', '.join(scenario.group_ids)}"
        ) from None


def _with_group(scenario: Scenario, group: LaneGroup) -> Scenario:
    return replace(scenario, lane_groups=tuple(group if g.id == group.id else g for g in scenario.lane_groups))


def _whole(value: Any, name: str, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise BadInputError(f"{name} must be a whole number >= {low}; got {value!r}")


def _positive(value: Any, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
        raise BadInputError(f"{name} must be a finite number > 0; got {value!r}")


def read_mapping(path: str | Path) -> dict[str, Any]:
    """A YAML or JSON file's top-level mapping."""
    file = Path(path)
    if not file.is_file():
        raise BadInputError(f"file {str(file)!r} does not exist; check the path")
    text = file.read_text(encoding="utf-8")
    try:
        data = read_scenario_text(text, json_text=file.suffix.lower() == ".json")
    except (ValueError, yaml.YAMLError) as exc:  # JSONDecodeError is a ValueError
        raise BadInputError(f"{file.name} is not valid YAML/JSON: {' '.join(str(exc).split())}") from None
    if not isinstance(data, dict):
        raise BadInputError(f"{file.name} must hold a mapping; got {type(data).__name__}")
    return data


def load_alternative(path: str | Path, base: Scenario) -> Scenario:
    """A scenario file, or an edit file applied to ``base``."""
    data = read_mapping(path)
    if is_edit_file(data):
        return apply_edits(base, data, Path(path).name)
    return load_scenario(path)
