"""A port's year of BTS monthly volumes, read from the archive, as plain data.

This is the one module of ``planning`` that reads the store (through
:func:`borderflow.services.queries.monthly_volumes`); everything else in the package
works on the :class:`PortYear` it returns, so appraisals can also be fed by hand.

BTS "Border Crossing Entry Data" counts inbound crossings per port and month. The
measures used: ``Personal Vehicles`` (mode passenger), ``Pedestrians`` (pedestrian),
``Trucks`` (commercial), and ``Personal Vehicle Passengers`` for occupancy: people per
personal vehicle = passengers / vehicles over the year (BTS counts everyone in the
vehicle, driver included).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from borderflow.errors import BadInputError, NotFoundError
from borderflow.messages import Message

#: BTS measure counted for each mode.
MEASURE_OF_MODE: dict[str, str] = {
    "passenger": "Personal Vehicles",
    "pedestrian": "Pedestrians",
    "commercial": "Trucks",
}
PASSENGERS_MEASURE = "Personal Vehicle Passengers"
#: The source and direction of the counts appraisals use: BTS counts crossings into the
#: United States ("northbound" in BorderFlow's words; see feeds/bts.py).
BTS_SOURCE = "bts"
BTS_DIRECTION = "northbound"


@dataclass(frozen=True)
class PortYear:
    """Monthly counts (index 0 = January; None = no count) by mode, for one port and year."""

    port_code: str
    year: int
    monthly: dict[str, tuple[float | None, ...]]
    passengers_per_vehicle: float | None = None
    source: str = "bts"
    notes: tuple[str, ...] = field(default=())

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "port_code": self.port_code,
            "year": self.year,
            "source": self.source,
            "monthly": {m: list(v) for m, v in self.monthly.items()},
            "passengers_per_vehicle": self.passengers_per_vehicle,
            "notes": list(self.notes),
        }


def _check_port(port_code: str) -> None:
    if not (isinstance(port_code, str) and len(port_code) == 4 and port_code.isascii() and port_code.isdigit()):
        raise BadInputError(f"port must be a 4-digit CBP port code like 2504; got {port_code!r}", key="appr.port",
                            fields={"got": port_code})


def latest_complete_year(engine: Any, port_code: str, modes: Sequence[str]) -> int:
    """The latest calendar year in which BTS (the source appraisals use) counted every one
    of ``modes`` at the port in all 12 months: counts from other sources, other measures
    and the southbound direction do not make a year complete."""
    _check_port(port_code)
    unknown = [m for m in modes if m not in MEASURE_OF_MODE]
    if unknown or not modes:
        raise BadInputError(f"modes must be some of {', '.join(MEASURE_OF_MODE)}; got {list(modes)!r}")
    measures = [MEASURE_OF_MODE[m] for m in MEASURE_OF_MODE if m in modes]
    complete: set[int] | None = None
    for measure in measures:
        months: dict[int, set[int]] = {}
        counted: dict[int, float] = {}
        for item in _bts_rows(engine, port_code, measure):
            year, month = (int(p) for p in item["month"].split("-"))
            months.setdefault(year, set()).add(month)
            counted[year] = counted.get(year, 0.0) + float(item["value"])
        # a year of twelve zeros (BTS wrote 0 for a mode a port did not serve) counts nothing
        full = {y for y, seen in months.items() if len(seen) == 12 and counted[y] > 0}
        complete = full if complete is None else complete & full
    if not complete:
        said = " and ".join(measures)
        raise NotFoundError(
            f"the archive has no year with BTS {said} counts in all 12 months for port {port_code} (a year of "
            "zeros counts nothing); ingest the BTS Border Crossing Entry Data (borderflow ingest FILE) or pass --year",
            key="appr.no_complete_year",
            fields={"port": port_code, "measures": [Message(m, f"measure.{m}") for m in measures]},
        )
    return max(complete)


def port_year(engine: Any, port_code: str, year: int) -> PortYear:
    """The port's monthly counts for ``year`` from the archive (BTS, port level, inbound)."""
    _check_port(port_code)
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2199:
        raise BadInputError(f"the year of volumes must be a year like 2024 (1900-2199); got {year!r}",
                            key="appr.year", fields={"got": year})
    monthly: dict[str, tuple[float | None, ...]] = {}
    notes = []
    for mode, measure in MEASURE_OF_MODE.items():
        values: list[float | None] = [None] * 12
        for item in _bts_rows(engine, port_code, measure, year):
            values[int(item["month"][5:7]) - 1] = float(item["value"])
        if any(values):  # twelve zeros: BTS counted none of the mode there, as if it had no counts
            monthly[mode] = tuple(values)
            missing = [dt.date(year, i + 1, 1).strftime("%b") for i, v in enumerate(values) if v is None]
            if missing:
                months = ", ".join(f"{year}-{i + 1:02d}" for i, v in enumerate(values) if v is None)
                notes.append(Message(f"{measure}: no BTS count for {', '.join(missing)} {year}", "appr.missing_months",
                                     {"measure": Message(measure, f"measure.{measure}"), "months": months}))
    if not monthly:
        raise NotFoundError(
            f"the archive has no BTS volumes for port {port_code} in {year}; ingest the BTS Border "
            "Crossing Entry Data or choose another year", key="appr.no_year", fields={"port": port_code, "year": year}
        )
    passengers = sum(float(i["value"]) for i in _bts_rows(engine, port_code, PASSENGERS_MEASURE, year))
    vehicles = sum(v for v in monthly.get("passenger", ()) if v is not None)
    ratio = passengers / vehicles if passengers > 0 and vehicles > 0 else None
    return PortYear(port_code, year, monthly, ratio, BTS_SOURCE, tuple(notes))


def _bts_rows(engine: Any, port_code: str, measure: str, year: int | None = None) -> list[dict[str, Any]]:
    """The port's monthly BTS counts of ``measure`` into the United States (direction
    northbound), in ``year`` or all years. BTS counts inbound crossings only; a row
    stored under source ``bts`` with another direction is not one of its counts."""
    from borderflow.services.queries import monthly_volumes

    span = {} if year is None else {"start_month": f"{year}-01", "end_month": f"{year}-12"}
    rows = _all(monthly_volumes, engine, port_code=port_code, measure=measure, source=BTS_SOURCE, **span)
    return [row for row in rows if row["direction"] == BTS_DIRECTION]


def _all(query: Any, engine: Any, **filters: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = query(engine, limit=1000, offset=offset, **filters)
        items.extend(page.items)
        if not page.has_more:
            return items
        offset += 1000
