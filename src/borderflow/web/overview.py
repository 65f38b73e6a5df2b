"""The overview page's data: every crossing with its current wait per lane, the next
hour's forecast with its 80% band where a trained model covers the lane, and the map points.

Built from :func:`borderflow.services.queries.current_waits` (the function behind
``GET /api/v1/waits/current``), northbound lanes, so the page and the API agree; the
forecasts are :func:`borderflow.services.forecasting.forecast_for` as of now (stored, so
a lane is forecast again only when a new reading arrives).
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Engine

from borderflow.errors import BorderFlowError
from borderflow.services import queries
from borderflow.vocabulary import CBP_LANES
from borderflow.web.i18n import Translator
from borderflow.web.maps import MapPoint
from borderflow.web.severity import CURRENT_MINUTES, severity

#: Lane columns of the table: passenger lanes first (most readers drive), then pedestrian, trucks.
LANE_COLUMNS: tuple[tuple[str, str], ...] = tuple(
    sorted(CBP_LANES, key=lambda lane: ("passenger", "pedestrian", "commercial").index(lane[0])))


log = logging.getLogger("borderflow.web")


@dataclass(frozen=True)
class NextHour:
    """The forecast of the coming hour: median and 80% band (minutes), the hour it covers."""

    hour: dt.datetime
    wait_minutes: float
    lo80: float
    hi80: float


@dataclass(frozen=True)
class Cell:
    """One lane's latest reading: wait (minutes or None), status, age and severity class,
    and the next hour's forecast when there is one."""

    wait_minutes: int | None
    status: str | None
    age_minutes: int
    observed_at: dt.datetime
    severity: str
    next_hour: NextHour | None = None




@dataclass
class Row:
    crossing_id: str
    name: str
    state: str
    border: str
    latitude: float | None
    longitude: float | None
    cells: list[Cell | None] = field(default_factory=list)

    @property
    def longest(self) -> int | None:
        """The longest current wait of any lane: of readings at most :data:`CURRENT_MINUTES`
        old (None when no lane reports one that recent)."""
        waits = [c.wait_minutes for c in self.cells
                 if c is not None and c.wait_minutes is not None and c.age_minutes <= CURRENT_MINUTES]
        return max(waits) if waits else None

    @property
    def has_readings(self) -> bool:
        return any(c is not None for c in self.cells)


def folded(text: str) -> str:
    """Lower case without accents, so "leon" finds "León"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def all_crossings(engine: Engine) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = queries.list_crossings(engine, limit=queries.MAX_LIMIT, offset=offset)
        items += page.items
        if not page.has_more:
            return items
        offset += page.limit


def display_name(item: dict[str, Any]) -> str:
    return f"{item['port_name']} - {item['crossing_name']}" if item.get("crossing_name") else item["port_name"]


def build_rows(engine: Engine, now: dt.datetime) -> list[Row]:
    """Every crossing (Mexico border first, then by name) with a cell per lane column."""
    readings: dict[tuple[str, str, str], dict[str, Any]] = {}
    for item in queries.current_waits(engine, now=now):
        if item["direction"] == "northbound":
            readings[(item["crossing_id"], item["mode"], item["program"])] = item
    rows = []
    for c in all_crossings(engine):
        row = Row(c["crossing_id"], display_name(c), c.get("state") or "", c.get("border") or "",
                  c.get("latitude"), c.get("longitude"))
        for mode, program in LANE_COLUMNS:
            reading = readings.get((c["crossing_id"], mode, program))
            row.cells.append(None if reading is None else Cell(
                reading["wait_minutes"], reading["status"], reading["age_minutes"], reading["observed_at"],
                severity(reading["wait_minutes"], reading["age_minutes"])))
        rows.append(row)
    rows.sort(key=lambda r: (r.border != "mexico", folded(r.name), r.crossing_id))
    return rows


def forecast_instant(now: dt.datetime) -> dt.datetime:
    """The instant a page built in the minute starting at ``now`` forecasts from: within
    that minute, so its first forecast hour is the API's (the next hour) even in the
    first minute of an hour, when ``now`` itself is a whole hour."""
    return now + dt.timedelta(seconds=1) if now.second == 0 and now.microsecond == 0 else now


def attach_forecasts(engine: Engine, rows: list[Row], now: dt.datetime) -> None:
    """Give each lane cell that a stored model covers its next hour's forecast (as of
    ``now``). A lane the model cannot forecast (no recent reading, no model), or that has
    not reported a wait at that hour of the day lately (closed then), keeps none;
    a failure is logged and never takes the page down."""
    from borderflow.services.forecasting import covered_lanes, forecast_for

    covered = covered_lanes(engine)
    for row in rows:
        for i, (mode, program) in enumerate(LANE_COLUMNS):
            cell = row.cells[i]
            if cell is None or (row.crossing_id, mode, program, "northbound") not in covered:
                continue
            try:
                found = forecast_for(engine, row.crossing_id, mode, program, 1, as_of=forecast_instant(now))
            except BorderFlowError:
                continue  # e.g. the newest reading is too old for a forecast
            except Exception:
                log.exception("next-hour forecast failed for %s %s/%s", row.crossing_id, mode, program)
                continue
            first = found["forecast"][0]
            if not first["reported_recently"]:
                continue  # an hour the lane is usually closed: its near-zero forecast is no invitation
            row.cells[i] = replace(cell, next_hour=NextHour(
                dt.datetime.fromisoformat(first["hour"]), first["wait_minutes"],
                first["lo80"], first["hi80"]))


def matches(row: Row, query: str, border: str) -> bool:
    if border and row.border != border:
        return False
    if not query:
        return True
    haystack = folded(f"{row.crossing_id} {row.name} {row.state}")
    return all(word in haystack for word in folded(query).split())


def map_points(rows: list[Row], t: Translator) -> list[MapPoint]:
    points = []
    for row in rows:
        if row.latitude is None or row.longitude is None:
            continue
        wait = row.longest
        words = t.minutes(wait) if wait is not None else t("legend.grey")
        points.append(MapPoint(row.crossing_id, row.name, row.latitude, row.longitude,
                               f"/crossings/{row.crossing_id}", t("overview.map_point", name=row.name, wait=words),
                               severity(wait), wait))
    return points
