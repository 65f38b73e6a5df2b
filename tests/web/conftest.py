"""Web fixtures: the app with its pages over real data, and a live server for the browser tests.

The archive holds real public data (see tests/data/README.md): CBP's whole feed of
2022-06-29, CBP's RSS for the four Brownsville crossings (2026-08-12..22), BTS counts of
San Ysidro in 2024 and Cascade Gateway's hourly Peace Arch delays (for a forecast model).
"""

from __future__ import annotations

import socket
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette asks for httpx2; httpx works
    from fastapi.testclient import TestClient

from borderflow.api import create_app
from borderflow.services.ingest import ingest
from borderflow.store.catalog import seed_catalog
from borderflow.store.db import make_engine, migrate

DATA = Path(__file__).parents[1] / "data"
API_DATA = Path(__file__).parents[1] / "api" / "data"
FEED = DATA / "cbp-feed" / "bwtnew-2022-06-29.json"
RSS = sorted((DATA / "cbp-rss-brownsville" / "snapshots").glob("*.xml"))
BTS_SAN_YSIDRO = API_DATA / "bts-san-ysidro-2024.csv"
BTS_EL_PASO_YSLETA = API_DATA / "bts-el-paso-ysleta-personal-vehicles.csv"
CASCADE = DATA / "cascade" / "peace-arch-south-cars-hourly-2013-01_2018-08.csv"
#: Small forecast-model settings: seconds, not minutes (trained on 2013-2014 Peace Arch hours).
SMALL_GBM = {"max_horizon": 24, "max_train_rows": 8_000, "num_trees": 40, "num_leaves": 15,
             "learning_rate": 0.15, "min_data_in_leaf": 20, "recalibration_hours": 0}


def web_app(engine: Engine) -> FastAPI:
    """The API app with the simulation routes and the pages, whether or not create_app adds them yet."""
    from borderflow.api import routes_simulate
    from borderflow.web import mount_web

    app = create_app(engine=engine)
    included = {id(getattr(route, "original_router", None)) for route in app.routes}
    paths = {getattr(route, "path", "") for route in app.routes}
    if id(routes_simulate.router) not in included and "/api/v1/simulations" not in paths:
        app.include_router(routes_simulate.router)
    mount_web(app)  # does nothing when create_app mounted the pages already
    return app


def load(engine: Engine, *paths: Path) -> None:
    summary = ingest(engine, [str(p) for p in paths])
    assert not summary.as_dict()["errors"], summary.as_dict()["errors"]


def train_small_model(engine: Engine) -> str:
    """A forecast model for Peace Arch cars (300402 passenger/standard); returns its version."""
    from borderflow.forecast.gbm import GBMParams
    from borderflow.services.forecasting import train

    summary = train(engine, crossing_ids=["300402"], mode="passenger", program="standard",
                    until="2014-06-01T00:00:00Z", params=GBMParams(**SMALL_GBM))
    return str(summary["version"])


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    """Pages and API over the `engine` fixture (SQLite and PostgreSQL), with the 2022 feed."""
    load(engine, FEED)
    with TestClient(web_app(engine), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def sqlite_client(sqlite_engine: Engine) -> Iterator[TestClient]:
    with TestClient(web_app(sqlite_engine), raise_server_exceptions=False) as test_client:
        yield test_client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def live_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A SQLite archive of real data and one small forecast model, for the live server."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('web') / 'archive.sqlite3'}")
    migrate(engine)
    seed_catalog(engine)
    load(engine, FEED, *RSS[::2], BTS_SAN_YSIDRO, CASCADE)
    train_small_model(engine)
    import json

    from borderflow.plans.model import parse_plan
    from borderflow.services.plans import import_plan

    example = Path(__file__).resolve().parents[2] / "examples" / "plans" / "21cbm-example.json"
    import_plan(engine, parse_plan(json.loads(example.read_text(encoding="utf-8"))))
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_engine: Engine) -> Iterator[str]:
    """The app served by uvicorn on a free local port in a background thread; yields its base URL."""
    yield from serve(live_engine)


def serve(engine: Engine) -> Iterator[str]:
    """Serve the app over ``engine`` on a free local port in a background thread; yields its base URL."""
    from borderflow.sim.run import warm_up

    warm_up()  # compile (or load) the simulator once, before any page asks for it
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(web_app(engine), host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False, lifespan="on"))
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def clock_change_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live server over B&M's readings up to 23:00 CDT on 2026-10-31, the eve of the day
    the clocks go back, with a forecast model and small fits (tests/planning/clock_change_days.py)."""
    from tests.planning.clock_change_days import EVE_OF_FALL_BACK, load_until, use_small_fit

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('clock') / 'archive.sqlite3'}")
    migrate(engine)
    seed_catalog(engine)
    load_until(engine, EVE_OF_FALL_BACK)
    with pytest.MonkeyPatch.context() as patch:
        use_small_fit(patch)
        yield from serve(engine)
    engine.dispose()
