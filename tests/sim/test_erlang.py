from __future__ import annotations

import math

import pytest

from borderflow.errors import BadInputError
from borderflow.sim.erlang import (
    erlang_b,
    erlang_c_wait_probability,
    mean_wait_seconds,
    offered_load,
    wait_exceedance_probability,
    wait_quantile_seconds,
)


def test_known_values():
    # c=2, a=1: B = 0.5/2.5 = 0.2, C = 2*0.2 / (2 - 0.8) = 1/3
    assert erlang_b(2, 1.0) == pytest.approx(0.2)
    assert erlang_c_wait_probability(2, 1.0) == pytest.approx(1 / 3)
    # textbook: c=10, a=8 -> C ~ 0.4092
    assert erlang_c_wait_probability(10, 8.0) == pytest.approx(0.40918, abs=5e-5)


def test_mm1_closed_forms():
    lam, s = 30.0, 84.0  # per hour, seconds -> rho = 0.7
    rho = lam * s / 3600
    assert erlang_c_wait_probability(1, rho) == pytest.approx(rho)
    assert mean_wait_seconds(lam, s, 1) == pytest.approx(rho * s / (1 - rho))
    # P(W > t) = rho exp(-(mu - lambda) t)
    t = 100.0
    assert wait_exceedance_probability(t, lam, s, 1) == pytest.approx(
        rho * math.exp(-(1 / s - lam / 3600) * t)
    )


def test_quantile_inverts_exceedance():
    lam, s, c = 150.0, 90.0, 5
    for q in (0.5, 0.8, 0.95, 0.99):
        t = wait_quantile_seconds(q, lam, s, c)
        if t > 0:
            assert wait_exceedance_probability(t, lam, s, c) == pytest.approx(1 - q)
        else:
            assert 1 - q >= erlang_c_wait_probability(c, offered_load(lam, s))


def test_median_zero_when_most_do_not_wait():
    assert wait_quantile_seconds(0.5, 10, 60, 3) == 0.0


def test_unstable_queue():
    assert erlang_c_wait_probability(2, 2.0) == 1.0
    assert mean_wait_seconds(121, 60, 2) == math.inf
    assert wait_quantile_seconds(0.5, 121, 60, 2) == math.inf


def test_bad_arguments():
    with pytest.raises(BadInputError, match="servers"):
        mean_wait_seconds(10, 60, 0)
    with pytest.raises(BadInputError, match="service_seconds"):
        mean_wait_seconds(10, 0, 1)
    with pytest.raises(BadInputError, match="q must be"):
        wait_quantile_seconds(1.0, 10, 60, 1)
