"""Fixtures for the simulator tests: tiny scenarios and a way to run given inputs."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

if importlib.util.find_spec("borderflow") is None:  # a checkout that is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from borderflow.sim.replication import (
    ReplicationInputs,
    compile_scenario,
    new_statistics,
    run_replication,
    vehicle_columns,
)
from borderflow.sim.scenario import Scenario, load_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"
#: The examples documented in docs/simulator.md (other work may add more to the folder).
SIMULATOR_EXAMPLES = (
    "commercial_fast.yaml",
    "mmc_check.yaml",
    "san_ysidro_day.yaml",
    "small_crossing.json",
)


def group(booths: Any, mean: float = 60.0, dist: str = "exponential", **extra: Any) -> dict:
    spec: dict[str, Any] = {
        "mode": extra.pop("mode", "passenger"),
        "program": extra.pop("program", "standard"),
        "booths": booths,
        "service": {"dist": dist, "mean_seconds": mean, **extra.pop("service", {})},
    }
    if dist == "empirical":
        del spec["service"]["mean_seconds"]
    spec.update(extra)
    return spec


def scenario_dict(hours: int, groups: dict, demand: list, **top: Any) -> dict:
    return {
        "name": top.pop("name", "test"),
        "hours": hours,
        "seed": top.pop("seed", 1),
        "replications": top.pop("replications", 2),
        "lane_groups": groups,
        "demand": demand,
        **top,
    }


def run_given(
    scenario: Scenario,
    arrivals: list[list[float]],
    services: list[list[float]],
    referral_uniforms: list[list[float]] | None = None,
    secondary_services: list[list[float]] | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Run one replication on hand-made inputs; (records, int stats, float stats)."""
    model = compile_scenario(scenario)
    n = model.n_groups
    referral_uniforms = referral_uniforms or [[] for _ in range(n)]
    secondary_services = secondary_services or [[] for _ in range(n)]

    def flat(parts: list[list[float]]) -> tuple[np.ndarray, np.ndarray]:
        ptr = np.zeros(len(parts) + 1, dtype=np.int64)
        ptr[1:] = np.cumsum([len(p) for p in parts])
        data = np.array([x for p in parts for x in p], dtype=np.float64)
        return data, ptr

    times, entry_ptr = flat(arrivals)
    svc, svc_ptr = flat(services)
    u, u_ptr = flat(referral_uniforms)
    sec, sec_ptr = flat(secondary_services)
    inputs = ReplicationInputs(times, entry_ptr, svc, svc_ptr, u, u_ptr, sec, sec_ptr)
    istats, fstats, hist = new_statistics(model, 1)
    out = run_replication(model, inputs, istats[0], fstats[0], hist, record=True)
    return vehicle_columns(model, inputs, out, 0), istats[0], fstats[0]


@pytest.fixture
def small_scenario() -> Scenario:
    return load_scenario(
        scenario_dict(
            4,
            {
                "general": group(
                    [2, 3, 1, 2],
                    mean=90,
                    dist="lognormal",
                    service={"cv": 0.7},
                    secondary={
                        "probability": 0.1,
                        "spaces": 2,
                        "service": {"dist": "exponential", "mean_seconds": 600},
                    },
                ),
                "ready": group([1, 2, 2, 0], mean=60, program="ready"),
            },
            [
                {"to": ["ready", "general"], "per_hour": [40, 90, 60, 30]},
                {"to": "general", "per_hour": 50},
            ],
            replications=4,
        )
    )
