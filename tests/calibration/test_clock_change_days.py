"""Days on which the clocks change, calibrated from the forecast and staffed.

Peace Arch (300402, America/Los_Angeles) has real hourly waits from 2013 to 2018
(Cascade Gateway); its clocks went forward on 2014-03-09 (23 hours, no 02:00) and back
on 2014-11-02 (25 hours, 01:00 PDT then 01:00 PST). Each such day is calibrated and
staffed as the hours elapse, every hour with its own forecast, labelled as the local
clock shows it. The fits use one service mean and few replications (seconds, not a
minute: the method is the default's, tested in test_calibration.py).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from borderflow.calibration.fit import FitOptions
from borderflow.services.calibration import Calibration, calibrate_forecast_day, forecast_day_inputs
from borderflow.sim import load_scenario, simulate
from borderflow.staffing import ShiftRules, StaffingRequest, plan_staffing

DATA = Path(__file__).parent.parent / "data"
CASCADE = DATA / "cascade" / "peace-arch-south-cars-hourly-2013-01_2018-08.csv"
UTC = dt.UTC
LANE = ("300402", "passenger", "standard")
SMALL_FIT = FitOptions(service_grid_seconds=(60.0,), replications=8, final_replications=40)
#: 23:30 local the evening before: the forecast starts at the day's midnight.
FALL_BACK, FALL_BACK_AT = dt.date(2014, 11, 2), dt.datetime(2014, 11, 2, 6, 30, tzinfo=UTC)
SPRING_FORWARD, SPRING_FORWARD_AT = dt.date(2014, 3, 9), dt.datetime(2014, 3, 9, 7, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def peace_arch(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """Peace Arch's hourly waits and a small forecast model reaching 26 hours (a 25-hour
    day forecast from its midnight), trained on the readings before 2014-03-01."""
    from borderflow.forecast.gbm import GBMParams
    from borderflow.services.forecasting import train
    from borderflow.services.ingest import ingest
    from borderflow.store.catalog import seed_catalog
    from borderflow.store.db import make_engine, migrate

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('clock') / 'archive.sqlite3'}")
    migrate(engine)
    seed_catalog(engine)
    ingest(engine, [str(CASCADE)])
    train(engine, crossing_ids=["300402"], mode="passenger", program="standard", until="2014-03-01T00:00:00Z",
          params=GBMParams(max_horizon=26, max_train_rows=8_000, num_trees=40, num_leaves=15, learning_rate=0.15,
                           min_data_in_leaf=20, recalibration_hours=0))
    return engine


@pytest.fixture(scope="module")
def fall_back(peace_arch: Engine) -> Calibration:
    return calibrate_forecast_day(peace_arch, *LANE, FALL_BACK, as_of=FALL_BACK_AT, options=SMALL_FIT)


@pytest.fixture(scope="module")
def spring_forward(peace_arch: Engine) -> Calibration:
    return calibrate_forecast_day(peace_arch, *LANE, SPRING_FORWARD, as_of=SPRING_FORWARD_AT, options=SMALL_FIT)


def forecast_by_utc_hour(engine: Engine, hours: int, as_of: dt.datetime) -> dict[dt.datetime, float]:
    from borderflow.services.forecasting import forecast_for

    made = forecast_for(engine, *LANE, hours, as_of=as_of)
    return {dt.datetime.fromisoformat(f["hour"]): f["wait_minutes"] for f in made["forecast"]}


def test_the_day_the_clocks_go_back_has_25_hours_each_with_its_own_forecast(peace_arch: Engine,
                                                                             fall_back: Calibration) -> None:
    c = fall_back
    midnight = dt.datetime(2014, 11, 2, 7, tzinfo=UTC)  # 00:00 PDT
    by_hour = forecast_by_utc_hour(peace_arch, 25, FALL_BACK_AT)
    # every hour of the day, the two 01:00 (08:00 and 09:00 UTC) included, in the order they elapse
    assert list(c.fit.target.wait_minutes) == [by_hour[midnight + dt.timedelta(hours=h)] for h in range(25)]
    assert len(c.fit.per_hour) == len(c.fit.simulated_wait_minutes) == 25
    data = c.to_json_dict()
    labels = [row["label"] for row in data["hours"]]
    assert labels[:4] == ["00:00 PDT", "01:00 PDT", "01:00 PST", "02:00 PST"] and labels[-1] == "23:00 PST"
    assert [row["starts_at"] for row in data["hours"][1:3]] == ["2014-11-02T01:00:00-07:00",
                                                               "2014-11-02T01:00:00-08:00"]
    assert [row["hour"] for row in data["hours"]] == list(range(25))
    assert data["clock"] == {"start": "2014-11-02T00:00:00-07:00", "timezone": "America/Los_Angeles"}
    assert data["notes"][0].startswith("2014-11-02 is 25 hours long at 300402 (America/Los_Angeles): the clocks go "
                                       "back, so 01:00 comes twice (01:00 PDT and 01:00 PST)")
    # the scenario written is the 25 elapsed hours, its clock with it
    scenario = load_scenario(data["scenario"])
    assert scenario.hours == 25 and scenario.clock == c.clock
    assert scenario.hour_labels() == tuple(labels)
    assert "the day has 25 hours" in scenario.description
    assert len(simulate(scenario, replications=2, seed=1).lane_groups["lane"].hourly) == 25


def test_the_day_the_clocks_go_forward_has_23_hours_and_no_two_oclock(peace_arch: Engine,
                                                                      spring_forward: Calibration) -> None:
    c = spring_forward
    midnight = dt.datetime(2014, 3, 9, 8, tzinfo=UTC)  # 00:00 PST
    by_hour = forecast_by_utc_hour(peace_arch, 23, SPRING_FORWARD_AT)
    assert list(c.fit.target.wait_minutes) == [by_hour[midnight + dt.timedelta(hours=h)] for h in range(23)]
    data = c.to_json_dict()
    labels = [row["label"] for row in data["hours"]]
    assert len(labels) == 23 and labels[:3] == ["00:00 PST", "01:00 PST", "03:00 PDT"]
    assert not any(label.startswith("02:") for label in labels)
    assert "the clocks go forward, so there is no 02:00" in data["notes"][0]
    assert load_scenario(data["scenario"]).hours == 23


def test_a_plain_day_keeps_its_24_hours_and_writes_no_clock(peace_arch: Engine) -> None:
    day, at = dt.date(2014, 11, 3), dt.datetime(2014, 11, 3, 7, 30, tzinfo=UTC)
    inputs = forecast_day_inputs(peace_arch, *LANE, day, as_of=at, options=SMALL_FIT)
    by_hour = forecast_by_utc_hour(peace_arch, 24, at)
    midnight = dt.datetime(2014, 11, 3, 8, tzinfo=UTC)  # 00:00 PST
    assert list(inputs.target.wait_minutes) == [by_hour[midnight + dt.timedelta(hours=h)] for h in range(24)]
    assert inputs.clock is None and not any("hours long" in n for n in inputs.notes)


def test_both_repeated_hours_are_forecast_not_one_kept(peace_arch: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A forecast whose every hour differs (the horizon itself) lands hour for hour."""
    from borderflow.services import forecasting

    def numbered(engine: Engine, crossing_id: str, mode: str, program: str, hours: int, *, as_of: dt.datetime,
                 direction: str) -> dict[str, Any]:
        origin = as_of.replace(minute=0) + dt.timedelta(hours=1)
        items = [{"hour": (origin + dt.timedelta(hours=k)).isoformat(), "wait_minutes": float(k)} for k in range(hours)]
        return {"forecast": items, "model": "numbered", "model_version": "numbered-1", "made_at": "",
                "origin": origin.isoformat(), "last_reading_at": ""}

    monkeypatch.setattr(forecasting, "forecast_for", numbered)
    back = forecast_day_inputs(peace_arch, *LANE, FALL_BACK, as_of=FALL_BACK_AT)
    assert back.target.wait_minutes == tuple(float(k) for k in range(25))
    forward = forecast_day_inputs(peace_arch, *LANE, SPRING_FORWARD, as_of=SPRING_FORWARD_AT)
    assert forward.target.wait_minutes == tuple(float(k) for k in range(23))


def test_booths_are_those_of_the_clock_hour_each_hour_shows(sqlite_engine: Engine,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """B&M (America/Chicago) opened 3 lanes at 01:00 and 1 at 03:00, else 2, for four weeks:
    both 01:00 of 2026-11-01 open 3; on 2026-03-08 the hour after 01:00 is 03:00, with 1."""
    from zoneinfo import ZoneInfo

    from borderflow.services import forecasting
    from borderflow.store.schema import observations

    chicago = ZoneInfo("America/Chicago")
    rows = []
    for end in (dt.datetime(2026, 11, 1, 5, tzinfo=UTC), dt.datetime(2026, 3, 8, 6, tzinfo=UTC)):
        for k in range(28 * 24):
            at = end - dt.timedelta(hours=k + 1)
            local_hour = at.astimezone(chicago).hour
            rows.append({"crossing_id": "535501", "mode": "passenger", "program": "standard",
                         "direction": "northbound", "observed_at": at, "wait_minutes": 10, "status": None,
                         "lanes_open": {1: 3, 3: 1}.get(local_hour, 2), "source": "test"})
    with sqlite_engine.begin() as conn:
        conn.execute(observations.insert(), rows)

    def flat(engine: Engine, crossing_id: str, mode: str, program: str, hours: int, *, as_of: dt.datetime,
             direction: str) -> dict[str, Any]:
        origin = as_of.replace(minute=0) + dt.timedelta(hours=1)
        items = [{"hour": (origin + dt.timedelta(hours=k)).isoformat(), "wait_minutes": 12.0} for k in range(hours)]
        return {"forecast": items, "model": "flat", "model_version": "flat-1", "made_at": "",
                "origin": origin.isoformat(), "last_reading_at": ""}

    monkeypatch.setattr(forecasting, "forecast_for", flat)
    lane = ("535501", "passenger", "standard")
    back = forecast_day_inputs(sqlite_engine, *lane, dt.date(2026, 11, 1),
                               as_of=dt.datetime(2026, 11, 1, 4, 30, tzinfo=UTC))
    assert back.target.booths == (2, 3, 3, 2, 1) + (2,) * 20
    assert back.booths_source.startswith("lanes_open readings of the 28 days before the forecast")
    forward = forecast_day_inputs(sqlite_engine, *lane, dt.date(2026, 3, 8),
                                  as_of=dt.datetime(2026, 3, 8, 5, 30, tzinfo=UTC))
    assert forward.target.booths == (2, 3, 1) + (2,) * 20
    assert forward.clock is not None and forward.clock.labels(23)[:3] == ("00:00 CST", "01:00 CST", "03:00 CDT")


def test_a_clock_change_day_is_staffed_hour_by_elapsed_hour(fall_back: Calibration) -> None:
    scenario = load_scenario(fall_back.scenario())
    request = StaffingRequest(target_p95_minutes=15, max_booths=14, replications=10, shifts=ShiftRules())
    plan = plan_staffing(scenario, request)
    assert plan.hours == 25 and plan.hour_labels[1:3] == ("01:00 PDT", "01:00 PST")
    data = plan.to_json_dict()
    assert data["hours"] == 25 and data["hour_labels"] == list(scenario.hour_labels())
    assert scenario.clock is not None and data["clock"] == scenario.clock.to_mapping()
    lane = data["lane_groups"]["lane"]
    assert len(lane["booths"]) == len(lane["p95_minutes"]) == len(lane["arrivals"]) == 25
    assert len(data["baseline_sipp"]["lane_groups"]["lane"]["booths"]) == 25
    # an 8-hour shift is eight hours as they elapse: from 00:00 PDT it ends after 06:00 PST
    assert plan.roster is not None and len(plan.roster.on_duty) == 25
    assert all(d >= r for d, r in zip(plan.roster.on_duty, plan.roster.required, strict=True))
    # a circular roster would wrap the 25 hours onto a next day of 24: refused, saying why
    from borderflow.errors import BadInputError

    with pytest.raises(BadInputError, match=r"the clocks change within .*\(25 hours, 00:00 PDT to 23:00 PST\)"):
        plan_staffing(scenario, StaffingRequest(target_p95_minutes=15, replications=10,
                                                shifts=ShiftRules(circular=True)))


def test_the_cli_calibrates_and_staffs_a_clock_change_day(peace_arch: Engine, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from borderflow.cli import calibrate as calibrate_cli
    from borderflow.cli.main import run

    # the command line's fit, made small as above
    monkeypatch.setattr(calibrate_cli, "FitOptions", functools.partial(
        FitOptions, service_grid_seconds=SMALL_FIT.service_grid_seconds, replications=SMALL_FIT.replications,
        final_replications=SMALL_FIT.final_replications))
    db = ["--db", str(peace_arch.url)]
    out = tmp_path / "fall-back.yaml"
    code = run([*db, "calibrate", "--crossing", "300402", "--mode", "passenger", "--program", "standard",
                "--forecast-day", "2014-11-02", "--at", FALL_BACK_AT.isoformat(), "--json", "-o", str(out)])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and len(data["hours"]) == 25
    assert [h["label"] for h in data["hours"][1:3]] == ["01:00 PDT", "01:00 PST"]
    assert load_scenario(out).hour_labels() == tuple(h["label"] for h in data["hours"])
    assert run(["staff", str(out), "--target-p95-minutes", "15", "--max-booths", "14", "-r", "10", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["hours"] == 25 and plan["hour_labels"][1:3] == ["01:00 PDT", "01:00 PST"]
    assert run(["staff", str(out), "--target-p95-minutes", "15", "--max-booths", "14", "-r", "10"]) == 0
    human = capsys.readouterr().out
    assert "│ 01:00 PDT │" in human and "│ 01:00 PST │" in human and "01:00 PST " in human.split("On duty")[1]
    assert run(["staff", str(out), "--target-p95-minutes", "15", "-r", "10", "--circular"]) == 1
    assert "the clocks change within" in capsys.readouterr().err
    spring = tmp_path / "spring.yaml"
    assert run([*db, "calibrate", "--crossing", "300402", "--mode", "passenger", "--program", "standard",
                "--forecast-day", "2014-03-09", "--at", SPRING_FORWARD_AT.isoformat(), "-o", str(spring)]) == 0
    rows = [line.split("│")[1].strip() for line in capsys.readouterr().out.splitlines() if line.startswith("│")]
    assert len(rows) == 23 and rows[:3] == ["00:00 PST", "01:00 PST", "03:00 PDT"]


# -- a window of readings on a day the clocks change -------------------------------------------

BM = ("535501", "passenger", "standard")  # B&M, Brownsville: America/Chicago


def readings_of_day(tmp_path: Path, midnight: dt.datetime, hours: int, lanes: dict[int, int]) -> Path:
    """An observations CSV of B&M cars over the ``hours`` hours from ``midnight`` (UTC),
    three readings an hour: elapsed hour h waits 5 + h minutes with ``lanes.get(h, 2)`` lanes
    open, so each hour, both 01:00 of the day the clocks go back included, is told apart."""
    lines = ["crossing_id,mode,program,observed_at,wait_minutes,lanes_open,status,source"]
    for h in range(hours):
        for minute in (5, 25, 45):
            at = midnight + dt.timedelta(hours=h, minutes=minute)
            lines.append(f"{','.join(BM)},{at.isoformat().replace('+00:00', 'Z')},{5 + h},{lanes.get(h, 2)},"
                         "delay,test")
    path = tmp_path / f"bm-{midnight:%Y-%m-%d}.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def ingest_day(engine: Engine, path: Path) -> None:
    from borderflow.services.ingest import ingest

    summary = ingest(engine, [str(path)]).as_dict()
    assert not summary["errors"], summary["errors"]


def test_a_window_of_the_day_the_clocks_go_back_is_its_25_hours(sqlite_engine: Engine, tmp_path: Path) -> None:
    from borderflow.services.calibration import calibrate_lane

    midnight = dt.datetime(2026, 11, 1, 5, tzinfo=UTC)  # 00:00 CDT
    ingest_day(sqlite_engine, readings_of_day(tmp_path, midnight, 25, {2: 3}))
    c = calibrate_lane(sqlite_engine, *BM, start=dt.datetime.fromisoformat("2026-11-01T00:00:00-05:00"),
                       end=dt.datetime.fromisoformat("2026-11-02T00:00:00-06:00"), options=SMALL_FIT)
    # every elapsed hour its own readings and lanes: 01:00 CDT waits 6 with 2 lanes, 01:00 CST 7 with 3
    assert c.fit.target.wait_minutes == tuple(float(5 + h) for h in range(25))
    assert c.fit.target.booths == (2, 2, 3) + (2,) * 22
    assert c.booths_source == "lanes_open readings (each elapsed hour's own)"
    data = c.to_json_dict()
    labels = [row["label"] for row in data["hours"]]
    assert labels[:4] == ["00:00 CDT", "01:00 CDT", "01:00 CST", "02:00 CST"] and labels[-1] == "23:00 CST"
    assert [row["observed_wait_minutes"] for row in data["hours"]] == [float(5 + h) for h in range(25)]
    assert data["clock"] == {"start": "2026-11-01T00:00:00-05:00", "timezone": "America/Chicago"}
    assert data["fit_days"] == ["2026-11-01"] and data["holdout_days"] == []
    assert data["notes"][0] == ("2026-11-01 is 25 hours long at 535501 (America/Chicago): the clocks go back, so "
                                "01:00 comes twice (01:00 CDT and 01:00 CST); the scenario is the day's 25 hours as "
                                "they elapse, each with its own readings and lanes open")
    scenario = load_scenario(data["scenario"])
    assert scenario.hours == 25 and scenario.hour_labels() == tuple(labels)
    assert len(c.fit.simulated_wait_minutes) == len(c.fit.per_hour) == 25


def test_a_window_of_the_day_the_clocks_go_forward_is_its_23_hours(sqlite_engine: Engine, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the command line: the table's 23 rows by the clock, no 02:00; --json the same."""
    from borderflow.cli import calibrate as calibrate_cli
    from borderflow.cli.main import run

    midnight = dt.datetime(2026, 3, 8, 6, tzinfo=UTC)  # 00:00 CST
    ingest_day(sqlite_engine, readings_of_day(tmp_path, midnight, 23, {2: 4}))
    monkeypatch.setattr(calibrate_cli, "FitOptions", functools.partial(
        FitOptions, service_grid_seconds=SMALL_FIT.service_grid_seconds, replications=SMALL_FIT.replications,
        final_replications=SMALL_FIT.final_replications))
    window = ["--db", str(sqlite_engine.url), "calibrate", "--crossing", BM[0], "--mode", BM[1], "--program", BM[2],
              "--from", "2026-03-08T00:00:00-06:00", "--to", "2026-03-09T00:00:00-05:00"]
    assert run(window) == 0
    out = capsys.readouterr().out
    rows = [line.split("│")[1].strip() for line in out.splitlines() if line.startswith("│")]
    assert len(rows) == 23 and rows[:3] == ["00:00 CST", "01:00 CST", "03:00 CDT"] and rows[-1] == "23:00 CDT"
    assert not any(row.startswith("02:") for row in rows)
    assert "the clocks go forward, so there is no 02:00" in " ".join(out.split())  # as Rich wraps it
    assert run([*window, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [h["label"] for h in data["hours"]] == rows
    # 03:00 CDT is the day's third hour: its own readings (7 min) and lanes (4), not 02:00's nor 04:00's
    assert (data["hours"][2]["observed_wait_minutes"], data["hours"][2]["booths"]) == (7.0, 4)
    assert data["clock"]["start"] == "2026-03-08T00:00:00-06:00" and load_scenario(data["scenario"]).hours == 23


def test_a_window_of_several_days_stays_a_representative_day_of_24_hours(sqlite_engine: Engine,
                                                                         tmp_path: Path) -> None:
    from borderflow.services.calibration import lane_inputs

    midnight = dt.datetime(2026, 10, 31, 5, tzinfo=UTC)  # 00:00 CDT, the day before the clocks go back
    ingest_day(sqlite_engine, readings_of_day(tmp_path, midnight, 49, {}))
    inputs = lane_inputs(sqlite_engine, *BM, start=midnight, end=midnight + dt.timedelta(hours=49))
    assert inputs.fit_days == ("2026-10-31", "2026-11-01") and inputs.clock is None
    assert inputs.target.hours == 24 and not any("hours long" in note for note in inputs.notes)
