"""Service-time sampling: each distribution parametrised by its mean and cv.

- exponential: rate 1/mean (cv 1).
- lognormal: sigma^2 = ln(1 + cv^2), mu = ln(mean) - sigma^2/2, so that the mean and
  cv are the ones given.
- gamma: shape 1/cv^2, scale mean * cv^2.
- deterministic: always the mean.
- empirical: a value drawn uniformly, with replacement, from ``values_seconds``.
"""

from __future__ import annotations

import math

import numpy as np

from borderflow.sim.scenario import ServiceTime


def draw_service_seconds(service: ServiceTime, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` service times in seconds, float64, drawn from ``rng``."""
    dist = service.dist
    mean = service.mean_seconds
    if n == 0:
        return np.empty(0, dtype=np.float64)
    if dist == "exponential":
        return rng.exponential(mean, n)
    if dist == "deterministic":
        return np.full(n, mean, dtype=np.float64)
    if dist == "lognormal":
        sigma2 = math.log1p(service.cv**2)
        return rng.lognormal(math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2), n)
    if dist == "gamma":
        cv2 = service.cv**2
        return rng.gamma(1.0 / cv2, mean * cv2, n)
    if dist == "empirical":
        values = np.asarray(service.values_seconds, dtype=np.float64)
        # uniform index: floor(U * k), U uniform on [0, 1)
        return values[(rng.random(n) * len(values)).astype(np.intp)]
    raise ValueError(f"unknown service distribution {dist!r}")  # validated in scenario.py
