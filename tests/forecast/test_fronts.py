"""The CLI verbs (forecast, forecast train, forecast models, backtest) and the API route."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import Engine

from borderflow.cli.main import run
from borderflow.store.schema import observations
from tests.services.test_forecasting import LAST, readings

SMALL_FLAGS = ["--num-trees", "30", "--max-train-rows", "6000"]
AS_OF = (LAST + dt.timedelta(minutes=20)).isoformat()


@pytest.fixture
def db(sqlite_engine: Engine) -> str:
    with sqlite_engine.begin() as conn:
        conn.execute(observations.insert(), readings())
    return str(sqlite_engine.url)


def cli(capsys: pytest.CaptureFixture[str], db: str, *args: str) -> tuple[int, str, str]:
    code = run(["--db", db, *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def trained(db: str, capsys: pytest.CaptureFixture[str]) -> str:
    code, out, err = cli(capsys, db, "forecast", "train", "--crossing", "535501", *SMALL_FLAGS, "--json")
    assert code == 0, err
    assert json.loads(out)["series"] == ["535501/passenger/standard"]
    return db


def test_forecast_json_and_table(trained, capsys):
    code, out, _ = cli(capsys, trained, "forecast", "--crossing", "535501", "--mode", "passenger",
                       "--program", "standard", "--hours", "24", "--at", AS_OF, "--json")
    assert code == 0
    result = json.loads(out)
    assert len(result["forecast"]) == 24 and result["best_hour"] in result["forecast"]
    assert result["model_version"].startswith("gbm-") and result["last_reading_at"] == "2026-07-06T04:00:00Z"
    code, out, err = cli(capsys, trained, "forecast", "--crossing", "535501", "--hours", "6", "--at", AS_OF)
    assert code == 0 and "Best hour to cross:" in out and "80% band" in out and "in-sample" not in err
    # As of a time the model was trained on: answered, with a note saying so.
    earlier = (LAST - dt.timedelta(days=2)).isoformat()
    code, out, err = cli(capsys, trained, "forecast", "--crossing", "535501", "--hours", "6", "--at", earlier)
    assert code == 0 and "in-sample forecast" in err


def test_forecast_models_lists_the_trained_model(trained, capsys):
    code, out, _ = cli(capsys, trained, "forecast", "models", "--json")
    assert code == 0 and len(json.loads(out)) == 1


def test_train_if_stale_says_up_to_date_and_trains_nothing(trained, capsys):
    code, out, _ = cli(capsys, trained, "forecast", "train", "--crossing", "535501", *SMALL_FLAGS, "--if-stale")
    assert code == 0 and out.startswith("Up to date: gbm-") and "nothing trained" in out
    code, out, _ = cli(capsys, trained, "forecast", "models", "--json")
    assert len(json.loads(out)) == 1


def test_forecast_errors_are_one_line_and_exit_1(db, capsys):
    code, out, err = cli(capsys, db, "forecast", "--crossing", "535501", "--at", AS_OF)
    assert code == 1 and out == "" and err.startswith("error: no trained forecast model covers crossing 535501")
    assert "Traceback" not in err and err.count("\n") == 1
    code, _, err = cli(capsys, db, "forecast")  # a missing option is a usage error
    assert code == 2 and "Missing option '--crossing'" in err and err.count("\n") == 1
    code, _, err = cli(capsys, db, "forecast", "--crossing", "535501", "--hours", "0")
    assert code == 2 and "--hours must be" in err


def test_backtest_json(db, capsys):
    code, out, err = cli(capsys, db, "backtest", "--crossing", "535501", "--mode", "passenger", "--program",
                         "standard", "--start", "2026-06-29", "--end", "2026-07-06", "--horizon", "12",
                         "--every", "13", *SMALL_FLAGS, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["default_model"] == "gbm" and result["n_origins"] == 13 and result["n_points"] > 0
    for name in ("seasonal_naive", "historical_average", "gbm"):
        metrics = result["metrics"][name]
        assert {"mae_minutes", "rmse_minutes", "coverage_80", "coverage_95"} <= set(metrics)
        assert len(result["mae_by_horizon"][name]) == 12
    assert result["refit_every"] is None and result["n_fits"] == 1
    code, out, _ = cli(capsys, db, "backtest", "--crossing", "535501", "--start", "2026-06-29", "--end",
                       "2026-07-06", "--horizon", "12", "--every", "13", *SMALL_FLAGS)
    assert code == 0 and "gbm (default)" in out


def test_backtest_refits_on_schedule(db, capsys):
    code, out, err = cli(capsys, db, "backtest", "--crossing", "535501", "--start", "2026-06-22", "--end",
                         "2026-07-06", "--horizon", "12", "--every", "13", "--refit-every", "168", *SMALL_FLAGS)
    assert code == 0, err
    assert "2 fits" in out
    code, _, err = cli(capsys, db, "backtest", "--crossing", "535501", "--start", "2026-06-22", "--end",
                       "2026-07-06", "--refit-every", "6", *SMALL_FLAGS)
    assert code == 2 and "--refit-every must be" in err


def test_api_forecast(sqlite_engine, trained):
    from fastapi.testclient import TestClient

    from borderflow.api.app import create_app

    client = TestClient(create_app(sqlite_engine))
    url = "/api/v1/crossings/535501/forecast"
    response = client.get(url, params={"mode": "passenger", "program": "standard", "hours": 12, "at": AS_OF})
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["forecast"]) == 12 and body["best_hour"]["wait_minutes"] == min(
        h["wait_minutes"] for h in body["forecast"])
    assert body["out_of_sample"] is True
    # Asked as of another instant: answered, not stored (anonymous readers cannot fill the archive).
    from sqlalchemy import func, select

    from borderflow.store.forecast_schema import forecasts

    for minutes in (5, 10, 15):
        at = (LAST - dt.timedelta(hours=30, minutes=minutes)).isoformat()
        assert client.get(url, params={"hours": 168, "at": at}).status_code == 200
    with sqlite_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(forecasts)).scalar() == 0
    missing = client.get(url, params={"mode": "pedestrian", "at": AS_OF})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert client.get(url, params={"hours": 0}).status_code == 422
    assert client.get("/api/v1/crossings/5355/forecast").status_code == 422
    stale = client.get(url, params={"at": "2026-09-01T00:00:00Z"})
    assert stale.status_code == 404 and "more than 168 hours" in stale.json()["error"]["message"]
    ancient = client.get(url, params={"at": "0001-01-01T00:00:00Z"})
    message = ancient.json()["error"]["message"]
    assert ancient.status_code == 422 and "forecast time (at)" in message and "0001-01-01T00:00:00" in message
    assert "datetime.datetime" not in message
    unknown = client.get("/api/v1/crossings/999999/forecast", params={"mode": "passenger", "program": "standard"})
    assert unknown.status_code == 404 and "GET /api/v1/crossings" in unknown.json()["error"]["message"]
    # a direction is asked for by name; this lane has no southbound model
    south = client.get(url, params={"direction": "southbound", "at": AS_OF})
    assert south.status_code == 404 and "forecast train" in south.json()["error"]["message"]
    assert client.get(url, params={"direction": "eastbound"}).status_code == 422
    # each hour says whether the lane reported a wait at that hour of the day lately
    assert all(isinstance(h["reported_recently"], bool) for h in body["forecast"])


def test_the_repeated_hour_when_clocks_go_back_is_told_apart(capsys):
    from borderflow.cli.forecast import _print_forecast

    stamps = [("05", "2026-11-01T00:00:00-05:00"), ("06", "2026-11-01T01:00:00-05:00"),
              ("07", "2026-11-01T01:00:00-06:00"), ("08", "2026-11-01T02:00:00-06:00")]
    items = [{"hour": f"2026-11-01T{h}:00:00Z", "local_hour": local, "horizon": k + 1, "wait_minutes": 5.0 + k,
              "lo80": 1, "hi80": 9, "lo95": 0, "hi95": 12} for k, (h, local) in enumerate(stamps)]
    _print_forecast({"crossing_id": "535501", "mode": "passenger", "program": "standard",
                     "timezone": "America/Chicago", "model_version": "gbm-x", "forecast": items,
                     "best_hour": items[0], "hours_since_last_reading": 1, "out_of_sample": True,
                     "origin": "2026-11-01T05:00:00Z", "last_reading_at": "2026-11-01T04:00:00Z"})
    out = capsys.readouterr().out
    assert "01:00 -05:00" in out and "01:00 -06:00" in out and "02:00 -06:00" not in out


def test_a_model_trained_on_older_readings_does_not_displace_the_one_that_read_up_to_now(trained, capsys):
    def version(at: str) -> str:
        code, out, err = cli(capsys, trained, "forecast", "--crossing", "535501", "--hours", "3", "--at", at, "--json")
        assert code == 0, err
        return str(json.loads(out)["model_version"])

    live = version(AS_OF)
    until = (LAST - dt.timedelta(days=3)).replace(minute=0).isoformat()
    code, out, err = cli(capsys, trained, "forecast", "train", "--crossing", "535501", *SMALL_FLAGS,
                         "--until", until, "--json")
    assert code == 0, err
    older = json.loads(out)["version"]
    assert older != live
    assert version(AS_OF) == live  # now: still the model that read the lane up to now
    # as of a time between the two: the one trained --until is the one out of sample there
    between = (LAST - dt.timedelta(days=2)).isoformat()
    assert version(between) == older
    # and training everything again would repeat the live model: nothing to do
    code, out, _ = cli(capsys, trained, "forecast", "train", "--crossing", "535501", *SMALL_FLAGS, "--if-stale")
    assert code == 0 and out.startswith(f"Up to date: {live}")


def test_train_names_a_bad_mode_or_program_without_a_crossing(db, capsys):
    code, _, err = cli(capsys, db, "forecast", "train", "--mode", "bike")
    assert code == 1 and "mode must be one of passenger, commercial, pedestrian" in err
    code, _, err = cli(capsys, db, "forecast", "train", "--program", "express")
    assert code == 1 and "program must be one of" in err


def test_two_identical_trainings_in_the_same_second_store_one_model(sqlite_engine: Engine, db) -> None:
    from borderflow.forecast.gbm import GBMParams
    from borderflow.services import forecasting

    history = forecasting.lane_history(sqlite_engine, "535501", "passenger", "standard")
    info = {"535501/passenger/standard": forecasting.lane_info(sqlite_engine, "535501", "passenger", "standard")}
    from borderflow.forecast.gbm import GradientBoostedForecaster

    model = GradientBoostedForecaster(GBMParams(num_trees=10, max_train_rows=3000)).fit(history, info)
    now = dt.datetime(2026, 7, 6, 12, tzinfo=dt.UTC)
    first = forecasting.store_model(sqlite_engine, model, now=now)
    assert forecasting.store_model(sqlite_engine, model, now=now) == first
    assert [m["version"] for m in forecasting.list_models(sqlite_engine)] == [first]


def test_a_lane_too_short_to_train_says_so_instead_of_asking_for_training(sqlite_engine: Engine, trained, capsys):
    start = LAST - dt.timedelta(hours=39)
    rows = [{"crossing_id": "535501", "mode": "commercial", "program": "standard", "direction": "northbound",
             "observed_at": start + dt.timedelta(hours=i), "wait_minutes": 10 + i % 7, "lanes_open": 1,
             "source": "cbp-rss", "status": None} for i in range(40)]
    with sqlite_engine.begin() as conn:
        conn.execute(observations.insert(), rows)
    code, _, err = cli(capsys, trained, "forecast", "--crossing", "535501", "--mode", "commercial", "--at", AS_OF)
    assert code == 1 and "the lane has 40 of the 72 hours with a reading that training needs" in err
    assert "run 'borderflow forecast train" not in err and err.count("\n") == 1
    # a lane long enough to be selected, yet too short alone: the advice names what to do
    more = [{**r, "observed_at": r["observed_at"] - dt.timedelta(hours=40)} for r in rows] + [
        {**r, "observed_at": r["observed_at"] - dt.timedelta(hours=80)} for r in rows]
    with sqlite_engine.begin() as conn:
        conn.execute(observations.insert(), more)
    code, _, err = cli(capsys, trained, "forecast", "train", "--crossing", "535501", "--mode", "commercial",
                       *SMALL_FLAGS)
    assert code == 1 and "too little to train on" in err and "fewer --crossing, --mode or --program" in err
    assert "longer training window" not in err and err.count("\n") == 1
