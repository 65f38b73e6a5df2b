"""Representative days from monthly counts, worked by hand."""

from __future__ import annotations

import pytest

from borderflow.errors import BadInputError
from borderflow.planning.days import month_days, representative_days, scale_day, scenario_day
from borderflow.planning.volumes import PortYear

from .conftest import tiny_crossing

# 2023: 1,000 vehicles a day every month, except March (2,000 a day) and December (500).
DAYS_2023 = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
MONTHLY = tuple(float(d * (2000 if m == 3 else 500 if m == 12 else 1000)) for m, d in enumerate(DAYS_2023, 1))


def test_month_days():
    assert month_days(2023, 2) == (20, 8)  # four whole weeks
    assert month_days(2023, 3) == (23, 8)  # starts on a Wednesday
    assert sum(sum(month_days(2024, m)) for m in range(1, 13)) == 366


def test_peak_and_quiet_days_and_their_weights():
    year = PortYear("9999", 2023, {"passenger": MONTHLY})
    found = representative_days(year, ("passenger",))
    days = {d.id: d for d in found.days}
    assert (days["peak_weekday"].month, days["quiet_weekday"].month) == (3, 12)
    assert days["peak_weekday"].volumes["passenger"] == pytest.approx(2000)
    assert days["quiet_weekend"].volumes["passenger"] == pytest.approx(500)
    # March stands for itself (23 weekdays, 8 weekend days at 2,000); every other month
    # (1,000 a day) is nearer December's 500 than March's 2,000
    assert found.vehicles["peak_weekday"]["passenger"] == pytest.approx(23 * 2000)
    assert found.vehicles["peak_weekend"]["passenger"] == pytest.approx(8 * 2000)
    total = sum(w["passenger"] for w in found.vehicles.values())
    assert total == pytest.approx(sum(MONTHLY))


def test_weekend_factor_keeps_the_month_total():
    year = PortYear("9999", 2023, {"commercial": MONTHLY})
    found = representative_days(year, ("commercial",), {"commercial": 0.5}, all_months=True)
    feb = {d.day_type: d.volumes["commercial"] for d in found.days if d.month == 2}
    # 28,000 trucks over 20 weekdays and 8 weekend days at half: 28,000 / 24 a weekday
    assert feb["weekday"] == pytest.approx(28000 / 24)
    assert feb["weekend"] == pytest.approx(28000 / 48)
    assert len(found.days) == 24
    assert found.vehicles["feb_weekday"]["commercial"] == pytest.approx(20 * 28000 / 24)


def test_missing_months_and_modes():
    monthly = (None, *MONTHLY[1:])
    found = representative_days(PortYear("9999", 2023, {"passenger": monthly}), ("passenger",))
    assert any("monthly mean" in n for n in found.notes)
    with pytest.raises(BadInputError, match="no BTS commercial volumes"):
        representative_days(PortYear("9999", 2023, {"passenger": MONTHLY}), ("commercial",))
    with pytest.raises(BadInputError, match="weekend factors are per mode"):
        representative_days(PortYear("9999", 2023, {"passenger": MONTHLY}), ("passenger",), {"bus": 1.0})


def test_scaling_a_day_keeps_shape_and_shares():
    scenario = tiny_crossing()
    found = representative_days(PortYear("9999", 2023, {"passenger": MONTHLY}), ("passenger",))
    scaled = scale_day(scenario, found.days[0])
    assert scaled.expected_vehicles() == pytest.approx(2000)
    k = 2000 / scenario.expected_vehicles()
    assert scaled.demand[1].per_hour == pytest.approx([r * k for r in scenario.demand[1].per_hour])
    own = scenario_day(scenario)
    assert own.vehicles["scenario_day"]["passenger"] == pytest.approx(280 * 365)


def test_a_day_on_which_the_clocks_change_is_not_appraised_as_an_ordinary_day():
    import datetime as dt
    from dataclasses import replace

    from borderflow.sim import load_scenario
    from borderflow.sim.clock import Clock
    from borderflow.sim.scenario import scenario_mapping

    def day(hours, start):
        plain = scenario_mapping(tiny_crossing())
        plain["hours"] = hours
        for group in plain["lane_groups"].values():
            group["booths"] = 2
        for entry in plain["demand"]:
            entry["per_hour"] = 30
        return replace(load_scenario(plain), clock=Clock(dt.datetime.fromisoformat(start), "America/Chicago"))

    found = representative_days(PortYear("9999", 2023, {"passenger": MONTHLY}), ("passenger",))
    # a 24-hour scenario the clocks change in (00:00 CDT to 22:00 CST) is refused the same way
    for hours, start in ((25, "2026-11-01T00:00:00-05:00"), (23, "2026-03-08T00:00:00-06:00"),
                         (24, "2026-11-01T00:00:00-05:00")):
        with pytest.raises(BadInputError, match=rf"the clocks change within .*\({hours} hours.*: appraise a "
                                                r"scenario whose clock does not change"):
            scale_day(day(hours, start), found.days[0])
    assert scale_day(day(24, "2026-11-02T00:00:00-06:00"), found.days[0]).hours == 24  # a plain day with a clock
