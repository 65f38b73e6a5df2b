"""From booths per hour to officer shifts: an integer program solved with HiGHS.

Variables: ``x[s]`` >= 0, whole, the officers whose shift starts at hour ``s`` (every
hour of the horizon, or the allowed ``start_hours``). A shift lasts ``length_hours``.

- **Not circular** (default): the horizon is one stretch; a shift starting at ``s``
  covers hours ``s .. s+L-1`` that fall inside it (a shift starting late runs past the
  end and counts as a whole officer all the same).
- **Circular**: the horizon repeats (a day followed by the same day), so a shift
  starting at 22:00 also covers 00:00-05:00; then ``L`` may not exceed the horizon.

Constraints, every hour ``h``: officers on duty >= ``required[h]`` =
``max(ceil(officers_per_booth x booths[h]), min_on_duty if booths[h] > 0 or
min_on_duty_always)``. Optionally a start that is used has at least
``min_per_start`` officers (a crew starts together): binary ``y[s]`` with
``min_per_start y[s] <= x[s] <= M y[s]``.

Objective: the fewest officers (shifts). HiGHS proves optimality (MIP gap 0) on these
small problems; the answer's ``status`` says so.
"""

from __future__ import annotations

import math
import os
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from borderflow.errors import BadInputError, InfeasibleError


@dataclass(frozen=True)
class ShiftRules:
    """How booths become officers (see the module doc)."""

    length_hours: int = 8
    officers_per_booth: float = 1.0
    min_on_duty: int = 0
    min_on_duty_always: bool = False
    min_per_start: int = 1
    circular: bool = False
    start_hours: tuple[int, ...] | None = None

    def check(self, hours: int) -> None:
        problems = []
        if not 1 <= self.length_hours:
            problems.append(f"shift length must be a whole number of hours >= 1; got {self.length_hours}")
        if self.circular and self.length_hours > hours:
            problems.append(
                f"a circular roster needs shifts no longer than the horizon ({hours} h); "
                f"got {self.length_hours} h"
            )
        if not (math.isfinite(self.officers_per_booth) and self.officers_per_booth >= 0):
            problems.append(f"officers per booth must be a number >= 0; got {self.officers_per_booth}")
        if self.min_on_duty < 0:
            problems.append(f"minimum crew must be a whole number >= 0; got {self.min_on_duty}")
        if self.min_per_start < 1:
            problems.append(f"officers per shift start must be >= 1; got {self.min_per_start}")
        if self.start_hours is not None and not all(0 <= s < hours for s in self.start_hours):
            problems.append(f"shift start hours must lie in 0..{hours - 1}; got {list(self.start_hours)}")
        if problems:
            raise BadInputError("; ".join(problems))


@dataclass(frozen=True)
class Shift:
    start_hour: int
    end_hour: int  # exclusive; may pass the horizon (or wrap when circular)
    officers: int


@dataclass(frozen=True)
class Roster:
    """Officers starting each hour, officers on duty and required each hour."""

    rules: ShiftRules
    starts: tuple[int, ...]
    on_duty: tuple[int, ...]
    required: tuple[int, ...]
    status: str

    @property
    def officers(self) -> int:
        return sum(self.starts)

    @property
    def officer_hours(self) -> int:
        """Paid hours: officers x shift length."""
        return self.officers * self.rules.length_hours

    @property
    def shifts(self) -> tuple[Shift, ...]:
        return tuple(
            Shift(s, s + self.rules.length_hours, n) for s, n in enumerate(self.starts) if n > 0
        )

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "shift_hours": self.rules.length_hours,
            "circular": self.rules.circular,
            "officers_per_booth": self.rules.officers_per_booth,
            "min_on_duty": self.rules.min_on_duty,
            "min_per_start": self.rules.min_per_start,
            "officers": self.officers,
            "officer_hours": self.officer_hours,
            "status": self.status,
            "starts": list(self.starts),
            "on_duty": list(self.on_duty),
            "required": list(self.required),
            "shifts": [
                {"start_hour": s.start_hour, "end_hour": s.end_hour, "officers": s.officers}
                for s in self.shifts
            ],
        }


def required_officers(booths: Sequence[int], rules: ShiftRules) -> list[int]:
    """Officers needed each hour (see the module doc)."""
    out = []
    for b in booths:
        need = math.ceil(rules.officers_per_booth * b - 1e-9)
        if b > 0 or rules.min_on_duty_always:
            need = max(need, rules.min_on_duty)
        out.append(int(need))
    return out


def covers(start: int, hour: int, hours: int, rules: ShiftRules) -> bool:
    """Whether a shift starting at ``start`` is on duty in ``hour``."""
    offset = (hour - start) % hours if rules.circular else hour - start
    return 0 <= offset < rules.length_hours


def roster(booths: Sequence[int], rules: ShiftRules | None = None) -> Roster:
    """The fewest officers covering ``booths`` per hour under ``rules``."""
    rules = rules or ShiftRules()
    hours = len(booths)
    if hours == 0:
        raise BadInputError("booths must hold at least one hour")
    rules.check(hours)
    required = required_officers(booths, rules)
    starts = list(rules.start_hours) if rules.start_hours is not None else list(range(hours))
    for h, need in enumerate(required):
        if need > 0 and not any(covers(s, h, hours, rules) for s in starts):
            raise InfeasibleError(
                f"hour {h} needs {need} officers but no allowed shift start covers it; "
                "allow more start hours or a longer shift"
            )
    counts = _solve(required, starts, hours, rules)
    per_start = [0] * hours
    for s, n in zip(starts, counts, strict=True):
        per_start[s] += n
    on_duty = [
        sum(n for s, n in enumerate(per_start) if covers(s, h, hours, rules)) for h in range(hours)
    ]
    return Roster(rules, tuple(per_start), tuple(on_duty), tuple(required), "optimal")


def _solve(required: list[int], starts: list[int], hours: int, rules: ShiftRules) -> list[int]:
    if max(required, default=0) == 0:
        return [0] * len(starts)
    highspy = _highspy()
    solver = _quiet_solver(highspy)
    big = max(max(required), rules.min_per_start)  # no start needs more officers than this
    x = [solver.addIntegral(lb=0, ub=big) for _ in starts]
    for h, need in enumerate(required):
        if need > 0:
            terms = [x[i] for i, s in enumerate(starts) if covers(s, h, hours, rules)]
            solver.addConstr(sum(terms[1:], terms[0]) >= need)
    if rules.min_per_start > 1:
        for xi in x:
            y = solver.addBinary()
            solver.addConstr(xi - rules.min_per_start * y >= 0)
            solver.addConstr(xi - big * y <= 0)
    solver.minimize(sum(x[1:], x[0]))
    status = solver.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:  # pragma: no cover - always feasible
        raise InfeasibleError(f"the shift program was not solved to optimality ({status.name})")
    return [round(v) for v in solver.vals(x)]


_BANNER_LOCK = threading.Lock()
_BANNER_SHOWN = False


def _highspy() -> Any:
    import highspy

    return highspy


def _quiet_solver(highspy: Any) -> Any:
    """A HiGHS instance with logging off. HiGHS prints a banner to stdout the first time
    one is made in a process, before options can be set; it is discarded (stdout
    carries results)."""
    global _BANNER_SHOWN
    with _BANNER_LOCK:
        if _BANNER_SHOWN:
            solver = highspy.Highs()
        else:
            sys.stdout.flush()
            saved = os.dup(1)
            sink = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(sink, 1)
                solver = highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
                os.close(sink)
            _BANNER_SHOWN = True
    solver.setOptionValue("output_flag", False)
    return solver
