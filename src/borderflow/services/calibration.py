"""Calibrate a lane's scenario from the archive: readings -> representative day -> fit.

1. The lane's readings in ``[start, end)`` become an hourly series by the documented
   hourly rule (:func:`borderflow.forecast.series.hourly_series`), then are put on the
   crossing's local clock.
2. ``lanes_open`` missing in an hour is carried forward from an earlier hour of the
   same local day (never across midnight). Booths of a local hour are the median of
   its lanes over the days, rounded; an hour with an observed wait has at least one.
   When the lane never reports lanes (the CBP historical files do not), booths are
   ``booths`` if given, else the crossing's maximum lanes for the mode, every hour —
   an assumption the output states.
3. Days: when the window holds at least :data:`MIN_DAYS_FOR_HOLDOUT` days with
   readings, the last quarter of them (at least one) is held out; the representative
   day is the mean wait of each local hour over the other days. A window whose readings
   fall on one local day on which the clocks change is that day as it is, like a
   forecast day (4.): its 23 or 25 elapsed hours, each with its own readings and lanes,
   and its ``clock``.
4. :func:`calibrate_forecast_day` fits the same way to a day that has not happened: the
   target waits are the lane's forecast (the stored default model's median, made as of
   ``as_of`` by :func:`borderflow.services.forecasting.forecast_for`) for each hour of
   that day, and the booths are the median lanes open of each local hour over the
   :data:`FORECAST_BOOTH_DAYS` days before ``as_of``. The scenario it writes is the
   demand for the staffing planner (``borderflow staff``) for that day. A day on which
   the clocks change is as long as it is: its 23 or 25 elapsed hours, each with its own
   forecast and the booths of the clock hour it shows (both 01:00 hours of the day the
   clocks go back get those of 01:00), and the scenario carries its ``clock`` so every
   hour is labelled as the local clock shows it (:mod:`borderflow.sim.clock`).
5. Monthly volumes (BTS, ``crossings.bts_port_code``) give a daily demand target when
   the mode has a matching measure: the port's count in the same calendar month (the
   latest year up to the window's that has one) / days in the month x this lane's
   share of the port, taken as the lane's mean booths / the sum of the maximum lanes
   of that mode over the port's crossings. A rough share (programs and crossings are
   not equally busy); it only picks the service mean (see
   :mod:`borderflow.calibration.fit`). BTS counts inbound traffic only, so a southbound
   lane uses no volumes (the result's ``notes`` say so).

Each calibration is two steps: reading the archive (:func:`lane_inputs`,
:func:`forecast_day_inputs`, which also make the forecast) gives plain
:class:`CalibrationInputs`, and :func:`fit_calibration` fits them (the step that
simulates). :func:`calibrate_lane` and :func:`calibrate_forecast_day` do both; the web
runs the fit in a process of its own (:mod:`borderflow.services.isolation`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from borderflow import catalog
from borderflow.calibration.fit import (
    HOURS,
    DayFit,
    DayTarget,
    FitOptions,
    fit_day,
    mean_absolute_error,
)
from borderflow.errors import BadInputError
from borderflow.forecast.series import hourly_series, series_id
from borderflow.services.queries import get_crossing
from borderflow.sim.clock import HOUR, Clock
from borderflow.sim.scenario import MAX_BOOTHS
from borderflow.store.schema import crossings, observations, volumes
from borderflow.vocabulary import DIRECTIONS, MODES, PROGRAMS

MIN_DAYS_FOR_HOLDOUT = 4
#: Days of lanes-open readings before the forecast time that set a forecast day's booths.
FORECAST_BOOTH_DAYS = 28
HOLDOUT_FRACTION = 0.25
#: BTS measure counting the units that queue in each mode.
VOLUME_MEASURES: dict[str, str] = {
    "passenger": "Personal Vehicles",
    "pedestrian": "Pedestrians",
    "commercial": "Trucks",
}


@dataclass(frozen=True)
class VolumeTarget:
    port_code: str
    measure: str
    month: str
    port_daily: float
    share: float

    @property
    def daily_demand(self) -> float:
        return self.port_daily * self.share


@dataclass(frozen=True)
class Calibration:
    crossing_id: str
    mode: str
    program: str
    timezone: str
    start: dt.datetime
    end: dt.datetime
    fit_days: tuple[str, ...]
    holdout_days: tuple[str, ...]
    booths_source: str
    fit: DayFit
    volume: VolumeTarget | None
    holdout_wait_minutes: tuple[float, ...] | None
    holdout_mae_minutes: float | None
    holdout_naive_mae_minutes: float | None
    #: For a forecast day: the forecast the target came from (model version, origin,
    #: last reading seen); None when the target is observed readings.
    forecast: dict[str, Any] | None = None
    #: What the fit left out or assumed, one sentence each (e.g. volumes not used).
    notes: tuple[str, ...] = ()
    #: For a day on which the clocks change (a forecast day, or a window's one day of
    #: readings): where its hours fall on the local clock (None for a plain day, whose
    #: hour h is h:00, and for a representative day of several).
    clock: Clock | None = None

    def scenario(self) -> dict[str, Any]:
        """The calibrated scenario, loadable by :func:`borderflow.sim.load_scenario`."""
        fit = self.fit
        if self.forecast is None:
            name = f"calibrated {self.crossing_id} {self.mode} {self.program}"
            basis = (f"Calibrated by borderflow calibrate from readings {self.start.isoformat()} to "
                     f"{self.end.isoformat()} ({len(self.fit_days)} days fitted)")
        else:
            name = f"forecast {self.crossing_id} {self.mode} {self.program} {self.fit_days[0]}"
            basis = (f"Calibrated by borderflow calibrate to the forecast of {self.fit_days[0]} by model "
                     f"{self.forecast['model_version']}, made from readings up to {self.forecast['last_reading_at']}")
        hours = "" if self.clock is None else (
            f", and the day has {fit.target.hours} hours (the clocks change; clock gives each hour's local time)")
        return fit.scenario(
            name, description=f"{basis}; hour 0 is local midnight ({self.timezone}){hours}; booths from "
                              f"{self.booths_source}.", clock=self.clock)

    def to_json_dict(self) -> dict[str, Any]:
        fit = self.fit
        hours = []
        clock = self.clock
        labels = clock.labels(fit.target.hours) if clock is not None else ()
        for h in range(fit.target.hours):
            row: dict[str, Any] = {"hour": h}
            if clock is not None:  # a day the clocks change on: each hour as the local clock shows it
                row |= {"label": labels[h], "starts_at": clock.local(h).isoformat()}
            hours.append(row | {
                "booths": fit.target.booths[h], "per_hour": round(fit.per_hour[h], 1),
                "observed_wait_minutes": _num(fit.target.wait_minutes[h]),
                "simulated_wait_minutes": _num(fit.simulated_wait_minutes[h]),
                "naive_wait_minutes": _num(fit.naive_wait_minutes[h]),
                "holdout_wait_minutes": _num(self.holdout_wait_minutes[h]) if self.holdout_wait_minutes else None,
            })
        return {
            "crossing_id": self.crossing_id, "mode": self.mode, "program": self.program,
            "timezone": self.timezone, "start": self.start.isoformat(), "end": self.end.isoformat(),
            "fit_days": list(self.fit_days), "holdout_days": list(self.holdout_days),
            "booths_source": self.booths_source,
            "service_mean_seconds": fit.service_mean_seconds, "service_dist": fit.service_dist,
            "service_cv": fit.service_cv, "seed": fit.seed, "replications": fit.replications,
            "service_chosen_by": fit.chosen_by, "daily_demand": round(fit.daily_demand, 1),
            "volume": None if self.volume is None else {
                "port_code": self.volume.port_code, "measure": self.volume.measure, "month": self.volume.month,
                "port_daily": round(self.volume.port_daily, 1), "share": round(self.volume.share, 4),
                "daily_demand": round(self.volume.daily_demand, 1)},
            "mae_minutes": {
                "in_sample": _num(fit.mae_minutes), "in_sample_naive": _num(fit.naive_mae_minutes),
                "holdout": _num(self.holdout_mae_minutes), "holdout_naive": _num(self.holdout_naive_mae_minutes),
            },
            "candidates": [{"service_mean_seconds": c.service_mean_seconds, "mae_minutes": _num(c.mae_minutes),
                            "daily_demand": round(c.daily_demand, 1)} for c in fit.candidates],
            "hours": hours,
            "forecast": self.forecast,
            "notes": list(self.notes),
            **({} if self.clock is None else {"clock": self.clock.to_mapping()}),
            "scenario": self.scenario(),
        }


@dataclass(frozen=True)
class CalibrationInputs:
    """What a calibration reads from the archive, ready to fit: plain data, so that the fit
    (:func:`fit_calibration`, the part that simulates) may run in another process."""

    crossing_id: str
    mode: str
    program: str
    timezone: str
    start: dt.datetime
    end: dt.datetime
    fit_days: tuple[str, ...]
    holdout_days: tuple[str, ...]
    booths_source: str
    target: DayTarget
    options: FitOptions
    volume: VolumeTarget | None
    #: Mean observed wait of each local hour over the held-out days; None without any.
    holdout_wait_minutes: tuple[float, ...] | None
    forecast: dict[str, Any] | None = None
    #: What the fit leaves out or assumes, one sentence each (carried to the result).
    notes: tuple[str, ...] = ()
    #: A day on which the clocks change: its clock (see :class:`Calibration`).
    clock: Clock | None = None


def fit_calibration(inputs: CalibrationInputs) -> Calibration:
    """Fit the day (:func:`~borderflow.calibration.fit.fit_day`: simulations, seconds of a
    core) and measure the fit on the held-out days."""
    fit = fit_day(inputs.target, inputs.options)
    held = inputs.holdout_wait_minutes
    holdout_mae = None if held is None else mean_absolute_error(held, fit.simulated_wait_minutes)
    holdout_naive = None if held is None else mean_absolute_error(held, fit.naive_wait_minutes)
    return Calibration(inputs.crossing_id, inputs.mode, inputs.program, inputs.timezone, inputs.start, inputs.end,
                       inputs.fit_days, inputs.holdout_days, inputs.booths_source, fit, inputs.volume, held,
                       holdout_mae, holdout_naive, forecast=inputs.forecast, notes=inputs.notes,
                       clock=inputs.clock)


def _check_work(day_booths: Sequence[float], source: str, max_booths: int | None) -> None:
    """The fit simulates demand up to a few times the booths' capacity, so its work grows
    with the booths: refuse more than ``max_booths`` in an hour (the web's limit)."""
    most = max((b for b in day_booths if not math.isnan(b)), default=0)
    if max_booths is not None and most > max_booths:
        where = "as given" if source == "--booths" else source
        raise BadInputError(f"{most:g} booths in an hour ({where}); the web calibrates at most {max_booths} "
                            "(the fit's simulation grows with them); give booths, or use borderflow calibrate")


def calibrate_lane(engine: Engine, crossing_id: str, mode: str, program: str, *, start: dt.datetime,
                   end: dt.datetime, direction: str = "northbound", booths: int | None = None,
                   max_booths: int | None = None,
                   use_volumes: bool = True, options: FitOptions | None = None) -> Calibration:
    """Calibrate one lane from its readings in ``[start, end)`` (module docstring)."""
    return fit_calibration(lane_inputs(engine, crossing_id, mode, program, start=start, end=end,
                                       direction=direction, booths=booths, max_booths=max_booths,
                                       use_volumes=use_volumes, options=options))


def lane_inputs(engine: Engine, crossing_id: str, mode: str, program: str, *, start: dt.datetime,
                end: dt.datetime, direction: str = "northbound", booths: int | None = None,
                max_booths: int | None = None,
                use_volumes: bool = True, options: FitOptions | None = None) -> CalibrationInputs:
    """What :func:`calibrate_lane` reads from the archive, checked and ready to fit."""
    _validate(mode, program, start, end, booths, direction)
    if booths is not None:
        _check_work([booths], "--booths", max_booths)
    crossing = get_crossing(engine, crossing_id)
    zone = str(crossing["timezone"])
    local = _local_hours(engine, crossing_id, mode, program, direction, start, end, zone)
    days = sorted(local.loc[local["y"].notna(), "date"].unique())
    if not days:
        raise BadInputError(f"no readings with a wait for {crossing_id} {mode} {program} between "
                            f"{start.isoformat()} and {end.isoformat()}; widen the window or check the lane")
    n_holdout = max(1, round(len(days) * HOLDOUT_FRACTION)) if len(days) >= MIN_DAYS_FOR_HOLDOUT else 0
    fit_days, holdout_days = days[: len(days) - n_holdout], days[len(days) - n_holdout:]
    fitted = local[local["date"].isin(fit_days)]
    # One day of readings on which the clocks change is fitted as its hours elapse (each
    # hour its own readings, both 01:00 of the day they go back), labelled by its clock;
    # a representative day of several is local hours 0-23 (docs/calibration.md).
    clock, hours = _changing_day(fit_days, zone), HOURS
    if clock is not None:
        hours = _day_hours(fit_days[0], zone)
        fitted = fitted.assign(hour=_elapsed_hours(fitted, clock))
    day_booths, booths_source = _booths(fitted, booths, crossing, mode, hours)
    if clock is not None and booths_source.startswith("lanes_open"):
        booths_source = "lanes_open readings (each elapsed hour's own)"
    _check_work(day_booths, booths_source, max_booths)
    waits = _hour_means(fitted, hours)
    day_booths = [max(b, 1) if not math.isnan(w) else b for b, w in zip(day_booths, waits, strict=True)]
    target = DayTarget(mode, program, tuple(waits), tuple(day_booths))
    volume, notes = _volume_target(engine, crossing, mode, direction, fit_days, float(np.mean(day_booths)),
                                   use_volumes)
    options = options or FitOptions()
    if volume is not None:
        options = replace(options, daily_demand_target=volume.daily_demand)
    held = tuple(_hour_means(local[local["date"].isin(holdout_days)])) if holdout_days else None
    if clock is not None:
        notes = (clock_change_note(fit_days[0], crossing_id, clock, hours, basis="readings"), *notes)
    return CalibrationInputs(crossing_id, mode, program, zone, start, end, tuple(str(d) for d in fit_days),
                             tuple(str(d) for d in holdout_days), booths_source, target, options, volume, held,
                             notes=notes, clock=clock)


def _day_hours(day: dt.date, zone: str) -> int:
    """How many hours the local ``day`` has: 24, or 23 / 25 when the clocks change on it."""
    local_zone = ZoneInfo(zone)
    start = dt.datetime.combine(day, dt.time(0), local_zone).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), local_zone).astimezone(dt.UTC)
    return round((end - start) / HOUR)


def _changing_day(fit_days: Sequence[dt.date], zone: str) -> Clock | None:
    """The clock of the one day fitted when the clocks change on it; None for several days
    or a plain one."""
    if len(fit_days) != 1 or _day_hours(fit_days[0], zone) == HOURS:
        return None
    return Clock(dt.datetime.combine(fit_days[0], dt.time(0), ZoneInfo(zone)), zone)


def _elapsed_hours(frame: pd.DataFrame, clock: Clock) -> pd.Series:
    """Each row's hour as elapsed since the clock's start (its UTC hour ``ds`` - hour 0)."""
    start = pd.Timestamp(clock.start).tz_convert("UTC")
    return ((pd.to_datetime(frame["ds"], utc=True) - start) / pd.Timedelta(hours=1)).round().astype(int)


def calibrate_forecast_day(engine: Engine, crossing_id: str, mode: str, program: str, day: dt.date, *,
                           as_of: dt.datetime | None = None, direction: str = "northbound",
                           booths: int | None = None, use_volumes: bool = True, max_booths: int | None = None,
                           options: FitOptions | None = None) -> Calibration:
    """Calibrate a lane's scenario for a coming local ``day`` from its forecast (module docstring).

    The forecast is made as of ``as_of`` (default now) and must cover the whole day: the
    day starts at or after the forecast's first hour and ends within
    :data:`~borderflow.services.forecasting.MAX_FORECAST_HOURS` of it.
    """
    return fit_calibration(forecast_day_inputs(engine, crossing_id, mode, program, day, as_of=as_of,
                                               direction=direction, booths=booths, use_volumes=use_volumes,
                                               max_booths=max_booths, options=options))


def forecast_day_inputs(engine: Engine, crossing_id: str, mode: str, program: str, day: dt.date, *,
                        as_of: dt.datetime | None = None, direction: str = "northbound",
                        booths: int | None = None, use_volumes: bool = True, max_booths: int | None = None,
                        options: FitOptions | None = None) -> CalibrationInputs:
    """What :func:`calibrate_forecast_day` reads from the archive (and its forecast), checked
    and ready to fit."""
    from borderflow.services.forecasting import MAX_FORECAST_HOURS, forecast_for

    asked = as_of or dt.datetime.now(dt.UTC)
    if asked.tzinfo is None:
        raise BadInputError(f"the forecast time (at) needs a UTC offset or Z, e.g. 2026-08-22T19:00:00Z; "
                            f"got {asked.isoformat()}")
    _validate(mode, program, asked - dt.timedelta(days=FORECAST_BOOTH_DAYS), asked, booths, direction)
    if booths is not None:
        _check_work([booths], "--booths", max_booths)
    crossing = get_crossing(engine, crossing_id)
    zone = str(crossing["timezone"])
    local_zone = ZoneInfo(zone)
    # a day far beyond every forecast's reach is named before its end is computed (which
    # would leave the calendar for the last day of year 9999)
    if (day - asked.astimezone(local_zone).date()).days * 24 > MAX_FORECAST_HOURS + 24:
        raise BadInputError(f"{day} (local) begins more than {MAX_FORECAST_HOURS} hours after the forecast time "
                            f"{asked.isoformat()}: choose an earlier day", key="staff.day_far",
                            fields={"day": day.isoformat(), "most": MAX_FORECAST_HOURS, "at": asked.isoformat()})
    day_start = dt.datetime.combine(day, dt.time(0), local_zone).astimezone(dt.UTC)
    day_end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), local_zone).astimezone(dt.UTC)
    length = round((day_end - day_start) / HOUR)
    # A plain day's hour h is h:00, as its scenario has always said; a day the clocks change
    # on is its 23 or 25 elapsed hours, and its scenario carries the clock that labels them.
    clock = Clock(day_start.astimezone(local_zone), zone) if length != HOURS else None
    origin = pd.Timestamp(asked).tz_convert("UTC").ceil("h").to_pydatetime()
    if day_start < origin:
        raise BadInputError(f"{day} (local) starts before the forecast's first hour {origin.isoformat()}; "
                            "choose a later day, or an earlier --at", key="staff.day_too_early",
                            fields={"day": day.isoformat(), "origin": origin.isoformat()})
    hours = int((day_end - origin) / dt.timedelta(hours=1))
    if hours > MAX_FORECAST_HOURS:
        raise BadInputError(f"{day} (local) ends {hours} hours after the forecast's first hour; forecasts reach "
                            f"{MAX_FORECAST_HOURS} hours: choose an earlier day, or a later --at",
                            key="staff.day_too_late",
                            fields={"day": day.isoformat(), "hours": hours, "most": MAX_FORECAST_HOURS})
    forecast = forecast_for(engine, crossing_id, mode, program, hours, as_of=asked, direction=direction)
    # Each hour of the day by the time elapsed since its midnight: both 01:00 hours of the
    # day the clocks go back get their own forecast.
    waits = [math.nan] * length
    for item in forecast["forecast"]:
        elapsed = (dt.datetime.fromisoformat(item["hour"]) - day_start) / HOUR
        if 0 <= elapsed < length:
            waits[int(elapsed)] = float(item["wait_minutes"])
    recent = _local_hours(engine, crossing_id, mode, program, direction,
                          asked - dt.timedelta(days=FORECAST_BOOTH_DAYS), asked, zone)
    clock_booths, booths_source = _booths(recent, booths, crossing, mode)
    # each hour opens the booths of the clock hour it shows (the same hour on a plain day)
    day_booths = [clock_booths[(day_start + h * HOUR).astimezone(local_zone).hour] for h in range(length)]
    _check_work(day_booths, booths_source, max_booths)
    if booths is None and recent["lanes_open"].notna().any():
        booths_source = f"lanes_open readings of the {FORECAST_BOOTH_DAYS} days before the forecast (median per local hour)"
    day_booths = [max(b, 1) if not math.isnan(w) else b for b, w in zip(day_booths, waits, strict=True)]
    target = DayTarget(mode, program, tuple(waits), tuple(day_booths))
    volume, notes = _volume_target(engine, crossing, mode, direction, [day], float(np.mean(day_booths)),
                                   use_volumes)
    options = options or FitOptions()
    if volume is not None:
        options = replace(options, daily_demand_target=volume.daily_demand)
    basis = {k: forecast[k] for k in ("model", "model_version", "made_at", "origin", "last_reading_at")}
    if clock is not None:
        notes = (clock_change_note(day, crossing_id, clock, length), *notes)
    return CalibrationInputs(crossing_id, mode, program, zone, day_start, day_end, (str(day),), (), booths_source,
                             target, options, volume, None, forecast=basis, notes=notes, clock=clock)


def clock_change_note(day: dt.date, crossing_id: str, clock: Clock, hours: int, basis: str = "forecast") -> str:
    """What a day on which the clocks change holds, in one sentence: the clock hour it
    shows twice (01:00 CDT, then 01:00 CST) or the one it skips (02:00). ``basis``: what
    each hour is fitted to, ``forecast`` or ``readings``."""
    labels = clock.labels(hours)
    twice, skipped = clock.repeated(hours), clock.skipped(hours)
    if twice:
        what = (f"the clocks go back, so {clock.local(twice[0]):%H:%M} comes twice "
                f"({' and '.join(labels[h] for h in twice)})")
    else:
        what = f"the clocks go forward, so there is no {', '.join(f'{w:%H:%M}' for w in skipped)}"
    each = ("its own forecast and the booths of the clock hour it shows" if basis == "forecast"
            else "its own readings and lanes open")
    return (f"{day} is {hours} hours long at {crossing_id} ({clock.timezone}): {what}; the scenario is the day's "
            f"{hours} hours as they elapse, each with {each}")


def _validate(mode: str, program: str, start: dt.datetime, end: dt.datetime, booths: int | None,
              direction: str = "northbound") -> None:
    """The request's lane and window, with messages that fit the CLI and the API alike."""
    if mode not in MODES:
        raise BadInputError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
    if program not in PROGRAMS:
        raise BadInputError(f"program must be one of {', '.join(PROGRAMS)}; got {program!r}")
    if direction not in DIRECTIONS:
        raise BadInputError(f"direction must be one of {', '.join(DIRECTIONS)}; got {direction!r}")
    for label, value in (("start", start), ("end", end)):
        if value.tzinfo is None:
            raise BadInputError(f"the window {label} needs a UTC offset or Z, e.g. 2026-08-12T00:00:00Z; "
                                f"got {value.isoformat()}")
        try:
            utc = value.astimezone(dt.UTC)
        except (OverflowError, ValueError):
            utc = None
        if utc is None or not 1900 <= utc.year <= 2199:
            raise BadInputError(f"the window {label} {value.isoformat()} is outside the years 1900-2199")
    if start >= end:
        raise BadInputError(f"the window start {start.isoformat()} must be before its end {end.isoformat()}")
    if booths is not None and not 1 <= booths <= MAX_BOOTHS:
        raise BadInputError(f"booths must be a whole number from 1 to {MAX_BOOTHS:,}; got {booths:,}")


def _local_hours(engine: Engine, crossing_id: str, mode: str, program: str, direction: str,
                 start: dt.datetime, end: dt.datetime, zone: str) -> pd.DataFrame:
    """Hourly series (hourly rule) with local ``date`` and ``hour``; lanes carried within a day."""
    o = observations.c
    query = select(o.observed_at, o.wait_minutes, o.lanes_open, o.source).where(
        o.crossing_id == crossing_id, o.mode == mode, o.program == program, o.direction == direction,
        o.observed_at >= start, o.observed_at < end)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    readings = pd.DataFrame(rows, columns=["observed_at", "wait_minutes", "lanes_open", "source"])
    readings["unique_id"] = series_id(crossing_id, mode, program, direction)
    series = hourly_series(readings)
    stamps = pd.to_datetime(series["ds"], utc=True).dt.tz_convert(zone)
    series = series.assign(date=stamps.dt.date, hour=stamps.dt.hour)
    series["lanes_open"] = series.groupby("date")["lanes_open"].ffill()
    return series


def _hour_means(frame: pd.DataFrame, hours: int = HOURS) -> list[float]:
    means = frame.groupby("hour")["y"].mean()
    return [float(means.get(h, math.nan)) for h in range(hours)]


def _booths(frame: pd.DataFrame, booths: int | None, crossing: dict[str, Any], mode: str,
            hours: int = HOURS) -> tuple[list[int], str]:
    """Booths of each ``hour`` of ``frame`` (0 .. hours-1): given, else the median lanes
    open, else the crossing's maximum lanes (module docstring, step 2)."""
    if booths is not None:
        return [booths] * hours, "--booths"
    if frame["lanes_open"].notna().any():
        medians = frame.groupby("hour")["lanes_open"].median()
        return [round(float(medians.get(h, 0.0))) if not math.isnan(medians.get(h, math.nan)) else 0
                for h in range(hours)], "lanes_open readings (median per local hour)"
    maximum = (crossing.get("max_lanes") or {}).get(mode)
    if not maximum:
        raise BadInputError(f"{crossing['crossing_id']} reports no lanes open and has no maximum lanes for "
                            f"{mode}; give --booths N")
    return [int(maximum)] * hours, f"the crossing's maximum {mode} lanes ({maximum}), no lanes in the readings"


def _volume_target(engine: Engine, crossing: dict[str, Any], mode: str, direction: str, fit_days: list[Any],
                   mean_booths: float, use_volumes: bool) -> tuple[VolumeTarget | None, tuple[str, ...]]:
    """The daily demand target from monthly volumes (module docstring, 5), or None; and a
    note when volumes exist in principle but cannot apply to this lane."""
    if not use_volumes:
        return None, ()
    if direction != "northbound":
        note = (f"monthly volumes not used: BTS counts inbound (northbound) traffic only, and this lane is "
                f"{direction}; the service mean was chosen by the fit's MAE")
        return None, (note,)
    return _inbound_volume(engine, crossing, mode, fit_days, mean_booths), ()


def _inbound_volume(engine: Engine, crossing: dict[str, Any], mode: str, fit_days: list[Any],
                    mean_booths: float) -> VolumeTarget | None:
    """The crossing's share of its port's count in the fit's calendar month (see the module
    docstring, step 5). A month before BTS counted the crossing's port alone (Ysleta before
    Mar 2020) takes the count that held it (El Paso's), shared over that count's crossings;
    so does El Paso's own count then, which held Ysleta's lanes too."""
    port = crossing.get("bts_port_code") or ""
    measure = VOLUME_MEASURES.get(mode)
    if not port or measure is None or mean_booths <= 0:
        return None
    middle = fit_days[len(fit_days) // 2]
    found = catalog.port(port)
    within = found.counted_within if found else ""
    v, c = volumes.c, crossings.c
    column = getattr(c, f"max_lanes_{mode}")
    with engine.connect() as conn:
        rows = conn.execute(select(v.port_code, v.period_start, v.value).where(
            v.port_code.in_([port, within] if within else [port]), v.measure == measure, v.site == "",
            v.period == "month", v.direction == "northbound").order_by(v.period_start.desc())).all()
        linked = conn.execute(select(c.bts_port_code, column).where(c.bts_port_code != "")).all()
    # the count that holds this crossing in each month: its port's, or the one it was counted within
    same_month = [r for r in rows if r.period_start.month == middle.month and r.period_start.year <= middle.year
                  and r.port_code == catalog.counted_in(port, r.period_start)]
    if not same_month:
        return None
    counted, month_start, value = same_month[0]
    held = catalog.ports_counted_in(counted, month_start)
    total_lanes = sum(int(lanes or 0) for linked_port, lanes in linked if linked_port in held)
    if total_lanes <= 0:
        return None
    days = calendar.monthrange(month_start.year, month_start.month)[1]
    return VolumeTarget(counted, measure, month_start.strftime("%Y-%m"), float(value) / days,
                        min(1.0, mean_booths / total_lanes))


def _num(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 2)
