"""Every fixed string in both languages, the language choice, formatting, and the shipped map."""

from __future__ import annotations

import importlib
import itertools
import json
import pkgutil
import re
import string
from importlib import resources
from pathlib import Path

import pytest
from markupsafe import Markup

from borderflow.vocabulary import MODES, PROGRAMS, STATUSES
from borderflow.web import i18n
from borderflow.web.crossing import MEASURE_OF_MODE, NAMED_SOURCES
from borderflow.web.maps import CANADA_VIEW, MEXICO_VIEW, MapPoint, map_svg, outline
from borderflow.web.outline_build import BOX, clip_ring
from borderflow.web.severity import CLASSES, severity

WEB = Path(i18n.__file__).parent
#: Keys defined in i18n.py itself (page modules may merge their own strings into STRINGS).
OWN_KEYS = set(re.findall(r'^    "([a-z0-9_.]+)": \(', (WEB / "i18n.py").read_text(), re.MULTILINE))


def import_page_modules() -> None:
    """Import every module of the web package, so strings they merge into STRINGS are there."""
    import borderflow.web as package

    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"borderflow.web.{info.name}")
#: Keys whose Spanish is rightly the same text as the English (names, symbols, units).
SAME_IN_BOTH = {"none", "unit.min", "program.standard", "program.sentri", "program.ready", "program.fast",
                "legend.yellow", "legend.orange", "col.total", "compare.diff", "source.bts", "source.txdot",
                "source.cascade"}


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_string_is_in_both_languages_with_the_same_fields() -> None:
    import_page_modules()
    assert len(OWN_KEYS) > 150
    for key, (english, spanish) in i18n.STRINGS.items():
        assert english.strip() and spanish.strip(), key
        assert fields(english) == fields(spanish), key
        if key in OWN_KEYS and key not in SAME_IN_BOTH:
            assert english != spanish, f"{key} is not translated"
    spanish_text = " ".join(es for _, es in i18n.STRINGS.values())
    for letter in "áéíóúñ¿":
        assert letter in spanish_text or letter == "¿"


def sources() -> list[str]:
    """The templates and modules of the web package (i18n.py from its Translator on)."""
    texts = [p.read_text() for p in [*WEB.glob("templates/*.html"), *WEB.glob("*.py")] if p.name != "i18n.py"]
    return [*texts, (WEB / "i18n.py").read_text().split("class Translator")[1]]


def used_keys() -> set[str]:
    """Keys passed to a translator: ``t("key")``, ``self("key")``, ``t('key')``."""
    found: set[str] = set()
    for text in sources():
        found |= set(re.findall(r"""\b(?:t|self)\(\s*["']([a-z0-9_.]+)["']""", text))
    return found


def quoted_keys() -> set[str]:
    """Every string literal that names a key (keys handed around as data, e.g. table columns)."""
    found: set[str] = set()
    for text in sources():
        found |= set(re.findall(r"""["']([a-z0-9_]+\.[a-z0-9_.]+)["']""", text)) & set(i18n.STRINGS)
    return found


def test_every_key_the_pages_use_exists() -> None:
    import_page_modules()
    used = used_keys()
    prefixes = {k for k in used if k.endswith(".")}  # t("mode." ~ mode) and the like
    keys = used - prefixes
    assert len(keys) > 100
    for prefix in prefixes:
        assert any(k.startswith(prefix) for k in i18n.STRINGS), prefix
    dynamic = ({f"mode.{m}" for m in MODES} | {f"program.{p}" for p in PROGRAMS} | {f"status.{s}" for s in STATUSES}
               | {f"legend.{c}" for c in CLASSES} | {f"measure.{m}" for m in MEASURE_OF_MODE.values()}
               | {f"sim.status.{s}" for s in ("queued", "running", "done", "failed")}
               | {f"country.{c}" for c in ("USA", "MEX", "CAN")} | {f"border.{b}" for b in ("mexico", "canada")}
               | {f"{kind}.{s}" for kind in ("source", "source_credit") for s in NAMED_SOURCES})
    missing = (keys | dynamic) - set(i18n.STRINGS)
    assert not missing, missing
    unused = OWN_KEYS - keys - dynamic - quoted_keys()
    assert not unused, f"strings nobody shows: {sorted(unused)}"


@pytest.mark.parametrize(("cookie", "header", "expected"), [
    ("es", "en-US", "es"), ("en", "es", "en"), (None, "es-MX,es;q=0.9", "es"), (None, "en;q=0.4, es;q=0.8", "es"),
    (None, "fr-FR, de", "en"), (None, None, "en"), ("xx", "es;q=bad", "en"), (None, "es;q=0", "en"),
])
def test_language_choice(cookie: str | None, header: str | None, expected: str) -> None:
    assert i18n.choose_language(cookie, header) == expected


def test_numbers_ages_and_months() -> None:
    en, es = i18n.Translator("en"), i18n.Translator("es")
    assert en.number(1234567.25, 1) == es.number(1234567.25, 1) == "1,234,567.2"
    assert en.number(None) == "—" and en.percent(0.456) == "46%"
    assert (en.age(5), es.age(5)) == ("5 min ago", "hace 5 min")
    assert (en.age(180), es.age(180)) == ("3 h ago", "hace 3 h")
    assert (en.age(3 * 1440 + 7), es.age(3 * 1440 + 7)) == ("3 days ago", "hace 3 días")
    assert (en.month("2024-01"), es.month("2024-01")) == ("Jan 2024", "ene 2024")
    assert es.weekday(2) == "miércoles" and es.lane("pedestrian", "ready") == "Peatones · Ready Lane"
    assert i18n.Translator("fr").lang == "en"


def test_severity_classes() -> None:
    assert [severity(v) for v in (None, 0, 15, 16, 45, 46, 90, 91, 600)] == \
        ["grey", "green", "green", "yellow", "yellow", "orange", "orange", "red", "red"]


def country_at(data: dict, lon: float, lat: float) -> str | None:  # type: ignore[type-arg]
    """Ray casting: the country whose outline holds the point."""
    for feature in data["features"]:
        for polygon in feature["geometry"]["coordinates"]:
            ring, inside = polygon[0], False
            for (x1, y1), (x2, y2) in itertools.pairwise(ring):
                if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
                    inside = not inside
            if inside:
                return str(feature["properties"]["iso_a3"])
    return None


def test_outline_is_small_real_and_inside_its_box() -> None:
    path = resources.files("borderflow.web").joinpath("static/map/border-region.geojson")
    assert len(path.read_bytes()) < 200_000
    data = outline()
    assert {f["properties"]["iso_a3"] for f in data["features"]} == {"USA", "MEX", "CAN"}
    west, south, east, north = BOX
    for feature in data["features"]:
        for polygon in feature["geometry"]["coordinates"]:
            ring = polygon[0]
            assert ring[0] == ring[-1] and len(ring) >= 4
            assert all(west - 1e-9 <= lon <= east + 1e-9 and south - 1e-9 <= lat <= north + 1e-9 for lon, lat in ring)
    # Real places fall in the right country: Dallas, Chihuahua, Winnipeg, and the Gulf in none.
    assert country_at(data, -96.8, 32.8) == "USA" and country_at(data, -106.1, 28.6) == "MEX"
    assert country_at(data, -97.1, 49.9) == "CAN" and country_at(data, -90.0, 25.0) is None
    readme = (Path(str(path)).parent / "README.md").read_text()
    assert "Natural Earth" in readme and "public domain" in readme


def test_clipping_keeps_the_part_inside_the_box() -> None:
    square = [(-130.0, 20.0), (-100.0, 20.0), (-100.0, 30.0), (-130.0, 30.0), (-130.0, 20.0)]
    clipped = clip_ring(square)
    assert min(x for x, _ in clipped) == -126.0 and min(y for _, y in clipped) == 23.0
    assert max(x for x, _ in clipped) == -100.0 and max(y for _, y in clipped) == 30.0


def test_map_svg_places_escapes_and_names_its_points() -> None:
    inside = MapPoint("250401", "San <Ysidro>", 32.54, -117.03, "/crossings/250401", "San <Ysidro>: 45 min",
                      "yellow", 45)
    north = MapPoint("300402", "Blaine", 49.0, -122.75, "/crossings/300402", "Blaine: 5 min", "green", 5)
    svg = map_svg(MEXICO_VIEW, [inside, north], "Map & title", "desc", {"USA": "EE. UU."})
    assert isinstance(svg, Markup)
    assert "San &lt;Ysidro&gt;" in svg and "Map &amp; title" in svg and "<Ysidro>" not in svg
    assert svg.count("<a href=") == 1 and 'aria-label="San &lt;Ysidro&gt;: 45 min"' in svg
    x, y = MEXICO_VIEW.project(-117.03, 32.54)
    assert 0 < x < 120 and 0 < y < MEXICO_VIEW.height / 3  # the far west, near the top
    assert CANADA_VIEW.contains(-122.75, 49.0) and not MEXICO_VIEW.contains(-122.75, 49.0)
    assert json.loads(json.dumps(outline()))  # plain JSON, loads anywhere
