"""Calendar and holiday features of target hours, in the crossing's local time.

Everything here is a pure function of a timestamp and a place: no readings. Waits follow
the local clock (the morning rush is at 8 local time in winter and in summer) and the
holidays of both sides of the border (Canadians drive south on BC Day, Mexican families
cross north in Holy Week), so every feature is computed on the crossing's wall clock.

Holidays come from the ``holidays`` package. Each series has :class:`HolidayRegions`:
the US state the crossing is in, the Canadian province or Mexican state across from it.
For each of the three countries a target day gets ``days_to`` (0 on a holiday, 1 the day
before, ...) and ``days_since`` (0 on a holiday, 1 the day after, ...), both capped at
:data:`HOLIDAY_HORIZON_DAYS`; together with the day of week they describe long weekends
("Friday, three days before Victoria Day") without a hand-made list of bridges.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

#: Distances to a holiday are capped here (days): further than a week is "no holiday".
HOLIDAY_HORIZON_DAYS = 8
COUNTRIES: tuple[str, ...] = ("us", "mx", "ca")

#: US state (as the catalog spells it) -> (USPS code, the Canadian province across).
#: Where a state borders several provinces the busiest crossings decide.
_CANADA_ACROSS: dict[str, tuple[str, str]] = {
    "Alaska": ("AK", "YT"),
    "Washington": ("WA", "BC"),
    "Idaho": ("ID", "BC"),
    "Montana": ("MT", "AB"),
    "North Dakota": ("ND", "MB"),
    "Minnesota": ("MN", "ON"),
    "Michigan": ("MI", "ON"),
    "New York": ("NY", "ON"),
    "Vermont": ("VT", "QC"),
    "New Hampshire": ("NH", "QC"),
    "Maine": ("ME", "NB"),
}
#: US state -> USPS code on the Mexican border. The ``holidays`` package has no Mexican
#: state calendars, so Mexican holidays are national.
_MEXICO_STATES: dict[str, str] = {
    "California": "CA",
    "Arizona": "AZ",
    "New Mexico": "NM",
    "Texas": "TX",
}


@dataclass(frozen=True)
class HolidayRegions:
    """Whose holidays move a crossing: a US state, Mexico, a Canadian province.

    ``None`` for a subdivision means national holidays only.
    """

    us_subdiv: str | None = None
    mx_subdiv: str | None = None
    ca_subdiv: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"us": self.us_subdiv, "mx": self.mx_subdiv, "ca": self.ca_subdiv}

    @classmethod
    def from_dict(cls, data: dict[str, str | None]) -> HolidayRegions:
        return cls(us_subdiv=data.get("us"), mx_subdiv=data.get("mx"), ca_subdiv=data.get("ca"))


def regions_for(state: str, border: str = "") -> HolidayRegions:
    """The holiday regions of a crossing from its catalog ``state`` and ``border``."""
    if state in _CANADA_ACROSS:
        us, ca = _CANADA_ACROSS[state]
        return HolidayRegions(us_subdiv=us, ca_subdiv=ca)
    if state in _MEXICO_STATES:
        return HolidayRegions(us_subdiv=_MEXICO_STATES[state])
    return HolidayRegions()


@lru_cache(maxsize=64)
def holiday_ordinals(country: str, subdiv: str | None, first_year: int, last_year: int) -> np.ndarray:
    """Sorted proleptic ordinals of the holidays of ``country`` (us/mx/ca) in the years."""
    import holidays

    code = {"us": "US", "mx": "MX", "ca": "CA"}[country]
    years = range(first_year, last_year + 1)
    try:
        calendar = holidays.country_holidays(code, subdiv=subdiv, years=years)
    except NotImplementedError:  # an unknown subdivision: national holidays only
        calendar = holidays.country_holidays(code, years=years)
    return np.array(sorted({d.toordinal() for d in calendar}), dtype=np.int64)


def _distances(days: np.ndarray, holidays_sorted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(days to the next holiday, days since the last one), 0 on a holiday, capped."""
    cap = HOLIDAY_HORIZON_DAYS
    if holidays_sorted.size == 0:
        full = np.full(days.shape, cap, dtype=np.float64)
        return full, full.copy()
    pos = np.searchsorted(holidays_sorted, days, side="left")
    nxt = holidays_sorted[np.minimum(pos, holidays_sorted.size - 1)]
    to_next = np.where(pos < holidays_sorted.size, nxt - days, cap)
    pos_r = np.searchsorted(holidays_sorted, days, side="right") - 1
    prev = holidays_sorted[np.maximum(pos_r, 0)]
    since = np.where(pos_r >= 0, days - prev, cap)
    return (np.minimum(to_next, cap).astype(np.float64), np.minimum(since, cap).astype(np.float64))


def local_times(ds_utc: pd.DatetimeIndex, timezone: str) -> pd.DatetimeIndex:
    """UTC hours as wall-clock times of ``timezone``."""
    if ds_utc.tz is None:
        ds_utc = ds_utc.tz_localize("UTC")
    return ds_utc.tz_convert(timezone)


def hour_of_week(local: pd.DatetimeIndex) -> np.ndarray:
    """0 = Monday 00:00-01:00 local .. 167 = Sunday 23:00-24:00 local."""
    return (local.day_of_week.to_numpy() * 24 + local.hour.to_numpy()).astype(np.int64)


def calendar_features(ds_utc: pd.DatetimeIndex, timezone: str,
                      regions: HolidayRegions = HolidayRegions()) -> dict[str, np.ndarray]:
    """Features of target hours: local hour, weekday, hour of week, day of year, month and,
    per country, days to / since a holiday. One float array per name, aligned with ``ds_utc``.
    """
    local = local_times(ds_utc, timezone)
    out: dict[str, np.ndarray] = {
        "hour": local.hour.to_numpy().astype(np.float64),
        "weekday": local.day_of_week.to_numpy().astype(np.float64),
        "hour_of_week": hour_of_week(local).astype(np.float64),
        "day_of_year": local.day_of_year.to_numpy().astype(np.float64),
        "month": local.month.to_numpy().astype(np.float64),
    }
    if len(local) == 0:
        for country in COUNTRIES:
            out[f"{country}_days_to_holiday"] = np.empty(0)
            out[f"{country}_days_since_holiday"] = np.empty(0)
        return out
    # Ordinals of local dates (days since 0001-01-01, +1), the scale holiday_ordinals uses.
    epoch = dt.date(1970, 1, 1).toordinal()
    naive_days = (local.tz_localize(None).normalize().to_numpy().astype("datetime64[D]")
                  .astype(np.int64)) + epoch
    first, last = int(local.year.min()) - 1, int(local.year.max()) + 1
    for country, subdiv in regions.as_dict().items():
        hol = holiday_ordinals(country, subdiv, first, last)
        to_next, since = _distances(naive_days, hol)
        out[f"{country}_days_to_holiday"] = to_next
        out[f"{country}_days_since_holiday"] = since
    return out


CALENDAR_FEATURES: tuple[str, ...] = (
    "hour", "weekday", "hour_of_week", "day_of_year", "month",
    *(f"{c}_days_{w}_holiday" for c in COUNTRIES for w in ("to", "since")),
)
