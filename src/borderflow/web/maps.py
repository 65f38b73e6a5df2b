"""The overview's maps: crossings over a country outline shipped with the package, as inline SVG.

The outline is ``static/map/border-region.geojson`` (Natural Earth 1:110m countries,
public domain; see ``static/map/README.md`` and :mod:`borderflow.web.outline_build`).
No network is needed. The projection is equirectangular with longitudes shrunk by the
cosine of the view's middle latitude, which keeps shapes right at these latitudes.
Each crossing is a circle coloured by its severity, inside a link to its page whose
accessible name says the wait in words.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from markupsafe import Markup, escape

from borderflow.web.severity import COLOURS

WIDTH = 800.0


@dataclass(frozen=True)
class View:
    """A map window: (west, south, east, north) in degrees and where to write country names."""

    key: str
    box: tuple[float, float, float, float]
    labels: tuple[tuple[str, float, float], ...]

    @property
    def scale_x(self) -> float:
        _west, south, _east, north = self.box
        return math.cos(math.radians((south + north) / 2))

    @property
    def height(self) -> float:
        west, south, east, north = self.box
        return WIDTH * (north - south) / ((east - west) * self.scale_x)

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        west, south, east, north = self.box
        x = (lon - west) / (east - west) * WIDTH
        y = (north - lat) / (north - south) * self.height
        return round(x, 1), round(y, 1)

    def contains(self, lon: float, lat: float) -> bool:
        west, south, east, north = self.box
        return west <= lon <= east and south <= lat <= north


MEXICO_VIEW = View("mexico", (-118.5, 24.8, -95.8, 34.6),
                   (("USA", -106.5, 33.7), ("MEX", -104.5, 27.2)))
CANADA_VIEW = View("canada", (-125.5, 40.8, -65.5, 51.0),
                   (("USA", -100.0, 43.0), ("CAN", -100.0, 50.3)))


@dataclass(frozen=True)
class MapPoint:
    """One crossing on a map: where, its page, its accessible name, its severity class and
    the number written beside its colour (minutes, or None)."""

    crossing_id: str
    name: str
    latitude: float
    longitude: float
    href: str
    label: str
    severity: str
    wait_minutes: float | None


@lru_cache(maxsize=1)
def outline() -> dict[str, Any]:
    """The shipped GeoJSON (a FeatureCollection of MultiPolygons)."""
    text = resources.files("borderflow.web").joinpath("static/map/border-region.geojson").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@lru_cache(maxsize=4)
def _country_paths(view: View) -> tuple[tuple[str, str], ...]:
    """(iso_a3, SVG path data) of every country, projected for ``view``."""
    out = []
    for feature in outline()["features"]:
        parts = []
        for polygon in feature["geometry"]["coordinates"]:
            for ring in polygon:
                points = [view.project(lon, lat) for lon, lat in ring]
                parts.append("M" + "L".join(f"{x},{y}" for x, y in points) + "Z")
        out.append((feature["properties"]["iso_a3"], "".join(parts)))
    return tuple(out)


def map_svg(view: View, points: list[MapPoint], title: str, desc: str, country_names: dict[str, str]) -> Markup:
    """An inline SVG map: countries (decorative), then one linked circle per crossing in view.

    The SVG is a labelled group (it holds links, so it is not ``role="img"``)."""
    width, height = WIDTH, round(view.height, 1)
    ident = f"map-{view.key}"
    parts = [
        (f'<svg class="map" viewBox="0 0 {width:g} {height:g}" role="group" '
        f'aria-labelledby="{ident}-title {ident}-desc" preserveAspectRatio="xMidYMid meet">'),
        f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(desc)}</desc>',
        f'<rect class="sea" x="0" y="0" width="{width:g}" height="{height:g}" aria-hidden="true"/>',
        '<g aria-hidden="true">',
    ]
    for code, path in _country_paths(view):
        parts.append(f'<path class="land land-{code.lower()}" d="{path}"/>')
    for code, lon, lat in view.labels:
        x, y = view.project(lon, lat)
        parts.append(f'<text class="country" x="{x}" y="{y}" text-anchor="middle">'
                     f'{escape(country_names.get(code, code))}</text>')
    parts.append("</g>")
    visible = [p for p in points if view.contains(p.longitude, p.latitude)]
    # Longest waits last, so they are drawn on top where circles overlap.
    visible.sort(key=lambda p: (-1 if p.wait_minutes is None else p.wait_minutes))
    for p in visible:
        x, y = view.project(p.longitude, p.latitude)
        parts.append(
            f'<a href="{escape(p.href)}" aria-label="{escape(p.label)}" class="crossing-link" '
            f'data-crossing="{escape(p.crossing_id)}">'
            f'<title>{escape(p.label)}</title>'
            f'<circle cx="{x}" cy="{y}" r="7" fill="{COLOURS[p.severity]}" class="pt sev-{p.severity}"/></a>')
    parts.append("</svg>")
    return Markup("".join(parts))
