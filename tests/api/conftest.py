"""API fixtures: the app over the `engine` fixture (SQLite and PostgreSQL), real feed samples."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette asks for httpx2; httpx works
    from fastapi.testclient import TestClient

from borderflow.api import create_app
from borderflow.services import accounts
from borderflow.services.ingest import Ingestor

DATA = Path(__file__).parents[1] / "data"
API_DATA = Path(__file__).parent / "data"
FEED_SAMPLES = {
    "bwt-2014-03-15.xml": "cbp-xml",
    "bwt-2017-03-17.xml": "cbp-xml",
    "bwtnew-2022-06-29.json": "cbp-json",
}


def ingest_file(engine: Engine, path: Path) -> None:
    summary = Ingestor(engine).ingest_bytes(path.read_bytes(), str(path))
    assert summary.error is None, summary.error


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine=engine), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def sqlite_client(sqlite_engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine=sqlite_engine), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def feed_2022(engine: Engine) -> Engine:
    ingest_file(engine, DATA / "cbp-feed" / "bwtnew-2022-06-29.json")
    return engine


@pytest.fixture
def editor_token(engine: Engine) -> str:
    accounts.create_user(engine, "ana", agency="CBP", country="US", roles=["editor"])
    return accounts.create_token(engine, "ana").text


@pytest.fixture
def viewer_token(engine: Engine) -> str:
    accounts.create_user(engine, "luis", agency="ANAM", country="MX", roles=["viewer"])
    return accounts.create_token(engine, "luis").text
