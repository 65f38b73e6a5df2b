"""Where a map draws each crossing's marker so that no two markers cover each other.

Several crossings share a place (San Ysidro and its pedestrian gates, Otay Mesa's three,
Nogales, Buffalo's four bridges) or lie a few pixels apart at the scale of a whole border
(Brownsville, Hidalgo and Progreso). Markers closer than ``gap`` (centre to centre, in the
map's own units) are gathered into a cluster; a small cluster is set on a ring around its
centre, ``gap`` apart, in the order of the members' true bearings from that centre (so a
bridge east of its neighbours stays on the east side; crossings at the very same point go
round by crossing id). Then markers still closer than ``gap`` (a large cluster, two rings
that meet) are pushed apart, each half the shortfall, round after round, inside the map.
The page draws a thin line from each marker that moved off its true place to that place.

Deterministic: the same points give the same layout, whatever their order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Placed:
    """A marker's place (x, y) and the true place (true_x, true_y) it stands for."""

    key: str
    x: float
    y: float
    true_x: float
    true_y: float

    @property
    def moved(self) -> bool:
        return (self.x, self.y) != (self.true_x, self.true_y)


def _clusters(points: Sequence[tuple[str, float, float]], gap: float) -> list[list[int]]:
    """Indices of the points grouped by chains of neighbours closer than ``gap``."""
    parent = list(range(len(points)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, (_, xi, yi) in enumerate(points):
        for j in range(i + 1, len(points)):
            _, xj, yj = points[j]
            if math.hypot(xi - xj, yi - yj) < gap:
                parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(points)):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


#: Clusters up to this size start as a ring; larger ones start at their true places.
RING_UP_TO = 7
#: Rounds of pushing apart at most (the shipped catalog needs well under 100).
MAX_ROUNDS = 2000
GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))


def _ring(points: Sequence[tuple[str, float, float]], members: list[int], gap: float) -> dict[int, list[float]]:
    """Starting places for a cluster: a ring around the members' mean place, ``gap`` apart,
    in the order of their bearings from it (a cluster of one stays where it is). A large
    cluster starts at its true places, those at one point set a little apart."""
    if len(members) == 1 or len(members) > RING_UP_TO:
        seen: dict[tuple[float, float], int] = {}
        out = {}
        for i in members:
            _, x, y = points[i]
            k = seen[(x, y)] = seen.get((x, y), -1) + 1
            out[i] = [x + 0.1 * gap * math.sqrt(k) * math.cos(k * GOLDEN_ANGLE),
                      y + 0.1 * gap * math.sqrt(k) * math.sin(k * GOLDEN_ANGLE)]
        return out
    cx = sum(points[i][1] for i in members) / len(members)
    cy = sum(points[i][2] for i in members) / len(members)

    def bearing(i: int) -> tuple[float, str]:
        key, x, y = points[i]
        return (math.atan2(y - cy, x - cx) if math.hypot(x - cx, y - cy) > 1e-6 else -math.pi / 2), key

    ordered = sorted(members, key=bearing)
    n = len(ordered)
    radius = gap / (2 * math.sin(math.pi / n)) * 1.01  # chords a hair over gap
    # turn the ring so its slots sit as near as they can to the members' own bearings
    turn = math.atan2(sum(math.sin(bearing(i)[0] - 2 * math.pi * k / n) for k, i in enumerate(ordered)),
                      sum(math.cos(bearing(i)[0] - 2 * math.pi * k / n) for k, i in enumerate(ordered)))
    return {i: [cx + radius * math.cos(turn + 2 * math.pi * k / n), cy + radius * math.sin(turn + 2 * math.pi * k / n)]
            for k, i in enumerate(ordered)}


def _push_apart(places: list[list[float]], gap: float, bounds: tuple[float, float]) -> None:
    """Move markers closer than ``gap`` apart, each half the shortfall along the line
    joining them, keeping them ``gap / 2`` inside the map, until none is (or
    :data:`MAX_ROUNDS`)."""
    width, height = bounds
    low = gap / 2
    target = gap * 1.01  # a hair over, so rounding to 0.1 keeps every pair at least gap apart
    for _ in range(MAX_ROUNDS):
        crowded = False
        for i in range(len(places)):
            for j in range(i + 1, len(places)):
                dx, dy = places[i][0] - places[j][0], places[i][1] - places[j][1]
                distance = math.hypot(dx, dy)
                if distance >= gap * 1.004:  # rounded to 0.1, still at least gap apart
                    continue
                crowded = True
                if distance < 1e-9:  # one on top of the other: part them along a fixed bearing
                    dx, dy, distance = math.cos(i * GOLDEN_ANGLE), math.sin(i * GOLDEN_ANGLE), 1.0
                share = (target - distance) / 2 / distance
                places[i][0] += dx * share
                places[i][1] += dy * share
                places[j][0] -= dx * share
                places[j][1] -= dy * share
        for place in places:
            place[0] = min(max(place[0], low), width - low)
            place[1] = min(max(place[1], low), height - low)
        if not crowded:
            return


def spread(points: Sequence[tuple[str, float, float]], gap: float, bounds: tuple[float, float]) -> list[Placed]:
    """A place for each (key, x, y), in the order given, with every two markers at least
    ``gap`` apart when the map (``bounds``: width, height) has room for them."""
    order = sorted(range(len(points)), key=lambda i: (points[i][0], points[i][1], points[i][2]))
    ranked = [points[i] for i in order]  # the same layout whatever order the caller lists them in
    start: dict[int, list[float]] = {}
    for members in _clusters(ranked, gap):
        start.update(_ring(ranked, members, gap))
    places = [start[i] for i in range(len(ranked))]
    _push_apart(places, gap, bounds)
    placed = {order[i]: Placed(key, round(places[i][0], 1), round(places[i][1], 1), x, y)
              for i, (key, x, y) in enumerate(ranked)}
    return [placed[i] for i in range(len(points))]
