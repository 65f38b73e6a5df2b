"""``GET /api/v1/crossings/{crossing_id}/forecast``: hourly forecasts with intervals.

A thin front over :func:`borderflow.services.forecasting.forecast_for`. Parameters are
validated by FastAPI (422 in the app's envelope); an unknown crossing, a lane without a
trained model or without recent readings raise :class:`~borderflow.errors.NotFoundError`
(404), other bad input :class:`~borderflow.errors.BadInputError` (422).
The engine is ``app.state.engine`` when the app set one, else the configured database.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy import Engine

from borderflow.api.params import CrossingId, only_known_query_parameters
from borderflow.vocabulary import Direction, Mode, Program

#: The longest forecast a request may ask for (hours); see services.forecasting.
MAX_FORECAST_HOURS = 168

router = APIRouter(tags=["forecast"], dependencies=[Depends(only_known_query_parameters)])


class ForecastHour(BaseModel):
    """One forecast hour. Waits in minutes; ``lo80..hi80`` holds the wait 80% of the time."""

    hour: str = Field(description="Start of the hour, UTC (ISO 8601, Z).")
    local_hour: str = Field(description="Start of the hour at the crossing, with its offset.")
    horizon: int = Field(description="1 = the coming hour.")
    wait_minutes: float = Field(description="Point forecast (the median).")
    lo80: float
    hi80: float
    lo95: float
    hi95: float
    reported_recently: bool = Field(description="Whether the lane gave a wait at this hour of the day (at the "
                                    "crossing) on some day of the 28 before the forecast; false for hours it "
                                    "is usually closed, which are not offered as the best hour.")


class ForecastResponse(BaseModel):
    crossing_id: str
    mode: str
    program: str
    direction: str
    timezone: str
    model: str
    model_version: str
    made_at: str
    origin: str = Field(description="First forecast hour (UTC); only readings before it were used.")
    last_reading_at: str = Field(description="Update time of the newest reading the forecast saw.")
    hours_since_last_reading: float
    hours: int
    levels: list[int]
    forecast: list[ForecastHour]
    best_hour: ForecastHour = Field(description="The hour with the lowest forecast wait among the hours reported "
                                    "recently (all hours if none was); ties to the earliest.")
    out_of_sample: bool = Field(description="True when the model was trained only on readings before the "
                                "origin; False when every model of the lane was trained on later readings "
                                "(a forecast as of an earlier time), so its errors there look better than they are.")


def _engine(request: Request) -> Engine:
    engine = getattr(request.app.state, "engine", None)
    if engine is not None:
        return engine
    from borderflow.store.db import open_database

    return open_database()


@router.get("/api/v1/crossings/{crossing_id}/forecast", response_model=ForecastResponse)
def get_forecast(
    request: Request,
    crossing_id: CrossingId,
    mode: Mode = Query(Mode.passenger, description="Lane mode."),
    program: Program = Query(Program.standard, description="Lane program."),
    hours: int = Query(24, ge=1, le=MAX_FORECAST_HOURS, description=f"Hours to forecast, 1-{MAX_FORECAST_HOURS}."),
    at: AwareDatetime | None = Query(None, description="Forecast as of this instant (ISO 8601 with "
                                        "offset or Z); omitted = now."),
    direction: Direction = Query(Direction.northbound, description="northbound (into the US) or southbound."),
) -> Any:
    """Hourly wait forecasts of one lane with 80% and 95% intervals and the best hour to cross,
    from the newest model trained on the lane before the origin (``borderflow forecast train``).

    Forecasts as of now are stored (the same question before a new reading gets the stored
    answer); one asked ``at`` another instant is computed and not stored, so anonymous
    requests cannot fill the archive."""
    from borderflow.services.forecasting import forecast_for

    return forecast_for(_engine(request), crossing_id, mode.value, program.value, hours, as_of=at,
                        direction=direction.value, store=at is None)
