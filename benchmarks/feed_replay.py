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
import re
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


_TOKEN = re.compile(rb"@@([A-Z])(\d*)@@")


class Replay:
    """Random access to the replayed year: snapshot ``k`` is the feed at ``start + k * every``.

    The capture is serialized once with a placeholder in every field that changes (port
    date and time; each timed lane's update time, wait and status); a snapshot is the
    pieces joined with that moment's values. The wait noise of an hour depends only on
    the seed and the hour, so any process produces the same bytes for the same ``k``.
    """

    def __init__(self, start: dt.datetime, every_minutes: int = 5, seed: int = 2022) -> None:
        self.start = start
        self.every = dt.timedelta(minutes=every_minutes)
        self.seed = seed
        ports = json.loads(SAMPLE.read_text())
        self.lanes: list[tuple[ZoneInfo, int]] = []
        for p in ports:
            zone = ZoneInfo(timezone_of(p["port_number"]) or "America/New_York")
            p["date"], p["time"] = "@@A@@", "@@B@@"
            for mode, lanes in LANE_KEYS.items():
                for lane in lanes:
                    block = p.get(mode, {}).get(lane, {})
                    if block.get("update_time"):
                        j = len(self.lanes)
                        self.lanes.append((zone, int(block["delay_minutes"] or 0)))
                        block["update_time"] = f"@@U{j}@@"
                        block["delay_minutes"] = f"@@D{j}@@"
                        block["operational_status"] = f"@@S{j}@@"
        parts = _TOKEN.split(json.dumps(ports, indent=4).encode())
        # parts: text, kind, index, text, kind, index, ..., text
        self.texts = parts[0::3]
        self.tokens = [(kind.decode(), int(index) if index else -1) for kind, index in zip(parts[1::3], parts[2::3])]
        self._hour: dt.datetime | None = None
        self._pieces: list[bytes] = []

    def _hour_pieces(self, hour: dt.datetime) -> list[bytes]:
        """The hour's payload split at the port date/time placeholders (A, B, A, B, ...)."""
        if hour != self._hour:
            index = int((hour - self.start).total_seconds() // 3600)
            noise = np.random.default_rng([self.seed, index]).normal(0.0, 8.0, size=len(self.lanes))
            values: dict[str, list[bytes]] = {"U": [], "D": [], "S": []}
            update_texts: dict[ZoneInfo, bytes] = {}
            swing = 10 * np.sin(2 * np.pi * hour.hour / 24)
            for (zone, wait), e in zip(self.lanes, noise):
                minutes = max(0, int(round(wait + e + swing)))
                if zone not in update_texts:
                    update_texts[zone] = _update_text(hour, zone).encode()
                values["U"].append(update_texts[zone])
                values["D"].append(str(minutes).encode())
                values["S"].append(b"delay" if minutes > 0 else b"no delay")
            pieces: list[bytes] = []
            current = [self.texts[0]]
            for (kind, index), text in zip(self.tokens, self.texts[1:]):
                if index < 0:  # a date or time placeholder: close the piece
                    pieces.append(b"".join(current))
                    current = [text]
                else:
                    current.append(values[kind][index])
                    current.append(text)
            pieces.append(b"".join(current))
            self._pieces = pieces
            self._hour = hour
        return self._pieces

    def at(self, k: int) -> tuple[dt.datetime, bytes]:
        now = self.start + k * self.every
        pieces = self._hour_pieces(now.replace(minute=0, second=0, microsecond=0))
        eastern = now.astimezone(EASTERN)
        stamps = (f"{eastern.month}/{eastern.day}/{eastern.year}".encode(), eastern.strftime("%H:%M:%S").encode())
        out = [pieces[0]]
        for n, piece in enumerate(pieces[1:]):
            out.append(stamps[n % 2])
            out.append(piece)
        return now, b"".join(out)


_replays: dict[tuple[dt.datetime, int, int], Replay] = {}


def snapshot_bytes(k: int, start: dt.datetime, every_minutes: int = 5, seed: int = 2022) -> bytes:
    """Snapshot ``k`` as bytes; a module-level function, so worker processes can call it."""
    key = (start, every_minutes, seed)
    if key not in _replays:
        _replays[key] = Replay(start, every_minutes, seed)
    return _replays[key].at(k)[1]


def snapshots(start: dt.datetime, count: int, every_minutes: int = 5, seed: int = 2022) -> Iterator[tuple[dt.datetime, bytes]]:
    """(fetch time in UTC, payload bytes) for ``count`` snapshots from ``start``."""
    replay = Replay(start, every_minutes, seed)
    for k in range(count):
        yield replay.at(k)
