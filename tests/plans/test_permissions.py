"""The two-sides rule and the status history, through the service and through the API."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import warnings

import pytest
from sqlalchemy import Engine, select

from borderflow.errors import BadInputError, ConflictError, ForbiddenError
from borderflow.plans.model import Evidence, Milestone
from borderflow.services import accounts, plans
from borderflow.services.accounts import User
from borderflow.store.accounts_schema import audit_log
from tests.plans.conftest import action_id

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from borderflow.api import create_app


def test_each_side_edits_only_its_own_fields(plan_engine: Engine, us_editor: User, mx_editor: User) -> None:
    inf1 = action_id(plan_engine, "INF-1")  # lead side US
    plans.update_action(plan_engine, inf1, {"notes_us": "Phase 2 opened"}, us_editor)
    plans.update_action(plan_engine, inf1, {"notes_mx": "Acceso vial en obra", "lead_agency_mx": "INDAABIN"}, mx_editor)
    with pytest.raises(ForbiddenError, match="MX side"):
        plans.update_action(plan_engine, inf1, {"notes_mx": "overwritten"}, us_editor)
    with pytest.raises(ForbiddenError, match="US side"):
        plans.update_action(plan_engine, inf1, {"next_steps_us": "sobrescrito"}, mx_editor)
    # Shared fields belong to the lead side (US for INF-1).
    with pytest.raises(ForbiddenError):
        plans.update_action(plan_engine, inf1, {"title": "renamed"}, mx_editor)
    plans.update_action(plan_engine, inf1, {"title": "Modernize San Ysidro"}, us_editor)
    _, action = plans.get_action(plan_engine, inf1)
    assert (action.notes_us, action.notes_mx, action.title) == ("Phase 2 opened", "Acceso vial en obra",
                                                                "Modernize San Ysidro")


def test_a_refused_edit_changes_nothing(plan_engine: Engine, us_editor: User) -> None:
    inf1 = action_id(plan_engine, "INF-1")
    _, before = plans.get_action(plan_engine, inf1)
    with pytest.raises(ForbiddenError):  # one allowed and one forbidden field: neither lands
        plans.update_action(plan_engine, inf1, {"notes_us": "ok", "notes_mx": "not ok"}, us_editor)
    with pytest.raises(BadInputError, match="at most 10000 characters"):  # as a plan file's notes
        plans.update_action(plan_engine, inf1, {"notes_us": "x" * 1_000_000}, us_editor)
    _, after = plans.get_action(plan_engine, inf1)
    assert after == before


def test_viewers_and_the_other_side_cannot_write(plan_engine: Engine, us_viewer: User, us_editor: User,
                                                 mx_editor: User) -> None:
    inf2 = action_id(plan_engine, "INF-2")  # lead side MX
    with pytest.raises(ForbiddenError, match="editor or admin"):
        plans.update_action(plan_engine, inf2, {"notes_us": "x"}, us_viewer)
    with pytest.raises(ForbiddenError):
        plans.change_status(plan_engine, inf2, "in_progress", "contract signed", us_editor)
    with pytest.raises(ForbiddenError):
        plans.add_milestone(plan_engine, inf2, Milestone("MX", "Counts", dt.date(2026, 1, 1)), us_editor)
    with pytest.raises(ForbiddenError):
        plans.add_evidence(plan_engine, inf2, Evidence("MX", "note", "x"), us_editor)
    stone = plans.load_plan(plan_engine, "21cbm-example").actions[1].milestones
    mx_stone = next(m for m in stone if m.side == "MX")
    assert mx_stone.id is not None
    with pytest.raises(ForbiddenError):
        plans.update_milestone(plan_engine, mx_stone.id, {"done_on": "2026-01-02"}, us_editor)
    plans.update_milestone(plan_engine, mx_stone.id, {"done_on": "2026-01-02"}, mx_editor)


def test_an_admin_of_one_country_does_not_edit_the_other(plan_engine: Engine) -> None:
    admin = accounts.create_user(plan_engine, "root.us", agency="CBP", country="US", roles=["admin"])
    with pytest.raises(ForbiddenError):
        plans.update_action(plan_engine, action_id(plan_engine, "INF-2"), {"notes_mx": "x"}, admin)


def test_every_status_change_is_kept_with_who_when_why(plan_engine: Engine, mx_editor: User) -> None:
    inf2 = action_id(plan_engine, "INF-2")
    _, action = plans.get_action(plan_engine, inf2)
    imported = len(action.history)
    t0 = dt.datetime(2026, 1, 10, 15, 0, tzinfo=dt.UTC)
    plans.change_status(plan_engine, inf2, "in_progress", "contract signed", mx_editor, at=t0)
    plans.change_status(plan_engine, inf2, "done", "study delivered", mx_editor, at=t0 + dt.timedelta(days=30))
    with pytest.raises(ConflictError):
        plans.change_status(plan_engine, inf2, "done", "again", mx_editor)
    with pytest.raises(BadInputError, match="reason"):
        plans.change_status(plan_engine, inf2, "delayed", "   ", mx_editor)
    with pytest.raises(BadInputError):
        plans.change_status(plan_engine, inf2, "finished", "x", mx_editor)
    _, action = plans.get_action(plan_engine, inf2)
    assert action.status == "done"
    new = action.history[imported:]
    assert [(h.from_status, h.to_status, h.username, h.country, h.why, h.at) for h in new] == [
        ("delayed", "in_progress", "luis.anam", "MX", "contract signed", t0),
        ("in_progress", "done", "luis.anam", "MX", "study delivered", t0 + dt.timedelta(days=30)),
    ]
    chain = action.history
    assert all(a.to_status == b.from_status for a, b in itertools.pairwise(chain))
    with pytest.raises(BadInputError, match="reason"):
        plans.update_action(plan_engine, inf2, {"status": "planned"}, mx_editor)


@pytest.fixture
def api(plan_engine: Engine, us_editor: User, mx_editor: User):  # type: ignore[no-untyped-def]
    with TestClient(create_app(engine=plan_engine), raise_server_exceptions=False) as client:
        us = accounts.create_token(plan_engine, us_editor.username).text
        mx = accounts.create_token(plan_engine, mx_editor.username).text
        yield client, {"Authorization": f"Bearer {us}"}, {"Authorization": f"Bearer {mx}"}


def test_api_403_envelope_when_one_side_edits_the_others_fields(api, plan_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    client, us, mx = api
    inf1 = action_id(plan_engine, "INF-1")
    denied = client.patch(f"/api/v1/plan-actions/{inf1}", json={"notes_mx": "from the US"}, headers=us)
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "forbidden"
    assert "MX side" in denied.json()["error"]["message"]
    ok = client.patch(f"/api/v1/plan-actions/{inf1}", json={"notes_mx": "desde México"}, headers=mx)
    assert ok.status_code == 200, ok.text
    status_denied = client.post(f"/api/v1/plan-actions/{inf1}/status", json={"to": "done", "why": "x"}, headers=mx)
    assert status_denied.status_code == 403
    changed = client.post(f"/api/v1/plan-actions/{inf1}/status", json={"to": "delayed", "why": "permits"}, headers=us)
    assert changed.status_code == 200 and changed.json()["from_status"] == "in_progress"
    assert client.patch(f"/api/v1/plan-actions/{inf1}", json={"notes_us": "x"}).status_code == 401
    stone = client.post(f"/api/v1/plan-actions/{inf1}/milestones",
                        json={"side": "MX", "title": "Hito", "due_on": "2027-01-01"}, headers=us)
    assert stone.status_code == 403
    history = client.get(f"/api/v1/plan-actions/{inf1}/history").json()
    assert history[-1] == {**history[-1], "to_status": "delayed", "username": "ana.cbp", "why": "permits"}
    plan = client.get("/api/v1/plans/21cbm-example").json()  # both sides read the shared plan, no token
    for ref in ("%C2%B2", "%D9%A3", "999999"):  # "²" and Arabic-Indic "3" are digits to Python, not ids
        missing = client.get(f"/api/v1/plans/{ref}")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found", ref
    assert next(a for a in plan["actions"] if a["code"] == "INF-1")["notes_mx"] == "desde México"
    with plan_engine.connect() as conn:
        audit = [(r.username, r.action, r.outcome, r.status_code)
                 for r in conn.execute(select(audit_log).order_by(audit_log.c.id))]
    assert audit == [
        ("ana.cbp", "plans.action.edit", "denied", 403),
        ("luis.anam", "plans.action.edit", "ok", 200),
        ("luis.anam", "plans.action.status", "denied", 403),
        ("ana.cbp", "plans.action.status", "ok", 200),
        ("ana.cbp", "plans.milestone.create", "denied", 403),
    ]


def test_a_status_change_to_the_status_it_has_is_409_as_documented(api, plan_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    client, us, _ = api
    inf1 = action_id(plan_engine, "INF-1")
    status = client.get("/api/v1/plans/21cbm-example").json()
    current = next(a for a in status["actions"] if a["code"] == "INF-1")["status"]
    same = client.post(f"/api/v1/plan-actions/{inf1}/status", json={"to": current, "why": "again"}, headers=us)
    assert same.status_code == 409 and same.json()["error"]["code"] == "conflict"
    spec = client.get("/openapi.json").json()["paths"]
    assert "409" in spec["/api/v1/plan-actions/{action_id}/status"]["post"]["responses"]
    assert "409" in spec["/api/v1/plan-actions/{action_id}"]["patch"]["responses"]


def test_an_edit_keeps_a_plan_file_importable(api, plan_engine: Engine, us_editor: User) -> None:  # type: ignore[no-untyped-def]
    from borderflow.plans.model import parse_plan, plan_to_dict

    client, us, _ = api
    inf1 = action_id(plan_engine, "INF-1")  # lead side US
    for blank in ("", "   "):
        with pytest.raises(BadInputError, match="'title' is required"):
            plans.update_action(plan_engine, inf1, {"title": blank}, us_editor)
        refused = client.patch(f"/api/v1/plan-actions/{inf1}", json={"title": blank}, headers=us)
        assert refused.status_code == 422 and "'title' is required" in refused.json()["error"]["message"]
    plans.update_action(plan_engine, inf1, {"title": "  Modernize San Ysidro  ", "notes_us": ""}, us_editor)
    loaded = plans.load_plan(plan_engine, "21cbm-example")
    assert loaded.actions[0].title == "Modernize San Ysidro"
    parse_plan({**plan_to_dict(loaded), "slug": "again"})  # the export still imports


def test_api_milestone_writes_follow_the_plan_files_rules(api, plan_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    from borderflow.plans.model import parse_plan, plan_to_dict

    client, us, _ = api
    inf1 = action_id(plan_engine, "INF-1")  # lead side US
    before = plans.load_plan(plan_engine, "21cbm-example")
    stone = next(m.id for m in before.actions[0].milestones if m.side == "US")
    url = f"/api/v1/plan-actions/{inf1}/milestones"
    future = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    refusals = [
        (client.post, url, {"side": "US", "title": "   ", "due_on": "2027-01-01"}, "milestone.title is required"),
        (client.post, url, {"side": "US", "title": "x" * 10_001, "due_on": "2027-01-01"},
         "milestone.title may be at most 10000 characters; got 10001"),
        (client.post, url, {"side": "US", "title": "Counts", "due_on": "2027-01-01", "done_on": future},
         f"milestone.done_on {future} has not come yet"),
        (client.post, url, {"side": "US", "title": "Counts", "due_on": "31/12/2027"}, "milestone.due_on must be a date"),
        (client.patch, f"/api/v1/plan-milestones/{stone}", {"title": None}, "milestone.title is required"),
        (client.patch, f"/api/v1/plan-milestones/{stone}", {"title": "  "}, "milestone.title is required"),
        (client.patch, f"/api/v1/plan-milestones/{stone}", {"title": "x" * 50_000},
         "milestone.title may be at most 10000 characters; got 50000"),
        (client.patch, f"/api/v1/plan-milestones/{stone}", {"done_on": "2099-12-31"},
         "milestone.done_on 2099-12-31 has not come yet"),
        (client.patch, f"/api/v1/plan-milestones/{stone}", {"due_on": None}, "milestone.due_on must be a date"),
        (client.post, f"/api/v1/plan-actions/{inf1}/evidence", {"side": "US", "kind": "file", "url": "acta.pdf",
                                                                "sha256": "not-a-hash"}, "evidence.sha256 must be"),
        (client.post, f"/api/v1/plan-actions/{inf1}/evidence", {"side": "US", "kind": "note", "text": "  "},
         "evidence.text is required"),
        (client.post, f"/api/v1/plan-actions/{inf1}/status", {"to": "done", "why": "  "}, "needs a reason"),
        (client.post, f"/api/v1/plan-actions/{inf1}/status", {"to": "done", "why": "x" * 10_001},
         "why may be at most 10000 characters"),
    ]
    for send, path, body, message in refusals:
        answer = send(path, json=body, headers=us)
        assert answer.status_code == 422, (body, answer.text)
        assert message in answer.json()["error"]["message"] and "\n" not in answer.json()["error"]["message"], body
    after = plans.load_plan(plan_engine, "21cbm-example")
    assert after == before  # nothing changed
    ok = client.patch(f"/api/v1/plan-milestones/{stone}", json={"title": "  Design done  ", "done_on": None},
                      headers=us)
    assert ok.status_code == 200 and ok.json()["changed"] == {"title": "Design done", "done_on": None}
    added = client.post(url, json={"side": "US", "title": "x" * 10_000, "due_on": "2027-01-01",
                                   "done_on": dt.date.today().isoformat()}, headers=us)
    assert added.status_code == 201, added.text
    assert client.post(f"/api/v1/plan-actions/{inf1}/status", json={"to": "delayed", "why": "w" * 3000},
                       headers=us).status_code == 200
    _, changed = plans.get_action(plan_engine, inf1)
    assert changed.history[-1].why == "w" * 3000  # kept whole, as an import keeps it
    again = plan_to_dict(plans.load_plan(plan_engine, "21cbm-example"))
    parse_plan({**again, "slug": "again"})  # the edited plan still exports to a file that imports back


def test_a_plan_file_with_a_milestone_done_in_the_future_is_refused(example_doc) -> None:  # type: ignore[no-untyped-def]
    from borderflow.plans.model import parse_plan

    example_doc["actions"][0]["milestones"][1]["done_on"] = "2099-12-31"
    with pytest.raises(BadInputError, match=r"actions\[0\].milestones\[1\].done_on 2099-12-31 has not come yet"):
        parse_plan(example_doc)
    example_doc["actions"][0]["milestones"][1]["done_on"] = None
    example_doc["actions"][0]["history"][0]["at"] = "9999-01-01T00:00:00Z"
    with pytest.raises(BadInputError, match=r"history\[0\].at must be a time from 1990-01-01 to 2100-12-31"):
        parse_plan(example_doc)


def test_bodies_refused_before_the_route_runs_are_audited_for_signed_in_callers(api, plan_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    client, us, _ = api
    inf1 = action_id(plan_engine, "INF-1")
    stone = plans.load_plan(plan_engine, "21cbm-example").actions[0].milestones[0].id
    json_type = {"Content-Type": "application/json"}
    cases = [
        (client.patch, f"/api/v1/plan-actions/{inf1}", {"json": {"notes_us": None}}, "plans.action.edit"),
        (client.patch, f"/api/v1/plan-actions/{inf1}", {"json": [1, 2]}, "plans.action.edit"),
        (client.post, f"/api/v1/plan-actions/{inf1}/status", {"content": b'{"to": "done", "why": '},
         "plans.action.status"),
        (client.post, f"/api/v1/plan-actions/{inf1}/milestones",
         {"json": {"side": "US", "title": ["x"], "due_on": "2027-01-01"}}, "plans.milestone.create"),
        (client.patch, f"/api/v1/plan-milestones/{stone}", {"json": {"due_on": 20270101}}, "plans.milestone.edit"),
        (client.post, f"/api/v1/plan-actions/{inf1}/evidence", {"json": {"side": "US", "kind": "memo"}},
         "plans.evidence.create"),
        (client.post, "/api/v1/plan-actions/0/status", {"json": {"to": "done", "why": "x"}}, "plans.action.status"),
    ]
    for send, path, body, _ in cases:
        for anonymous in ({}, {"Authorization": "Bearer bf_not-a-token"}):  # not audited: no one floods the log
            assert send(path, headers={**anonymous, **json_type}, **body).status_code in (401, 422)
    with plan_engine.connect() as conn:
        assert conn.execute(select(audit_log)).first() is None
    for send, path, body, _ in cases:
        refused = send(path, headers={**us, **json_type}, **body)
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "bad_input", refused.text
    with plan_engine.connect() as conn:
        rows = list(conn.execute(select(audit_log).order_by(audit_log.c.id)))
    assert [(r.username, r.action, r.outcome, r.status_code) for r in rows] == [
        ("ana.cbp", action, "refused", 422) for *_, action in cases]
    details = [json.loads(r.details) for r in rows]
    assert details[0] == {"action_id": inf1, "reason": details[0]["reason"]} and "notes_us" in details[0]["reason"]
    assert "JSON" in details[2]["reason"] and details[-1]["action_id"] == 0
