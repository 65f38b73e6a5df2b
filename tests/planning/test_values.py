"""Money: present values, NPV, BCR and break-even, worked by hand."""

from __future__ import annotations

import math

import pytest

from borderflow.errors import BadInputError
from borderflow.planning.values import Valuation, economics


def test_defaults_carry_their_sources():
    v = Valuation()
    assert (v.person_hour_dollars, v.truck_hour_dollars, v.dollar_year) == (14.10, 27.20, 2015)
    assert v.discount_rate == 0.07 and v.horizon_years == 20
    sources = v.to_json_dict()["sources"]
    assert "2016" in sources["value_of_time"] and "A-94" in sources["discount_rate"]
    assert v.dollars_per_hour("commercial") == 27.20 and v.dollars_per_hour("pedestrian") == 14.10


def test_npv_and_bcr_by_hand():
    # 3 years at 10 %: factor = 1/1.1 + 1/1.21 + 1/1.331 = 2.486852...
    v = Valuation(discount_rate=0.10, horizon_years=3)
    factor = 1 / 1.1 + 1 / 1.21 + 1 / 1.331
    assert v.present_value_factor() == pytest.approx(factor)
    e = economics(1000.0, 1500.0, 100.0, v)
    assert e.present_value_benefits == pytest.approx(1000 * factor)
    assert e.present_value_costs == pytest.approx(1500 + 100 * factor)
    assert e.npv_dollars == pytest.approx(900 * factor - 1500)
    assert e.benefit_cost_ratio == pytest.approx(1000 * factor / (1500 + 100 * factor))
    assert e.break_even_yearly_cost_dollars == pytest.approx((1000 * factor - 1500) / factor)
    assert Valuation(discount_rate=0.0, horizon_years=4).present_value_factor() == 4.0
    assert economics(10.0, 0.0, 0.0, v).benefit_cost_ratio is None


@pytest.mark.parametrize("bad", [
    {"discount_rate": 1.5}, {"horizon_years": 0}, {"person_hour_dollars": -1.0},
])
def test_bad_valuations(bad):
    with pytest.raises(BadInputError):
        Valuation(**bad).check()
    with pytest.raises(BadInputError, match="capital cost"):
        economics(1.0, -5.0, 0.0, Valuation())


@pytest.mark.parametrize(("bad", "words"), [
    ({"truck_hour_dollars": 1e305}, r"truck_hour_dollars must be a number of dollars from 0 to 1e\+06; got 1e\+305"),
    ({"person_hour_dollars": float("inf")}, "person_hour_dollars must be a number of dollars"),
    ({"discount_rate": "0.07"}, r"discount rate must be a number from 0 to below 1 \(0.07 = 7 %\); got '0.07'"),
    ({"horizon_years": 20.5}, "horizon must be a whole number of years from 1 to 100; got 20.5"),
    ({"horizon_years": True}, "horizon must be a whole number of years"),
])
def test_values_out_of_bounds_or_not_numbers_are_named(bad, words):
    with pytest.raises(BadInputError, match=words):
        Valuation(**bad).check()


def test_costs_are_bounded_so_every_product_stays_finite():
    from borderflow.planning.values import MAX_COST_DOLLARS, MAX_DOLLARS_PER_HOUR

    with pytest.raises(BadInputError, match=r"yearly cost must be a number of dollars from 0 to 1e\+15; got 1e\+308"):
        economics(1.0, 0.0, 1e308, Valuation())
    with pytest.raises(BadInputError, match="capital cost must be a number of dollars"):
        economics(1.0, "5M", 0.0, Valuation())  # type: ignore[arg-type]
    # the largest values allowed over the longest horizon at no discount are still finite
    worst = economics(1e9 * MAX_DOLLARS_PER_HOUR, MAX_COST_DOLLARS, MAX_COST_DOLLARS,
                      Valuation(discount_rate=0.0, horizon_years=100))
    assert all(map(math.isfinite, worst.to_json_dict().values()))
