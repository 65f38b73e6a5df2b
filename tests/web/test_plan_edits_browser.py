"""The plan page's edit histories in a real browser (Debian's Chromium, Playwright): folded
until opened, newest first, people's text shown as text, readable at phone width, and in
Spanish after the language switch. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from borderflow.plans.model import parse_plan
from borderflow.services import accounts, plan_definitions, plans
from borderflow.store.catalog import seed_catalog
from borderflow.store.db import make_engine, migrate
from tests.web.conftest import serve
from tests.web.test_browser import PHONE, Watched, browser, check_page, shoot, watched  # noqa: F401  (fixtures)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "plans" / "21cbm-example.json"
MARKUP = '<b>bold</b> <script>document.title = "changed"</script>'
AT = dt.datetime(2026, 10, 1, 14, 5, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def edited_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The example plan, INF-1 (id 1) edited three times (one of them its milestone), a KPI
    and a meeting once each."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('plan-edits') / 'archive.sqlite3'}")
    migrate(engine)
    seed_catalog(engine)
    plans.import_plan(engine, parse_plan(json.loads(EXAMPLE.read_text(encoding="utf-8"))))
    us = accounts.create_user(engine, "ana.cbp", agency="CBP", country="US", roles=["editor"])
    mx = accounts.create_user(engine, "luis.anam", agency="ANAM", country="MX", roles=["editor"])
    loaded = plans.load_plan(engine, "21cbm-example")
    inf1 = loaded.actions[0]
    assert inf1.code == "INF-1" and inf1.id is not None and inf1.milestones[0].id is not None
    plans.update_action(engine, inf1.id, {"notes_us": MARKUP}, us, at=AT)
    plans.update_milestone(engine, inf1.milestones[0].id, {"title": "Design done"}, us, at=AT + dt.timedelta(days=1))
    plans.update_action(engine, inf1.id, {"notes_mx": ""}, mx, at=AT + dt.timedelta(days=2))
    p95 = next(k.id for k in loaded.kpis if k.key == "san-ysidro-p95")
    assert p95 is not None and loaded.meetings[1].id is not None
    plan_definitions.update_kpi(engine, p95, {"spec": {"target": 45}}, us, at=AT + dt.timedelta(days=3))
    plan_definitions.update_meeting(engine, loaded.meetings[1].id, {"place": "Laredo"}, mx,
                                    at=AT + dt.timedelta(days=4))
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def edited_server(edited_engine: Engine) -> Iterator[str]:
    yield from serve(edited_engine)


def test_the_plan_page_shows_each_edit_history_and_in_spanish(edited_server: str, watched: Watched) -> None:  # noqa: F811
    page = watched.page
    page.goto(edited_server + "/plans/21cbm-example")
    check_page(page, "en")
    history = page.locator("td.action", has_text="INF-1").locator("details.edits")
    assert history.count() == 1 and page.locator("td.action", has_text="INF-2").locator("details.edits").count() == 0
    summary, items = history.locator("summary"), history.locator("li")
    assert summary.inner_text() == "Edit history (3)"
    assert not items.first.is_visible()  # folded until asked for
    summary.click()
    texts = [" ".join(t.split()) for t in items.all_inner_texts()]
    assert texts == [
        "2026-10-03 14:05 UTC · luis.anam (Mexico) Notes (Mexico): Entrada ilustrativa. → (empty)",
        ("2026-10-02 14:05 UTC · ana.cbp (United States) Milestone “Design done”: Title: "
        "Design complete (illustrative) → Design done"),
        f"2026-10-01 14:05 UTC · ana.cbp (United States) Notes (United States): Illustrative entry. → {MARKUP}"]
    # the markup in a value is text: no element of it, and its script never ran
    assert history.locator("b, script").count() == 0 and page.title() != "changed"
    kpi = page.locator("figure.kpi", has_text="p95 wait").locator("details.edits")
    kpi.locator("summary").click()
    assert " ".join(kpi.locator("li").inner_text().split()) == (
        "2026-10-04 14:05 UTC · ana.cbp (United States) Target: 60 → 45")
    meeting = page.locator("section.meetings li", has_text="Example plenary B").locator("details.edits")
    meeting.locator("summary").click()
    assert "Place: illustrative date → Laredo" in meeting.locator("li").inner_text()
    shoot(page, "plan-edits-desktop")
    # at phone width the page does not run off the screen, and an opened history reads within it
    page.set_viewport_size(PHONE)
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 1
    for item in items.all():
        box = item.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    history.scroll_into_view_if_needed()
    shoot(page, "plan-edits-phone")
    # in Spanish, by the page's own switch
    page.locator("a.lang-switch").click()
    page.wait_for_load_state()
    check_page(page, "es")
    history = page.locator("td.action", has_text="INF-1").locator("details.edits")
    assert history.locator("summary").inner_text() == "Historial de ediciones (3)"
    history.locator("summary").click()
    texts = [" ".join(t.split()) for t in history.locator("li").all_inner_texts()]
    assert texts[0] == "2026-10-03 14:05 UTC · luis.anam (México) Notas (México): Entrada ilustrativa. → (vacío)"
    assert texts[1].startswith("2026-10-02 14:05 UTC · ana.cbp (Estados Unidos) Hito “Design done”: Título: ")
    kpi = page.locator("figure.kpi", has_text="p95 wait").locator("details.edits")
    assert kpi.locator("summary").inner_text() == "Historial de ediciones (1)"
    kpi.locator("summary").click()
    assert "Meta: 60 → 45" in kpi.locator("li").inner_text()
    assert page.locator("section.meetings h2").inner_text() == "Reuniones"
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 1
    shoot(page, "plan-edits-phone-es")
