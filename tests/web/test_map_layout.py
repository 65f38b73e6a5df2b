"""Map markers: every crossing gets a place of its own, apart from the others, with a line to its true place."""

from __future__ import annotations

import itertools
import math
import re

import pytest

from borderflow import catalog
from borderflow.web.map_layout import spread
from borderflow.web.maps import (
    CANADA_VIEW,
    HIT_RADIUS,
    MARKER_GAP,
    MEXICO_VIEW,
    MapPoint,
    View,
    map_svg,
)


def catalog_points() -> list[MapPoint]:
    return [MapPoint(c.crossing_id, c.port_name, c.latitude, c.longitude, f"/crossings/{c.crossing_id}",
                     f"{c.port_name}: 5 min", "green", 5) for c in catalog.crossings() if c.latitude is not None]


def drawn(svg: str) -> dict[str, dict[str, tuple[float, float]]]:
    """Per crossing: its marker's centre, its hit area's centre (and radius as x of 'r')."""
    out = {}
    for crossing, body in re.findall(r'<a [^>]*data-crossing="(\d+)">(.*?)</a>', svg):
        hit = re.search(r'<circle class="hit" cx="([-\d.]+)" cy="([-\d.]+)" r="([\d.]+)"', body)
        pt = re.search(r'<circle cx="([-\d.]+)" cy="([-\d.]+)" r="[\d.]+" fill="[^"]+" class="pt ', body)
        assert hit and pt, body
        out[crossing] = {"pt": (float(pt[1]), float(pt[2])), "hit": (float(hit[1]), float(hit[2])),
                         "r": (float(hit[3]), 0.0)}
    return out


@pytest.mark.parametrize("view", [MEXICO_VIEW, CANADA_VIEW], ids=lambda v: v.key)
def test_no_two_markers_cover_each_other(view: View) -> None:
    points = catalog_points()
    svg = map_svg(view, points, "t", "d", {})
    markers = drawn(svg)
    inside = {p.crossing_id for p in points if view.contains(p.longitude, p.latitude)}
    assert set(markers) == inside and len(inside) >= 30
    centres = [m["pt"] for m in markers.values()]
    closest = min(math.dist(a, b) for a, b in itertools.combinations(centres, 2))
    assert closest >= MARKER_GAP  # so the hit areas (radius MARKER_GAP / 2) never overlap
    assert all(m["r"][0] == HIT_RADIUS == MARKER_GAP / 2 and m["hit"] == m["pt"] for m in markers.values())
    assert all(HIT_RADIUS <= x <= 800 - HIT_RADIUS and HIT_RADIUS <= y <= view.height - HIT_RADIUS
               for x, y in centres)


@pytest.mark.parametrize("view", [MEXICO_VIEW, CANADA_VIEW], ids=lambda v: v.key)
def test_a_moved_marker_has_a_line_to_its_true_place(view: View) -> None:
    points = [p for p in catalog_points() if view.contains(p.longitude, p.latitude)]
    svg = map_svg(view, points, "t", "d", {})
    markers = drawn(svg)
    leaders = {(float(a), float(b)): (float(c), float(d)) for a, b, c, d in re.findall(
        r'<line class="leader" x1="([-\d.]+)" y1="([-\d.]+)" x2="([-\d.]+)" y2="([-\d.]+)"/>', svg)}
    moved = 0
    for p in points:
        true = view.project(p.longitude, p.latitude)
        at = markers[p.crossing_id]["pt"]
        if math.dist(at, true) > 7:  # off its own true place: a line leads back to it
            moved += 1
            assert leaders[at] == true, p.crossing_id
        else:
            assert at not in leaders
    assert moved == len(leaders) > 10
    # San Ysidro, PedWest and the Cross Border Express share one point: three places, three lines
    if view is MEXICO_VIEW:
        same = [markers[c]["pt"] for c in ("250401", "250407", "250409")]
        assert len(set(same)) == 3


def test_the_layout_does_not_depend_on_the_order_of_the_points() -> None:
    points = [(p.crossing_id, *MEXICO_VIEW.project(p.longitude, p.latitude)) for p in catalog_points()
              if MEXICO_VIEW.contains(p.longitude, p.latitude)]
    forward = {p.key: (p.x, p.y) for p in spread(points, MARKER_GAP, (800, MEXICO_VIEW.height))}
    backward = {p.key: (p.x, p.y) for p in spread(points[::-1], MARKER_GAP, (800, MEXICO_VIEW.height))}
    assert forward == backward


def test_markers_alone_stay_on_their_true_place_and_a_pair_is_set_apart_on_either_side() -> None:
    alone = spread([("a", 100.0, 100.0), ("b", 300.0, 100.0)], 30, (800, 400))
    assert [(p.x, p.y, p.moved) for p in alone] == [(100.0, 100.0, False), (300.0, 100.0, False)]
    west, east = spread([("east", 102.0, 100.0), ("west", 100.0, 100.0)], 30, (800, 400))[::-1]
    assert west.key == "west" and west.x < east.x and math.dist((west.x, west.y), (east.x, east.y)) >= 30


def test_the_map_is_a_picture_whose_links_are_out_of_the_tab_order() -> None:
    """The overview's table lists the same crossings with the same links: the keyboard's way."""
    svg = map_svg(MEXICO_VIEW, catalog_points(), "Map", "desc", {})
    assert svg.startswith('<svg class="map"') and 'role="img"' in svg.split(">", 1)[0]
    links = re.findall(r"<a [^>]*>", svg)
    assert links and all('tabindex="-1"' in a for a in links)
    assert svg.count('<g aria-hidden="true">') == 1 and svg.index("<a ") > svg.index('<g aria-hidden="true">')
