"""Alternatives as edits of a base scenario."""

from __future__ import annotations

import pytest

from borderflow.errors import BadInputError
from borderflow.planning.alternatives import apply_edits, load_alternative, read_mapping
from borderflow.sim import load_scenario

from .conftest import EXAMPLES, tiny_crossing

PLANNING = EXAMPLES.parent / "planning"


def test_every_edit():
    base = tiny_crossing(booths=2)
    edited = apply_edits(base, {"name": "all", "changes": [
        {"add_booths": {"group": "general", "booths": 3}},
        {"scale_booths": {"group": "other", "factor": 2}},
        {"convert_booths": {"from": "general", "to": "other", "booths": 1}},
        {"shift_demand": {"from": "general", "to": "other", "share": 0.25}},
        {"scale_service": {"group": "general", "factor": 0.5}},
    ]})
    assert edited.name == "all"
    assert edited.lane_group("general").booths == (4,) * 4     # 2 + 3 - 1
    assert edited.lane_group("other").booths == (3,) * 4       # 1 x 2 + 1
    assert edited.demand[0].per_hour == pytest.approx([30, 75, 45, 15])
    assert edited.demand[-1].to == ("other",) and edited.demand[-1].per_hour == pytest.approx([10, 25, 15, 5])
    assert edited.lane_group("general").service.mean_seconds == 30
    assert edited.expected_vehicles() == pytest.approx(base.expected_vehicles())


def test_closed_lanes_stay_closed_and_secondary_changes():
    trucks_base = load_alternative(EXAMPLES / "otay_mesa_trucks_10_booths.yaml", tiny_crossing())
    edited = apply_edits(trucks_base, {"changes": [{"set_secondary": {"group": "standard", "probability": 0.02}}]})
    assert edited.lane_group("standard").secondary.probability == 0.02
    closed = apply_edits(tiny_crossing(booths=0), {"changes": [{"add_booths": {"group": "general", "booths": 2}}]})
    assert closed.lane_group("general").booths == (0,) * 4


def test_the_example_edit_file():
    base = load_alternative(EXAMPLES / "otay_mesa_trucks_10_booths.yaml", tiny_crossing())
    alt = load_alternative(PLANNING / "otay_mesa_faster_primary.yaml", base)
    assert alt.lane_group("standard").service.mean_seconds == pytest.approx(120)
    assert alt.lane_group("fast").booths == (3,) * 16 and alt.lane_group("standard").booths == (7,) * 16


@pytest.mark.parametrize(("changes", "match"), [
    ([], "non-empty list"),
    ([{"paint_lanes": {}}], "not an edit"),
    ([{"add_booths": {"group": "nope", "booths": 1}}], "unknown lane group 'nope'"),
    ([{"add_booths": {"group": "general"}}], "booths"),
    ([{"shift_demand": {"from": "other", "to": "general", "share": 0.5}}], "no demand entry goes only to other"),
    ([{"scale_service": {"group": "general", "factor": 0}}], "factor must be a finite number > 0"),
    ([{"scale_service": {"group": "general", "factor": float("inf")}}], "factor must be a finite number > 0"),
    ([{"scale_booths": {"group": "general", "factor": float("inf")}}], "factor must be a finite number > 0"),
    ([{"scale_service": {"group": "general", "factor": 1e30}}], "mean_seconds must be a number > 0 and at most"),
    ([{"add_booths": {"group": "general", "booths": 1_000_000}}], "booths may be at most 10,000"),
    ([{"convert_booths": {"from": "general", "to": "general", "booths": 1}}], "from and to are both general"),
    ([{"shift_demand": {"from": "general", "to": "general", "share": 0.5}}], "from and to are both general"),
    ([{"set_secondary": {"group": "general", "probability": 0.1}}], "no secondary"),
])
def test_bad_edits(changes, match):
    with pytest.raises(BadInputError, match=match):
        apply_edits(tiny_crossing(), {"changes": changes})


def test_the_example_portfolio_names_files_that_load():
    portfolio = read_mapping(PLANNING / "border_projects.yaml")
    for project in portfolio["projects"]:
        base = load_scenario(PLANNING / project["base"])
        alternative = load_alternative(PLANNING / project["alternative"], base)
        assert project["port"] in ("2504", "2506") and project["capital_cost_dollars"] > 0
        assert alternative.hours == base.hours


@pytest.mark.parametrize(("booths", "factor", "expected"), [
    (1, 1.5, 2), (3, 1.5, 5), (5, 1.5, 8), (2, 1.25, 3), (25, 0.58, 15), (3, 1.4, 4), (4, 0.5, 2), (1, 0.4, 0),
])
def test_scaled_booths_round_halves_up(booths, factor, expected):
    edited = apply_edits(tiny_crossing(booths=booths), {"changes": [
        {"scale_booths": {"group": "general", "factor": factor}}]})
    assert edited.lane_group("general").booths == (expected,) * 4
