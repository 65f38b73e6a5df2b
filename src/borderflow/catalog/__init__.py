"""The catalog of ports and crossings that ships with BorderFlow.

Built from real public files by :mod:`borderflow.catalog.build`; see ``crossings.json``.
The store copies it into its ``crossings`` and ``ports`` tables and adds any crossing a
feed shows that the catalog lacks.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from borderflow.catalog.build import CROSSING_ALIASES, normalize_crossing_id

__all__ = [
    "CROSSING_ALIASES",
    "Crossing",
    "Port",
    "counted_in",
    "crossing",
    "crossing_by_name",
    "crossings",
    "normalize_crossing_id",
    "port",
    "ports",
    "ports_counted_in",
    "timezone_of",
]


@dataclass(frozen=True)
class Crossing:
    """One CBP wait-time location. ``max_lanes`` maps mode -> CBP maximum lanes or None."""

    crossing_id: str
    port_code: str
    bts_port_code: str
    bwt_id: str
    port_name: str
    crossing_name: str
    border: str
    state: str
    timezone: str
    latitude: float | None
    longitude: float | None
    hours: str = ""
    max_lanes: dict[str, int | None] = field(default_factory=dict)

    @property
    def display_name(self) -> str:
        return f"{self.port_name} - {self.crossing_name}" if self.crossing_name else self.port_name


@dataclass(frozen=True)
class Port:
    """A CBP port of entry as BTS lists it (4-digit code).

    ``counted_within``: the port whose BTS count held this port's traffic in the months
    before ``counted_alone_from`` (YYYY-MM), its first month in BTS (Ysleta, 2401, was
    counted within El Paso, 2402, until Feb 2020); "" for a port BTS always counted alone.
    """

    port_code: str
    name: str
    state: str
    border: str
    timezone: str
    latitude: float | None
    longitude: float | None
    counted_within: str = ""
    counted_alone_from: str = ""

    def counted_in(self, month: dt.date) -> str:
        """The BTS port whose count holds this port's traffic in ``month``."""
        if self.counted_within and month.strftime("%Y-%m") < self.counted_alone_from:
            return self.counted_within
        return self.port_code


@lru_cache(maxsize=1)
def _raw() -> dict[str, Any]:
    text = resources.files("borderflow.catalog").joinpath("crossings.json").read_text("utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def _crossings() -> dict[str, Crossing]:
    out = {}
    for item in _raw()["crossings"]:
        out[item["crossing_id"]] = Crossing(
            crossing_id=item["crossing_id"],
            port_code=item["port_code"],
            bts_port_code=item.get("bts_port_code", ""),
            bwt_id=item.get("bwt_id", ""),
            port_name=item.get("port_name", ""),
            crossing_name=item.get("crossing_name", ""),
            border=item.get("border", ""),
            state=item.get("state", ""),
            timezone=item["timezone"],
            latitude=item.get("latitude"),
            longitude=item.get("longitude"),
            hours=item.get("hours", ""),
            max_lanes=dict(item.get("max_lanes") or {}),
        )
    return out


def crossings() -> list[Crossing]:
    """Every catalogued crossing, ordered by crossing number."""
    return list(_crossings().values())


def crossing(crossing_id: str) -> Crossing | None:
    return _crossings().get(normalize_crossing_id(crossing_id))


@lru_cache(maxsize=1)
def ports() -> list[Port]:
    return [
        Port(
            port_code=p["port_code"],
            name=p["name"],
            state=p["state"],
            border=p["border"],
            timezone=p["timezone"],
            latitude=p.get("latitude"),
            longitude=p.get("longitude"),
            counted_within=p.get("counted_within", ""),
            counted_alone_from=p.get("counted_alone_from", ""),
        )
        for p in _raw()["ports"]
    ]


def port(port_code: str) -> Port | None:
    return next((p for p in ports() if p.port_code == port_code), None)


def counted_in(port_code: str, month: dt.date) -> str:
    """The BTS port whose count holds ``port_code``'s traffic in ``month``: the port itself,
    or for a month before BTS counted it alone, the port it was counted within."""
    found = port(port_code)
    return found.counted_in(month) if found else port_code


def ports_counted_in(port_code: str, month: dt.date) -> set[str]:
    """The BTS ports whose traffic ``port_code``'s count for ``month`` holds: itself and any
    port counted within it that month (El Paso, 2402, holds Ysleta, 2401, until Feb 2020)."""
    return {port_code} | {p.port_code for p in ports() if p.counted_within == port_code
                          and p.counted_in(month) == port_code}


def timezone_of(crossing_id: str) -> str | None:
    """The IANA time zone of a crossing, or None when the catalog does not know it."""
    found = crossing(crossing_id)
    return found.timezone if found else None


def _name_key(text: str) -> str:
    # accents folded ("Anzaldúas" is "Anzalduas"), then case, punctuation and filler words
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = text.lower().replace("&amp;", "&")
    text = re.sub(r"\(.*?\)", " ", text)
    text = re.sub(r"\b(bridge|international|port of entry)\b", " ", text)
    return re.sub(r"[^a-z0-9&]+", "", text)


@lru_cache(maxsize=1)
def _by_name() -> dict[tuple[str, str], str]:
    index: dict[tuple[str, str], str] = {}
    for c in _crossings().values():
        index.setdefault((_name_key(c.port_name), _name_key(c.crossing_name)), c.crossing_id)
    return index


def crossing_by_name(port_name: str, crossing_name: str) -> str | None:
    """The crossing number for a port and crossing name as CBP writes them, or None.

    Matching ignores case, punctuation, parenthesised abbreviations and the words
    "bridge", "international" and "port of entry" ("Veterans International" matches
    "Veterans International Bridge"). A crossing named as its port or not named at all
    ("San Ysidro - San Ysidro", "Santa Teresa") is the port's unnamed crossing, or its only
    crossing when it has just one.
    """
    port, name = _name_key(port_name), _name_key(crossing_name)
    found = _by_name().get((port, name))
    if found is None and name in ("", port):
        found = _by_name().get((port, ""))
        if found is None:
            only = [c for (p, _), c in _by_name().items() if p == port]
            found = only[0] if len(only) == 1 else None
    return found
