"""The inspection simulator: scenario -> simulate -> results.

Build and validate a model first (:func:`load_scenario`), then run it
(:func:`simulate`), then read flat result rows (:class:`SimulationResult`).
"""

from __future__ import annotations

from borderflow.sim.results import (
    EngineInfo,
    LaneGroupResult,
    PeriodStats,
    SimulationResult,
    VehicleRecords,
)
from borderflow.sim.run import simulate
from borderflow.sim.scenario import (
    Demand,
    LaneGroup,
    Scenario,
    Secondary,
    ServiceTime,
    load_scenario,
)

__all__ = [
    "Demand",
    "EngineInfo",
    "LaneGroup",
    "LaneGroupResult",
    "PeriodStats",
    "Scenario",
    "Secondary",
    "ServiceTime",
    "SimulationResult",
    "VehicleRecords",
    "load_scenario",
    "simulate",
]
