"""The compiled core: one replication of a scenario, given its random inputs.

Semantics (see docs/simulator.md):

- Arrivals of all demand entries are merged in time order. An entry with several
  target groups sends each arrival to the group with the least (vehicles waiting + in
  service) / booths open in the arrival's hour, ties to the first listed; a group with
  no booth open counts as full unless all are, in which case the least vehicles wins.
- Each group serves its queue first come, first served. Booth ``b`` is open at time t
  when ``b < booths[hour(t)]``; after the horizon the last hour's booths (at least one)
  stay open. A booth that closes finishes its vehicle; a booth that opens starts at
  once. A vehicle starts at the earliest time some open booth is free; when several
  are, it takes the lowest-numbered one.
- A referred vehicle then queues first come, first served (in order of primary
  completion) for its group's pool of secondary spaces, open at all times.

The free time of each booth lives in a min segment tree (leftmost minimum, leftmost
value <= T), so a vehicle costs O(log booths). Statistics are gathered as the loop
runs; per-vehicle values are kept in join order per group (needed for queue lengths and
secondary) and only returned in full when records are asked for.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

HOUR_SECONDS = 3600.0

# Wait histogram layout (documented in histogram.py): bin 0 = no wait; 100 bins of 6 s
# up to 10 minutes; 700 bins 1 % wide beyond; one overflow bin.
LINEAR_WIDTH_SECONDS = 6.0
LINEAR_BINS = 100
LINEAR_LIMIT_SECONDS = LINEAR_WIDTH_SECONDS * LINEAR_BINS
LOG_GROWTH = 1.01
LOG_BINS = 700
FIRST_LOG_BIN = 1 + LINEAR_BINS
OVERFLOW_BIN = FIRST_LOG_BIN + LOG_BINS
N_BINS = OVERFLOW_BIN + 1
_LOG_GROWTH = math.log(LOG_GROWTH)
_INV_LINEAR_WIDTH = 1.0 / LINEAR_WIDTH_SECONDS

# rows of the integer statistics array, shape (N_INT_STATS, groups, hours)
ARRIVALS = 0  # by arrival hour
SERVED = 1  # primary completions, by clock hour
QUEUE_MAX = 2  # vehicles waiting (not in service), max over the clock hour
SEC_REFERRED = 3  # by arrival hour
N_INT_STATS = 4

# rows of the float statistics array, shape (N_FLOAT_STATS, groups, hours)
WAIT_SUM = 0  # seconds, by arrival hour
WAIT_MAX = 1
QUEUE_MAX_METRES = 2  # by clock hour
BUSY_SECONDS = 3  # booth-seconds busy within the clock hour
OVERRUN_SECONDS = 4  # busy booth-seconds of booths past their closing (counted as open)
SEC_WAIT_SUM = 5  # seconds, by arrival hour
SEC_TIME_SUM = 6  # secondary wait + service, by arrival hour
SEC_WAIT_MAX = 7
N_FLOAT_STATS = 8


@njit(cache=True, inline="always", error_model="numpy")
def wait_bin(wait_seconds: float) -> int:
    """The histogram bin of a wait in seconds."""
    if wait_seconds <= 0.0:
        return 0
    if wait_seconds < LINEAR_LIMIT_SECONDS:
        return 1 + int(wait_seconds * _INV_LINEAR_WIDTH)
    k = int(math.log(wait_seconds / LINEAR_LIMIT_SECONDS) / _LOG_GROWTH)
    if k >= LOG_BINS:
        return OVERFLOW_BIN
    return FIRST_LOG_BIN + k


@njit(cache=True, error_model="numpy")
def arrival_times(per_hour: np.ndarray, spacings: np.ndarray) -> np.ndarray:
    """Arrival times (s) of a Poisson process whose rate is ``per_hour[h]`` in hour h.

    The process is a unit-rate Poisson process on the cumulative expected count
    Lambda(t), mapped back to time (piecewise linearly, hour by hour). Given its
    count N ~ Poisson(Lambda(end)), the N points are uniform on [0, Lambda(end)); their
    order statistics are the partial sums of ``N + 1`` standard exponential
    ``spacings`` over their total, so no sort is needed. ``len(spacings)`` is N + 1.
    """
    n = spacings.shape[0] - 1
    out = np.empty(max(n, 0), dtype=np.float64)
    if n <= 0:
        return out
    total_rate = 0.0
    for h in range(per_hour.shape[0]):
        total_rate += per_hour[h]
    total = 0.0
    for i in range(n + 1):
        total += spacings[i]
    scale = total_rate / total
    h = 0
    below = 0.0  # Lambda at the start of hour h
    run = 0.0
    last = per_hour.shape[0] - 1
    for i in range(n):
        run += spacings[i]
        u = run * scale
        while h < last and u >= below + per_hour[h]:
            below += per_hour[h]
            h += 1
        frac = (u - below) / per_hour[h] if per_hour[h] > 0.0 else 0.0
        frac = min(1.0, frac)
        out[i] = (h + frac) * HOUR_SECONDS
    return out


@njit(cache=True, inline="always", error_model="numpy")
def hour_of(t: float) -> int:
    """floor(t / 3600) for finite t >= 0, exactly (as ``t // 3600`` but without fmod)."""
    h = int(t / HOUR_SECONDS)
    if h * HOUR_SECONDS > t:
        h -= 1
    elif (h + 1) * HOUR_SECONDS <= t:
        h += 1
    return h


@njit(cache=True, error_model="numpy")
def _next_open(booths: np.ndarray, tail: np.ndarray, g: int, b: int, t: float, hours: int) -> float:
    """Start of the first hour after ``t`` in which booth ``b`` is open (inf if never)."""
    h = hour_of(t) + 1
    while h < hours:
        if b < booths[g, h]:
            return h * HOUR_SECONDS
        h += 1
    if b < tail[g]:
        return max(hours * HOUR_SECONDS, (hour_of(t) + 1) * HOUR_SECONDS)
    return np.inf


@njit(cache=True, inline="always", error_model="numpy")
def _tree_set(tree: np.ndarray, g: int, size: int, b: int, value: float) -> None:
    i = size + b
    tree[g, i] = value
    i >>= 1
    while i >= 1:
        left = tree[g, 2 * i]
        right = tree[g, 2 * i + 1]
        tree[g, i] = min(left, right)
        i >>= 1


@njit(cache=True, inline="always", error_model="numpy")
def _tree_leftmost_at_most(tree: np.ndarray, g: int, size: int, t: float) -> int:
    i = 1
    while i < size:
        if tree[g, 2 * i] <= t:
            i = 2 * i
        else:
            i = 2 * i + 1
    return i - size


@njit(cache=True, inline="always", error_model="numpy")
def _tree_leftmost_min(tree: np.ndarray, g: int, size: int) -> int:
    i = 1
    while i < size:
        if tree[g, 2 * i] <= tree[g, 2 * i + 1]:
            i = 2 * i
        else:
            i = 2 * i + 1
    return i - size


@njit(cache=True, inline="always", error_model="numpy")
def _heap_push(heap: np.ndarray, base: int, n: int, value: float) -> None:
    i = n
    heap[base + i] = value
    while i > 0:
        parent = (i - 1) >> 1
        if heap[base + parent] <= heap[base + i]:
            break
        tmp = heap[base + parent]
        heap[base + parent] = heap[base + i]
        heap[base + i] = tmp
        i = parent


@njit(cache=True, inline="always", error_model="numpy")
def _heap_pop(heap: np.ndarray, base: int, n: int) -> None:
    """Remove the minimum of a heap of ``n`` items (``n`` > 0)."""
    last = n - 1
    heap[base] = heap[base + last]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= last:
            break
        small = left
        if left + 1 < last and heap[base + left + 1] < heap[base + left]:
            small = left + 1
        if heap[base + i] <= heap[base + small]:
            break
        tmp = heap[base + i]
        heap[base + i] = heap[base + small]
        heap[base + small] = tmp
        i = small


@njit(cache=True, inline="always", error_model="numpy")
def _advance(
    g: int,
    t: float,
    joined: np.ndarray,
    qptr: np.ndarray,
    start: np.ndarray,
    svc: np.ndarray,
    svc_ptr: np.ndarray,
    choice_group: np.ndarray,
    in_service: np.ndarray,
    n_in_service: np.ndarray,
    heap_size: int,
) -> None:
    """Bring group g's bookkeeping to time t (t never decreases).

    ``qptr[g]`` becomes the first vehicle (join order) not started by t, so
    ``joined[g] - qptr[g]`` are waiting. For groups in a lane choice, ``in_service[g]``
    is a min-heap (at ``in_service[g * heap_size:]``) of the end times of vehicles
    started by t and not yet done (at most one per booth).
    """
    base = svc_ptr[g]
    hbase = g * heap_size
    if choice_group[g]:
        while n_in_service[g] > 0 and in_service[hbase] <= t:
            _heap_pop(in_service, hbase, n_in_service[g])
            n_in_service[g] -= 1
    p = qptr[g]
    while p < joined[g] and start[base + p] <= t:
        if choice_group[g]:
            end = start[base + p] + svc[base + p]
            if end > t:
                _heap_push(in_service, hbase, n_in_service[g], end)
                n_in_service[g] += 1
        p += 1
    qptr[g] = p


@njit(cache=True, inline="always", error_model="numpy")
def _record_queue(
    g: int,
    h: int,
    joined: np.ndarray,
    qptr: np.ndarray,
    metres_per_vehicle: np.ndarray,
    istats: np.ndarray,
    fstats: np.ndarray,
) -> None:
    """Update clock hour h's longest queue with group g's queue now (after _advance)."""
    q = joined[g] - qptr[g]
    istats[QUEUE_MAX, g, h] = max(istats[QUEUE_MAX, g, h], q)
    metres = q * metres_per_vehicle[g, h]
    fstats[QUEUE_MAX_METRES, g, h] = max(fstats[QUEUE_MAX_METRES, g, h], metres)


@njit(cache=True, error_model="numpy")
def simulate_replication(
    hours: int,
    entry_times: np.ndarray,
    entry_ptr: np.ndarray,
    target_ptr: np.ndarray,
    target_group: np.ndarray,
    booths: np.ndarray,
    tail: np.ndarray,
    tree_size: int,
    choice_group: np.ndarray,
    svc: np.ndarray,
    svc_ptr: np.ndarray,
    sec_prob: np.ndarray,
    sec_spaces: np.ndarray,
    refer_u: np.ndarray,
    refer_ptr: np.ndarray,
    sec_svc: np.ndarray,
    sec_ptr: np.ndarray,
    spacing: np.ndarray,
    record: bool,
    istats: np.ndarray,
    fstats: np.ndarray,
    hist: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Run one replication; add its statistics to ``istats``, ``fstats`` and ``hist``.

    Per group ``g`` the inputs hold, in join order, ``svc_ptr[g+1]-svc_ptr[g]`` service
    times (enough for every arrival that might join), referral uniforms (a vehicle is
    referred when its uniform < ``sec_prob[g]``) and one secondary service time per
    referral. ``istats``/``fstats`` must be zero on entry (they are this replication's
    rows); ``hist`` (groups, hours, bins) accumulates over replications.

    Returns per-vehicle arrays indexed like ``svc`` (join order within each group):
    arrival, primary start, booth, demand entry, secondary start and end (all but the
    start empty unless ``record``), and the number that joined each group.
    """
    n_groups = booths.shape[0]
    n_entries = entry_ptr.shape[0] - 1
    capacity = svc.shape[0]

    n_rec = capacity if record else 0
    arrival = np.empty(n_rec, dtype=np.float64)
    arrival_hour = np.empty(capacity, dtype=np.int32)  # for secondary, by arrival hour
    start = np.empty(capacity, dtype=np.float64)
    booth_of = np.full(n_rec, -1, dtype=np.int32)
    entry_of = np.full(n_rec, -1, dtype=np.int32)
    sec_start = np.full(n_rec, np.nan, dtype=np.float64)
    sec_end = np.full(n_rec, np.nan, dtype=np.float64)

    joined = np.zeros(n_groups, dtype=np.int64)
    qptr = np.zeros(n_groups, dtype=np.int64)
    last_start = np.zeros(n_groups, dtype=np.float64)
    in_service = np.empty(n_groups * tree_size, dtype=np.float64)
    n_in_service = np.zeros(n_groups, dtype=np.int64)
    metres_per_vehicle = np.empty((n_groups, hours), dtype=np.float64)
    tree = np.full((n_groups, 2 * tree_size), np.inf)
    for g in range(n_groups):
        for h in range(hours):
            metres_per_vehicle[g, h] = spacing[g] / max(booths[g, h], 1)
        n_booths = max(tail[g], np.max(booths[g]))
        for b in range(n_booths):
            _tree_set(tree, g, tree_size, b, 0.0)
    cursor = entry_ptr[:-1].copy()

    next_boundary = 1
    while True:
        # the next arrival over all demand entries
        e = -1
        t = np.inf
        for i in range(n_entries):
            if cursor[i] < entry_ptr[i + 1] and entry_times[cursor[i]] < t:
                t = entry_times[cursor[i]]
                e = i
        if e < 0:
            break
        cursor[e] += 1
        while next_boundary < hours and next_boundary * HOUR_SECONDS <= t:
            tb = next_boundary * HOUR_SECONDS
            for g in range(n_groups):
                _advance(
                    g,
                    tb,
                    joined,
                    qptr,
                    start,
                    svc,
                    svc_ptr,
                    choice_group,
                    in_service,
                    n_in_service,
                    tree_size,
                )
                _record_queue(g, next_boundary, joined, qptr, metres_per_vehicle, istats, fstats)
            next_boundary += 1
        h = hour_of(t)
        if h >= hours:
            h = hours - 1

        # lane choice: least (waiting + in service) / open booths, ties to the first
        first = target_ptr[e]
        last = target_ptr[e + 1]
        g = target_group[first]
        if last - first > 1:
            any_open = False
            for j in range(first, last):
                if booths[target_group[j], h] > 0:
                    any_open = True
            best_n = -1
            best_b = 1
            for j in range(first, last):
                cand = target_group[j]
                _advance(
                    cand,
                    t,
                    joined,
                    qptr,
                    start,
                    svc,
                    svc_ptr,
                    choice_group,
                    in_service,
                    n_in_service,
                    tree_size,
                )
                n_here = joined[cand] - qptr[cand] + n_in_service[cand]
                b_open = booths[cand, h]
                if any_open:
                    if b_open == 0:
                        continue
                else:
                    b_open = 1
                # n_here / b_open < best_n / best_b, exactly, in integers
                if best_n < 0 or n_here * best_b < best_n * b_open:
                    best_n = n_here
                    best_b = b_open
                    g = cand

        k = joined[g]
        idx = svc_ptr[g] + k
        service = svc[idx]
        not_before = max(last_start[g], t)

        # the earliest free open booth, lowest number on ties
        while True:
            if tree[g, 1] <= not_before:
                b = _tree_leftmost_at_most(tree, g, tree_size, not_before)
                begin = not_before
            else:
                b = _tree_leftmost_min(tree, g, tree_size)
                begin = tree[g, tree_size + b]
            hb = hour_of(begin)
            if hb < hours:
                is_open = b < booths[g, hb]
            else:
                is_open = b < tail[g]
            if is_open:
                break
            _tree_set(tree, g, tree_size, b, _next_open(booths, tail, g, b, begin, hours))
        end = begin + service
        _tree_set(tree, g, tree_size, b, end)
        last_start[g] = begin
        arrival_hour[idx] = h
        start[idx] = begin
        joined[g] = k + 1
        if record:
            arrival[idx] = t
            booth_of[idx] = b
            entry_of[idx] = e

        # statistics by arrival hour
        wait = begin - t
        istats[ARRIVALS, g, h] += 1
        fstats[WAIT_SUM, g, h] += wait
        fstats[WAIT_MAX, g, h] = max(fstats[WAIT_MAX, g, h], wait)
        hist[g, h, wait_bin(wait)] += 1
        # statistics by clock hour: busy time piece by piece, completion hour
        a = begin
        while hb < hours:
            boundary = (hb + 1) * HOUR_SECONDS
            piece_end = min(boundary, end)
            fstats[BUSY_SECONDS, g, hb] += piece_end - a
            if b >= booths[g, hb]:
                fstats[OVERRUN_SECONDS, g, hb] += piece_end - a
            if end < boundary:
                istats[SERVED, g, hb] += 1
                break
            a = boundary
            hb += 1
        _advance(
            g,
            t,
            joined,
            qptr,
            start,
            svc,
            svc_ptr,
            choice_group,
            in_service,
            n_in_service,
            tree_size,
        )
        _record_queue(g, h, joined, qptr, metres_per_vehicle, istats, fstats)

    while next_boundary < hours:
        tb = next_boundary * HOUR_SECONDS
        for g in range(n_groups):
            _advance(
                g,
                tb,
                joined,
                qptr,
                start,
                svc,
                svc_ptr,
                choice_group,
                in_service,
                n_in_service,
                tree_size,
            )
            _record_queue(g, next_boundary, joined, qptr, metres_per_vehicle, istats, fstats)
        next_boundary += 1

    for g in range(n_groups):
        if sec_prob[g] > 0.0:
            _secondary(
                g,
                joined[g],
                arrival_hour,
                start,
                svc,
                svc_ptr,
                sec_prob[g],
                sec_spaces[g],
                refer_u,
                refer_ptr,
                sec_svc,
                sec_ptr,
                record,
                sec_start,
                sec_end,
                istats,
                fstats,
            )
    return arrival, start, booth_of, entry_of, sec_start, sec_end, joined


@njit(cache=True, error_model="numpy")
def _secondary(
    g: int,
    n_joined: int,
    arrival_hour: np.ndarray,
    start: np.ndarray,
    svc: np.ndarray,
    svc_ptr: np.ndarray,
    probability: float,
    spaces: int,
    refer_u: np.ndarray,
    refer_ptr: np.ndarray,
    sec_svc: np.ndarray,
    sec_ptr: np.ndarray,
    record: bool,
    sec_start: np.ndarray,
    sec_end: np.ndarray,
    istats: np.ndarray,
    fstats: np.ndarray,
) -> None:
    """First-come-first-served secondary pool of one group, in primary-completion order."""
    base = svc_ptr[g]
    ubase = refer_ptr[g]
    referred = 0
    for k in range(n_joined):
        if refer_u[ubase + k] < probability:
            referred += 1
    if referred == 0:
        return
    ready = np.empty(referred, dtype=np.float64)
    who = np.empty(referred, dtype=np.int64)
    j = 0
    for k in range(n_joined):
        if refer_u[ubase + k] < probability:
            ready[j] = start[base + k] + svc[base + k]
            who[j] = k
            j += 1
    order = np.argsort(ready, kind="mergesort")  # stable: join order on ties
    free = np.zeros(spaces, dtype=np.float64)  # min-heap of space free times
    sbase = sec_ptr[g]
    for r in order:
        k = who[r]
        t = ready[r]
        begin = max(t, free[0])
        finish = begin + sec_svc[sbase + r]
        _heap_pop(free, 0, spaces)
        _heap_push(free, 0, spaces - 1, finish)
        h = arrival_hour[base + k]
        istats[SEC_REFERRED, g, h] += 1
        fstats[SEC_WAIT_SUM, g, h] += begin - t
        fstats[SEC_TIME_SUM, g, h] += finish - t
        fstats[SEC_WAIT_MAX, g, h] = max(fstats[SEC_WAIT_MAX, g, h], begin - t)
        if record:
            sec_start[base + k] = begin
            sec_end[base + k] = finish
