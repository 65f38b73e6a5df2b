"""Ranking projects across ports: one appraisal per project, ordered by benefit-cost ratio.

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

Projects are ranked by benefit-cost ratio (highest first; a project without costs has
none and comes after those that do), then by net present value.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from borderflow.errors import BadInputError
from borderflow.planning.alternatives import load_alternative, read_mapping
from borderflow.planning.appraisal import Alternative, AppraisalOptions, AppraisalResult, appraise
from borderflow.planning.days import scenario_modes
from borderflow.planning.values import Valuation
from borderflow.planning.volumes import latest_complete_year, port_year
from borderflow.sim.scenario import load_scenario

_PROJECT_KEYS = ("name", "port", "year", "base", "alternative", "capital_cost_dollars",
                 "yearly_cost_dollars")


@dataclass(frozen=True)
class RankedProject:
    rank: int
    name: str
    port_code: str | None
    result: AppraisalResult

    def to_json_dict(self) -> dict[str, Any]:
        alt = self.result.alternatives[0]
        return {
            "rank": self.rank,
            "name": self.name,
            "port_code": self.port_code,
            "year": self.result.year,
            "base": self.result.base.name,
            "alternative": alt.name,
            "yearly_dollars_saved": round(self.result.base.dollars - alt.dollars, 2),
            "change_vs_base": alt.to_json_dict().get("change_vs_base"),
            "economics": alt.economics.to_json_dict() if alt.economics else None,
        }


def rank_portfolio(path: str | Path, engine: Any, options: AppraisalOptions | None = None) -> list[RankedProject]:
    """Appraise every project of the portfolio file and rank them."""
    file = Path(path)
    data = read_mapping(file)
    unknown = [k for k in data if k not in ("replications", "seed", "valuation", "projects")]
    if unknown:
        raise BadInputError(f"{file.name}: unknown key {unknown[0]!r}; expected replications, seed, valuation, projects")
    options = options or AppraisalOptions()
    if "replications" in data:
        options = replace(options, replications=data["replications"])
    if "seed" in data:
        options = replace(options, seed=data["seed"])
    if "valuation" in data:
        try:
            options = replace(options, valuation=Valuation(**data["valuation"]))
        except TypeError as exc:
            raise BadInputError(f"{file.name}: valuation: {exc}") from None
    projects = data.get("projects")
    if not isinstance(projects, list) or not projects:
        raise BadInputError(f"{file.name}: projects must be a non-empty list")
    found = []
    for i, project in enumerate(projects):
        where = f"{file.name}: projects[{i}]"
        if not isinstance(project, dict):
            raise BadInputError(f"{where} must be a mapping with name, base and alternative")
        bad = [k for k in project if k not in _PROJECT_KEYS]
        if bad:
            raise BadInputError(f"{where}: unknown key {bad[0]!r}; expected {', '.join(_PROJECT_KEYS)}")
        for key in ("name", "base", "alternative"):
            if not project.get(key):
                raise BadInputError(f"{where}: {key} is required")
        base = load_scenario(file.parent / project["base"])
        alternative = load_alternative(file.parent / project["alternative"], base)
        port = project.get("port")
        volumes = None
        if port is not None:
            port = str(port)
            year = project.get("year") or latest_complete_year(engine, port, scenario_modes(base))
            volumes = port_year(engine, port, int(year))
        result = appraise(
            base,
            [Alternative(alternative, float(project.get("capital_cost_dollars", 0)),
                         float(project.get("yearly_cost_dollars", 0)))],
            volumes,
            options,
        )
        found.append((str(project["name"]), port, result))

    return rerank([RankedProject(0, name, port, result) for name, port, result in found])


def rerank(projects: list[RankedProject]) -> list[RankedProject]:
    """Projects ordered by BCR (highest first; none last), then NPV, numbered from 1."""

    def order(item: RankedProject) -> tuple[int, float, float]:
        money = item.result.alternatives[0].economics
        assert money is not None
        bcr = money.benefit_cost_ratio
        return (0 if bcr is not None else 1, -(bcr or 0.0), -money.npv_dollars)

    ordered = sorted(projects, key=order)
    return [RankedProject(i + 1, p.name, p.port_code, p.result) for i, p in enumerate(ordered)]
