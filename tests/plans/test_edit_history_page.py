"""The plan page shows each action's (and milestone's), KPI's and meeting's edits, newest
first, in the reader's language, with people's text shown as text."""

from __future__ import annotations

import datetime as dt
import warnings
from html.parser import HTMLParser
from typing import Any

import pytest
from sqlalchemy import Engine

from borderflow.services import plan_definitions, plans
from borderflow.services.accounts import User
from tests.plans.conftest import action_id
from tests.plans.test_definition_edits import kpi_id, meeting_id

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from borderflow.api import create_app
from borderflow.web.pages_plans import router

UTC = dt.UTC
#: A value holding HTML: the page must show it as these characters, never as markup.
MARKUP = '<b>bold</b> & <script>alert("x")</script>\nsecond line'


class EditHistories(HTMLParser):
    """Each ``<details class="edits">`` of a page: the text of its summary and of each item as
    a reader sees it (character references decoded), and the tags inside it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[dict[str, Any]] = []
        self._inside = False
        self._part: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "details" and ("class", "edits") in attrs:
            self.found.append({"summary": "", "items": [], "tags": set()})
            self._inside = True
        elif self._inside:
            self.found[-1]["tags"].add(tag)
            if tag in ("summary", "li"):
                self._part = tag
                if tag == "li":
                    self.found[-1]["items"].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "details":
            self._inside, self._part = False, None
        elif tag in ("summary", "li"):
            self._part = None

    def handle_data(self, data: str) -> None:
        if self._inside and self._part == "summary":
            self.found[-1]["summary"] += data
        elif self._inside and self._part == "li":
            self.found[-1]["items"][-1] += data


def histories(page: str) -> list[dict[str, Any]]:
    parser = EditHistories()
    parser.feed(page)
    for found in parser.found:
        found["items"] = [" ".join(item.split()) for item in found["items"]]
    return parser.found


def edit_the_plan(engine: Engine, us_editor: User, mx_editor: User) -> None:
    """Edits at known times: INF-1 twice and one of its milestones, a KPI and a meeting."""
    inf1 = action_id(engine, "INF-1")
    _, action = plans.get_action(engine, inf1)
    booths = next(m.id for m in action.milestones if m.title.startswith("Additional northbound"))
    assert booths is not None
    at = dt.datetime(2026, 10, 1, 14, 5, tzinfo=UTC)
    plans.update_action(engine, inf1, {"notes_us": MARKUP}, us_editor, at=at)
    plans.update_milestone(engine, booths, {"due_on": "2027-01-31"}, us_editor, at=at + dt.timedelta(days=1))
    plans.update_action(engine, inf1, {"notes_mx": ""}, mx_editor, at=at + dt.timedelta(days=2))  # cleared
    plan_definitions.update_kpi(engine, kpi_id(engine, "san-ysidro-p95"), {"spec": {"target": 45}}, us_editor,
                                at=at + dt.timedelta(days=3))
    plan_definitions.update_meeting(engine, meeting_id(engine, "Example plenary B"), {"place": "Laredo"}, mx_editor,
                                    at=at + dt.timedelta(days=4))


@pytest.fixture
def client(plan_engine: Engine) -> Any:
    app = create_app(engine=plan_engine)
    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_each_action_kpi_and_meeting_lists_its_edits_newest_first(plan_engine: Engine, client: Any,
                                                                  us_editor: User, mx_editor: User) -> None:
    assert histories(client.get("/plans/21cbm-example", headers={"Accept-Language": "en"}).text) == []
    edit_the_plan(plan_engine, us_editor, mx_editor)
    page = client.get("/plans/21cbm-example", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    found = histories(page.text)
    # the meeting (listed first), then INF-1 (the only action edited), then the KPI
    assert [h["summary"] for h in found] == ["Edit history (1)", "Edit history (3)", "Edit history (1)"]
    meeting, action, kpi = found
    assert meeting["items"] == ["2026-10-05 14:05 UTC · luis.anam (Mexico) Place: illustrative date → Laredo"]
    assert action["items"][0] == "2026-10-03 14:05 UTC · luis.anam (Mexico) Notes (Mexico): Entrada ilustrativa. → (empty)"
    assert action["items"][1] == ("2026-10-02 14:05 UTC · ana.cbp (United States) Milestone “Additional northbound "
                                  "booths open (illustrative)”: Due: 2026-06-30 → 2027-01-31")
    assert action["items"][2].startswith("2026-10-01 14:05 UTC · ana.cbp (United States) Notes (United States): "
                                         "Illustrative entry. → ")
    assert kpi["items"] == ["2026-10-04 14:05 UTC · ana.cbp (United States) Target: 60 → 45"]
    # people's text is shown as written: the markup in it is text, not elements of the page
    assert " ".join(MARKUP.split()) in action["items"][2]
    assert not action["tags"] & {"b", "script"} and "<script>alert" not in page.text
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text


def test_the_spanish_page_names_the_edits_in_spanish(plan_engine: Engine, client: Any, us_editor: User,
                                                     mx_editor: User) -> None:
    edit_the_plan(plan_engine, us_editor, mx_editor)
    for asked in ({"headers": {"Accept-Language": "es"}}, {"params": {"lang": "es"}}):
        page = client.get("/plans/21cbm-example", **asked)
        found = histories(page.text)
        assert [h["summary"] for h in found] == ["Historial de ediciones (1)", "Historial de ediciones (3)",
                                                 "Historial de ediciones (1)"]
        meeting, action, kpi = found
        assert meeting["items"] == ["2026-10-05 14:05 UTC · luis.anam (México) Lugar: illustrative date → Laredo"]
        assert action["items"][0] == ("2026-10-03 14:05 UTC · luis.anam (México) Notas (México): Entrada ilustrativa. "
                                      "→ (vacío)")
        assert action["items"][1].startswith("2026-10-02 14:05 UTC · ana.cbp (Estados Unidos) Hito “Additional")
        assert action["items"][1].endswith(": Fecha límite: 2026-06-30 → 2027-01-31")
        assert kpi["items"] == ["2026-10-04 14:05 UTC · ana.cbp (Estados Unidos) Meta: 60 → 45"]
        assert "Edit history" not in page.text and "(United States)" not in page.text and "(empty)" not in page.text
        assert "<h2>Reuniones</h2>" in page.text
