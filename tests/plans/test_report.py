"""The progress report: its content for a meeting, and the same report in both languages and formats."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from borderflow.errors import NotFoundError
from borderflow.plans.i18n import STRINGS
from borderflow.plans.render import render
from borderflow.plans.report import build_report
from borderflow.services import plan_reports, plans
from borderflow.services.ingest import ingest
from tests.plans.conftest import secretary
from tests.plans.test_kpi import BTS


@pytest.fixture(scope="module")
def report_b(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The example's report for plenary B over an archive holding the BTS file (built once)."""
    import json

    from borderflow.plans.model import parse_plan
    from borderflow.store.catalog import seed_catalog
    from borderflow.store.db import make_engine, migrate
    from tests.plans.conftest import EXAMPLE

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('report') / 'archive.sqlite3'}")
    migrate(engine)
    seed_catalog(engine)
    plans.import_plan(engine, parse_plan(json.loads(EXAMPLE.read_text(encoding="utf-8"))))
    ingest(engine, [str(BTS)])
    series = plan_reports.plan_kpis_computed(engine, "21cbm-example")
    report = build_report(plans.load_plan(engine, "21cbm-example"), "Example plenary B", series,
                          generated_on=dt.date(2026, 11, 28))
    engine.dispose()
    return report


def test_report_content_for_a_meeting(report_b) -> None:  # type: ignore[no-untyped-def]
    infra = next(s for s in report_b.sections if s.key == "infrastructure")
    assert report_b.previous is not None and report_b.previous.name == "Example plenary A"
    # Done since plenary A (2025-03-15) up to plenary B (2026-09-15): INF-2's data agreement only.
    assert [(i.action.code, i.milestone.title if i.milestone else None) for i in infra.done] == [
        ("INF-2", "Data sharing agreement signed (illustrative)")]
    late = {(i.action.code, i.due_on, i.days_late, i.why) for i in infra.late}
    assert late == {
        ("INF-2", dt.date(2025, 10, 31), 319, "Field counts postponed pending contracting (illustrative reason)."),
        ("INF-1", dt.date(2026, 6, 30), 77, ""),
    }
    laredo = next(k for k in infra.kpis if k.key == "laredo-trucks")
    assert laredo.values[-1].period == "2024Q4" and laredo.baseline is not None
    flows = next(s for s in report_b.sections if s.key == "secure_flows")
    assert {(i.action.code, i.on) for i in flows.done} == {("SF-1", dt.date(2025, 9, 12)), ("SF-1", dt.date(2025, 10, 1))}


def test_unknown_meeting_is_not_found(report_b) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFoundError, match="Example plenary A"):
        build_report(report_b.plan, "Plenary Z", [])


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_all_fixed_text_is_translated(report_b, fmt: str) -> None:  # type: ignore[no-untyped-def]
    spanish = render(report_b, "es", fmt).decode("utf-8")
    english = render(report_b, "en", fmt).decode("utf-8")
    for key in ("section.done", "section.late", "section.kpis", "section.next", "report.title", "kpi.baseline"):
        assert STRINGS["es"][key] in spanish and STRINGS["en"][key] not in spanish
        assert STRINGS["en"][key] in english
    # Names as entered, in both.
    for text in ("Joint study of truck crossing capacity at Laredo - Nuevo Laredo", "INDAABIN",
                 "Concluir el levantamiento de aforos (ilustrativo)."):
        assert text in spanish and text in english
    assert "15 de septiembre de 2026" in spanish and "September 15, 2026" in english


def test_html_is_self_contained(report_b) -> None:  # type: ignore[no-untyped-def]
    html = render(report_b, "en", "html").decode("utf-8")
    assert "<svg" in html and "<polyline" in html
    assert not re.search(r"""(src|href)=["']https?://(?!www\.bts\.gov)""", html)
    assert "<link" not in html and "<script" not in html and "@import" not in html


def test_pdf_renders_in_both_languages(report_b) -> None:  # type: ignore[no-untyped-def]
    for lang in ("en", "es"):
        data = render(report_b, lang, "pdf")
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
        assert len(data) > 3000


def _small_plan(engine, actions: list[dict[str, object]], kpis: list[dict[str, object]] | None = None):  # type: ignore[no-untyped-def]
    from borderflow.plans.model import parse_plan

    plans.import_plan(engine, parse_plan({
        "format": "borderflow-plan/1", "slug": "small", "year": 2026, "title": "Small plan",
        "meetings": [{"name": "A", "held_on": "2026-01-10"}, {"name": "B", "held_on": "2026-06-01"}],
        "actions": actions, "kpis": kpis or []}))
    return plans.load_plan(engine, "small")


def _action(code: str, status: str, history: list[tuple[str, str, str]], due_on: str) -> dict[str, object]:
    chain, before = [], None
    for to, at, why in history:
        chain.append({"from_status": before, "to_status": to, "at": at, "username": "ana", "country": "US", "why": why})
        before = to
    return {"code": code, "subcommittee": "infrastructure", "title": f"Action {code}", "kind": "study",
            "lead_side": "US", "status": status, "next_steps_us": f"next for {code}",
            "milestones": [{"side": "US", "title": f"Milestone of {code}", "due_on": due_on}], "history": chain}


def test_cancelled_actions_are_reported_and_closed_actions_have_no_next_steps(sqlite_engine) -> None:  # type: ignore[no-untyped-def]
    plan = _small_plan(sqlite_engine, [
        _action("C-1", "cancelled", [("planned", "2025-12-01T00:00:00Z", "adopted"),
                                     ("cancelled", "2026-03-01T00:00:00Z", "funding withdrawn")], "2026-09-01"),
        _action("D-1", "done", [("planned", "2025-12-01T00:00:00Z", "adopted"),
                                ("done", "2026-02-01T00:00:00Z", "finished early")], "2026-08-01"),
        _action("O-1", "in_progress", [("in_progress", "2025-12-01T00:00:00Z", "started")], "2026-07-01"),
    ])
    report = build_report(plan, "B", [])
    infra = next(s for s in report.sections if s.key == "infrastructure")
    assert [(i.action.code, i.milestone.title if i.milestone else i.text) for i in infra.next_steps] == [
        ("O-1", "Milestone of O-1"), ("O-1", "next for O-1")]
    assert [(i.action.code, i.on, i.why) for i in infra.cancelled] == [("C-1", dt.date(2026, 3, 1), "funding withdrawn")]
    for lang, heading in (("en", "Cancelled since the last meeting"), ("es", "Acciones canceladas")):
        for fmt in ("md", "html"):
            text = render(report, lang, fmt).decode("utf-8")
            assert heading in text and "funding withdrawn" in text and "Milestone of C-1" not in text
        assert render(report, lang, "pdf").startswith(b"%PDF-")


def test_spanish_units_plurals_and_whole_numbers(report_b, sqlite_engine) -> None:  # type: ignore[no-untyped-def]
    from borderflow.plans.i18n import unit

    spanish = render(report_b, "es", "md").decode("utf-8")
    english = render(report_b, "en", "md").decode("utf-8")
    assert "(camiones; mayor es mejor)" in spanish and "(minutos; menor es mejor)" in spanish
    assert "(trucks;" not in spanish and "(minutes;" not in spanish and "(trucks; higher is better)" in english
    assert "Meta 800,000," in spanish and "Target 800,000," in english and "800,000.0" not in spanish + english
    assert unit("TEUs por turno", "es") == "TEUs por turno" and unit("Vehicles", "es") == "vehículos"
    one = _small_plan(sqlite_engine, [_action("O-1", "in_progress", [], "2026-07-01")])
    report = build_report(one, "B", [])
    assert "1 acción," in render(report, "es", "md").decode("utf-8")
    assert "1 action," in render(report, "en", "md").decode("utf-8")
    html = render(report, "es", "html").decode("utf-8")
    assert "<b>1</b>acción<" in html and "acciones" not in html.split("<body>")[1].split("</header>")[0]


def _reports(engine, generated_on: dt.date = dt.date(2026, 11, 28)) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    plan = plans.load_plan(engine, "21cbm-example")
    return {f"{name} {lang}": render(build_report(plan, name, [], generated_on=generated_on), lang, "md")
            for name in ("Example plenary A", "Example plenary B") for lang in ("en", "es")}


def test_a_report_for_a_past_meeting_does_not_change_with_later_edits(plan_engine, us_editor, mx_editor) -> None:  # type: ignore[no-untyped-def]
    from borderflow.plans.model import Evidence
    from tests.plans.conftest import action_id

    before = _reports(plan_engine)
    later = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)  # after both meetings
    # CS-1 was imported "planned" with no history: it stands at both meetings
    plans.change_status(plan_engine, action_id(plan_engine, "CS-1"), "cancelled", "merged", mx_editor, at=later)
    plans.change_status(plan_engine, action_id(plan_engine, "INF-1"), "done", "opened", us_editor, at=later)
    plan = plans.load_plan(plan_engine, "21cbm-example")
    booths = next(m for a in plan.actions for m in a.milestones if m.title.startswith("Additional northbound"))
    pilot = next(m for a in plan.actions for m in a.milestones if m.title.startswith("Pilot guidelines"))
    assert booths.id is not None and pilot.id is not None
    plans.update_milestone(plan_engine, booths.id, {"done_on": "2026-11-20"}, us_editor)
    plans.update_milestone(plan_engine, pilot.id, {"done_on": "2026-11-21"}, mx_editor)
    plans.add_evidence(plan_engine, action_id(plan_engine, "SF-2"), Evidence("MX", "note", "guidelines out"), mx_editor)
    assert _reports(plan_engine) == before
    report = build_report(plans.load_plan(plan_engine, "21cbm-example"), "Example plenary B", [])
    corridor = next(s for s in report.sections if s.key == "corridor_security")
    assert [(i.action.code, i.text) for i in corridor.next_steps] == [
        ("CS-1", "Protocol drafted (ilustrativo)"), ("CS-1", "Definir el protocolo de comunicación (ilustrativo).")]
    assert [(a.code, a.status) for a in corridor.actions] == [("CS-1", "planned")]
    infra = next(s for s in report.sections if s.key == "infrastructure")
    assert {(a.code, a.status) for a in infra.actions} == {("INF-1", "in_progress"), ("INF-2", "delayed")}
    assert ("INF-1", dt.date(2026, 6, 30)) in {(i.action.code, i.due_on) for i in infra.late}
    assert all(h.at.date() <= dt.date(2026, 9, 15) for a in infra.actions for h in a.history)


def test_a_report_shows_only_kpi_periods_ended_by_its_meeting(sqlite_engine) -> None:  # type: ignore[no-untyped-def]
    from borderflow.plans import kpi
    from borderflow.plans.model import Meeting

    spec = kpi.parse_spec({"source": "results", "better": "higher", "period": "quarter", "target": 10,
                           "baseline": {"from": "2026-01", "to": "2026-12"},
                           "results": [{"period": "2026Q1", "file": "x.json", "field": "x"}]})
    values = (kpi.KpiValue("2026Q1", 4.0, 1), kpi.KpiValue("2026Q2", 6.0, 1), kpi.KpiValue("2026Q3", 20.0, 1))
    series = kpi.KpiSeries("k", "K", spec, values, kpi.baseline_of(values, spec))
    plan = _small_plan(sqlite_engine, [_action("O-1", "in_progress", [], "2026-07-01")],
                       [{"key": "k", "name": "K", "spec": spec.as_dict()}])
    plans.add_meeting(sqlite_engine, "small", Meeting("C", dt.date(2026, 9, 15)), secretary(sqlite_engine))
    report = build_report(plans.load_plan(sqlite_engine, "small"), "C", [series])
    shown = report.kpis[0]
    # 2026Q3 was still running at the meeting (Sep 15): its value would change with later readings
    assert [v.period for v in shown.values] == ["2026Q1", "2026Q2"]
    assert shown.baseline == 5.0 and shown.met is False
    assert plan.kpis[0].key == "k"


def test_spanish_periods_units_and_no_bare_dashes(report_b, sqlite_engine) -> None:  # type: ignore[no-untyped-def]
    from borderflow.plans import kpi

    for fmt in ("md", "html"):
        spanish, english = (render(report_b, lang, fmt).decode("utf-8") for lang in ("es", "en"))
        assert "(T4 2024)" in spanish and "(Q4 2024)" in english  # the Laredo trucks' latest quarter
        assert "2024Q4" not in spanish + english and "T4 2024" not in english
    spec = kpi.parse_spec({"source": "observations", "crossings": ["250401"], "mode": "passenger",
                           "statistic": "count", "better": "higher", "period": "month", "unit": "readings"})
    plan = _small_plan(sqlite_engine, [], [{"key": "k", "name": "Readings", "spec": spec.as_dict()},
                                           {"key": "e", "name": "Empty", "spec": spec.as_dict()}])
    report = build_report(plan, "B", [kpi.KpiSeries("k", "Readings", spec, (kpi.KpiValue("2015-11", 1.0, 1),), None),
                                      kpi.KpiSeries("e", "Empty", spec, (), None)])
    spanish, english = (render(report, lang, "md").decode("utf-8") for lang in ("es", "en"))
    assert ("**Readings** (lecturas; mayor es mejor): sin línea base, sin meta, Último valor 1 (nov 2015)\n"
            in spanish)
    assert "**Empty** (lecturas; mayor es mejor): sin línea base, sin meta — aún no hay mediciones" in spanish
    assert "**Readings** (readings; higher is better): no baseline, no target, Latest 1 (Nov 2015)\n" in english
    for text in (spanish, english, *(render(report, lang, "html").decode("utf-8") for lang in ("es", "en"))):
        assert "— —" not in text and " — \n" not in text and "—, " not in text and "· \n" not in text
        assert not re.search(r"·\s*</div>|·\s*<svg", text)
