"""Synthetic-in-time, real-in-shape CBP feed snapshots: the real 2022 ``bwtnew`` capture
replayed at 5-minute intervals with shifted times.

Every port block, lane and maximum-lane value comes from the real capture. Per hour,
each lane that had a reading gets a new update time (the top of the hour, local time,
with the label CBP would print) and a wait that wanders around the captured one, so a
year of snapshots holds a realistic share of new readings (one per lane per hour) and
repeats (the other eleven snapshots of the hour).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from borderflow.catalog import timezone_of

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "cbp-feed" / "bwtnew-2022-06-29.json"
EASTERN = ZoneInfo("America/New_York")
LANE_KEYS = {
    "commercial_vehicle_lanes": ("standard_lanes", "FAST_lanes"),
    "passenger_vehicle_lanes": ("standard_lanes", "NEXUS_SENTRI_lanes", "ready_lanes"),
    "pedestrian_lanes": ("standard_lanes", "ready_lanes"),
}
_DATE, _TIME = "@@DATE@@", "@@TIME@@"


def _clock(local: dt.datetime) -> str:
    if local.hour == 12 and local.minute == 0:
        return "Noon"
    if local.hour == 0 and local.minute == 0:
        return "Midnight"
    return local.strftime("%-I:%M %p").lower()


def _update_text(hour_utc: dt.datetime, zone: ZoneInfo) -> str:
    local = hour_utc.astimezone(zone)
    return f"At {_clock(local)} {local.tzname()}"


def lane_count(ports: list[dict]) -> int:
    """Lanes in the capture that carry a reading (an update time)."""
    return sum(
        1 for p in ports for mode, lanes in LANE_KEYS.items() for lane in lanes
        if p.get(mode, {}).get(lane, {}).get("update_time")
    )


def snapshots(start: dt.datetime, count: int, every_minutes: int = 5, seed: int = 2022) -> Iterator[tuple[dt.datetime, bytes]]:
    """(fetch time in UTC, payload bytes) for ``count`` snapshots from ``start``."""
    ports = json.loads(SAMPLE.read_text())
    zones = {p["port_number"]: ZoneInfo(timezone_of(p["port_number"]) or "America/New_York") for p in ports}
    rng = np.random.default_rng(seed)
    base_wait = {
        (i, mode, lane): int(p[mode][lane]["delay_minutes"] or 0)
        for i, p in enumerate(ports) for mode, lanes in LANE_KEYS.items() for lane in lanes
        if p.get(mode, {}).get(lane, {}).get("update_time")
    }
    pieces: list[bytes] = []
    current_hour = None
    for k in range(count):
        now = start + dt.timedelta(minutes=every_minutes * k)
        hour = now.replace(minute=0, second=0, microsecond=0)
        if hour != current_hour:
            current_hour = hour
            noise = rng.normal(0.0, 8.0, size=len(base_wait))
            for j, ((i, mode, lane), wait) in enumerate(base_wait.items()):
                block = ports[i][mode][lane]
                block["update_time"] = _update_text(hour, zones[ports[i]["port_number"]])
                minutes = max(0, int(round(wait + noise[j] + 10 * np.sin(2 * np.pi * hour.hour / 24))))
                block["delay_minutes"] = str(minutes)
                block["operational_status"] = "delay" if minutes > 0 else "no delay"
            for p in ports:
                p["date"], p["time"] = _DATE, _TIME
            # the date and time placeholders alternate, port by port
            pieces = json.dumps(ports, indent=4).encode().replace(_TIME.encode(), _DATE.encode()).split(_DATE.encode())
        eastern = now.astimezone(EASTERN)
        stamps = (f"{eastern.month}/{eastern.day}/{eastern.year}".encode(), eastern.strftime("%H:%M:%S").encode())
        out = [pieces[0]]
        for n, piece in enumerate(pieces[1:]):
            out.append(stamps[n % 2])
            out.append(piece)
        yield now, b"".join(out)
