"""Fixtures: a tiny archive of real BTS counts, and small scenarios to appraise."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from borderflow.services.ingest import Ingestor
from borderflow.sim import Scenario, load_scenario

DATA = Path(__file__).parent / "data"
BTS = DATA / "bts-2504-2506-2023-2024.csv"
EXAMPLES = Path(__file__).parents[2] / "examples" / "scenarios"


@pytest.fixture
def archive(sqlite_engine: Engine) -> Engine:
    summary = Ingestor(sqlite_engine).ingest_bytes(BTS.read_bytes(), str(BTS))
    assert summary.error is None, summary.error
    return sqlite_engine


def tiny_crossing(booths: int = 2, mean_seconds: float = 60.0, mode: str = "passenger") -> Scenario:
    """Two lanes with a lane choice over 4 hours, about 280 arrivals."""
    group: dict[str, Any] = {"mode": mode, "program": "standard", "booths": booths,
                             "service": {"dist": "exponential", "mean_seconds": mean_seconds}}
    return load_scenario({
        "name": f"tiny {booths} booths", "hours": 4, "seed": 1,
        "lane_groups": {"general": group, "other": {**group, "booths": 1}},
        "demand": [{"to": "general", "per_hour": [40, 100, 60, 20]},
                   {"to": ["other", "general"], "per_hour": [10, 30, 15, 5]}],
    })
