"""KPIs against independent computations from the same real files.

The wait KPI is checked against pandas over the observations CSV that ``export``
writes; the volume KPI against pandas over the raw BTS file itself (not the parser).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine

from borderflow.errors import BadInputError
from borderflow.plans import kpi
from borderflow.services import plan_reports, plans
from borderflow.services.export import ObservationFilter, export_observations
from borderflow.services.ingest import Ingestor, ingest

DATA = Path(__file__).parents[1] / "data"
BTS = DATA / "bts" / "border-crossing-entry-us-mexico-1996-01_2025-02.csv.gz"
SNAPSHOTS = sorted((DATA / "cbp-rss-brownsville" / "snapshots").glob("*.xml"))


def _exported(engine: Engine) -> pd.DataFrame:
    out = io.StringIO()
    export_observations(engine, out, "csv", ObservationFilter())
    frame = pd.read_csv(io.StringIO(out.getvalue()), dtype={"crossing_id": str})
    frame["observed_at"] = pd.to_datetime(frame["observed_at"], utc=True)
    return frame


def test_wait_kpi_matches_pandas_over_the_exported_csv(engine: Engine) -> None:
    summary = ingest(engine, [str(p) for p in SNAPSHOTS[::2]])
    assert not any(f.error for f in summary.files)
    for statistic in ("p95", "mean", "p50", "count"):
        _check_wait_statistic(engine, statistic)


def _check_wait_statistic(engine: Engine, statistic: str) -> None:
    spec = kpi.parse_spec({"source": "observations", "crossings": ["535501", "535504"], "mode": "passenger",
                           "program": "standard", "statistic": statistic, "weekdays": [0, 1, 2, 3, 4],
                           "hours": [6, 10], "period": "month", "target": 20, "better": "lower"})
    got = plan_reports.compute_kpi(engine, "k", "k", spec)

    frame = _exported(engine)
    frame = frame[frame.crossing_id.isin(["535501", "535504"]) & (frame["mode"] == "passenger")
                  & (frame.program == "standard") & frame.wait_minutes.notna()]
    local = frame.observed_at.dt.tz_convert("America/Chicago")  # Brownsville's zone
    keep = (local.dt.day_of_week < 5) & (local.dt.hour >= 6) & (local.dt.hour < 10)
    waits = frame.wait_minutes[keep].astype(float).groupby(local[keep].dt.strftime("%Y-%m"))
    expected = {"p95": waits.quantile(0.95), "p50": waits.median(), "mean": waits.mean(),
                "count": waits.count().astype(float)}[statistic]
    assert len(expected) >= 1 and waits.count().sum() > 20  # the filter keeps real readings
    assert [v.period for v in got.values] == list(expected.index)
    for value, want in zip(got.values, expected, strict=True):
        assert math.isclose(value.value, float(want), rel_tol=1e-9)


def test_volume_kpi_matches_pandas_over_the_raw_bts_file(sqlite_engine: Engine) -> None:
    ingest(sqlite_engine, [str(BTS)])
    spec = kpi.parse_spec({"source": "volumes", "ports": ["2304"], "measure": "Trucks", "period": "quarter",
                           "baseline": {"from": "2019-01", "to": "2019-12"}, "target": 800000, "better": "higher",
                           "start": "2015-01-01"})
    got = plan_reports.compute_kpi(sqlite_engine, "laredo", "Laredo trucks", spec)

    raw = pd.read_csv(BTS)
    raw = raw[(raw["Port Code"] == 2304) & (raw["Measure"] == "Trucks")]
    month = pd.to_datetime(raw["Date"], format="%b %Y")
    raw = raw[month >= "2015-01-01"]
    quarter = pd.to_datetime(raw["Date"], format="%b %Y").dt.to_period("Q")
    sums = raw.groupby(quarter)["Value"].sum()
    months = raw.groupby(quarter)["Value"].count()
    sums = sums[months == 3]  # a quarter missing a month is left out
    assert [v.period for v in got.values] == [str(p) for p in sums.index]
    assert [v.value for v in got.values] == [float(s) for s in sums]
    assert got.baseline == pytest.approx(sums[[str(p).startswith("2019") for p in sums.index]].mean())
    assert got.met is False and got.values[-1].period == "2024Q4"
    # TxDOT counts the same trucks bridge by bridge: loading it changes nothing, never doubles
    ingest(sqlite_engine, [str(BTS.parent.parent / "txdot" / "monthly_crossings_2008_2025.csv.gz")])
    assert plan_reports.compute_kpi(sqlite_engine, "laredo", "Laredo trucks", spec).values == got.values
    # ... unless the KPI asks for TxDOT's own count, which runs past BTS's last month
    txdot = plan_reports.compute_kpi(sqlite_engine, "laredo", "Laredo trucks",
                              kpi.parse_spec({**spec.as_dict(), "volumes_from": "txdot"}))
    by_period = {v.period: v.value for v in txdot.values}
    assert txdot.values[-1].period > "2024Q4"
    # the two publishers agree to the truck in most quarters (not all: 2019Q4 differs by 10%)
    gaps = sorted(abs(by_period[v.period] / v.value - 1) for v in got.values if v.period in by_period)
    assert len(gaps) >= 30 and gaps[len(gaps) // 2] < 1e-5 and gaps[-1] < 0.11


def test_results_kpi_reads_appraisal_output(tmp_path: Path, sqlite_engine: Engine) -> None:
    (tmp_path / "q1.json").write_text(json.dumps({"alternatives": [{"hours_saved_per_year": 1250.5}]}))
    (tmp_path / "q2.json").write_text(json.dumps({"alternatives": [{"hours_saved_per_year": 1400}]}))
    spec = kpi.parse_spec({"source": "results", "better": "higher", "target": 1300, "results": [
        {"period": "2026Q2", "file": "q2.json", "field": "alternatives.0.hours_saved_per_year"},
        {"period": "2026Q1", "file": "q1.json", "field": "alternatives.0.hours_saved_per_year"}]})
    got = plan_reports.compute_kpi(sqlite_engine, "hours", "Hours saved", spec, base=tmp_path)
    assert [(v.period, v.value) for v in got.values] == [("2026Q1", 1250.5), ("2026Q2", 1400.0)]
    assert got.met is True
    bad = kpi.parse_spec({"source": "results", "better": "higher",
                          "results": [{"period": "2026Q1", "file": "q1.json", "field": "alternatives.3.x"}]})
    with pytest.raises(BadInputError, match="no field"):
        plan_reports.compute_kpi(sqlite_engine, "h", "h", bad, base=tmp_path)


@pytest.mark.parametrize("spec, message", [
    ({"source": "observations", "crossings": ["250401"], "mode": "car", "statistic": "p95", "better": "lower"}, "mode"),
    ({"source": "observations", "crossings": ["250401"], "mode": "passenger", "statistic": "p99", "better": "lower"},
     "statistic"),
    ({"source": "observations", "crossings": ["250401"], "mode": "passenger", "statistic": "p95", "better": "lower",
      "hours": [10, 6]}, "hours"),
    ({"source": "volumes", "ports": ["2304"], "better": "higher"}, "measure"),
    ({"source": "volumes", "ports": ["2304"], "measure": "Trucks", "better": "up"}, "better"),
    ({"source": "volumes", "ports": ["2304"], "measure": "Trucks", "better": "higher",
      "baseline": {"from": "2020-01"}}, "baseline"),
    # a whole number no float holds is no target (it was an OverflowError)
    ({"source": "volumes", "ports": ["2304"], "measure": "Trucks", "better": "higher", "target": 10**400},
     r"target must be a number; got .a whole number of 401 digits."),
])
def test_bad_specs_name_the_field(spec: dict[str, object], message: str) -> None:
    with pytest.raises(BadInputError, match=message):
        kpi.parse_spec(spec)


@given(st.lists(st.floats(min_value=0, max_value=600, allow_nan=False), min_size=1, max_size=60),
       st.sampled_from([0.5, 0.95]))
def test_quantile_agrees_with_pandas_and_stays_in_range(values: list[float], q: float) -> None:
    got = kpi.quantile(values, q)
    assert min(values) <= got <= max(values)
    assert math.isclose(got, float(pd.Series(values).quantile(q)), rel_tol=1e-9, abs_tol=1e-9)


def test_local_time_filters_use_the_crossing_zone() -> None:
    spec = kpi.parse_spec({"source": "observations", "crossings": ["250401"], "mode": "passenger",
                           "statistic": "count", "weekdays": [0], "hours": [6, 10], "period": "quarter",
                           "better": "lower"})
    from zoneinfo import ZoneInfo

    la = ZoneInfo("America/Los_Angeles")
    readings = [
        (dt.datetime(2024, 5, 6, 13, 30, tzinfo=dt.UTC), 30.0, la),  # Mon 06:30 PDT: kept
        (dt.datetime(2024, 5, 6, 12, 30, tzinfo=dt.UTC), 30.0, la),  # Mon 05:30 PDT: before 6
        (dt.datetime(2024, 5, 6, 17, 0, tzinfo=dt.UTC), 30.0, la),   # Mon 10:00 PDT: end excluded
        (dt.datetime(2024, 5, 7, 14, 0, tzinfo=dt.UTC), 30.0, la),   # Tuesday
        (dt.datetime(2024, 7, 1, 1, 0, tzinfo=dt.UTC), 30.0, la),    # Sun Jun 30 18:00 local
    ]
    assert kpi.wait_series(readings, spec) == [kpi.KpiValue("2024Q2", 1.0, 1)]


_RESULTS = {"source": "results", "better": "higher", "field": "x"}


@pytest.mark.parametrize("spec, message", [
    # a results period must be a label of the KPI's own period
    *[({**_RESULTS, "results": [{"period": label, "file": "a.json", "field": "x"}]}, "results\\[0\\].period")
      for label in ("FY2026", "2026q1", "2026Q5", "2026-1", "2026-03")],
    ({**_RESULTS, "period": "month", "results": [{"period": "2026Q1", "file": "a.json", "field": "x"}]},
     "results\\[0\\].period"),
    # start/end are dates YYYY-MM-DD within the plans' range
    ({"source": "volumes", "ports": ["2304"], "measure": "Trucks", "better": "higher", "start": "2026-13-01"},
     "spec.start must be a date YYYY-MM-DD"),
    ({"source": "volumes", "ports": ["2304"], "measure": "Trucks", "better": "higher", "start": 20260101},
     "spec.start must be a date YYYY-MM-DD"),
    ({"source": "volumes", "ports": ["2304"], "measure": "Trucks", "better": "higher", "end": "0001-01-01"},
     "spec.end must be a date from 1990-01-01"),
    # a bool is not an hour nor a weekday
    ({"source": "observations", "crossings": ["250401"], "mode": "passenger", "statistic": "p95", "better": "lower",
      "hours": [True, 10]}, "hours"),
    ({"source": "observations", "crossings": ["250401"], "mode": "passenger", "statistic": "p95", "better": "lower",
      "weekdays": [False]}, "weekdays"),
])
def test_bad_results_periods_dates_and_hours_are_refused(spec: dict[str, object], message: str) -> None:
    with pytest.raises(BadInputError, match=message):
        kpi.parse_spec(spec)


def test_results_periods_of_the_kpis_period_are_accepted() -> None:
    months = kpi.parse_spec({**_RESULTS, "period": "month", "results": [{"period": "2026-03", "file": "a", "field": "x"}]})
    quarters = kpi.parse_spec({**_RESULTS, "results": [{"period": "2026Q4", "file": "a", "field": "x"}]})
    assert months.results[0][0] == "2026-03" and quarters.results[0][0] == "2026Q4"


def test_a_quarter_baseline_counts_only_quarters_wholly_inside_the_months() -> None:
    spec = kpi.parse_spec({"source": "volumes", "ports": ["2304"], "measure": "Trucks", "better": "higher",
                           "baseline": {"from": "2024-02", "to": "2024-12"}})
    values = [kpi.KpiValue("2024Q1", 1000.0, 3), kpi.KpiValue("2024Q2", 10.0, 3), kpi.KpiValue("2024Q3", 20.0, 3),
              kpi.KpiValue("2024Q4", 30.0, 3), kpi.KpiValue("2025Q1", 5000.0, 3)]
    assert kpi.baseline_of(values, spec) == 20.0  # Q1 only partly inside: left out
    whole = kpi.parse_spec({**spec.as_dict(), "baseline": {"from": "2024-01", "to": "2024-11"}})
    assert kpi.baseline_of(values, whole) == pytest.approx((1000 + 10 + 20) / 3)


def test_daily_means_are_not_readings_of_a_wait_kpi(sqlite_engine: Engine) -> None:
    from borderflow.store.schema import observations

    at = dt.datetime(2024, 5, 6, 15, 0, tzinfo=dt.UTC)  # a Monday, 08:00 in San Ysidro
    row = {"crossing_id": "250401", "mode": "passenger", "program": "standard", "direction": "northbound",
           "observed_at": at}
    with sqlite_engine.begin() as conn:
        conn.execute(observations.insert(), [{**row, "wait_minutes": 30, "source": "cbp-bwt"},
                                             {**row, "wait_minutes": 90, "source": "cascade-daily-mean"}])
    spec = kpi.parse_spec({"source": "observations", "crossings": ["250401"], "mode": "passenger",
                           "statistic": "mean", "better": "lower"})
    got = plan_reports.compute_kpi(sqlite_engine, "k", "k", spec)
    assert [(v.period, v.value, v.n) for v in got.values] == [("2024Q2", 30.0, 1)]


def test_a_kpi_that_cannot_be_measured_says_why_and_the_others_are_computed(tmp_path: Path,
                                                                            engine: Engine) -> None:
    from borderflow.plans.model import parse_plan

    (tmp_path / "q1.json").write_text(json.dumps({"hours": 12.5}))
    doc = {"format": "borderflow-plan/1", "slug": "p", "year": 2026, "title": "P", "kpis": [
        {"key": "gone", "name": "Gone", "spec": {**_RESULTS, "unit": "hours", "target": 10, "results": [
            {"period": "2026Q1", "file": "/tmp/nonexistent-borderflow.json", "field": "hours"}]}},
        {"key": "here", "name": "Here", "spec": {**_RESULTS, "results": [
            {"period": "2026Q1", "file": "q1.json", "field": "hours"}]}}]}
    plans.import_plan(engine, parse_plan(doc))
    gone, here = plan_reports.plan_kpis_computed(engine, "p", base=tmp_path)
    assert gone.values == () and "does not exist" in gone.error and gone.spec.target == 10.0
    assert gone.as_dict()["error"] == gone.error and gone.met is None
    assert here.error == "" and [v.value for v in here.values] == [12.5]


@pytest.mark.parametrize(("field", "value", "source"), [
    ("crossings", ["abc"], "observations"), ("crossings", ["53550"], "observations"),
    ("crossings", ["５３５５０１"], "observations"), ("crossings", [], "observations"),
    ("ports", ["23O4"], "volumes"), ("ports", ["23 04"], "volumes")])
def test_crossing_and_port_codes_are_checked_at_import(field: str, value: list[str], source: str) -> None:
    spec = ({"source": "observations", "mode": "passenger", "statistic": "mean", "better": "lower"}
            if source == "observations" else {"source": "volumes", "measure": "Trucks", "better": "higher"})
    with pytest.raises(BadInputError, match=f"{field} must be a list of"):
        kpi.parse_spec({**spec, field: value})


def test_a_measure_must_be_written_as_the_archive_stores_it() -> None:
    base = {"source": "volumes", "ports": ["2304"], "better": "higher"}
    with pytest.raises(BadInputError, match="spec.measure 'trucks' is not a measure the archive stores; did you mean "
                                            "'Trucks'\\? use one of .*'?Personal Vehicles.*Trucks"):
        kpi.parse_spec({**base, "measure": "trucks"})
    with pytest.raises(BadInputError, match="'Widgets' is not a measure the archive stores; use one of Bus Passengers"):
        kpi.parse_spec({**base, "measure": "Widgets"})
    assert kpi.parse_spec({**base, "measure": " Railcars "}).measure == "Railcars"  # TxDOT's


def test_a_kpi_naming_an_unknown_crossing_or_port_says_so_not_no_data(engine: Engine) -> None:
    from borderflow.messages import say
    from borderflow.plans.model import KpiDefinition

    waits = {"source": "observations", "mode": "passenger", "statistic": "mean", "better": "lower"}
    unknown = plan_reports.measure_kpi(engine, KpiDefinition("w", "W", {**waits, "crossings": ["250401", "999999"]}))
    assert unknown.error == ("not in the catalog of crossings: 999999; correct the KPI's crossing ids "
                             "(GET /api/v1/crossings lists the known ones)")
    assert say(unknown.error, "es").startswith("no están en el catálogo de cruces: 999999; corrija")
    waiting = plan_reports.measure_kpi(engine, KpiDefinition("w", "W", {**waits, "crossings": ["250401"]}))
    assert waiting.error == "" and waiting.values == ()  # a real crossing with no readings yet: no data yet
    counts = {"source": "volumes", "measure": "Trucks", "better": "higher"}
    port = plan_reports.measure_kpi(engine, KpiDefinition("v", "V", {**counts, "ports": ["9999"]}))
    assert port.error.startswith("not in the catalog of ports and without counts in the archive: 9999; correct")
    assert plan_reports.measure_kpi(engine, KpiDefinition("v", "V", {**counts, "ports": ["2304"]})).error == ""
    stored = plan_reports.measure_kpi(engine, KpiDefinition("v", "V", {**counts, "ports": ["2304"], "measure": "trucks"}))
    assert "did you mean 'Trucks'?" in stored.error  # a definition stored before the rule says what is wrong
    # a source of counts the archive never stored: said, not "no data yet"
    Ingestor(engine).ingest_bytes(b"port_code,site,period,period_start,measure,direction,value,source\n"
                                  b"2304,,month,2024-01-01,Trucks,northbound,100,bts\n", "v.csv", "volumes-csv")
    misspelt = plan_reports.measure_kpi(engine, KpiDefinition("v", "V", {**counts, "ports": ["2304"], "volumes_from": "btss"}))
    assert misspelt.error == ("the archive holds no counts from source 'btss' (volumes_from); its sources of counts "
                              "are bts: correct the KPI's volumes_from")
    assert say(misspelt.error, "es").startswith("el archivo no tiene conteos de la fuente 'btss'")
    named = plan_reports.measure_kpi(engine, KpiDefinition("v", "V", {**counts, "ports": ["2304"], "volumes_from": "bts"}))
    assert named.error == ""


def test_a_target_the_baseline_already_meets_is_flagged(sqlite_engine: Engine) -> None:
    from borderflow.plans.model import parse_plan
    from borderflow.plans.render import render
    from borderflow.plans.report import build_report

    spec = kpi.parse_spec({**_RESULTS, "better": "lower", "target": 100, "unit": "minutes",
                           "baseline": {"from": "2026-01", "to": "2026-03"},
                           "results": [{"period": "2026Q1", "file": "x.json", "field": "x"}]})
    values = (kpi.KpiValue("2026Q1", 38.6, 1), kpi.KpiValue("2026Q2", 41.0, 1))
    series = kpi.KpiSeries("k", "Wait", spec, values, kpi.baseline_of(values, spec))
    assert series.target_met_at_baseline and series.met is True and series.as_dict()["target_met_at_baseline"]
    assert not kpi.KpiSeries("k", "Wait", kpi.parse_spec({**spec.as_dict(), "target": 30}), values,
                             series.baseline).target_met_at_baseline
    plans.import_plan(sqlite_engine, parse_plan({
        "format": "borderflow-plan/1", "slug": "p", "year": 2026, "title": "P",
        "meetings": [{"name": "A", "held_on": "2026-07-01"}], "kpis": [{"key": "k", "name": "Wait", "spec": spec.as_dict()}]}))
    report = build_report(plans.load_plan(sqlite_engine, "p"), "A", [series])
    assert "the baseline already meets the target: a level to hold" in render(report, "en", "md").decode()
    assert "la línea base ya cumple la meta" in render(report, "es", "md").decode()


def test_a_kpi_unit_follows_the_rules_of_plan_texts() -> None:
    from borderflow.errors import BadInputError
    from borderflow.plans.kpi import UNIT_LIMIT, parse_spec

    base = {"source": "volumes", "ports": ["2304"], "measure": "Trucks", "better": "higher"}
    assert parse_spec({**base, "unit": "  padded unit  "}).unit == "padded unit"
    assert parse_spec({**base, "unit": "   "}).unit == "" and "unit" not in parse_spec({**base, "unit": " "}).as_dict()
    assert parse_spec({**base, "unit": None}).unit == ""
    for wrong, said in ((("x" * (UNIT_LIMIT + 1)), f"spec.unit may be at most {UNIT_LIMIT} characters"),
                        ("x" * 100_001, "got 100001"), (5, "spec.unit must be text"),
                        ("a\nb", "spec.unit")):
        with pytest.raises(BadInputError, match=said):
            parse_spec({**base, "unit": wrong})
