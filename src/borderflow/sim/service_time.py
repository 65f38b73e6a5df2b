"""Service-time sampling: each distribution parametrised by its mean and cv.

- exponential: rate 1/mean (cv 1).
- lognormal: sigma^2 = ln(1 + cv^2), mu = ln(mean) - sigma^2/2, so that the mean and
  cv are the ones given.
- gamma: shape 1/cv^2, scale mean * cv^2.
- deterministic: always the mean.
- empirical: a value drawn uniformly, with replacement, from ``values_seconds``.

:func:`draw_one` is compiled: it draws one value from a ``numpy.random.Generator`` with
NumPy's own algorithms (so a vector drawn with ``rng.gamma(shape, scale, n)`` and n
calls of :func:`draw_one` agree exactly), from a distribution that :func:`packed` has
turned into (code, p1, p2) plus its empirical values.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from borderflow.sim.scenario import ServiceTime

EXPONENTIAL, DETERMINISTIC, LOGNORMAL, GAMMA, EMPIRICAL = range(5)
_CODES = {
    "exponential": EXPONENTIAL,
    "deterministic": DETERMINISTIC,
    "lognormal": LOGNORMAL,
    "gamma": GAMMA,
    "empirical": EMPIRICAL,
}


def packed(service: ServiceTime) -> tuple[int, float, float, tuple[float, ...]]:
    """(code, p1, p2, empirical values) of a distribution, as :func:`draw_one` reads it."""
    dist = service.dist
    mean = service.mean_seconds
    if dist not in _CODES:
        raise ValueError(f"unknown service distribution {dist!r}")  # validated in scenario.py
    if dist == "lognormal":
        sigma2 = math.log1p(service.cv**2)
        return LOGNORMAL, math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2), ()
    if dist == "gamma":
        cv2 = service.cv**2
        return GAMMA, 1.0 / cv2, mean * cv2, ()
    if dist == "empirical":
        return EMPIRICAL, 0.0, 0.0, tuple(float(v) for v in service.values_seconds)
    return _CODES[dist], mean, 0.0, ()


@njit(cache=True, inline="always", error_model="numpy")
def draw_one(rng, code: int, p1: float, p2: float, values: np.ndarray) -> float:  # type: ignore[no-untyped-def]
    """One service time from a packed distribution (see :func:`packed`)."""
    if code == EXPONENTIAL:
        return rng.exponential(p1)
    if code == LOGNORMAL:
        return rng.lognormal(p1, p2)
    if code == GAMMA:
        return rng.gamma(p1, p2)
    if code == EMPIRICAL:
        return values[int(rng.random() * values.shape[0])]
    return p1
