"""Forecasting jobs over the archive: train and store models, forecast a lane, backtest.

* :func:`train` fits the default model on the archive's hourly series (the hourly rule of
  :mod:`borderflow.forecast.series`) of one or many lanes and stores it with a version.
  Models are trained by this job (``borderflow forecast train``), never by a request.
* :func:`forecast_for` is what the CLI, the API and the pages show: hourly point forecasts
  with 80% and 95% intervals from the newest stored model that was trained on the lane,
  and the best hour to cross (the lowest point forecast, ties to the earliest hour).
  Each forecast is stored with the model version and the last reading it saw; asking
  again before a new reading arrives returns the stored forecast.
* :func:`backtest_lane` runs the rolling-origin backtest of every model on one lane.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, and_, func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from borderflow.errors import BadInputError, NotFoundError
from borderflow.forecast import DEFAULT_MODEL, MODEL_NAMES, make_model
from borderflow.forecast.backtest import backtest
from borderflow.forecast.features import regions_for
from borderflow.forecast.gbm import GBMParams, GradientBoostedForecaster, readings_digest
from borderflow.forecast.models import origins_frame
from borderflow.forecast.series import (
    HOUR,
    SeriesInfo,
    hourly_from_observations,
    parse_series_id,
    series_id,
    to_dense,
)
from borderflow.services.export import ObservationFilter, iter_observations
from borderflow.services.queries import readings_only
from borderflow.store.db import writing
from borderflow.store.forecast_schema import forecast_models, forecasts
from borderflow.store.ordering import in_byte_order
from borderflow.store.schema import crossings, observations
from borderflow.vocabulary import DIRECTIONS, MODES, PROGRAMS

log = logging.getLogger(__name__)

#: The longest forecast a request may ask for (hours); the default model's max_horizon.
MAX_FORECAST_HOURS = 168
#: History a forecast reads before its origin: the yearly lag needs 53 weeks and a day.
FORECAST_LOOKBACK = pd.Timedelta(weeks=53, days=1)
#: A forecast needs a reading at most this many hours before its origin; older readings say
#: nothing about the present, and every lag feature would be missing.
MAX_STALE_HOURS = 168
#: The longest step between backtest origins or refits: a century of hours.
MAX_BACKTEST_HOURS = 24 * 366 * 100
#: A lane needs this many hours with a reading to be trained on.
MIN_TRAIN_HOURS = 72
_MODEL_CACHE: OrderedDict[str, GradientBoostedForecaster] = OrderedDict()
_MODEL_CACHE_SIZE = 4
_CACHE_LOCK = threading.Lock()


# -- validation and lanes ------------------------------------------------------------------

def _shown(value: object) -> str:
    """A value as a user wrote it: ISO 8601 for times, quoted text otherwise."""
    iso = getattr(value, "isoformat", None)
    return str(iso()) if callable(iso) else repr(value)


def _utc(value: dt.datetime | pd.Timestamp | str | None, label: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, OverflowError) as exc:
        raise BadInputError(f"{label} must be an ISO 8601 time, e.g. 2017-07-01T00:00:00Z; got {_shown(value)}") from exc
    if stamp.tzinfo is None:
        raise BadInputError(f"{label} needs a time zone offset or Z, e.g. 2017-07-01T00:00:00Z; got {_shown(value)}")
    if not 1970 <= stamp.year <= 2200:
        raise BadInputError(f"{label} must lie between the years 1970 and 2200; got {_shown(value)}")
    return stamp.tz_convert("UTC")


def _lane_time(value: dt.date | dt.datetime | pd.Timestamp | str, timezone: str, label: str) -> pd.Timestamp:
    """A date (``2017-07-01`` or a ``date``) is midnight at the crossing; a time needs an offset."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = value.isoformat()
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError as exc:
            raise BadInputError(f"{label} must be a date like 2017-07-01 or an ISO 8601 time; got {value!r}") from exc
        if not 1970 <= day.year <= 2200:
            raise BadInputError(f"{label} must lie between the years 1970 and 2200; got {value!r}")
        return pd.Timestamp(day).tz_localize(timezone).tz_convert("UTC")
    stamp = _utc(value, label)
    assert stamp is not None
    return stamp


def validate_lane(crossing_id: str, mode: str, program: str, direction: str = "northbound") -> None:
    if not (isinstance(crossing_id, str) and len(crossing_id) == 6 and crossing_id.isascii() and crossing_id.isdigit()):
        raise BadInputError(f"crossing must be a 6-digit CBP crossing number like 250401; got {crossing_id!r}")
    if mode not in MODES:
        raise BadInputError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
    if program not in PROGRAMS:
        raise BadInputError(f"program must be one of {', '.join(PROGRAMS)}; got {program!r}")
    if direction not in DIRECTIONS:
        raise BadInputError(f"direction must be one of {', '.join(DIRECTIONS)}; got {direction!r}")


def lane_info(engine: Engine, crossing_id: str, mode: str, program: str,
              direction: str = "northbound") -> SeriesInfo:
    """Time zone and holiday regions of a lane, from the archive's crossings table."""
    with engine.connect() as conn:
        row = conn.execute(select(crossings.c.timezone, crossings.c.state, crossings.c.border)
                           .where(crossings.c.crossing_id == crossing_id)).first()
    if row is None:
        raise NotFoundError(f"crossing {crossing_id} is not in the archive; the known crossings are "
                            "listed by GET /api/v1/crossings and on the overview page (/)",
                            key="crossing.unknown", fields={"crossing": crossing_id})
    return SeriesInfo(series_id(crossing_id, mode, program, direction), timezone=row[0] or "UTC",
                      mode=mode, program=program, regions=regions_for(row[1] or "", row[2] or ""))


def lane_history(engine: Engine, crossing_id: str, mode: str, program: str, *,
                 direction: str = "northbound", start: pd.Timestamp | None = None,
                 end: pd.Timestamp | None = None, source: str | None = None) -> pd.DataFrame:
    """The lane's hourly series (hourly rule) from readings with ``start <= observed_at < end``."""
    filt = ObservationFilter(crossing_id=crossing_id, mode=mode, program=program, source=source,
                             direction=direction,
                             start=start.to_pydatetime() if start is not None else None,
                             end=end.to_pydatetime() if end is not None else None)
    return hourly_from_observations(iter_observations(engine, filt))


def archive_lanes(engine: Engine, crossing_ids: list[str] | None = None, mode: str | None = None,
                  program: str | None = None, source: str | None = None) -> list[tuple[str, str, str, str]]:
    """(crossing, mode, program, direction) of every lane with readings that have a wait."""
    t = observations.c
    query = (select(t.crossing_id, t.mode, t.program, t.direction).distinct()
             .where(t.wait_minutes.is_not(None)))
    if crossing_ids:
        query = query.where(t.crossing_id.in_(crossing_ids))
    if mode:
        query = query.where(t.mode == mode)
    if program:
        query = query.where(t.program == program)
    if source:
        query = query.where(t.source == source)
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(query))  # type: ignore[misc]


# -- training ----------------------------------------------------------------------------

def train(engine: Engine, *, crossing_ids: list[str] | None = None, mode: str | None = None,
          program: str | None = None, source: str | None = None,
          until: dt.datetime | pd.Timestamp | str | None = None,
          params: GBMParams | None = None, now: dt.datetime | None = None,
          if_stale: bool = False) -> dict[str, Any]:
    """Fit the default model on every matching lane (readings before ``until``, default
    now: a reading CBP stamped with the coming hour waits for the next training, else the
    model would have read past the hour a forecast made now starts from) and store it.

    One model is trained across all the lanes, so lanes with little history borrow the
    shape of the others. Returns a summary with the new ``version``. With ``if_stale``
    nothing is trained when a stored model with the same settings was trained on exactly
    these lanes over exactly these hours (no reading has arrived since); the summary then
    names that model and has ``up_to_date`` True.
    """
    validate_lane("000000", mode or "passenger", program or "standard")  # a bad mode or program, named
    for c in crossing_ids or []:
        validate_lane(c, mode or "passenger", program or "standard")
    until_ts = _utc(until, "--until") or pd.Timestamp.now(tz="UTC")  # (``now`` only dates the model)
    lanes = archive_lanes(engine, crossing_ids, mode, program, source)
    frames, info, skipped = [], {}, {}
    for c, m, p, d in lanes:
        hist = lane_history(engine, c, m, p, direction=d, end=until_ts, source=source)
        observed = int(hist["y"].notna().sum())
        uid = series_id(c, m, p, d)
        if observed < MIN_TRAIN_HOURS:
            skipped[uid] = observed
            continue
        frames.append(hist)
        info[uid] = lane_info(engine, c, m, p, d)
    if not frames:
        raise NotFoundError(
            f"no lane has {MIN_TRAIN_HOURS} or more hours with a reading to train on "
            f"(matching lanes: {len(lanes)}); ingest readings first or widen the selection")
    history = pd.concat(frames, ignore_index=True)
    model = GradientBoostedForecaster(params or GBMParams())
    summary: dict[str, Any] = {
        "model": model.name, "series": sorted(info), "skipped": skipped,
        # as `forecast models` says them: the first hour read, and the end of the last one
        "train_start": _iso(history["ds"].min()), "train_end": _iso(history["ds"].max() + HOUR),
        "params": asdict(model.params), "up_to_date": False,
    }
    if if_stale:
        current = _current_model(engine, history, model.params)
        if current is not None:
            summary.update(current, up_to_date=True, seconds=0.0)
            return summary
    t0 = time.perf_counter()
    try:
        model.fit(history, info)
    except BadInputError as exc:
        hours = int(history["y"].notna().sum())
        raise BadInputError(
            f"the selected lanes ({len(info)}, {hours} hours with a reading in all) are too little to train on: "
            f"{exc.message.split('; ')[0]}; train them together with lanes that have more (fewer --crossing, "
            "--mode or --program choices), or once more readings have arrived") from None
    seconds = time.perf_counter() - t0
    version = store_model(engine, model, now=now)
    summary.update(version=version, train_rows=model.training["rows"],
                   calibration_rows=model.training["calibration_rows"], seconds=round(seconds, 2))
    return summary


def _current_model(engine: Engine, history: pd.DataFrame, params: GBMParams) -> dict[str, Any] | None:
    """The stored model a fit on ``history`` with ``params`` would repeat: same settings,
    same lanes, each over the same hours with the same readings (a reading that arrived
    late for an hour inside the window counts), and no model trained after it that read any of
    those lanes as late or later (forecasts use the model that read a lane latest, ties to
    the one trained last: :func:`model_for`). None if there is none."""
    dense = to_dense(history)
    windows = {uid: {"start": s.start.isoformat(), "end": s.end.isoformat()} for uid, s in dense.items()}
    digests = {uid: readings_digest(s) for uid, s in dense.items()}
    observed = {uid: int((~np.isnan(s.y)).sum()) for uid, s in dense.items()}
    wanted = json.dumps(asdict(params), sort_keys=True)
    t = forecast_models.c
    with engine.connect() as conn:
        rows = conn.execute(select(t.version, t.params, t.series, t.train_rows)
                            .where(t.model_name == GradientBoostedForecaster.name)
                            .order_by(t.trained_at.desc()))
        newer: dict[str, pd.Timestamp] = {}  # lane -> the latest end a model trained after this one read
        for version, stored_params, series, rows_used in rows:
            lanes = json.loads(series)
            stored = {uid: {"start": w["start"], "end": w["end"]} for uid, w in lanes.items()}
            # the same readings: their digest (models stored before it was kept: their count)
            same = stored == windows and all(
                lanes[uid]["readings_sha256"] == digests[uid] if "readings_sha256" in lanes[uid]
                else lanes[uid].get("observed_hours") == observed[uid] for uid in windows)
            if same and json.loads(stored_params) == json.loads(wanted):
                shadowed = any(uid in newer and newer[uid] >= pd.Timestamp(w["end"]) for uid, w in windows.items())
                return None if shadowed else {"version": version, "train_rows": rows_used}
            for uid, w in stored.items():
                end = pd.Timestamp(w["end"])
                newer[uid] = max(newer.get(uid, end), end)
    return None


def store_model(engine: Engine, model: GradientBoostedForecaster, now: dt.datetime | None = None) -> str:
    """Store a fitted model; returns its version."""
    blob = model.to_bytes()
    digest = hashlib.sha256(blob).hexdigest()
    trained_at = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    version = f"{model.name}-{trained_at:%Y%m%dT%H%M%SZ}-{digest[:8]}"
    windows = model.training["series"]
    try:
        _insert_model(engine, model, version, trained_at, windows, digest, blob)
    except IntegrityError:  # the same content stored in the same second (two identical trainings): one model
        with engine.connect() as conn:
            if conn.execute(select(forecast_models.c.version)
                            .where(forecast_models.c.version == version)).first() is None:
                raise
    return version


def _insert_model(engine: Engine, model: GradientBoostedForecaster, version: str, trained_at: dt.datetime,
                  windows: dict[str, Any], digest: str, blob: bytes) -> None:
    with engine.begin() as conn:
        conn.execute(forecast_models.insert().values(
            version=version, model_name=model.name, trained_at=trained_at,
            params=json.dumps(asdict(model.params), sort_keys=True), series=json.dumps(windows, sort_keys=True),
            train_start=min(pd.Timestamp(w["start"]) for w in windows.values()).to_pydatetime(),
            train_end=max(pd.Timestamp(w["end"]) for w in windows.values()).to_pydatetime(),
            train_rows=int(model.training["rows"]), sha256=digest, size_bytes=len(blob), content=blob,
        ))


def list_models(engine: Engine) -> list[dict[str, Any]]:
    """Stored models, newest first (without their content)."""
    t = forecast_models.c
    with engine.connect() as conn:
        rows = conn.execute(select(t.version, t.model_name, t.trained_at, t.series, t.train_start,
                                   t.train_end, t.train_rows, t.size_bytes).order_by(t.trained_at.desc()))
        return [{"version": r[0], "model": r[1], "trained_at": _iso(r[2]), "series": sorted(json.loads(r[3])),
                 "train_start": _iso(r[4]), "train_end": _iso(r[5]), "train_rows": r[6], "size_bytes": r[7]}
                for r in rows]


_COVERED: dict[str, tuple[tuple[Any, ...], frozenset[tuple[str, str, str, str]]]] = {}


def covered_lanes(engine: Engine) -> frozenset[tuple[str, str, str, str]]:
    """(crossing_id, mode, program, direction) of every lane a stored model was trained on.

    Read again only when a model has been stored since (pages ask on every view)."""
    t = forecast_models.c
    with engine.connect() as conn:
        state = tuple(conn.execute(select(func.count(), func.max(t.trained_at), func.max(t.version))).one())
        key = str(engine.url)
        cached = _COVERED.get(key)
        if cached is not None and cached[0] == state:
            return cached[1]
        lanes = frozenset(parse_series_id(uid) for series in conn.execute(select(t.series)).scalars()
                          for uid in json.loads(series))
    _COVERED[key] = (state, lanes)
    return lanes


def model_for(engine: Engine, unique_id: str,
              origin: pd.Timestamp | None = None) -> tuple[str, GradientBoostedForecaster, bool]:
    """The model to forecast this lane from ``origin``, loaded (and cached by content hash),
    and whether it is *out of sample* there.

    Of the stored models trained on the lane whose readings of this lane all lie before the
    origin, the one whose readings of it end latest (ties: the one trained last), so a
    model trained later with ``--until`` on older readings does not displace one that read
    the lane up to now. If every one of them read this lane at or after the origin (a
    forecast as of an earlier time than the models), the one that read least past it,
    flagged in-sample (False): its errors there are not what it would make on hours it
    never saw. (A model trained across lanes
    may have read other lanes later than the origin; it never reads them to forecast this one.)
    """
    t = forecast_models.c
    with engine.connect() as conn:
        candidates = []
        for version, series, sha in conn.execute(
                select(t.version, t.series, t.sha256).order_by(t.trained_at.desc(), in_byte_order(t.version).desc())):
            lanes = json.loads(series)
            if unique_id in lanes:  # "end": the hour after the lane's newest hour the model read
                candidates.append((version, sha, lanes[unique_id]["end"]))
        before = [c for c in candidates
                  if origin is None or pd.Timestamp(c[2]).tz_convert("UTC") <= origin]
        out_of_sample = bool(before)
        # out of sample: the one that read the lane latest (ties: trained last); in sample:
        # the one that read least past the origin
        if before:
            before.sort(key=lambda c: pd.Timestamp(c[2]), reverse=True)
        else:
            candidates.sort(key=lambda c: pd.Timestamp(c[2]))
        if not candidates:
            crossing_id, mode, program, direction = parse_series_id(unique_id)
            program = _program_words(program, direction)
            raise NotFoundError(
                f"no trained forecast model covers crossing {crossing_id} {mode}/{program}; "
                f"run 'borderflow forecast train --crossing {crossing_id}' first",
                key="forecast.no_model", fields={"crossing": crossing_id, "mode": mode, "program": program})
        version, sha, _ = (before or candidates)[0]
        with _CACHE_LOCK:
            if sha in _MODEL_CACHE:
                _MODEL_CACHE.move_to_end(sha)
                return version, _MODEL_CACHE[sha], out_of_sample
        blob = conn.execute(select(t.content).where(t.version == version)).scalar_one()
    model = GradientBoostedForecaster.from_bytes(bytes(blob))
    with _CACHE_LOCK:
        _MODEL_CACHE[sha] = model
        while len(_MODEL_CACHE) > _MODEL_CACHE_SIZE:
            _MODEL_CACHE.popitem(last=False)
    return version, model, out_of_sample


# -- forecasting ---------------------------------------------------------------------------

def _local(value: dt.datetime | pd.Timestamp, zone: str) -> str:
    """``value`` on the crossing's clock, as a page says it: ``2026-08-22 12:00 CDT``."""
    return pd.Timestamp(value).tz_convert(zone).strftime("%Y-%m-%d %H:%M %Z")


def _iso(value: dt.datetime | pd.Timestamp | None) -> str | None:
    if value is None:
        return None
    return pd.Timestamp(value).tz_convert("UTC").isoformat().replace("+00:00", "Z")


#: How far back a lane's hours of the day with a wait are looked for (see :func:`_reported_hours`).
REPORTED_LOOKBACK = pd.Timedelta(days=28)


def _reported_hours(engine: Engine, crossing_id: str, mode: str, program: str, direction: str,
                    before: pd.Timestamp, timezone: str) -> set[int]:
    """The local hours of the day at which the lane gave a wait on some day of the
    :data:`REPORTED_LOOKBACK` before ``before``. A port closed at night reports "lanes
    closed" or nothing then, and its forecast of those hours (near zero: the model never
    saw a wait there) is no time to cross."""
    t = observations.c
    query = select(t.observed_at).where(
        t.crossing_id == crossing_id, t.mode == mode, t.program == program, t.direction == direction,
        t.wait_minutes.is_not(None), t.observed_at < before.to_pydatetime(),
        t.observed_at >= (before - REPORTED_LOOKBACK).to_pydatetime(), *readings_only())
    with engine.connect() as conn:
        stamps = pd.DatetimeIndex(pd.to_datetime(conn.scalars(query).all(), utc=True))
    return set(stamps.tz_convert(timezone).hour.tolist())


def _last_reading(engine: Engine, crossing_id: str, mode: str, program: str, direction: str,
                  before: pd.Timestamp) -> dt.datetime | None:
    return _newest(engine, crossing_id, mode, program, direction, before)[0]


def _newest(engine: Engine, crossing_id: str, mode: str, program: str, direction: str,
            before: pd.Timestamp) -> tuple[dt.datetime | None, int | None]:
    """When the lane's newest reading with a wait before ``before`` was observed, and the
    highest row id among those readings: a reading stored late for an earlier hour raises
    the id though not the time."""
    t = observations.c
    query = select(func.max(t.observed_at), func.max(t.id)).where(
        t.crossing_id == crossing_id, t.mode == mode, t.program == program, t.direction == direction,
        t.wait_minutes.is_not(None), t.observed_at < before.to_pydatetime(),
        *readings_only())
    with engine.connect() as conn:
        row = conn.execute(query).one()
    return row[0], row[1]


def _hours_if_too_few(engine: Engine, crossing_id: str, mode: str, program: str, direction: str) -> int | None:
    """The lane's number of hours with a reading when it is under :data:`MIN_TRAIN_HOURS`
    (too few for ``forecast train``), else None. Reads at most a few thousand readings."""
    t = observations.c
    cap = 60 * MIN_TRAIN_HOURS  # a reading a minute for the whole minimum: surely enough beyond this
    query = (select(t.observed_at).where(
        t.crossing_id == crossing_id, t.mode == mode, t.program == program, t.direction == direction,
        t.wait_minutes.is_not(None), *readings_only())
        .order_by(t.observed_at.desc()).limit(cap))
    with engine.connect() as conn:
        times = conn.execute(query).scalars().all()
    if len(times) >= cap:
        return None
    hours = len({x.replace(minute=0, second=0, microsecond=0) for x in times})  # UTC hours (the hourly rule)
    return hours if hours < MIN_TRAIN_HOURS else None


def last_reading_at(engine: Engine, crossing_id: str, mode: str, program: str,
                    direction: str = "northbound") -> dt.datetime | None:
    """When the lane's newest reading with a wait (the kind a forecast reads) was observed."""
    return _last_reading(engine, crossing_id, mode, program, direction, pd.Timestamp("2200-01-01", tz="UTC"))


def _stored(engine: Engine, key: dict[str, Any], hours: int) -> list[Any] | None:
    t = forecasts.c
    cond = and_(*(getattr(t, k) == v for k, v in key.items()))
    with engine.connect() as conn:
        rows = conn.execute(select(t.target_at, t.horizon, t.point, t.lo80, t.hi80, t.lo95, t.hi95, t.made_at)
                            .where(cond, t.horizon <= hours).order_by(t.horizon)).all()
    return list(rows) if len(rows) == hours else None


def _store_forecasts(engine: Engine, key: dict[str, Any], made_at: dt.datetime, frame: pd.DataFrame) -> None:
    rows = [{**key, "made_at": made_at, "target_at": r.ds.to_pydatetime(), "horizon": int(r.horizon),
             "point": float(r.point), "lo80": float(r.lo_80), "hi80": float(r.hi_80),
             "lo95": float(r.lo_95), "hi95": float(r.hi_95)} for r in frame.itertuples()]
    t = forecasts.c
    try:
        # a stored forecast only spares computing it again: it is not worth waiting for an
        # ingest to finish (up to the busy timeout), and its own unique key keeps it whole
        with writing(engine, serialize=False, wait=False) as conn:
            have = set(conn.scalars(select(t.horizon).where(and_(*(getattr(t, k) == v for k, v in key.items())))))
            new = [r for r in rows if r["horizon"] not in have]
            if new:
                conn.execute(forecasts.insert(), new)
    except IntegrityError:
        pass  # a concurrent request stored the same forecast first; it is identical
    except OperationalError:
        log.info("forecast not stored: another writer holds the archive")  # computed again next time


#: Forecasts computed and not stored (asked as of another instant than now), kept in memory
#: by what they were computed from, so the same question (a page reloaded, a reader
#: stepping back and forth) is not computed again: about 2 s of a core for 168 hours.
_REMEMBERED: OrderedDict[tuple[Any, ...], tuple[pd.DataFrame, dt.datetime]] = OrderedDict()
_REMEMBERED_SIZE = 128
_REMEMBERED_LOCK = threading.Lock()


def _remembered_key(engine: Engine, key: dict[str, Any], hours: int) -> tuple[Any, ...]:
    return (str(engine.url), hours, *sorted((k, str(v)) for k, v in key.items()))


def _remembered(engine: Engine, key: dict[str, Any], hours: int) -> tuple[pd.DataFrame, dt.datetime] | None:
    with _REMEMBERED_LOCK:
        found = _REMEMBERED.get(_remembered_key(engine, key, hours))
        if found is not None:
            _REMEMBERED.move_to_end(_remembered_key(engine, key, hours))
        return found


def _remember(engine: Engine, key: dict[str, Any], hours: int, frame: pd.DataFrame, made_at: dt.datetime) -> None:
    with _REMEMBERED_LOCK:
        _REMEMBERED[_remembered_key(engine, key, hours)] = (frame, made_at)
        while len(_REMEMBERED) > _REMEMBERED_SIZE:
            _REMEMBERED.popitem(last=False)


def forecast_for(engine: Engine, crossing_id: str, mode: str = "passenger", program: str = "standard",
                 hours: int = 24, *, as_of: dt.datetime | pd.Timestamp | str | None = None,
                 direction: str = "northbound", store: bool = True) -> dict[str, Any]:
    """Hourly forecasts of a lane for ``hours`` hours with intervals and the best hour to cross.

    ``as_of`` (default now) is when the question is asked: readings before it are used,
    and the first forecast hour (the *origin*) is the hour after the one ``as_of`` falls in
    (or ``as_of`` itself when it is a whole hour) — the hour ``as_of`` falls in is the
    present, read from the readings. Waits are minutes rounded to 0.1.
    """
    validate_lane(crossing_id, mode, program, direction)
    shown = _program_words(program, direction)  # the lane as messages name it
    if not isinstance(hours, (int, np.integer)) or not 1 <= hours <= MAX_FORECAST_HOURS:
        raise BadInputError(f"hours must be a whole number from 1 to {MAX_FORECAST_HOURS}; got {hours!r}")
    asked = _utc(as_of, "the forecast time (at)") or pd.Timestamp.now(tz="UTC")
    origin = asked.ceil("h")
    info = lane_info(engine, crossing_id, mode, program, direction)
    uid = info.unique_id
    try:
        version, model, out_of_sample = model_for(engine, uid, origin)
    except NotFoundError:
        few = _hours_if_too_few(engine, crossing_id, mode, program, direction)
        if few is None:
            raise
        raise NotFoundError(
            f"no trained forecast model covers crossing {crossing_id} {mode}/{shown}: the lane has {few} of the "
            f"{MIN_TRAIN_HOURS} hours with a reading that training needs, so 'borderflow forecast train' leaves "
            "it out until more readings have arrived", key="forecast.too_few_hours",
            fields={"hours": few, "least": MIN_TRAIN_HOURS}) from None
    if hours > model.params.max_horizon:
        raise BadInputError(f"model {version} forecasts at most {model.params.max_horizon} hours; got hours={hours}",
                            key="forecast.horizon",
                            fields={"version": version, "most": model.params.max_horizon, "hours": hours})
    last, newest_id = _newest(engine, crossing_id, mode, program, direction, asked)
    if last is None:
        raise NotFoundError(f"crossing {crossing_id} {mode}/{shown} has no reading with a wait "
                            f"before {_iso(asked)}; nothing to forecast from",
                            key="forecast.no_reading", fields={"before": _local(asked, info.timezone)})
    if (origin - pd.Timestamp(last).tz_convert("UTC")) / HOUR > MAX_STALE_HOURS:
        raise NotFoundError(
            f"the newest reading of crossing {crossing_id} {mode}/{shown} before {_iso(asked)} is from "
            f"{_iso(last)}, more than {MAX_STALE_HOURS} hours earlier; a forecast needs recent readings "
            f"(ingest or poll them, or forecast as of an earlier time with --at / at=)",
            key="forecast.stale", fields={"asked": _local(asked, info.timezone), "last": _local(last, info.timezone),
                                          "hours": MAX_STALE_HOURS})
    key = {"crossing_id": crossing_id, "mode": mode, "program": program, "direction": direction,
           "model_version": version, "origin": origin.to_pydatetime(), "last_reading_at": last,
           "newest_reading_id": newest_id}
    stored = _stored(engine, key, hours) if store else None
    remembered = None if store else _remembered(engine, key, hours)
    if remembered is not None:
        frame, made_at = remembered
    elif stored is not None:
        frame = pd.DataFrame([{"ds": pd.Timestamp(r[0]), "horizon": r[1], "point": r[2], "lo_80": r[3],
                               "hi_80": r[4], "lo_95": r[5], "hi_95": r[6]} for r in stored])
        made_at = stored[0][7]
    else:
        history = lane_history(engine, crossing_id, mode, program, direction=direction,
                               start=origin - FORECAST_LOOKBACK, end=asked)
        frame = model.predict(history, origins_frame([uid], [origin]), hours, {uid: info})
        made_at = dt.datetime.now(dt.UTC)
        if store:
            _store_forecasts(engine, key, made_at, frame)
        else:
            _remember(engine, key, hours, frame, made_at)
    reported = _reported_hours(engine, crossing_id, mode, program, direction, asked, info.timezone)
    return {**_package(info, version, model.name, origin, last, made_at, frame, hours, reported),
            "out_of_sample": out_of_sample}


def _program_words(program: str, direction: str) -> str:
    """The program as a message names the lane: with its direction when that is not the
    usual one (into the US)."""
    return program if direction == "northbound" else f"{program} {direction}"


def best_hour_to_cross(hours: list[dict[str, Any]]) -> dict[str, Any]:
    """The hour with the lowest point forecast (``wait_minutes``) among the hours of the day
    the lane has reported a wait at lately (``reported_recently``; all hours when none
    has); ties go to the earliest."""
    if not hours:
        raise BadInputError("no forecast hours to choose the best hour from")
    open_hours = [item for item in hours if item.get("reported_recently", True)] or hours
    return min(open_hours, key=lambda item: (item["wait_minutes"], item["horizon"]))


def _package(info: SeriesInfo, version: str, model_name: str, origin: pd.Timestamp, last: dt.datetime,
             made_at: dt.datetime, frame: pd.DataFrame, hours: int, reported: set[int]) -> dict[str, Any]:
    crossing_id, mode, program, direction = parse_series_id(info.unique_id)
    tz = info.timezone
    items = []
    for r in frame.sort_values("horizon").itertuples():
        ds = pd.Timestamp(r.ds).tz_convert("UTC")
        items.append({
            "hour": _iso(ds), "local_hour": ds.tz_convert(tz).isoformat(), "horizon": int(r.horizon),
            "wait_minutes": round(float(r.point), 1),
            "lo80": round(float(r.lo_80), 1), "hi80": round(float(r.hi_80), 1),
            "lo95": round(float(r.lo_95), 1), "hi95": round(float(r.hi_95), 1),
            "reported_recently": ds.tz_convert(tz).hour in reported,
        })
    best = best_hour_to_cross(items)
    stale = (origin - pd.Timestamp(last).tz_convert("UTC")) / HOUR
    return {
        "crossing_id": crossing_id, "mode": mode, "program": program, "direction": direction,
        "timezone": tz, "model": model_name, "model_version": version, "made_at": _iso(made_at),
        "origin": _iso(origin), "last_reading_at": _iso(last), "hours_since_last_reading": round(float(stale), 2),
        "hours": hours, "levels": [80, 95], "forecast": items, "best_hour": best,
    }


# -- backtests -----------------------------------------------------------------------------

def backtest_lane(engine: Engine, crossing_id: str, mode: str, program: str,
                  start: dt.date | dt.datetime | pd.Timestamp | str,
                  end: dt.date | dt.datetime | pd.Timestamp | str, *,
                  horizon: int = 24, every: int = 24, direction: str = "northbound",
                  source: str | None = None, params: GBMParams | None = None,
                  refit_every: int | None = None) -> dict[str, Any]:
    """Rolling-origin backtest of every model on one lane (see :mod:`borderflow.forecast.backtest`):
    fitted on the readings before ``start`` (and, with ``refit_every`` hours, again on the
    readings before each refit time), scored on ``[start, end)``. A date means midnight at
    the crossing (its local time zone)."""
    validate_lane(crossing_id, mode, program, direction)
    result = backtest_lanes(engine, [(crossing_id, mode, program, direction)], start, end,
                            horizon=horizon, every=every, source=source, params=params,
                            refit_every=refit_every)
    result.update({"crossing_id": crossing_id, "mode": mode, "program": program, "direction": direction})
    return result


def backtest_lanes(engine: Engine, lanes: list[tuple[str, str, str, str]],
                   start: dt.date | dt.datetime | pd.Timestamp | str,
                   end: dt.date | dt.datetime | pd.Timestamp | str, *,
                   horizon: int = 24, every: int = 24, source: str | None = None,
                   params: GBMParams | None = None, refit_every: int | None = None) -> dict[str, Any]:
    """The backtest of :func:`backtest_lane` on several lanes at once: each model is fitted
    once across all of them (the default model learns from every lane) and the metrics pool
    every lane's scored hours. Dates are midnight in the first lane's time zone."""
    if not lanes:
        raise BadInputError("a backtest needs at least one lane")
    if not isinstance(horizon, (int, np.integer)) or not 1 <= horizon <= MAX_FORECAST_HOURS:
        raise BadInputError(f"--horizon must be a whole number from 1 to {MAX_FORECAST_HOURS}; got {horizon!r}")
    if not isinstance(every, (int, np.integer)) or not 1 <= every <= MAX_BACKTEST_HOURS:
        raise BadInputError(f"--every must be a whole number of hours from 1 to {MAX_BACKTEST_HOURS}; got {every!r}")
    if refit_every is not None and (not isinstance(refit_every, (int, np.integer))
                                    or not 24 <= refit_every <= MAX_BACKTEST_HOURS):
        raise BadInputError(f"--refit-every must be a whole number of hours from 24 to {MAX_BACKTEST_HOURS}; "
                            f"got {refit_every!r}")
    infos = [lane_info(engine, *lane) for lane in lanes]
    start_ts = _lane_time(start, infos[0].timezone, "--start")
    end_ts = _lane_time(end, infos[0].timezone, "--end")
    if end_ts <= start_ts:
        raise BadInputError(f"--end {_iso(end_ts)} is not after --start {_iso(start_ts)}; give the start first")
    frames = []
    for (c, m, p, d), info in zip(lanes, infos):
        frames.append(lane_history(engine, c, m, p, direction=d, end=end_ts, source=source))
    history = pd.concat(frames, ignore_index=True)
    if history.empty:
        raise NotFoundError(f"no readings with a wait before {_iso(end_ts)} in the chosen lane(s)")
    gbm_params = params or GBMParams()
    if gbm_params.max_horizon < horizon:
        gbm_params = GBMParams(**{**asdict(gbm_params), "max_horizon": horizon})
    models = [make_model(name) for name in MODEL_NAMES if name != DEFAULT_MODEL]
    models.append(GradientBoostedForecaster(gbm_params))
    if start_ts.ceil("h") >= end_ts.floor("h"):
        raise BadInputError(f"--start {_iso(start_ts)} .. --end {_iso(end_ts)} holds no whole hour to score "
                            "(a start within an hour begins at the next one); widen the window")
    # whole hours inside [start, end): a start within an hour begins at the next one
    report = backtest(history, models, start_ts.ceil("h"), end_ts.floor("h"), horizon=horizon, every=every,
                      info={i.unique_id: i for i in infos}, default_model=DEFAULT_MODEL,
                      refit_every=refit_every)
    result = report.as_dict()
    result.update({"source": source, "gbm_params": asdict(gbm_params)})
    return result
