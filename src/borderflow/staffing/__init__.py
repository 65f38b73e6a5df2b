"""Booth staffing against a wait target: the SIPP baseline, a simulation-based search
with common random numbers, and officer shifts from an integer program.

``plan_staffing(scenario, StaffingRequest(target_p95_minutes=...))`` is the entry
point; docs/staffing.md describes the algorithm and what it guarantees.
"""

from __future__ import annotations

from borderflow.staffing.planner import (
    GroupPlan,
    HourIssue,
    StaffingPlan,
    StaffingRequest,
    plan_staffing,
)
from borderflow.staffing.shifts import Roster, ShiftRules, roster
from borderflow.staffing.sipp import sipp_plan

__all__ = [
    "GroupPlan",
    "HourIssue",
    "Roster",
    "ShiftRules",
    "StaffingPlan",
    "StaffingRequest",
    "plan_staffing",
    "roster",
    "sipp_plan",
]
