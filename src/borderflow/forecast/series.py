"""The hourly rule: irregular readings -> one value per lane per UTC hour.

Readings arrive irregularly: CBP updates a lane about once an hour (sometimes twice,
sometimes not for hours), scrapers fetch every 10 minutes and see the same update
again, loop detectors give hourly averages, feeds go quiet. Forecasting needs one
regular series per lane, built by this rule:

1. **Only readings with a wait count.** A reading without ``wait_minutes`` (lanes
   closed, update pending, not applicable) says nothing about the wait; it is dropped.
   Sources that are aggregates over longer periods (``*-daily-mean``) are not readings
   of an hour and are dropped too.
2. **A reading is identified by its own update time** (``observed_at``, the source's time,
   not the fetch time). The same update seen in many fetches is one reading — the store
   already keeps it once per source; readings of several sources at the same instant
   are averaged into one.
3. **A reading belongs to the UTC hour its update time falls in**: ``[h, h+1h)``. A reading
   at 13:00:00 belongs to 13:00, one at 13:59 too. Hourly averages labelled by the hour's
   start (Cascade) therefore land on their own hour.
4. **An hour's wait is the mean of its readings** (one CBP update: that value; six 10-minute
   updates: their mean). Its ``lanes_open`` is that of the latest reading in the hour that
   gave one. ``n_readings`` counts the readings.
5. **An hour without a reading is missing** (``y`` NaN): never zero, never the previous
   value carried forward. A stale feed that keeps showing an old update adds nothing to
   later hours, because the update time does not change.

The result is a long frame in the ``statsforecast`` shape: ``unique_id`` (``crossing/mode/
program``, plus ``/southbound`` when not northbound), ``ds`` (tz-aware UTC hour start),
``y`` (minutes, float, NaN when missing), ``lanes_open`` (float, NaN when unknown) and
``n_readings``; one row per hour from each lane's first to its last reading.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from borderflow.errors import BadInputError
from borderflow.feeds.records import AGGREGATE_SOURCE_SUFFIXES
from borderflow.forecast.features import HolidayRegions
from borderflow.vocabulary import Observation

HOUR = pd.Timedelta(hours=1)
SERIES_COLUMNS: tuple[str, ...] = ("unique_id", "ds", "y", "lanes_open", "n_readings")


def series_id(crossing_id: str, mode: str, program: str, direction: str = "northbound") -> str:
    """The ``unique_id`` of a lane: ``300402/passenger/standard`` (``/southbound`` appended
    for southbound lanes)."""
    base = f"{crossing_id}/{mode}/{program}"
    return base if direction == "northbound" else f"{base}/{direction}"


def parse_series_id(unique_id: str) -> tuple[str, str, str, str]:
    """(crossing_id, mode, program, direction) of a ``unique_id`` made by :func:`series_id`."""
    parts = unique_id.split("/")
    if len(parts) not in (3, 4):
        raise BadInputError(f"a series id is crossing/mode/program[/direction]; got {unique_id!r}")
    return parts[0], parts[1], parts[2], parts[3] if len(parts) == 4 else "northbound"


@dataclass(frozen=True)
class SeriesInfo:
    """What the models need to know about a lane besides its readings."""

    unique_id: str
    timezone: str = "UTC"
    mode: str = ""
    program: str = ""
    regions: HolidayRegions = field(default_factory=HolidayRegions)

    def as_dict(self) -> dict[str, object]:
        return {"unique_id": self.unique_id, "timezone": self.timezone, "mode": self.mode,
                "program": self.program, "regions": self.regions.as_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> SeriesInfo:
        regions = data.get("regions") or {}
        assert isinstance(regions, dict)
        return cls(unique_id=str(data["unique_id"]), timezone=str(data.get("timezone", "UTC")),
                   mode=str(data.get("mode", "")), program=str(data.get("program", "")),
                   regions=HolidayRegions.from_dict(regions))


def readings_frame(observations: Iterable[Observation]) -> pd.DataFrame:
    """Observations as a frame: unique_id, observed_at (UTC), wait_minutes, lanes_open, source."""
    rows = [
        (series_id(o.crossing_id, o.mode, o.program, o.direction), o.observed_at,
         o.wait_minutes, o.lanes_open, o.source)
        for o in observations
    ]
    frame = pd.DataFrame(rows, columns=["unique_id", "observed_at", "wait_minutes", "lanes_open", "source"])
    frame["observed_at"] = pd.to_datetime(frame["observed_at"], utc=True)
    for col in ("wait_minutes", "lanes_open"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    return frame


def hourly_series(readings: pd.DataFrame) -> pd.DataFrame:
    """Apply the hourly rule (module docstring) to readings.

    ``readings`` has ``unique_id``, ``observed_at`` (tz-aware), ``wait_minutes`` and
    optionally ``lanes_open`` and ``source``. Returns :data:`SERIES_COLUMNS`, sorted.
    """
    frame = readings.copy()
    if "lanes_open" not in frame:
        frame["lanes_open"] = np.nan
    if "source" in frame:
        aggregate = frame["source"].astype(str).str.endswith(AGGREGATE_SOURCE_SUFFIXES)
        frame = frame[~aggregate]
    frame["observed_at"] = pd.to_datetime(frame["observed_at"], utc=True)
    frame["wait_minutes"] = pd.to_numeric(frame["wait_minutes"], errors="coerce").astype("float64")
    frame["lanes_open"] = pd.to_numeric(frame["lanes_open"], errors="coerce").astype("float64")
    waits = frame["wait_minutes"]
    frame = frame[waits.notna() & np.isfinite(waits) & (waits >= 0)]
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
            SERIES_COLUMNS, ("object", "datetime64[ns, UTC]", "float64", "float64", "int64"))})
    # Rule 2: one reading per instant (several sources at the same update time are averaged).
    instants = (frame.groupby(["unique_id", "observed_at"], sort=True)
                .agg(wait_minutes=("wait_minutes", "mean"), lanes_open=("lanes_open", "max"))
                .reset_index())
    # Rules 3-4: the hour an update falls in; mean wait, latest lanes_open.
    instants["ds"] = instants["observed_at"].dt.floor("h")
    hourly = (instants.groupby(["unique_id", "ds"], sort=True)
              .agg(y=("wait_minutes", "mean"), lanes_open=("lanes_open", "last"),
                   n_readings=("wait_minutes", "size"))
              .reset_index())
    # Rule 5: a full grid from first to last reading; hours without a reading stay NaN.
    parts = []
    for uid, group in hourly.groupby("unique_id", sort=True):
        grid = pd.date_range(group["ds"].iloc[0], group["ds"].iloc[-1], freq="h", tz="UTC")
        full = group.set_index("ds").reindex(grid)
        full.index.name = "ds"
        full["unique_id"] = uid
        full["n_readings"] = full["n_readings"].fillna(0).astype("int64")
        parts.append(full.reset_index())
    result = pd.concat(parts, ignore_index=True)
    return result[list(SERIES_COLUMNS)]


def hourly_from_observations(observations: Iterable[Observation]) -> pd.DataFrame:
    """:func:`hourly_series` of :class:`~borderflow.vocabulary.Observation` records."""
    return hourly_series(readings_frame(observations))


@dataclass
class DenseSeries:
    """One lane as arrays on a regular hourly grid: index ``i`` is hour ``start + i h``.

    ``y`` and ``lanes`` are float arrays with NaN where unknown. Models work on these.
    """

    unique_id: str
    start: pd.Timestamp
    y: np.ndarray
    lanes: np.ndarray

    @property
    def end(self) -> pd.Timestamp:
        """The hour after the last grid hour."""
        return self.start + len(self.y) * HOUR

    def index_of(self, times: pd.DatetimeIndex | pd.Series | np.ndarray) -> np.ndarray:
        """Grid indices of whole UTC hours (may be negative or past the end)."""
        stamps = pd.DatetimeIndex(pd.to_datetime(times, utc=True))
        offsets = (stamps - self.start) / HOUR
        idx = np.asarray(offsets, dtype=np.float64)
        if not np.all(np.equal(np.floor(idx), idx)):
            raise BadInputError("forecast origins must be whole UTC hours (minutes and seconds 0)")
        return idx.astype(np.int64)

    def time_of(self, index: np.ndarray) -> pd.DatetimeIndex:
        return self.start + pd.to_timedelta(np.asarray(index, dtype=np.int64), unit="h")

    def padded(self, until: pd.Timestamp) -> DenseSeries:
        """The same series with NaN hours appended so the grid reaches ``until``."""
        extra = int((until - self.end) / HOUR)
        if extra <= 0:
            return self
        pad = np.full(extra, np.nan)
        return DenseSeries(self.unique_id, self.start, np.concatenate([self.y, pad]),
                           np.concatenate([self.lanes, pad]))

    def before(self, cutoff: pd.Timestamp) -> DenseSeries:
        """Only the hours before ``cutoff`` (the readings a forecast at ``cutoff`` may see)."""
        n = max(0, int(np.ceil((cutoff - self.start) / HOUR)))
        return DenseSeries(self.unique_id, self.start, self.y[:n].copy(), self.lanes[:n].copy())


def to_dense(history: pd.DataFrame) -> dict[str, DenseSeries]:
    """Long frame (``unique_id``, ``ds``, ``y``, optional ``lanes_open``) -> dense series.

    Hours absent from the frame are missing, like hours with ``y`` NaN.
    """
    missing = {"unique_id", "ds", "y"} - set(history.columns)
    if missing:
        raise BadInputError(f"a history frame needs columns unique_id, ds, y; missing {sorted(missing)}")
    out: dict[str, DenseSeries] = {}
    if history.empty:
        return out
    ds = pd.to_datetime(history["ds"], utc=True)
    if not (ds.dt.minute.eq(0) & ds.dt.second.eq(0)).all():
        raise BadInputError("history ds must be whole UTC hours; apply the hourly rule first")
    frame = history.assign(ds=ds)
    lanes_col = "lanes_open" in frame
    for uid, group in frame.groupby("unique_id", sort=True):
        group = group.dropna(subset=["ds"])
        if group["ds"].duplicated().any():
            raise BadInputError(f"series {uid!r} has two rows for one hour; apply the hourly rule first")
        start = group["ds"].min()
        n = int((group["ds"].max() - start) / HOUR) + 1
        idx = ((group["ds"] - start) / HOUR).to_numpy().astype(np.int64)
        y = np.full(n, np.nan)
        y[idx] = pd.to_numeric(group["y"], errors="coerce").to_numpy(dtype=np.float64)
        lanes = np.full(n, np.nan)
        if lanes_col:
            lanes[idx] = pd.to_numeric(group["lanes_open"], errors="coerce").to_numpy(dtype=np.float64)
        out[str(uid)] = DenseSeries(str(uid), start, y, lanes)
    return out


def ffill_index(y: np.ndarray) -> np.ndarray:
    """For each i, the index of the last non-missing value at or before i (-1 if none)."""
    idx = np.where(np.isnan(y), -1, np.arange(len(y)))
    return np.maximum.accumulate(idx) if len(idx) else idx
