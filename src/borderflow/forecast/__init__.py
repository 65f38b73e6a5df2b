"""Forecasting engines: the hourly rule, models behind one interface, rolling backtests.

Pure engines (no database): frames in the ``statsforecast`` long shape go in
(``unique_id``, ``ds`` UTC hour, ``y`` minutes), forecast frames come out. The services
in :mod:`borderflow.services.forecasting` feed them from the archive.
"""

from __future__ import annotations

from typing import Any

from borderflow.errors import BadInputError
from borderflow.forecast.models import BASELINES, Forecaster, HistoricalAverage, SeasonalNaive

#: The model ``borderflow forecast`` uses.
DEFAULT_MODEL = "gbm"
MODEL_NAMES: tuple[str, ...] = (*BASELINES, DEFAULT_MODEL)


def make_model(name: str, **params: Any) -> Forecaster:
    """A new, unfitted model by name; ``params`` go to the default model's settings."""
    if name == "seasonal_naive":
        return SeasonalNaive()
    if name == "historical_average":
        return HistoricalAverage()
    if name == "gbm":
        from borderflow.forecast.gbm import GBMParams, GradientBoostedForecaster

        return GradientBoostedForecaster(GBMParams(**params))
    raise BadInputError(f"model must be one of {', '.join(MODEL_NAMES)}; got {name!r}")


__all__ = ["DEFAULT_MODEL", "MODEL_NAMES", "Forecaster", "make_model"]
