"""Ranking projects across ports: one appraisal per project, in an order that can be defended.

A portfolio file (YAML or JSON) lists projects; paths are relative to the file:

```yaml
replications: 20          # optional, per simulated day
seed: 0                   # optional
valuation: {discount_rate: 0.07, horizon_years: 20}   # optional, see values.Valuation
projects:
  - name: San Ysidro northbound expansion
    port: "2504"           # BTS port code: demand from the archive
    year: 2024             # optional: default the latest year BTS counted the base's modes in every month
    base: san_ysidro_before.yaml
    alternative: san_ysidro_expansion.yaml   # a scenario or an edit file
    capital_cost_dollars: 741000000
    yearly_cost_dollars: 0
```

**Settings, field by field**: a setting given on the command line (``given``) wins over
the file, the file over the defaults. ``valuation`` is taken key by key: a file's
``horizon_years`` leaves ``--discount-rate`` and the values of time as they were.

**Order** (:func:`rank_key`). Benefit-cost ratios are compared only among projects that
pay; a negative or undefined ratio is not a small one:

1. projects that pay (NPV > 0): first those that cost nothing (benefits at no cost, an
   unbounded ratio), by NPV; then the others by BCR, highest first, then NPV;
2. projects with NPV 0 (no change in delay, no cost);
3. projects that lose money (NPV < 0), smallest loss first.

With a budget, BCR says which projects return the most per dollar; no project in group
3 is worth doing at any budget. Each ranked project says which group it is in and why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from borderflow.errors import BadInputError
from borderflow.planning.alternatives import load_alternative, read_mapping
from borderflow.planning.appraisal import Alternative, AppraisalOptions, AppraisalResult, appraise
from borderflow.planning.days import scenario_modes
from borderflow.planning.values import MAX_COST_DOLLARS, MAX_DOLLARS_PER_HOUR, Economics, Valuation
from borderflow.planning.volumes import latest_complete_year, port_year
from borderflow.sim.scenario import MAX_REPLICATIONS, load_scenario

_TOP_KEYS = ("replications", "seed", "valuation", "projects")
_PROJECT_KEYS = ("name", "port", "year", "base", "alternative", "capital_cost_dollars",
                 "yearly_cost_dollars")
#: Settings a caller may set explicitly: these, and every field of Valuation.
OPTION_SETTINGS = ("replications", "seed")
VALUATION_SETTINGS = tuple(f.name for f in fields(Valuation))
#: Where a setting came from, as the ranking reports it.
FROM_COMMAND_LINE, FROM_FILE, FROM_DEFAULT = "command line", "portfolio", "default"

#: Ranking groups, in order.
PAYS_AT_NO_COST, PAYS, NO_CHANGE, LOSES = "pays_at_no_cost", "pays", "no_change", "loses_money"


@dataclass(frozen=True)
class RankedProject:
    rank: int
    name: str
    port_code: str | None
    result: AppraisalResult
    settings_from: dict[str, str] | None = None  # setting -> FROM_COMMAND_LINE | FROM_FILE | FROM_DEFAULT

    @property
    def economics(self) -> Economics:
        money = self.result.alternatives[0].economics
        assert money is not None
        return money

    @property
    def group(self) -> str:
        return ranking_group(self.economics)

    @property
    def reason(self) -> str:
        """Why the project stands where it does, in a few words."""
        e = self.economics
        bcr = e.benefit_cost_ratio
        if self.group == PAYS_AT_NO_COST:
            return "pays at no cost (NPV > 0, no cost): ranked first, by NPV"
        if self.group == PAYS:
            return f"pays (NPV > 0, BCR {bcr:.2f}): ranked by BCR, then NPV"
        if self.group == NO_CHANGE:
            return "neither gains nor loses (NPV 0): after every project that pays"
        return "loses money (NPV < 0): after every project that pays, smallest loss first"

    def to_json_dict(self) -> dict[str, Any]:
        alt = self.result.alternatives[0]
        v = self.result.valuation
        out: dict[str, Any] = {
            "rank": self.rank,
            "name": self.name,
            "port_code": self.port_code,
            "year": self.result.year,
            "base": self.result.base.name,
            "alternative": alt.name,
            "yearly_dollars_saved": round(self.result.base.dollars - alt.dollars, 2),
            "change_vs_base": alt.to_json_dict().get("change_vs_base"),
            "economics": self.economics.to_json_dict(),
            "ranking_group": self.group,
            "ranking_reason": self.reason,
            "replications": self.result.replications,
            "seed": self.result.seed,
            "valuation": {name: getattr(v, name) for name in VALUATION_SETTINGS},
        }
        if self.settings_from is not None:
            out["settings_from"] = dict(self.settings_from)
        return out


def ranking_group(money: Economics) -> str:
    """PAYS_AT_NO_COST, PAYS, NO_CHANGE or LOSES (see the module doc)."""
    npv = money.npv_dollars
    if npv > 0:
        return PAYS_AT_NO_COST if money.present_value_costs <= 0 else PAYS
    return NO_CHANGE if npv == 0 else LOSES


def rank_key(money: Economics) -> tuple[int, float, float]:
    """Sort key: group, then BCR (highest first; only projects that pay and cost something
    differ in it), then NPV (highest first)."""
    group = ranking_group(money)
    bcr = money.benefit_cost_ratio if group == PAYS else None
    return ((PAYS_AT_NO_COST, PAYS, NO_CHANGE, LOSES).index(group), -(bcr or 0.0), -money.npv_dollars)


def rank_portfolio(
    path: str | Path, engine: Any, options: AppraisalOptions | None = None, given: frozenset[str] = frozenset(),
) -> list[RankedProject]:
    """Appraise every project of the portfolio file and rank them.

    ``given`` names the settings of ``options`` set explicitly (on the command line:
    ``replications``, ``seed`` and fields of :class:`Valuation`); they win over the file's,
    which win over the rest of ``options`` (the defaults)."""
    file = Path(path)
    data = read_mapping(file)
    unknown = [k for k in data if k not in _TOP_KEYS]
    if unknown:
        raise BadInputError(f"{file.name}: unknown key {unknown[0]!r}; expected {', '.join(_TOP_KEYS)}")
    options, settings_from = portfolio_options(data, file.name, options or AppraisalOptions(), given)
    projects = data.get("projects")
    if not isinstance(projects, list) or not projects:
        raise BadInputError(f"{file.name}: projects must be a non-empty list of projects, each with name, base and "
                            "alternative")
    checked = [_project(project, f"{file.name}: projects[{i}]") for i, project in enumerate(projects)]
    found = []
    for project in checked:
        base = load_scenario(file.parent / project["base"])
        alternative = load_alternative(file.parent / project["alternative"], base)
        port = project["port"]
        volumes = None
        if port is not None:
            year = project["year"] or latest_complete_year(engine, port, scenario_modes(base))
            volumes = port_year(engine, port, year)
        result = appraise(
            base,
            [Alternative(alternative, project["capital_cost_dollars"], project["yearly_cost_dollars"])],
            volumes,
            options,
        )
        found.append(RankedProject(0, project["name"], port, result, settings_from))
    return rerank(found)


def rerank(projects: list[RankedProject]) -> list[RankedProject]:
    """Projects in the order of :func:`rank_key`, numbered from 1."""
    ordered = sorted(projects, key=lambda item: rank_key(item.economics))
    return [replace(p, rank=i + 1) for i, p in enumerate(ordered)]


def portfolio_options(
    data: dict[str, Any], where: str, options: AppraisalOptions, given: frozenset[str],
) -> tuple[AppraisalOptions, dict[str, str]]:
    """``options`` with the file's settings where the caller gave none, and where each came from."""
    unknown = sorted(given - set(OPTION_SETTINGS) - set(VALUATION_SETTINGS))
    if unknown:
        raise BadInputError(f"unknown setting {unknown[0]!r}; settings are {', '.join(OPTION_SETTINGS + VALUATION_SETTINGS)}")
    settings_from: dict[str, str] = {}
    changes: dict[str, Any] = {}
    for name in OPTION_SETTINGS:
        if name in given:
            settings_from[name] = FROM_COMMAND_LINE
        elif name in data:
            low = 1 if name == "replications" else 0
            high = MAX_REPLICATIONS if name == "replications" else 2**32 - 1
            changes[name] = _whole(data[name], f"{where}: {name}", low, high, "20" if low else "0")
            settings_from[name] = FROM_FILE
        else:
            settings_from[name] = FROM_DEFAULT
    file_valuation = data.get("valuation", {})
    if not isinstance(file_valuation, dict):
        raise BadInputError(f"{where}: valuation must be a mapping like {{discount_rate: 0.07, horizon_years: 20}}; "
                            f"got {file_valuation!r}")
    bad = [k for k in file_valuation if k not in VALUATION_SETTINGS]
    if bad:
        raise BadInputError(f"{where}: unknown key valuation.{bad[0]}; expected {', '.join(VALUATION_SETTINGS)}")
    valuation: dict[str, Any] = {}
    for name in VALUATION_SETTINGS:
        if name in given:
            settings_from[name] = FROM_COMMAND_LINE
        elif name in file_valuation:
            valuation[name] = _valuation_value(name, file_valuation[name], f"{where}: valuation.{name}")
            settings_from[name] = FROM_FILE
        else:
            settings_from[name] = FROM_DEFAULT
    changes["valuation"] = replace(options.valuation, **valuation)
    return replace(options, **changes), settings_from


def _valuation_value(name: str, value: Any, where: str) -> Any:
    if name in ("person_hour_dollars", "truck_hour_dollars"):
        return _number(value, where, 0, MAX_DOLLARS_PER_HOUR, "dollars", "27.2")
    if name == "discount_rate":
        return _number(value, where, 0, 1, "", "0.07 (7 %)", below_high=True)
    if name == "horizon_years":
        return _whole(value, where, 1, 100, "20")
    return _whole(value, where, 1900, 2100, "2015")  # dollar_year


def _project(project: Any, where: str) -> dict[str, Any]:
    """A project's fields, checked and converted (costs in dollars, port as text, year or None)."""
    if not isinstance(project, dict):
        raise BadInputError(f"{where} must be a mapping with name, base and alternative; got {project!r}")
    bad = [k for k in project if k not in _PROJECT_KEYS]
    if bad:
        raise BadInputError(f"{where}: unknown key {bad[0]!r}; expected {', '.join(_PROJECT_KEYS)}")
    for key in ("name", "base", "alternative"):
        value = project.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise BadInputError(f"{where}: {key} is required" + ("" if key == "name" else "; name a file"))
        if key != "name" and not isinstance(value, str):
            raise BadInputError(f"{where}: {key} must be a file path; got {value!r}")
    port = project.get("port")
    if isinstance(port, bool) or (port is not None and not isinstance(port, (str, int))):
        raise BadInputError(f"{where}: port must be a 4-digit CBP port code like \"2504\"; got {port!r}")
    year = project.get("year")
    if year is not None:
        if port is None:
            raise BadInputError(f"{where}: year needs port (the BTS port whose volumes to use); add port or "
                                "remove year")
        year = _whole(year, f"{where}: year", 1996, 2100, "2024")
    costs = {key: _number(project[key], f"{where}: {key}", 0, MAX_COST_DOLLARS, "dollars", "5000000")
             if key in project else 0.0 for key in ("capital_cost_dollars", "yearly_cost_dollars")}
    return {"name": str(project["name"]), "base": project["base"], "alternative": project["alternative"],
            "port": None if port is None else str(port), "year": year, **costs}


def _number(value: Any, where: str, low: float, high: float, unit: str, example: str,
            below_high: bool = False) -> float:
    """A finite number from low to high (below high with ``below_high``); not text such as
    "5M" or "0.07", not empty."""
    kind = f"a number of {unit}" if unit else "a number"
    span = f"from {low:g} to {'below ' if below_high else ''}{high:g}"
    if value is None:
        raise BadInputError(f"{where} is empty: write {kind} {span} like {example}, or leave the key out")
    ok = not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value) \
        and low <= value and (value < high if below_high else value <= high)
    if not ok:
        hint = " (a number, without quotes or letters)" if isinstance(value, str) else ""
        raise BadInputError(f"{where} must be {kind} {span}; got {value!r}: write it like {example}{hint}")
    return float(value)


def _whole(value: Any, where: str, low: int, high: int, example: str) -> int:
    """A whole number from low to high."""
    if value is None:
        raise BadInputError(f"{where} is empty: write a whole number from {low} to {high} like {example}, or "
                            "leave the key out")
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadInputError(f"{where} must be a whole number from {low} to {high}; got {value!r}: write it like "
                            f"{example}")
    return value
