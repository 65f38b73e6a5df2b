"""From per-replication sums to the reported rows: means, confidence intervals, percentiles.

The mean wait of an hour is the ratio of the wait sum to the vehicle count over all
replications (the mean over all vehicles). Its 95 % confidence half-width treats each
replication as one observation of (wait sum S_r, count C_r), the ratio estimator:
``t(0.975, R-1) * sd(S_r - m C_r) / (mean(C_r) sqrt(R))`` with ``m = sum S / sum C``.
"""

from __future__ import annotations

import math

import numpy as np

from borderflow.sim import engine as e
from borderflow.sim.histogram import histogram_percentile_seconds
from borderflow.sim.results import LaneGroupResult, PeriodStats
from borderflow.sim.scenario import Scenario

# Student t 0.975 quantiles for 1..30 degrees of freedom.
_T975 = (
    12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004,
    2.262157, 2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905,
    2.109816, 2.100922, 2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899,
    2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272,
)  # fmt: skip


def student_t975(df: int) -> float:
    """The 0.975 quantile of Student's t with ``df`` degrees of freedom (df >= 1).

    A table to 30, then the Cornish-Fisher expansion (error below 1e-7 from 31 on).
    """
    if df < 1:
        raise ValueError("df must be >= 1")
    if df <= len(_T975):
        return _T975[df - 1]
    z = 1.959963984540054
    v = float(df)
    return (
        z
        + (z**3 + z) / (4 * v)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3)
        + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / (92160 * v**4)
    )


def ratio_ci95_half_width(sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """95 % half-width of sum(S)/sum(C) over replications (axis 0); NaN if undefined."""
    reps = sums.shape[0]
    total_c = counts.sum(axis=0)
    out = np.full(sums.shape[1:], np.nan)
    if reps < 2:
        return out
    with np.errstate(invalid="ignore", divide="ignore"):
        m = sums.sum(axis=0) / total_c
        resid = sums - m * counts
        sd = np.sqrt((resid**2).sum(axis=0) / (reps - 1))
        hw = student_t975(reps - 1) * sd / (total_c / reps * math.sqrt(reps))
    return np.where(total_c > 0, hw, np.nan)


def summarize(
    scenario: Scenario, istats: np.ndarray, fstats: np.ndarray, hist: np.ndarray
) -> dict[str, LaneGroupResult]:
    """Result rows from all replications' statistics (shapes as in ``engine``)."""
    reps = istats.shape[0]
    out: dict[str, LaneGroupResult] = {}
    for g, group in enumerate(scenario.lane_groups):
        i = istats[:, :, g, :]  # (reps, stat, hours)
        f = fstats[:, :, g, :]
        booths = np.asarray(group.booths, dtype=np.float64)
        hourly = _rows(i, f, hist[g], booths, reps, hours=np.arange(scenario.hours, dtype=np.int64))
        total = _rows(
            _total_ints(i),
            _total_floats(f),
            hist[g].sum(axis=0, keepdims=True),
            np.array([booths.sum()]),
            reps,
            hours=None,
            in_system=_in_system(i)[:, -1:],
        )
        out[group.id] = LaneGroupResult(group.id, group.mode, group.program, hourly, total[0])
    return out


def _in_system(i: np.ndarray) -> np.ndarray:
    """Vehicles in primary (waiting or in service) at the end of each hour, per rep."""
    return np.cumsum(i[:, e.ARRIVALS, :] - i[:, e.SERVED, :], axis=1)


def _total_ints(i: np.ndarray) -> np.ndarray:
    total = i.sum(axis=2, keepdims=True)
    total[:, e.QUEUE_MAX] = i[:, e.QUEUE_MAX].max(axis=1, keepdims=True)
    return total


def _total_floats(f: np.ndarray) -> np.ndarray:
    total = f.sum(axis=2, keepdims=True)
    for row in (e.WAIT_MAX, e.QUEUE_MAX_METRES, e.SEC_WAIT_MAX):
        total[:, row] = f[:, row].max(axis=1, keepdims=True)
    return total


def _rows(
    i: np.ndarray,
    f: np.ndarray,
    hist: np.ndarray,
    booths: np.ndarray,
    reps: int,
    hours: np.ndarray | None,
    in_system: np.ndarray | None = None,
) -> tuple[PeriodStats, ...]:
    """Rows over the last axis of ``i``/``f`` (reps, stat, periods)."""
    if in_system is None:
        in_system = _in_system(i)
    queue = i[:, e.QUEUE_MAX].max(axis=0)
    arrivals = i[:, e.ARRIVALS]
    count = arrivals.sum(axis=0)
    wait_sum = f[:, e.WAIT_SUM].sum(axis=0)
    wait_max = f[:, e.WAIT_MAX].max(axis=0)
    sec_n = i[:, e.SEC_REFERRED].sum(axis=0)
    open_seconds = booths * e.HOUR_SECONDS * reps + f[:, e.OVERRUN_SECONDS].sum(axis=0)
    busy = f[:, e.BUSY_SECONDS].sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        wait_mean = wait_sum / count
        sec_wait = f[:, e.SEC_WAIT_SUM].sum(axis=0) / sec_n
        sec_time = f[:, e.SEC_TIME_SUM].sum(axis=0) / sec_n
        utilization = np.where(open_seconds > 0, busy / open_seconds, np.nan)
    wait_max = np.where(count > 0, wait_max, np.nan)
    ci = ratio_ci95_half_width(f[:, e.WAIT_SUM], arrivals.astype(np.float64))
    p50 = histogram_percentile_seconds(hist, 0.50, wait_max)
    p95 = histogram_percentile_seconds(hist, 0.95, wait_max)
    rows = []
    for k in range(i.shape[2]):
        rows.append(
            PeriodStats(
                hour=None if hours is None else int(hours[k]),
                arrivals=float(arrivals[:, k].mean()),
                served=float(i[:, e.SERVED, k].mean()),
                in_system_end=float(in_system[:, k].mean()),
                wait_mean_minutes=_minutes(wait_mean[k]),
                wait_p50_minutes=_minutes(p50[k]),
                wait_p95_minutes=_minutes(p95[k]),
                wait_max_minutes=_minutes(wait_max[k]),
                wait_mean_ci95_minutes=_minutes(ci[k]),
                queue_max_vehicles=int(queue[k]),
                queue_max_metres=float(f[:, e.QUEUE_MAX_METRES, k].max()),
                utilization=_maybe(utilization[k]),
                secondary_referred=float(i[:, e.SEC_REFERRED, k].mean()),
                secondary_wait_mean_minutes=_minutes(sec_wait[k]),
                secondary_time_mean_minutes=_minutes(sec_time[k]),
            )
        )
    return tuple(rows)


def _minutes(seconds: float) -> float | None:
    return None if not math.isfinite(seconds) else float(seconds) / 60.0


def _maybe(value: float) -> float | None:
    return None if not math.isfinite(value) else float(value)
