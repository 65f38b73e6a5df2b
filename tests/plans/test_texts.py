"""Plan texts follow the exchange's rule for people's text, through every front: no
control character (a NUL among them), no direction override, no lone surrogate; titles
and names on one line. Refused the same on SQLite and PostgreSQL, with a message naming
the field, the character and the fix."""

from __future__ import annotations

import copy
import json
import warnings
from typing import Any

import pytest
from sqlalchemy import Engine

from borderflow.errors import BadInputError
from borderflow.plans.model import parse_meeting, parse_plan
from borderflow.services import accounts, exchange, plans
from borderflow.services.accounts import User
from tests.plans.conftest import action_id

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from borderflow.api import create_app

SPOOFED = ("x\x00y\u202e", "x\u202ey", "x\u2066y", "x\x1by", "x\x85y", "x\ud800y")


@pytest.fixture
def api(plan_engine: Engine, us_editor: User):  # type: ignore[no-untyped-def]
    with TestClient(create_app(engine=plan_engine), raise_server_exceptions=False) as client:
        yield client, {"Authorization": f"Bearer {accounts.create_token(plan_engine, us_editor.username).text}"}


def test_a_patch_with_a_nul_and_an_override_is_refused_naming_the_character_on_both_databases(api, plan_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    client, us = api
    inf1 = action_id(plan_engine, "INF-1")  # lead side US
    before = plans.get_action(plan_engine, inf1)[1]
    answer = client.patch(f"/api/v1/plan-actions/{inf1}", json={"notes_us": "x\u0000y\u202e"}, headers=us)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == {
        "code": "bad_input",
        "message": "field 'notes_us' holds the character U+0000 at position 2, a control or direction override; "
                   "remove it"}
    for text in SPOOFED:  # sent as JSON escapes ("\\u0000", "\\ud800"), as a client would
        refused = client.patch(f"/api/v1/plan-actions/{inf1}", content=json.dumps({"notes_us": text, "title": "ok"}),
                               headers={**us, "content-type": "application/json"})
        assert refused.status_code == 422 and "remove it" in refused.json()["error"]["message"], text
    assert plans.get_action(plan_engine, inf1)[1] == before


def test_every_write_path_refuses_them(api, plan_engine: Engine, us_editor: User) -> None:  # type: ignore[no-untyped-def]
    client, us = api
    inf1 = action_id(plan_engine, "INF-1")
    base = f"/api/v1/plan-actions/{inf1}"
    for body, path, method in (
            ({"to": "delayed", "why": "permits\x00"}, "/status", "post"),
            ({"side": "US", "title": "Hito\u202e", "due_on": "2027-01-01"}, "/milestones", "post"),
            ({"side": "US", "kind": "note", "text": "nota\x00"}, "/evidence", "post"),
            ({"side": "US", "kind": "link", "text": "", "url": "https://example.org/\u202e"}, "/evidence", "post")):
        answer = getattr(client, method)(base + path, json=body, headers=us)
        assert answer.status_code == 422 and "holds the character U+" in answer.json()["error"]["message"], body
    stone = next(m for m in plans.get_action(plan_engine, inf1)[1].milestones if m.side == "US")
    answer = client.patch(f"/api/v1/plan-milestones/{stone.id}", json={"title": "a\x00b"}, headers=us)
    assert answer.status_code == 422 and "milestone.title holds the character U+0000" in answer.json()["error"]["message"]
    with pytest.raises(BadInputError, match=r"why holds the character U\+202E at position 4"):
        plans.change_status(plan_engine, inf1, "delayed", "abc\u202e", us_editor)
    with pytest.raises(BadInputError, match=r"meeting.name holds the character U\+0000"):
        parse_meeting({"name": "Plenary\x00", "held_on": "2026-01-01"}, "meeting")
    assert not plans.get_action(plan_engine, inf1)[1].history[-1].why.startswith("permits\x00")


def test_a_plan_file_or_csv_holding_them_is_refused(plan_engine: Engine, example_doc: dict[str, Any]) -> None:
    for path, value in ((("title",), "Plan\u202eevil"), (("actions", 0, "notes_mx"), "nota\x00"),
                        (("kpis", 0, "name"), "KPI\x07"), (("kpis", 0, "spec", "unit"), "min\u202e"),
                        (("subcommittees", 0, "name"), "Infra\ud800")):
        doc = copy.deepcopy(example_doc)
        node: Any = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        with pytest.raises(BadInputError, match=r"holds the character U\+"):
            parse_plan(doc)
    text = plans.export_csv(plans.load_plan(plan_engine, "21cbm-example")).replace("INF-1", "NEW-1")
    lines = text.splitlines()
    stone = next(i for i, line in enumerate(lines) if line.startswith("milestone,") and "NEW-1" in line)
    lines[stone] = lines[stone].replace(",NEW-1,,", ",NEW-1,,\u202e", 1)  # the milestone's title
    with pytest.raises(BadInputError, match=r"line \d+\.title holds the character U\+202E"):
        plans.import_csv(plan_engine, "\n".join(lines) + "\n")
    assert "NEW-1" not in {a.code for a in plans.load_plan(plan_engine, "21cbm-example").actions}


def test_notes_keep_their_lines_and_titles_stay_on_one(plan_engine: Engine, us_editor: User) -> None:
    inf1 = action_id(plan_engine, "INF-1")
    plans.update_action(plan_engine, inf1, {"notes_us": "first line\n\tsecond line"}, us_editor)
    assert plans.get_action(plan_engine, inf1)[1].notes_us == "first line\n\tsecond line"
    with pytest.raises(BadInputError, match=r"field 'title' holds the character U\+000A at position 4"):
        plans.update_action(plan_engine, inf1, {"title": "two\nlines"}, us_editor)
    with pytest.raises(BadInputError, match=r"U\+2028 at position 4, a line or paragraph separator"):
        plans.update_action(plan_engine, inf1, {"lead_agency_us": "CBP\u2028GSA"}, us_editor)


def test_plans_and_the_exchange_say_the_same() -> None:
    from borderflow.plans.model import text_value

    for text in SPOOFED:
        with pytest.raises(BadInputError) as in_plan:
            text_value(text, "title")
        with pytest.raises(BadInputError) as in_exchange:
            exchange.draft("alert", "public", text, "", owner_country="US")
        assert str(in_plan.value) == str(in_exchange.value), text


def test_a_plan_or_crossing_asked_for_by_a_name_holding_a_nul_is_not_found_on_both_databases(  # type: ignore[no-untyped-def]
        api, plan_engine: Engine) -> None:
    client, _ = api
    for path in ("/api/v1/plans/a%00b", "/api/v1/plans/a%00b/export"):
        answer = client.get(path)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found", path
    for page in ("/plans/a%00b", "/crossings/a%00b"):
        assert client.get(page).status_code == 404, page
