"""B&M (535501, America/Chicago) up to the eve of a day on which the clocks change, for the
pages and the API: the synthetic hourly readings of tests/services/test_forecasting.py
(five weeks, a daily shape), ending at 23:00 local the evening before, and a small
forecast model that reaches the end of a 25-hour day.

The API and the pages fit a forecast day with the default options (five service means,
24 and 200 replications: about a minute of a core); :func:`use_small_fit` makes a fit
one service mean and few replications for a test, so it takes seconds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine

from borderflow.calibration.fit import FitOptions
from borderflow.services import calibration
from borderflow.services.calibration import CalibrationInputs
from borderflow.web import pages_planning
from tests.services.test_forecasting import SMALL, WEEKS, readings

#: 23:00 CDT on 2026-10-31 (the clocks go back the next night) and 23:00 CST on 2026-03-07
#: (they go forward the next night), in UTC.
EVE_OF_FALL_BACK = dt.datetime(2026, 11, 1, 4, tzinfo=dt.UTC)
EVE_OF_SPRING_FORWARD = dt.datetime(2026, 3, 8, 5, tzinfo=dt.UTC)
SMALL_FIT = FitOptions(service_grid_seconds=(60.0,), replications=8, final_replications=40)


def load_until(engine: Engine, *lasts: dt.datetime) -> None:
    """Five weeks of B&M readings ending at each of ``lasts``, and a model trained on them
    that forecasts 26 hours (a 25-hour day from its midnight)."""
    from borderflow.services.forecasting import train
    from borderflow.store.schema import observations

    hours = WEEKS * 168
    with engine.begin() as conn:
        for last in lasts:
            conn.execute(observations.insert(), readings(start=last - dt.timedelta(hours=hours - 1), hours=hours))
    train(engine, crossing_ids=["535501"], params=dataclasses.replace(SMALL, max_horizon=26))


def use_small_fit(monkeypatch: pytest.MonkeyPatch) -> FitOptions:
    """Make the fit of every forecast day small where the API and the pages read it
    (:func:`~borderflow.services.calibration.forecast_day_inputs`), keeping the options
    they choose (seed, smoothing, volumes); returns the options a direct calibration
    then takes to give the same numbers."""
    read = calibration.forecast_day_inputs

    def small(*args: Any, **kwargs: Any) -> CalibrationInputs:
        inputs = read(*args, **kwargs)
        return dataclasses.replace(inputs, options=dataclasses.replace(
            inputs.options, service_grid_seconds=SMALL_FIT.service_grid_seconds,
            replications=SMALL_FIT.replications, final_replications=SMALL_FIT.final_replications))

    monkeypatch.setattr(calibration, "forecast_day_inputs", small)
    monkeypatch.setattr(pages_planning, "forecast_day_inputs", small)
    return SMALL_FIT
