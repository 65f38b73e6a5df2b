"""Calibration: fit a simulator scenario to a lane's observed waits (docs/calibration.md)."""

from __future__ import annotations

from borderflow.calibration.fit import (
    Candidate,
    DayFit,
    DayTarget,
    FitOptions,
    fit_day,
    mean_absolute_error,
    scenario_dict,
    simulated_waits,
)

__all__ = [
    "Candidate",
    "DayFit",
    "DayTarget",
    "FitOptions",
    "fit_day",
    "mean_absolute_error",
    "scenario_dict",
    "simulated_waits",
]
