"""The progress report: its content for a meeting, and the same report in both languages and formats."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from borderflow.errors import NotFoundError
from borderflow.plans.i18n import STRINGS
from borderflow.plans.render import render
from borderflow.plans.report import build_report
from borderflow.services import plans
from borderflow.services.ingest import ingest
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
    series = plans.plan_kpis_computed(engine, "21cbm-example")
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
