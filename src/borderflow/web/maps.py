"""The overview's maps: crossings over a country outline shipped with the package, as inline SVG.

The outline is ``static/map/border-region.geojson`` (Natural Earth 1:110m countries,
public domain; see ``static/map/README.md`` and :mod:`borderflow.web.outline_build`).
No network is needed. The projection is equirectangular with longitudes shrunk by the
cosine of the view's middle latitude, which keeps shapes right at these latitudes.
Each crossing is a circle coloured by its severity, inside a link to its page whose
name says the wait in words (its tooltip); crossings that lie close together are spread
apart so that every one can be pointed at (:mod:`borderflow.web.map_layout`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from markupsafe import Markup, escape

from borderflow.web.map_layout import Placed, spread
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


#: Centre-to-centre distance (map units) kept between markers: twice :data:`HIT_RADIUS`, so
#: the areas that answer a pointer never overlap. A phone shows the map at least 640 px
#: wide (the CSS), where this is 24 px: the smallest target WCAG 2.5.8 accepts.
MARKER_GAP = 30.0
HIT_RADIUS = MARKER_GAP / 2
MARKER_RADIUS = 7.0


@lru_cache(maxsize=8)
def _layout(view: View, points: tuple[tuple[str, float, float], ...]) -> tuple[Placed, ...]:
    return tuple(spread(points, MARKER_GAP, (WIDTH, view.height)))


def marker_places(view: View, points: list[MapPoint]) -> list[Placed]:
    """Where ``view`` draws the marker of each point in it (in the order given): apart by
    :data:`MARKER_GAP` where crossings lie close together (see :mod:`borderflow.web.map_layout`)."""
    inside = tuple((p.crossing_id, *view.project(p.longitude, p.latitude)) for p in points
                   if view.contains(p.longitude, p.latitude))
    return list(_layout(view, inside))


def map_svg(view: View, points: list[MapPoint], title: str, desc: str, country_names: dict[str, str]) -> Markup:
    """An inline SVG map: countries, then one linked circle per crossing in view, each with
    a wider transparent circle that answers the pointer; a marker moved off its true place
    has a thin line to a dot there.

    The map is a picture for assistive technology (``role="img"``, its title and
    description) and its links are out of the tab order: the table of the overview page
    lists the same crossings with the same links, and is the way to them by keyboard."""
    width, height = WIDTH, round(view.height, 1)
    ident = f"map-{view.key}"
    parts = [
        (f'<svg class="map" viewBox="0 0 {width:g} {height:g}" role="img" '
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
    visible = [p for p in points if view.contains(p.longitude, p.latitude)]
    places = marker_places(view, visible)
    for place in places:
        if math.hypot(place.x - place.true_x, place.y - place.true_y) > MARKER_RADIUS:
            parts.append(f'<line class="leader" x1="{place.x}" y1="{place.y}" x2="{place.true_x}" '
                         f'y2="{place.true_y}"/><circle class="true-place" cx="{place.true_x}" '
                         f'cy="{place.true_y}" r="2"/>')
    for p, place in zip(visible, places):
        parts.append(
            f'<a href="{escape(p.href)}" aria-label="{escape(p.label)}" class="crossing-link" tabindex="-1" '
            f'data-crossing="{escape(p.crossing_id)}">'
            f'<title>{escape(p.label)}</title>'
            f'<circle class="hit" cx="{place.x}" cy="{place.y}" r="{HIT_RADIUS:g}"/>'
            f'<circle cx="{place.x}" cy="{place.y}" r="{MARKER_RADIUS:g}" fill="{COLOURS[p.severity]}" '
            f'class="pt sev-{p.severity}"/></a>')
    parts.append("</g></svg>")
    return Markup("".join(parts))
