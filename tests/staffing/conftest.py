"""Fixtures for the staffing tests: small scenarios, and the realistic example days."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from borderflow.sim import Scenario, load_scenario

EXAMPLES = Path(__file__).parents[2] / "examples" / "scenarios"


def one_lane(per_hour: list[float], booths: int | list[int] = 12, mean_seconds: float = 60.0,
             dist: str = "exponential", seed: int = 3) -> Scenario:
    service: dict[str, Any] = {"dist": dist, "mean_seconds": mean_seconds}
    return load_scenario({
        "name": "one lane", "hours": len(per_hour), "seed": seed,
        "lane_groups": {"lane": {"mode": "passenger", "program": "standard", "booths": booths,
                                 "service": service}},
        "demand": [{"to": "lane", "per_hour": per_hour}],
    })


@pytest.fixture
def burst() -> Scenario:
    """A heavy first hour (600 an hour, 10 erlangs on up to 12 booths) then a trickle: the
    queue left at the end of hour 0 carries over into hour 1."""
    return one_lane([600, 20, 20, 20])


@pytest.fixture(scope="session")
def trucks() -> Scenario:
    return load_scenario(EXAMPLES / "otay_mesa_trucks.yaml")


@pytest.fixture(scope="session")
def san_ysidro() -> Scenario:
    return load_scenario(EXAMPLES / "san_ysidro_vehicles_staffing.yaml")
