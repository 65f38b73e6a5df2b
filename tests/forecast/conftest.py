"""Fixtures for the forecasting engines: real series as long frames, synthetic lanes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from borderflow.forecast.features import regions_for
from borderflow.forecast.series import SeriesInfo, hourly_from_observations

DATA = Path(__file__).resolve().parent.parent / "data"
CASCADE_CSV = DATA / "cascade" / "peace-arch-south-cars-hourly-2013-01_2018-08.csv"
RSS_SNAPSHOTS = DATA / "cbp-rss-brownsville" / "snapshots"
PEACE_ARCH = "300402/passenger/standard"
#: Small LightGBM settings for tests: seconds, not minutes.
SMALL_GBM = {"max_horizon": 24, "max_train_rows": 8_000, "num_trees": 40, "num_leaves": 15,
             "learning_rate": 0.15, "min_data_in_leaf": 40, "copies_per_target": 2}


def load_cascade_hourly(path: Path = CASCADE_CSV) -> pd.DataFrame:
    """The Peace Arch southbound-cars hourly delays as a long frame, independently of the
    feed parser: wall-clock hours of America/Los_Angeles -> UTC (the repeated fall-back hour
    appears once in the file and is read as the daylight one; spring-forward hours are
    empty there); delays stay fractional; empty cells are missing."""
    raw = pd.read_csv(path)
    raw.columns = ["local", "y"]
    local = pd.to_datetime(raw["local"], format="%Y-%m-%d %H:%M:%S")
    ds = local.dt.tz_localize("America/Los_Angeles", ambiguous=True, nonexistent="NaT")
    frame = pd.DataFrame({"unique_id": PEACE_ARCH, "ds": ds.dt.tz_convert("UTC"), "y": raw["y"]})
    return frame.dropna(subset=["ds"]).reset_index(drop=True)


def cascade_info() -> dict[str, SeriesInfo]:
    return {PEACE_ARCH: SeriesInfo(PEACE_ARCH, "America/Los_Angeles", "passenger", "standard",
                                   regions_for("Washington"))}


@pytest.fixture(scope="session")
def cascade_hourly() -> pd.DataFrame:
    return load_cascade_hourly()


@pytest.fixture(scope="session")
def brownsville_hourly() -> tuple[pd.DataFrame, dict[str, SeriesInfo]]:
    return load_brownsville_hourly()


def load_brownsville_hourly() -> tuple[pd.DataFrame, dict[str, SeriesInfo]]:
    """Every Brownsville RSS reading (via the RSS parser) through the hourly rule."""
    from borderflow.feeds import cbp_rss

    seen = set()
    for path in sorted(RSS_SNAPSHOTS.glob("*.xml")):
        seen.update(cbp_rss.parse(path.read_bytes(), path.name).observations)
    hourly = hourly_from_observations(seen)
    info = {}
    for uid in hourly["unique_id"].unique():
        _, mode, program = uid.split("/")[:3]
        info[uid] = SeriesInfo(uid, "America/Chicago", mode, program, regions_for("Texas"))
    return hourly, info


def synthetic_lane(weeks: int = 6, seed: int = 0, uid: str = "535501/passenger/standard",
                   start: str = "2024-01-01T06:00:00Z", missing: float = 0.05) -> pd.DataFrame:
    """A lane with a daily and weekly shape, persistent noise and missing hours."""
    rng = np.random.default_rng(seed)
    n = weeks * 168
    ds = pd.date_range(start, periods=n, freq="h", tz="UTC")
    hour = ((ds.hour - 6) % 24).to_numpy()
    weekday = ds.day_of_week.to_numpy()
    shape = 10 + 25 * np.exp(-((hour - 12) ** 2) / 12) + 10 * (weekday >= 5)
    noise = np.zeros(n)
    for i in range(1, n):
        noise[i] = 0.8 * noise[i - 1] + rng.normal(0, 3)
    y = np.clip(shape + noise, 0, None).round(1)
    y[rng.random(n) < missing] = np.nan
    return pd.DataFrame({"unique_id": uid, "ds": ds, "y": y})
