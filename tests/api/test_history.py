"""History of a lane: raw readings paged or downloaded, hourly/daily statistics, hour-of-week profile."""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow.parquet as pq
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from borderflow.feeds import observations_csv
from borderflow.services.ingest import Ingestor
from tests.api.conftest import DATA

HEADER = "crossing_id,mode,program,observed_at,wait_minutes,lanes_open,status,source\n"
LANE = "/api/v1/crossings/250401/lanes/passenger/standard"
DAY = {"start": "2024-05-01T00:00:00Z", "end": "2024-05-03T00:00:00Z"}


def _ingest_rows(engine: Engine, rows: list[str]) -> None:
    summary = Ingestor(engine).ingest_bytes((HEADER + "".join(r + "\n" for r in rows)).encode(), "rows.csv",
                                            "observations-csv")
    assert summary.error is None and summary.quarantined == 0


def test_raw_history_pages_in_time_order(client: TestClient, engine: Engine) -> None:
    rows = [f"250401,passenger,standard,2024-05-01T{h:02d}:00:00Z,{h * 5},{h % 7},delay,loops" for h in range(24)]
    _ingest_rows(engine, rows + ["250401,passenger,ready,2024-05-01T05:00:00Z,3,1,no_delay,loops"])
    first = client.get(f"{LANE}/history", params={**DAY, "limit": 10})
    assert first.status_code == 200
    body = first.json()
    assert [r["wait_minutes"] for r in body["readings"]] == [h * 5 for h in range(10)]
    assert body["readings"][0]["observed_at"] == "2024-05-01T00:00:00Z"
    collected = body["readings"]
    while body["next"]:
        body = client.get(body["next"]).json()
        collected += body["readings"]
    assert [r["wait_minutes"] for r in collected] == [h * 5 for h in range(24)]
    narrow = client.get(f"{LANE}/history", params={"start": "2024-05-01T05:00:00+00:00",
                                                     "end": "2024-05-01T00:00:00-07:00"}).json()
    assert [r["observed_at"] for r in narrow["readings"]] == [f"2024-05-01T{h:02d}:00:00Z" for h in range(5, 7)]


def test_raw_history_downloads_as_csv_and_parquet(client: TestClient, engine: Engine) -> None:
    rows = [f"250401,passenger,standard,2024-05-01T{h:02d}:30:00Z,{h},,,loops" for h in range(5)]
    _ingest_rows(engine, rows)
    csv_response = client.get(f"{LANE}/history", params={**DAY, "format": "csv"})
    assert csv_response.status_code == 200
    assert csv_response.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv_response.headers["content-disposition"]
    parsed = observations_csv.parse(csv_response.content, "download.csv")  # the interchange CSV, as is
    assert not parsed.rejected
    assert [o.wait_minutes for o in parsed.observations] == list(range(5))
    assert all(o.status is None and o.lanes_open is None for o in parsed.observations)
    parquet = client.get(f"{LANE}/history", params={**DAY, "format": "parquet"})
    table = pq.read_table(io.BytesIO(parquet.content))
    assert table.column("wait_minutes").to_pylist() == list(range(5))
    assert str(table.schema.field("observed_at").type).startswith("timestamp")
    # the columns and types of `borderflow export --format parquet`, whatever the page holds
    from borderflow.services.export import observations_parquet_schema

    assert table.schema == observations_parquet_schema()
    assert set(table.column("crossing_id").to_pylist()) == {"250401"}
    empty = client.get(f"{LANE}/history", params={"start": "2020-01-01T00:00:00Z", "end": "2020-01-02T00:00:00Z",
                                                  "format": "parquet"})
    assert pq.read_table(io.BytesIO(empty.content)).schema == observations_parquet_schema()
    hourly = pq.read_table(io.BytesIO(client.get(f"{LANE}/history", params={
        **DAY, "aggregate": "hour", "format": "parquet"}).content))
    none = pq.read_table(io.BytesIO(client.get(f"{LANE}/history", params={
        "start": "2020-01-01T00:00:00Z", "end": "2020-01-02T00:00:00Z", "aggregate": "hour",
        "format": "parquet"}).content))
    assert hourly.schema == none.schema and str(none.schema.field("start").type).startswith("timestamp")
    assert hourly.num_rows == 5 and none.num_rows == 0


def test_hourly_statistics_by_hand(client: TestClient, engine: Engine) -> None:
    waits = [10, 40, 20, 30]  # one hour: mean 25, p50 25, p90 = 30 + 0.7 * (40 - 30) = 37
    rows = [f"250401,passenger,standard,2024-05-01T14:{m:02d}:00Z,{w},,delay,loops"
            for m, w in zip((0, 15, 30, 45), waits)]
    rows += ["250401,passenger,standard,2024-05-01T15:10:00Z,7,,delay,loops",
             "250401,passenger,standard,2024-05-01T16:00:00Z,,,closed,loops"]  # no wait: no bucket
    _ingest_rows(engine, rows)
    body = client.get(f"{LANE}/history", params={**DAY, "aggregate": "hour"}).json()
    assert body["readings"] is None
    assert body["buckets"] == [
        {"start": "2024-05-01T14:00:00Z", "count": 4, "mean_wait_minutes": 25.0, "p50_wait_minutes": 25.0,
         "p90_wait_minutes": 37.0, "min_wait_minutes": 10.0, "max_wait_minutes": 40.0},
        {"start": "2024-05-01T15:00:00Z", "count": 1, "mean_wait_minutes": 7.0, "p50_wait_minutes": 7.0,
         "p90_wait_minutes": 7.0, "min_wait_minutes": 7.0, "max_wait_minutes": 7.0},
    ]
    csv_text = client.get(f"{LANE}/history", params={**DAY, "aggregate": "hour", "format": "csv"}).text
    assert csv_text.splitlines()[0] == ("start,count,mean_wait_minutes,p50_wait_minutes,p90_wait_minutes,"
                                        "min_wait_minutes,max_wait_minutes")
    assert csv_text.splitlines()[1] == "2024-05-01T14:00:00+00:00,4,25.0,25.0,37.0,10.0,40.0"


def test_daily_statistics_use_the_crossings_local_day(client: TestClient, engine: Engine) -> None:
    # 05:00 UTC on May 2 is 22:00 on May 1 in San Ysidro (PDT, UTC-7)
    _ingest_rows(engine, ["250401,passenger,standard,2024-05-02T05:00:00Z,50,,delay,loops",
                          "250401,passenger,standard,2024-05-02T08:00:00Z,10,,delay,loops"])
    buckets = client.get(f"{LANE}/history", params={**DAY, "aggregate": "day"}).json()["buckets"]
    assert [(b["start"], b["count"], b["mean_wait_minutes"]) for b in buckets] == [
        ("2024-05-01T00:00:00-07:00", 1, 50.0), ("2024-05-02T00:00:00-07:00", 1, 10.0)]


def test_hour_of_week_profile_has_168_local_cells(client: TestClient, engine: Engine) -> None:
    # Wednesday 2024-05-01 15:00 UTC = 08:00 PDT; a week later the same local hour.
    _ingest_rows(engine, ["250401,passenger,standard,2024-05-01T15:00:00Z,20,,delay,loops",
                          "250401,passenger,standard,2024-05-08T15:20:00Z,40,,delay,loops"])
    body = client.get(f"{LANE}/profile", params={"start": "2024-04-29T00:00:00Z",
                                                 "end": "2024-05-13T00:00:00Z"}).json()
    assert body["timezone"] == "America/Los_Angeles"
    cells = body["cells"]
    assert len(cells) == 168 and (cells[0]["weekday"], cells[0]["hour"]) == (0, 0)
    filled = [c for c in cells if c["count"]]
    assert [(c["weekday"], c["hour"], c["count"], c["mean_wait_minutes"]) for c in filled] == [(2, 8, 2, 30.0)]


def test_windows_are_validated(client: TestClient) -> None:
    cases = [
        {"start": "2024-05-01T00:00:00", "end": "2024-05-02T00:00:00Z"},  # no offset
        {"start": "2024-05-02T00:00:00Z", "end": "2024-05-01T00:00:00Z"},  # start after end
        {"start": "2024-05-01T00:00:00Z", "end": "2024-05-01T00:00:00Z"},  # empty
        {"start": "2022-01-01T00:00:00Z", "end": "2024-01-01T00:00:00Z"},  # longer than 366 days
        {"end": "2024-05-01T00:00:00Z"},  # start missing
        {**DAY, "limit": 5000},  # JSON pages hold at most 1000 rows
    ]
    for params in cases:
        for path in ("history", "profile"):
            if path == "profile" and "limit" in params:
                continue
            response = client.get(f"{LANE}/{path}", params=params)
            assert response.status_code == 422, (path, params, response.text)
            assert response.json()["error"]["code"] == "bad_input"
    assert client.get(f"{LANE}/history", params={**DAY, "limit": 5000, "format": "csv"}).status_code == 200
    assert client.get("/api/v1/crossings/250401/lanes/boat/standard/history", params=DAY).status_code == 422
    assert client.get("/api/v1/crossings/999999/lanes/passenger/standard/history", params=DAY).status_code == 404


def test_real_rss_readings_are_served_once_each(sqlite_client: TestClient, sqlite_engine: Engine) -> None:
    snapshots = sorted((DATA / "cbp-rss-brownsville" / "snapshots").glob("*.xml"))[:40]
    ingestor = Ingestor(sqlite_engine)
    for path in snapshots:
        assert ingestor.ingest_bytes(Path(path).read_bytes(), path.name).error is None
    lane = "/api/v1/crossings/535502/lanes/passenger/standard"
    window = {"start": "2026-08-11T00:00:00Z", "end": "2026-08-20T00:00:00Z", "limit": 1000}
    readings = sqlite_client.get(f"{lane}/history", params=window).json()["readings"]
    assert len(readings) > 5
    times = [(r["observed_at"], r["source"]) for r in readings]
    assert times == sorted(set(times))
    hourly = sqlite_client.get(f"{lane}/history", params={**window, "aggregate": "hour"}).json()["buckets"]
    assert sum(b["count"] for b in hourly) == sum(1 for r in readings if r["wait_minutes"] is not None)
