"""Build the map outline shipped with the pages (run once by a developer, never at run time).

The outline is Natural Earth's 1:110m "Admin 0 - Countries" (public domain), as bundled in
the geopandas 0.14.x wheel (``geopandas/datasets/naturalearth_lowres``). This module reads
the shapefile with the standard library only, keeps the United States, Mexico and Canada,
clips them to the border region (:data:`BOX`), rounds coordinates to :data:`DECIMALS` and
writes a small GeoJSON::

    pip download geopandas==0.14.4 --no-deps -d /tmp/ne
    python -m borderflow.web.outline_build /tmp/ne/geopandas-0.14.4-py3-none-any.whl \\
        src/borderflow/web/static/map/border-region.geojson
"""

from __future__ import annotations

import json
import struct
import sys
import zipfile
from pathlib import Path
from typing import Any

#: (west, south, east, north) in degrees: the contiguous US, southern Canada, northern Mexico.
BOX = (-126.0, 23.0, -64.0, 51.0)
COUNTRIES = {"USA": "United States", "MEX": "Mexico", "CAN": "Canada"}
DECIMALS = 3
_SHAPEFILE = "geopandas/datasets/naturalearth_lowres/naturalearth_lowres"

Ring = list[tuple[float, float]]


def _read(source: Path, suffix: str) -> bytes:
    if source.suffix == ".whl":
        with zipfile.ZipFile(source) as wheel:
            return wheel.read(_SHAPEFILE + suffix)
    return (source / Path(_SHAPEFILE).name).with_suffix(suffix).read_bytes()


def read_dbf(data: bytes) -> list[dict[str, str]]:
    """The records of a dBase III table, every field as stripped text."""
    count, header_len, record_len = struct.unpack("<IHH", data[4:12])
    fields = []
    for offset in range(32, header_len - 1, 32):
        name = data[offset:offset + 11].split(b"\0")[0].decode("ascii")
        fields.append((name, data[offset + 16]))
    rows = []
    for i in range(count):
        start = header_len + i * record_len + 1  # skip the deletion flag
        row, pos = {}, start
        for name, width in fields:
            row[name] = data[pos:pos + width].decode("utf-8", "replace").strip()
            pos += width
        rows.append(row)
    return rows


def read_polygons(data: bytes) -> list[list[Ring]]:
    """The rings of every polygon record (shape type 5) of a .shp file, in record order."""
    shapes: list[list[Ring]] = []
    pos = 100
    while pos < len(data):
        _number, words = struct.unpack(">ii", data[pos:pos + 8])
        content = data[pos + 8:pos + 8 + 2 * words]
        pos += 8 + 2 * words
        if struct.unpack("<i", content[:4])[0] != 5:
            shapes.append([])
            continue
        n_parts, n_points = struct.unpack("<ii", content[36:44])
        parts = list(struct.unpack(f"<{n_parts}i", content[44:44 + 4 * n_parts])) + [n_points]
        base = 44 + 4 * n_parts
        coords = struct.unpack(f"<{2 * n_points}d", content[base:base + 16 * n_points])
        points = list(zip(coords[0::2], coords[1::2]))
        shapes.append([points[parts[k]:parts[k + 1]] for k in range(n_parts)])
    return shapes


def clip_ring(ring: Ring, box: tuple[float, float, float, float] = BOX) -> Ring:
    """Sutherland-Hodgman clipping of a closed ring to an axis-aligned box."""
    west, south, east, north = box
    edges = [(0, west, True), (0, east, False), (1, south, True), (1, north, False)]
    out = ring
    for axis, limit, keep_greater in edges:
        if not out:
            break
        src, out = out, []

        def inside(p: tuple[float, float]) -> bool:
            return p[axis] >= limit if keep_greater else p[axis] <= limit  # noqa: B023

        for i, current in enumerate(src):
            previous = src[i - 1]
            if inside(current) != inside(previous):
                t = (limit - previous[axis]) / (current[axis] - previous[axis])
                out.append((previous[0] + t * (current[0] - previous[0]),
                            previous[1] + t * (current[1] - previous[1])))
            if inside(current):
                out.append(current)
    return out


def _rounded(ring: Ring) -> list[list[float]]:
    points: list[list[float]] = []
    for lon, lat in ring:
        p = [round(lon, DECIMALS), round(lat, DECIMALS)]
        if not points or p != points[-1]:
            points.append(p)
    if points and points[0] != points[-1]:
        points.append(points[0])
    return points


def build(source: Path) -> dict[str, Any]:
    """The GeoJSON FeatureCollection of the three countries clipped to :data:`BOX`."""
    records = read_dbf(_read(source, ".dbf"))
    shapes = read_polygons(_read(source, ".shp"))
    features: list[dict[str, Any]] = []
    for record, rings in zip(records, shapes):
        code = record.get("iso_a3", "")
        if code not in COUNTRIES:
            continue
        clipped = [_rounded(clip_ring(r)) for r in rings]
        polygons = [[p] for p in clipped if len(p) >= 4]
        features.append({"type": "Feature", "properties": {"iso_a3": code, "name": COUNTRIES[code]},
                         "geometry": {"type": "MultiPolygon", "coordinates": polygons}})
    features.sort(key=lambda f: f["properties"]["iso_a3"])
    return {"type": "FeatureCollection", "bbox": list(BOX),
            "source": "Natural Earth 1:110m Admin 0 - Countries (public domain), clipped",
            "features": features}


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        raise SystemExit("usage: python -m borderflow.web.outline_build WHEEL_OR_DIR OUT.geojson")
    out = Path(args[1])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(build(Path(args[0])), separators=(",", ":")) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
