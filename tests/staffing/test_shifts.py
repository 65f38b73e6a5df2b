"""Officer shifts: the HiGHS integer program covers every hour and is optimal (brute force)."""

from __future__ import annotations

import itertools
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderflow.errors import BadInputError, InfeasibleError
from borderflow.staffing.shifts import ShiftRules, covers, required_officers, roster


def brute_force(required: list[int], rules: ShiftRules) -> int:
    """Fewest officers by trying every start vector with values 0..max(required)."""
    hours, top = len(required), max(max(required), rules.min_per_start)
    best = None
    for starts in itertools.product(range(top + 1), repeat=hours):
        if rules.min_per_start > 1 and any(0 < n < rules.min_per_start for n in starts):
            continue
        on_duty = [sum(n for s, n in enumerate(starts) if covers(s, h, hours, rules)) for h in range(hours)]
        if all(d >= r for d, r in zip(on_duty, required, strict=True)):
            total = sum(starts)
            best = total if best is None else min(best, total)
    assert best is not None
    return best


@settings(max_examples=25, deadline=None)
@given(
    booths=st.lists(st.integers(0, 3), min_size=5, max_size=6),
    length=st.integers(2, 4),
    circular=st.booleans(),
    min_crew=st.integers(0, 2),
    min_per_start=st.integers(1, 2),
)
def test_the_roster_covers_every_hour_and_is_optimal(booths, length, circular, min_crew, min_per_start):
    rules = ShiftRules(length_hours=length, circular=circular, min_on_duty=min_crew, min_per_start=min_per_start)
    found = roster(booths, rules)
    required = required_officers(booths, rules)
    assert list(found.required) == required
    assert all(d >= r for d, r in zip(found.on_duty, found.required, strict=True))
    assert found.status == "optimal"
    if max(required) > 0:
        assert found.officers == brute_force(required, rules)
    else:
        assert found.officers == 0


def test_a_hand_worked_roster():
    # 4-hour shifts over 8 hours needing 2,2,2,2,3,3,3,3: two officers from hour 0 and
    # three from hour 4 — 5 officers, 20 officer-hours
    found = roster([2, 2, 2, 2, 3, 3, 3, 3], ShiftRules(length_hours=4))
    assert found.officers == 5 and found.officer_hours == 20
    assert [(s.start_hour, s.officers) for s in found.shifts] == [(0, 2), (4, 3)]
    assert found.to_json_dict()["shifts"] == [
        {"start_hour": 0, "end_hour": 4, "officers": 2}, {"start_hour": 4, "end_hour": 8, "officers": 3}]


def test_crews_start_together():
    rules = ShiftRules(length_hours=2, min_per_start=2)
    found = roster([1, 1, 0, 0, 1], rules)
    assert all(n == 0 or n >= 2 for n in found.starts)
    assert found.officers == brute_force([1, 1, 0, 0, 1], rules) == 4


def test_officers_per_booth_and_circular_wrap():
    assert required_officers([1, 2, 0], ShiftRules(officers_per_booth=1.5, min_on_duty=2)) == [2, 3, 0]
    assert required_officers([0], ShiftRules(min_on_duty=2, min_on_duty_always=True)) == [2]
    # a circular day: one shift starting at 22:00 covers 22-23 and 00-05
    assert covers(22, 3, 24, ShiftRules(circular=True)) and not covers(22, 3, 24, ShiftRules())


def test_bad_rules_and_uncoverable_hours():
    with pytest.raises(BadInputError, match="no longer than the horizon"):
        roster([1, 1], ShiftRules(length_hours=8, circular=True))
    with pytest.raises(BadInputError, match="shift start hours"):
        roster([1, 1], ShiftRules(start_hours=(5,)))
    with pytest.raises(InfeasibleError, match="hour 0 needs 1 officers"):
        roster([1, 1, 1], ShiftRules(length_hours=2, start_hours=(1,)))


def test_the_solver_banner_stays_off_stdout():
    # HiGHS prints a banner the first time a solver is made in a process: a fresh one
    code = "from borderflow.staffing.shifts import roster; print(roster([1, 2, 1]).officers)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "2\n"
