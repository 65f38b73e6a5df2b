"""Money per hour of delay, discounting, and where each default comes from.

Defaults (all configurable; every figure carries its source):

- **Person-hour, $14.10 (2015 dollars)** — U.S. Department of Transportation, Office of
  the Secretary, *Revised Departmental Guidance on Valuation of Travel Time in Economic
  Analysis* (Revision 2, 2016 update, 27 September 2016), recommended hourly value of
  travel time savings for local travel, all purposes (personal and business), per
  person-hour. Used for people in personal vehicles and for pedestrians. The guidance
  values walking and waiting time more highly when a project changes only those; the
  all-purpose value is used here as the conservative choice.
- **Truck-hour, $27.20 (2015 dollars)** — the same guidance, truck drivers, per
  person-hour; one driver per truck (BTS counts trucks), so a truck-hour is valued at
  one driver-hour. Cargo (inventory) time is not valued.
- **Discount rate 7 % (real)** — Office of Management and Budget, Circular A-94,
  *Guidelines and Discount Rates for Benefit-Cost Analysis of Federal Programs*
  (29 October 1992), section 8.b(1): "a real discount rate of 7 percent" for
  constant-dollar analyses of public investments.
- **Horizon 20 years** — an assumption (a common span for facility benefit-cost
  analyses); benefits and yearly costs start in year 1, capital is spent in year 0.

People per personal vehicle come from the archive's own BTS counts ("Personal Vehicle
Passengers" / "Personal Vehicles", same port and year; see :mod:`.volumes`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from borderflow.errors import BadInputError

VOT_SOURCE = (
    "U.S. DOT, Revised Departmental Guidance on Valuation of Travel Time in Economic Analysis "
    "(Revision 2, 2016 update, 27 Sep 2016): local travel, all purposes $14.10 and truck "
    "drivers $27.20 per person-hour, 2015 dollars"
)
DISCOUNT_SOURCE = (
    "OMB Circular A-94, Guidelines and Discount Rates for Benefit-Cost Analysis of Federal "
    "Programs (29 Oct 1992), sec. 8.b(1): real discount rate of 7 percent"
)
#: Most dollars a capital or yearly cost may be (a thousand times the largest border
#: project's cost), and most dollars an hour of delay may be worth: the same bounds for the
#: command line, portfolio files, the API and the pages, so every product of them (hours x
#: dollars x years) stays a finite number that JSON can carry.
MAX_COST_DOLLARS = 1e15
MAX_DOLLARS_PER_HOUR = 1e6

OCCUPANCY_SOURCE = (
    "BTS Border Crossing Entry Data in the archive: Personal Vehicle Passengers / Personal "
    "Vehicles for the port and year"
)


@dataclass(frozen=True)
class Valuation:
    """Dollars per hour of delay and how future money is discounted."""

    person_hour_dollars: float = 14.10
    truck_hour_dollars: float = 27.20
    dollar_year: int = 2015
    discount_rate: float = 0.07
    horizon_years: int = 20

    def check(self) -> None:
        problems = []
        for name in ("person_hour_dollars", "truck_hour_dollars"):
            value = getattr(self, name)
            if not (_is_number(value) and 0 <= value <= MAX_DOLLARS_PER_HOUR):
                problems.append(f"{name} must be a number of dollars from 0 to {MAX_DOLLARS_PER_HOUR:g}; got {value!r}")
        rate = self.discount_rate
        if not (_is_number(rate) and 0 <= rate < 1):
            problems.append(f"the discount rate must be a number from 0 to below 1 (0.07 = 7 %); got {rate!r}")
        years = self.horizon_years
        if isinstance(years, bool) or not (isinstance(years, int) and 1 <= years <= 100):
            problems.append(f"the horizon must be a whole number of years from 1 to 100; got {years!r}")
        if problems:
            raise BadInputError("; ".join(problems))

    def dollars_per_hour(self, mode: str) -> float:
        """Per person-hour (passenger, pedestrian) or truck-hour (commercial)."""
        return self.truck_hour_dollars if mode == "commercial" else self.person_hour_dollars

    def present_value_factor(self) -> float:
        """Sum over years 1..horizon of 1 / (1 + rate)^t."""
        r = self.discount_rate
        if r == 0:
            return float(self.horizon_years)
        return (1.0 - (1.0 + r) ** -self.horizon_years) / r

    def to_json_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "sources": {
                "value_of_time": VOT_SOURCE,
                "discount_rate": DISCOUNT_SOURCE,
                "occupancy": OCCUPANCY_SOURCE,
                "horizon_years": "assumption",
            },
        }


@dataclass(frozen=True)
class Economics:
    """Net present value and benefit-cost ratio of one alternative against the base."""

    yearly_benefit_dollars: float
    capital_cost_dollars: float
    yearly_cost_dollars: float
    present_value_benefits: float
    present_value_costs: float
    present_value_factor: float = 1.0

    @property
    def npv_dollars(self) -> float:
        return self.present_value_benefits - self.present_value_costs

    @property
    def benefit_cost_ratio(self) -> float | None:
        if self.present_value_costs <= 0:
            return None
        return self.present_value_benefits / self.present_value_costs

    @property
    def break_even_yearly_cost_dollars(self) -> float:
        """The yearly cost (e.g. staffing the new booths) at which NPV would be zero."""
        return (self.present_value_benefits - self.capital_cost_dollars) / self.present_value_factor

    def to_json_dict(self) -> dict[str, Any]:
        bcr = self.benefit_cost_ratio
        return {
            "yearly_benefit_dollars": round(self.yearly_benefit_dollars, 2),
            "capital_cost_dollars": self.capital_cost_dollars,
            "yearly_cost_dollars": self.yearly_cost_dollars,
            "present_value_benefits_dollars": round(self.present_value_benefits, 2),
            "present_value_costs_dollars": round(self.present_value_costs, 2),
            "npv_dollars": round(self.npv_dollars, 2),
            "benefit_cost_ratio": None if bcr is None else round(bcr, 4),
            "break_even_yearly_cost_dollars": round(self.break_even_yearly_cost_dollars, 2),
        }


def economics(
    yearly_benefit_dollars: float,
    capital_cost_dollars: float,
    yearly_cost_dollars: float,
    valuation: Valuation,
) -> Economics:
    """NPV = PV(benefits) - capital - PV(yearly costs); BCR = PV(benefits) / (capital +
    PV(yearly costs)); yearly amounts in years 1..horizon, capital in year 0."""
    for name, value in (("capital cost", capital_cost_dollars), ("yearly cost", yearly_cost_dollars)):
        check_cost(value, name)
    factor = valuation.present_value_factor()
    return Economics(
        yearly_benefit_dollars=yearly_benefit_dollars,
        capital_cost_dollars=capital_cost_dollars,
        yearly_cost_dollars=yearly_cost_dollars,
        present_value_benefits=yearly_benefit_dollars * factor,
        present_value_costs=capital_cost_dollars + yearly_cost_dollars * factor,
        present_value_factor=factor,
    )


def check_cost(value: Any, name: str) -> None:
    """A capital or yearly cost must be a number of dollars from 0 to MAX_COST_DOLLARS."""
    if not (_is_number(value) and 0 <= value <= MAX_COST_DOLLARS):
        raise BadInputError(f"{name} must be a number of dollars from 0 to {MAX_COST_DOLLARS:g}; got {value!r}")


def _is_number(value: Any) -> bool:
    """A finite int or float (not a bool, not text such as "0.07")."""
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
