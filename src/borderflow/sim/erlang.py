"""Erlang-C: the steady-state M/M/c queue (Poisson arrivals, exponential service,
``c`` identical servers, first come first served, unlimited waiting room).

With arrival rate lambda, service rate mu = 1/service_seconds and offered load
a = lambda / mu (in erlangs), the queue is stable when a < c. Then

- P(wait > 0) = C(c, a), Erlang's C formula, computed through the Erlang-B
  recursion B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)),
  C = c B(c) / (c - a (1 - B(c)));
- P(wait > t) = C exp(-(c mu - lambda) t);
- mean wait = C / (c mu - lambda).

When a >= c the queue grows without bound: every vehicle waits (probability 1) and
the mean and quantiles are infinite.
"""

from __future__ import annotations

import math

from borderflow.errors import BadInputError


def offered_load(arrival_per_hour: float, service_seconds: float) -> float:
    """Offered load in erlangs: arrivals per second x mean service seconds."""
    _check(arrival_per_hour, service_seconds, 1)
    return arrival_per_hour * service_seconds / 3600.0


def erlang_b(c: int, offered_load: float) -> float:
    """Blocking probability of M/M/c/c (Erlang B)."""
    _check_servers(c)
    if offered_load < 0:
        raise BadInputError(f"offered_load must be >= 0; got {offered_load}")
    b = 1.0
    for k in range(1, c + 1):
        b = offered_load * b / (k + offered_load * b)
    return b


def erlang_c_wait_probability(c: int, offered_load: float) -> float:
    """P(an arrival waits) in M/M/c with ``offered_load`` erlangs (1.0 if a >= c)."""
    b = erlang_b(c, offered_load)
    if offered_load >= c:
        return 1.0
    return c * b / (c - offered_load * (1.0 - b))


def mean_wait_seconds(arrival_per_hour: float, service_seconds: float, c: int) -> float:
    """Mean wait before service in steady-state M/M/c, seconds (inf if unstable)."""
    _check(arrival_per_hour, service_seconds, c)
    a = offered_load(arrival_per_hour, service_seconds)
    if a >= c:
        return math.inf
    return erlang_c_wait_probability(c, a) * service_seconds / (c - a)


def wait_exceedance_probability(
    t_seconds: float, arrival_per_hour: float, service_seconds: float, c: int
) -> float:
    """P(wait > t_seconds) in steady-state M/M/c."""
    _check(arrival_per_hour, service_seconds, c)
    a = offered_load(arrival_per_hour, service_seconds)
    if a >= c:
        return 1.0
    if t_seconds < 0:
        return 1.0
    decay = (c - a) / service_seconds  # c mu - lambda, per second
    return erlang_c_wait_probability(c, a) * math.exp(-decay * t_seconds)


def wait_quantile_seconds(
    q: float, arrival_per_hour: float, service_seconds: float, c: int
) -> float:
    """The ``q`` quantile (0 <= q < 1) of the wait in steady-state M/M/c, seconds.

    0 when q <= 1 - C (that share of arrivals does not wait); inf if unstable.
    """
    if not 0.0 <= q < 1.0:
        raise BadInputError(f"q must be a probability from 0 to below 1; got {q}")
    _check(arrival_per_hour, service_seconds, c)
    a = offered_load(arrival_per_hour, service_seconds)
    if a >= c:
        return math.inf
    wait_probability = erlang_c_wait_probability(c, a)
    if 1.0 - q >= wait_probability:
        return 0.0
    decay = (c - a) / service_seconds
    return math.log(wait_probability / (1.0 - q)) / decay


def _check_servers(c: int) -> None:
    if isinstance(c, bool) or not isinstance(c, int) or c < 1:
        raise BadInputError(f"c (servers) must be a whole number >= 1; got {c!r}")


def _check(arrival_per_hour: float, service_seconds: float, c: int) -> None:
    _check_servers(c)
    if not arrival_per_hour >= 0:
        raise BadInputError(f"arrival_per_hour must be >= 0; got {arrival_per_hour}")
    if not service_seconds > 0:
        raise BadInputError(f"service_seconds must be > 0; got {service_seconds}")
