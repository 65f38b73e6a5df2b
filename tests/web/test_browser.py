"""The pages in a real browser: Debian's Chromium driven by Playwright (no browser download).

Every page is opened at desktop and phone width with no console error, the language is
switched and stays switched, a simulation is run from the simulator page and the numbers
it shows are checked against the API's JSON for the same job. Screenshots of each page
go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright

SCREENSHOTS = Path(__file__).parents[2] / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("BORDERFLOW_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: install Debian's package "
                    "(apt-get install chromium; .ci/run does it) or set BORDERFLOW_CHROMIUM")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield launched
        launched.close()


class Watched:
    """A page whose console errors, uncaught exceptions and failed requests are collected."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        #: Pages opened on purpose that answer an error status (their load is not a problem).
        self.error_pages: set[str] = set()
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        page.on("requestfailed", self._request_failed)

    def _request_failed(self, request: Request) -> None:
        # A click that leaves the page before its favicon arrives cancels that request; not an error.
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"request failed: {request.url} {request.failure}")

    def _console(self, message: ConsoleMessage) -> None:
        expected = message.location.get("url") in self.error_pages and message.text.startswith(
            "Failed to load resource: the server responded with a status of 4")
        if message.type == "error" and not expected:
            self.problems.append(f"console error: {message.text}")

    def assert_clean(self) -> None:
        assert not self.problems, self.problems


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(20_000)
    w = Watched(page)
    yield w
    context.close()
    w.assert_clean()


def shoot(page: Page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def check_page(page: Page, lang: str) -> None:
    """Title, language, one h1, landmarks; every form control labelled; every chart named."""
    assert page.title().endswith("· BorderFlow")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("h1").count() == 1
    for landmark in ("header", "nav", "main", "footer"):
        assert page.locator(landmark).count() >= 1, landmark
    unlabelled = page.evaluate("""() => Array.from(document.querySelectorAll(
        'input:not([type=hidden]), select, textarea')).filter(el => !el.labels || el.labels.length === 0)
        .map(el => el.name)""")
    assert unlabelled == []
    unnamed = page.evaluate("""() => Array.from(document.querySelectorAll('svg')).filter(svg =>
        !svg.querySelector('title') && !svg.closest('a')).length""")
    assert unnamed == 0
    assert "Traceback" not in page.content()


PAGES = {
    "overview": "/",
    "crossing-brownsville": "/crossings/535501",
    "crossing-san-ysidro": "/crossings/250401?lane=passenger-standard&days=365",
    "crossing-peace-arch-forecast": "/crossings/300402",
    "simulator": "/simulator",
    "staffing": "/staffing",
    "appraisal": "/appraisal",
    "plans": "/plans",
    "plan": "/plans/21cbm-example",
    "not-found": "/crossings/999999",
}


def test_every_page_at_desktop_and_phone_width(live_server: str, watched: Watched) -> None:
    page = watched.page
    for name, path in PAGES.items():
        for size_name, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            if name == "not-found":
                watched.error_pages.add(live_server + path)
            response = page.goto(live_server + path)
            assert response is not None
            assert response.status == (404 if name == "not-found" else 200), (name, response.status)
            check_page(page, "en")
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{name} is {overflow}px wider than a {size['width']}px screen"
            shoot(page, f"{name}-{size_name}")
    page.set_viewport_size(DESKTOP)
    page.goto(live_server + "/crossings/300402")
    assert page.locator("#forecast-table tbody tr").count() == 24
    assert page.locator("svg.chart polygon.band").count() == 1


def test_api_documentation_works_without_the_internet(live_server: str, watched: Watched) -> None:
    """/docs loads Swagger UI from this server only: a request anywhere else is refused."""
    page = watched.page
    elsewhere: list[str] = []

    def refuse(route: Any) -> None:
        elsewhere.append(route.request.url)
        route.abort()

    page.context.route(lambda url: not url.startswith(live_server), refuse)
    response = page.goto(live_server + "/docs")
    assert response is not None and response.status == 200
    page.wait_for_selector(".opblock-summary-path", timeout=30_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/crossings" in [p.replace("\u200b", "") for p in paths]
    assert elsewhere == []
    shoot(page, "api-docs")


def test_map_links_every_located_crossing_and_search_filters(live_server: str, watched: Watched) -> None:
    page = watched.page
    page.goto(live_server + "/")
    links = page.locator("svg.map a.crossing-link")
    assert links.count() >= 70
    first = links.first
    assert re.match(r".+: ", first.get_attribute("aria-label") or "")
    api = page.request.get(f"{live_server}/api/v1/waits/current").json()["items"]
    expected = {(w["crossing_id"], w["mode"], w["program"]): w["wait_minutes"] for w in api
                if w["direction"] == "northbound" and w["wait_minutes"] is not None}
    lanes = page.evaluate("""() => Array.from(document.querySelectorAll('#waits thead th')).slice(1)
        .map(th => th.textContent.trim())""")
    assert len(lanes) == 7 and lanes[0] == "Passenger vehicles General"
    shown = page.evaluate("""() => Array.from(document.querySelectorAll('#waits tbody tr')).flatMap(tr =>
        Array.from(tr.querySelectorAll('td')).map((td, i) => [tr.dataset.crossing, i, td.dataset.wait || null,
        (td.querySelector('.wait') || td).textContent.trim()]))""")
    columns = [("passenger", "standard"), ("passenger", "sentri"), ("passenger", "ready"),
               ("pedestrian", "standard"), ("pedestrian", "ready"), ("commercial", "standard"),
               ("commercial", "fast")]
    on_page = {(c, *columns[i]): int(w) for c, i, w, _ in shown if w}
    assert on_page == expected and len(expected) > 150
    assert all(text == f"{on_page[(c, *columns[i])]} min" for c, i, w, text in shown if w)
    page.fill("#q", "brownsville")
    visible = page.locator("#waits tbody tr:visible")
    assert visible.count() == 4
    assert "4 of" in page.locator("#shown").inner_text()
    assert not page.locator("#no-match").is_visible()
    page.fill("#q", "zzz")  # nothing matches: said, not an empty table alone
    assert page.locator("#waits tbody tr:visible").count() == 0 and page.locator("#no-match").is_visible()
    page.fill("#q", "brownsville")
    page.locator("#waits tbody tr:visible th a").first.click()
    page.wait_for_url(re.compile(r"/crossings/5355\d\d"))
    assert "Brownsville" in page.locator("h1").inner_text()


def test_language_switch_is_remembered(live_server: str, watched: Watched) -> None:
    page = watched.page
    page.goto(live_server + "/crossings/535501")
    page.get_by_role("link", name="Leer en español").click()
    page.wait_for_url(re.compile(r"/crossings/535501"))
    check_page(page, "es")
    assert page.get_by_role("heading", name="Historial de espera").count() == 1
    page.get_by_role("navigation").get_by_role("link", name="Resumen").click()
    page.wait_for_url(live_server + "/")
    check_page(page, "es")
    assert page.locator("h1").inner_text() == "Tiempos de espera en la frontera"
    shoot(page, "overview-es-desktop")
    page.get_by_role("navigation").get_by_role("link", name="Simulador").click()
    page.wait_for_url(re.compile(r"/simulator"))
    check_page(page, "es")
    assert page.get_by_label("Multiplicador de demanda").count() == 1
    shoot(page, "simulator-es-desktop")
    watched.error_pages.add(live_server + "/crossings/000000")
    page.goto(live_server + "/crossings/000000")
    assert page.locator("h1").inner_text() == "Página no encontrada"
    page.get_by_role("link", name="Read in English").click()
    page.wait_for_function("document.documentElement.lang === 'en'")
    check_page(page, "en")


def shown(value: Any, form: str) -> str:
    """How the results tables write an API number (independent of the page's code)."""
    if value is None:
        return "—"
    if form == "pct":
        return f"{round(value * 100):.0f}%"
    return f"{value:,.1f}" if form == "dec1" else f"{value:,.0f}"


FORMS = {"arrivals": "dec1", "served": "dec1", "wait_mean_minutes": "dec1", "wait_p50_minutes": "dec1",
         "wait_p95_minutes": "dec1", "wait_max_minutes": "dec1", "queue_max_vehicles": "int",
         "queue_max_metres": "int", "utilization": "pct"}


def table_cells(page: Page, group: str) -> list[dict[str, Any]]:
    return page.evaluate("""(group) => Array.from(document.querySelectorAll(
        `table.results[data-group="${group}"] tr[data-hour]`)).map(tr => ({hour: tr.dataset.hour,
        cells: Array.from(tr.querySelectorAll('td')).map(td => [td.dataset.field, td.dataset.value,
        td.textContent.trim()])}))""", group)


def test_simulation_shows_the_api_numbers(live_server: str, watched: Watched) -> None:
    page = watched.page
    page.goto(live_server + "/simulator?example=small_crossing")
    page.fill("#replications", "8")
    page.get_by_label("Booths added each hour: general").fill("1")
    calls: list[str] = []
    page.on("request", lambda r: calls.append(f"{r.method} {r.url.split('?')[0].replace(live_server, '')}"))
    page.click("#run")
    page.wait_for_url(re.compile(r"/simulator/runs/[0-9a-f]{32}$"))
    job_id = page.url.rsplit("/", 1)[1]
    assert calls[:2] == ["POST /api/v1/simulations", f"GET /api/v1/simulations/{job_id}"], calls
    job = page.request.get(f"{live_server}/api/v1/simulations/{job_id}").json()
    assert job["status"] == "done" and job["progress"] == 1.0
    results = job["results"]
    assert results["replications"] == 8 and job["label"] == "general +1"
    check_page(page, "en")
    assert set(results["lane_groups"]) == {"general", "ready"}
    for group_id, group in results["lane_groups"].items():
        rows = table_cells(page, group_id)
        expected = [*group["hourly"], group["total"]]
        assert len(rows) == len(expected) == results["hours"] + 1
        for row, api_row in zip(rows, expected):
            for field, raw, text in row["cells"]:
                assert json.loads(raw) == api_row[field], (group_id, row["hour"], field)
                assert text == shown(api_row[field], FORMS[field]), (group_id, row["hour"], field, text)
    shoot(page, "simulation-run-desktop")
    page.set_viewport_size(PHONE)
    shoot(page, "simulation-run-phone")


def test_compare_two_scenarios(live_server: str, watched: Watched) -> None:
    page = watched.page
    page.goto(live_server + "/simulator?example=small_crossing")
    page.fill("#replications", "6")
    page.fill("#demand_multiplier", "1.2")
    page.check("#compare")
    page.click("#run")
    page.wait_for_url(re.compile(r"/simulator/compare\?a=[0-9a-f]{32}&b=[0-9a-f]{32}$"))
    ids = re.findall(r"[0-9a-f]{32}", page.url)
    a, b = (page.request.get(f"{live_server}/api/v1/simulations/{i}").json() for i in ids)
    assert b["label"] == "×1.2" and a["label"] == ""
    check_page(page, "en")
    for group_id in a["results"]["lane_groups"]:
        hourly_a = a["results"]["lane_groups"][group_id]["hourly"]
        hourly_b = b["results"]["lane_groups"][group_id]["hourly"]
        rows = page.evaluate("""(g) => Array.from(document.querySelectorAll(
            `table.compare[data-group="${g}"] tbody tr`)).map(tr => Array.from(tr.querySelectorAll('td'))
            .map(td => [td.dataset.value, td.textContent.trim()]))""", group_id)
        assert len(rows) == len(hourly_a)
        for row, ra, rb in zip(rows, hourly_a, hourly_b):
            pa, pb = ra["wait_p95_minutes"], rb["wait_p95_minutes"]
            assert [json.loads(row[0][0]), json.loads(row[1][0])] == [pa, pb]
            assert row[2][1] == ("—" if pa is None or pb is None else f"{pb - pa:+.1f}")
    shoot(page, "simulation-compare-desktop")
    page.set_viewport_size(PHONE)
    shoot(page, "simulation-compare-phone")


def test_a_yaml_scenario_runs_through_the_form_and_its_page_waits_for_it(live_server: str,
                                                                          watched: Watched) -> None:
    page = watched.page
    page.goto(live_server + "/simulator?example=san_ysidro_day")
    assert "PUBLIC FIGURES USED" in page.input_value("#scenario")
    page.fill("#replications", "10")
    page.click("#run")  # YAML: the script leaves it to the plain form
    page.wait_for_url(re.compile(r"/simulator/runs/[0-9a-f]{32}$"))
    page.locator("table.results").first.wait_for(timeout=60_000)  # the page reloads when the job is done
    job = page.request.get(f"{live_server}/api/v1/simulations/{page.url.rsplit('/', 1)[1]}").json()
    assert job["status"] == "done" and job["replications"] == 10
    groups = page.evaluate("() => Array.from(document.querySelectorAll('table.results')).map(t => t.dataset.group)")
    assert groups == list(job["results"]["lane_groups"])
    check_page(page, "en")


MARKERS_UNDER_POINTER = """() => Array.from(document.querySelectorAll('svg.map a.crossing-link')).map(a => {
    const pt = a.querySelector('.pt');
    pt.scrollIntoView({block: 'center', inline: 'center'});
    const box = pt.getBoundingClientRect();
    const found = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
    const link = found && found.closest('a');
    return [a.dataset.crossing, link ? link.dataset.crossing : null, a.querySelector('.hit').getBoundingClientRect().width,
            box.width];
})"""


def test_every_map_marker_can_be_pointed_at_and_tapped(live_server: str, watched: Watched) -> None:
    """At each marker's centre the browser finds that marker (none hides under another);
    on a phone each answers a 24 px target and is drawn at least 16 px across."""
    page = watched.page
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        page.goto(live_server + "/")
        markers = page.evaluate(MARKERS_UNDER_POINTER)
        assert len(markers) >= 70
        assert [(crossing, found) for crossing, found, _, _ in markers if found != crossing] == []
        if size is PHONE:
            assert min(target for _, _, target, _ in markers) >= 24 - 0.5
            assert min(drawn for _, _, _, drawn in markers) >= 16 - 0.5
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1  # the map scrolls inside its figure, not the page
    page.set_viewport_size(DESKTOP)
    page.goto(live_server + "/")
    box = page.locator('svg.map a[data-crossing="250409"] .pt').bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.evaluate("() => document.querySelector('svg.map a:hover').dataset.crossing") == "250409"
    page.screenshot(path=str(SCREENSHOTS / "overview-map-desktop.png"), clip={"x": 0, "y": 0, "width": 1280,
                                                                                "height": 600})


def _luminance(css_colour: str) -> float:
    r, g, b = (int(v) / 255 for v in re.findall(r"\d+", css_colour)[:3])
    return sum(w * (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
               for w, c in zip((0.2126, 0.7152, 0.0722), (r, g, b)))


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_keyboard_goes_from_the_header_to_the_search_past_the_map_with_a_visible_focus(
        live_server: str, watched: Watched) -> None:
    page = watched.page
    page.goto(live_server + "/")
    assert page.locator("svg.map a:not([tabindex='-1'])").count() == 0
    page.focus("a.lang-switch")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "q"
    outline, width, ring = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return [s.outlineColor, parseFloat(s.outlineWidth), s.boxShadow]; }""")
    sea = page.evaluate("() => getComputedStyle(document.querySelector('svg.map .sea')).fill")
    assert width >= 2
    assert contrast(outline, "rgb(255, 255, 255)") >= 3 and contrast(outline, sea) >= 3
    assert "255, 191, 71" in ring  # the amber stays, inside the dark ring
    page.keyboard.press("Shift+Tab")
    header = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return [s.outlineColor, getComputedStyle(document.querySelector('header.site')).backgroundColor]; }""")
    assert contrast(*header) >= 3  # on the dark header the outer ring is the amber


def test_a_forecast_from_before_the_window_leaves_the_y_labels_visible(live_server: str, watched: Watched) -> None:
    """Peace Arch's forecast from its 2022-06-29 reading starts on the 29th; the window is the 30th.
    Whatever of it lies left of the plot is clipped: at each y label the browser finds the label."""
    page = watched.page
    page.goto(live_server + "/crossings/300402?days=1&until=2022-06-30")
    first = page.locator("#forecast-table time").first.get_attribute("datetime") or ""
    assert first < "2022-06-30T07:00"  # the forecast begins before the window (midnight PDT)
    assert page.locator("svg.chart.lines polygon.band").count() == 1
    covered = page.evaluate("""() => Array.from(document.querySelectorAll('svg.chart.lines > text.tick'))
        .filter(t => t.getAttribute('text-anchor') === 'end').map(t => {
            t.scrollIntoView({block: 'center'});
            const box = t.getBoundingClientRect();
            const found = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
            return [t.textContent, found === t ? null : found.tagName + '.' + found.getAttribute('class')];
        })""")
    assert len(covered) >= 3 and [c for c in covered if c[1]] == []
    page.locator("svg.chart.lines").screenshot(path=str(SCREENSHOTS / "history-forecast-clipped.png"))


OVERLAPPING_TEXT = """() => Array.from(document.querySelectorAll('svg.chart, svg.kpi-chart')).flatMap((svg, n) => {
    const frame = svg.getBoundingClientRect();
    const boxes = Array.from(svg.querySelectorAll('text')).map(t => [t.textContent, t.getBoundingClientRect()]);
    const out = boxes.filter(([, b]) => b.left < frame.left - 1 || b.right > frame.right + 1)
        .map(([s]) => `chart ${n}: "${s}" runs outside`);
    boxes.forEach(([s, a], i) => boxes.slice(i + 1).forEach(([u, b]) => {
        if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) {
            out.push(`chart ${n}: "${s}" overlaps "${u}"`);
        }
    }));
    return out;
})"""


@pytest.mark.parametrize("path", ["/crossings/300402?days=1", "/crossings/300402?days=7",
                                  "/crossings/300402?days=365&until=2017-12-31", "/crossings/250401",
                                  "/plans/21cbm-example"])
def test_chart_labels_stay_apart_and_inside_at_phone_width(live_server: str, watched: Watched, path: str) -> None:
    page = watched.page
    page.set_viewport_size(PHONE)
    page.goto(live_server + path)
    assert page.locator("svg.chart, svg.kpi-chart").count() >= 1
    widths = page.evaluate("() => Array.from(document.querySelectorAll('svg.chart, svg.kpi-chart'))"
                           ".map(s => s.getBoundingClientRect().width)")
    assert min(widths) >= 560 - 0.5  # a phone scrolls a chart sideways rather than shrink its text
    assert page.evaluate(OVERLAPPING_TEXT) == []


def test_the_day_the_clocks_go_back_is_staffed_with_both_one_oclocks(clock_change_server: str,
                                                                     watched: Watched) -> None:
    """B&M's newest reading is 23:00 CDT on 2026-10-31: the form's coming day is 2026-11-01,
    25 hours long, whose table shows 01:00 twice, told apart by the clock (CDT, then CST)."""
    page = watched.page
    page.goto(clock_change_server + "/staffing")
    page.select_option("#example", "forecast:535501/passenger/standard")
    page.fill("#target", "20")
    page.fill("#max_booths", "8")
    page.fill("#replications", "10")
    page.locator("form.planning-form button[type=submit]").click()
    table = page.locator("table.staffing")
    table.wait_for(timeout=120_000)
    hours = [h.strip() for h in table.locator("tbody th[scope=row]").all_inner_texts()]
    assert len(hours) == 25 and len(set(hours)) == 25
    assert hours[:4] == ["00:00 CDT", "01:00 CDT", "01:00 CST", "02:00 CST"] and hours[-1] == "23:00 CST"
    assert page.locator("#day").input_value() == "2026-11-01"
    change = page.locator("#staffing-clock-change")
    assert change.is_visible() and "01:00 comes twice (01:00 CDT and 01:00 CST)" in change.inner_text()
    booths = [int(b) for b in table.locator("tbody td[data-field=booths]").all_inner_texts()]
    assert len(booths) == 25 and int(table.locator("tfoot td").nth(1).inner_text()) == sum(booths)
    check_page(page, "en")
    shoot(page, "staffing-clock-change-day")


def x_ticks(page: Page) -> list[str]:
    """The labels under the x axis of the page's first line chart."""
    return page.evaluate("""() => Array.from(document.querySelector('svg.chart.lines')
        .querySelectorAll('text.tick[y="250.0"]')).map(t => t.textContent)""")


def test_a_run_of_the_day_the_clocks_go_back_shows_its_hours_by_the_clock(live_server: str, watched: Watched) -> None:
    """A 25-hour scenario of 2026-11-01 at Brownsville run from the form: its tables show
    01:00 twice (CDT, then CST) as the API's hour_labels say, its charts tick on the local
    clock with labels apart and inside, in English and in Spanish."""
    small = json.loads((Path(__file__).parents[2] / "examples" / "scenarios" / "small_crossing.json").read_text())
    day = {**small, "hours": 25, "clock": {"start": "2026-11-01T00:00:00-05:00", "timezone": "America/Chicago"},
           "lane_groups": {gid: {**g, "booths": 2} for gid, g in small["lane_groups"].items()},
           "demand": [{**d, "per_hour": 40} for d in small["demand"]]}
    page = watched.page
    page.goto(live_server + "/simulator")
    page.fill("#scenario", json.dumps(day))
    page.fill("#replications", "4")
    page.click("#run")
    page.wait_for_url(re.compile(r"/simulator/runs/[0-9a-f]{32}$"))
    page.locator("table.results").first.wait_for(timeout=60_000)
    job = page.request.get(f"{live_server}/api/v1/simulations/{page.url.rsplit('/', 1)[1]}").json()
    labels = job["results"]["hour_labels"]
    assert labels[1:3] == ["01:00 CDT", "01:00 CST"] and len(labels) == 25
    for group_id in job["results"]["lane_groups"]:
        rows = page.locator(f'table.results[data-group="{group_id}"] tbody th[scope=row]').all_inner_texts()
        assert [r.strip() for r in rows] == labels
    note = page.locator("#run-clock")
    assert note.is_visible() and "01:00 comes twice (01:00 CDT and 01:00 CST)" in note.inner_text()
    assert x_ticks(page) == ["Nov 1", "03:00", "06:00", "09:00", "12:00", "15:00", "18:00", "21:00"]
    check_page(page, "en")
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        assert page.evaluate(OVERLAPPING_TEXT) == []
    shoot(page, "simulation-clock-change-day")
    page.set_viewport_size(DESKTOP)
    page.get_by_role("link", name="Leer en español").click()
    page.wait_for_function("document.documentElement.lang === 'es'")
    assert "las 01:00 se repiten (01:00 CDT y 01:00 CST)" in page.locator("#run-clock").inner_text()
    assert x_ticks(page)[:2] == ["1 nov", "03:00"]
    check_page(page, "es")
