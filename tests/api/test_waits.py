"""Current waits: the latest reading per lane, its age, status, lanes open and source."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from borderflow.services.ingest import Ingestor
from tests.api.conftest import DATA

FEED_TIME = "2022-06-29T17:25:16Z"


def _source_lane(crossing_id: str, block: str, lane: str) -> dict[str, str]:
    ports = json.loads((DATA / "cbp-feed" / "bwtnew-2022-06-29.json").read_text("utf-8"))
    port = next(p for p in ports if p["port_number"] == crossing_id)
    return port[block][lane]


def test_current_wait_of_a_crossing_matches_the_feed(client: TestClient, feed_2022: Engine) -> None:
    response = client.get("/api/v1/crossings/250401/waits/current", params={"at": FEED_TIME})
    assert response.status_code == 200
    body = response.json()
    assert body["as_of"] == FEED_TIME
    lanes = {(w["mode"], w["program"]): w for w in body["items"]}
    standard = lanes[("passenger", "standard")]
    source = _source_lane("250401", "passenger_vehicle_lanes", "standard_lanes")
    assert standard["wait_minutes"] == int(source["delay_minutes"])
    assert standard["lanes_open"] == int(source["lanes_open"])
    assert source["update_time"] == "At 10:00 am PDT"
    assert standard["observed_at"] == "2022-06-29T17:00:00Z"
    assert standard["age_minutes"] == 25
    assert standard["status"] == "delay" and standard["source"] == "cbp-feed"
    assert standard["port_name"] == "San Ysidro"


def test_current_waits_filter_and_page(client: TestClient, feed_2022: Engine) -> None:
    everything = client.get("/api/v1/waits/current", params={"at": FEED_TIME}).json()["items"]
    assert len({w["crossing_id"] for w in everything}) > 50
    texas = client.get("/api/v1/waits/current", params={"at": FEED_TIME, "state": "Texas", "mode": "commercial"})
    items = texas.json()["items"]
    assert items and all(w["state"] == "Texas" and w["mode"] == "commercial" for w in items)
    assert len(items) == sum(1 for w in everything if w["state"] == "Texas" and w["mode"] == "commercial")
    first = client.get("/api/v1/waits/current", params={"at": FEED_TIME, "limit": 10}).json()
    assert first["items"] == everything[:10] and first["next"]
    second = client.get(first["next"]).json()
    assert second["items"] == everything[10:20]


def test_a_newer_reading_becomes_current_at_once(client: TestClient, feed_2022: Engine) -> None:
    before = client.get("/api/v1/crossings/250401/waits/current", params={"mode": "passenger",
                                                                          "program": "standard"})
    etag = before.headers["etag"]
    csv = ("crossing_id,mode,program,observed_at,wait_minutes,lanes_open,status,source\n"
           "250401,passenger,standard,2022-06-29T18:00:00Z,95,20,delay,cbp-feed\n")
    assert Ingestor(feed_2022).ingest_bytes(csv.encode(), "later.csv", "observations-csv").stored == 1
    after = client.get("/api/v1/crossings/250401/waits/current", params={"mode": "passenger",
                                                                         "program": "standard"},
                       headers={"If-None-Match": etag})
    assert after.status_code == 200
    [lane] = after.json()["items"]
    assert lane["wait_minutes"] == 95 and lane["observed_at"] == "2022-06-29T18:00:00Z"
    # as it stood before the new reading
    past = client.get("/api/v1/crossings/250401/waits/current",
                      params={"mode": "passenger", "program": "standard", "at": "2022-06-29T17:30:00Z"})
    assert past.json()["items"][0]["wait_minutes"] == 140


def test_if_modified_since_answers_304(client: TestClient, feed_2022: Engine) -> None:
    import time

    time.sleep(1.1)  # a Last-Modified less than a second old is not sent (responses.py)
    first = client.get("/api/v1/crossings/250401/waits/current", params={"at": FEED_TIME})
    again = client.get("/api/v1/crossings/250401/waits/current", params={"at": FEED_TIME},
                       headers={"If-Modified-Since": first.headers["last-modified"]})
    assert again.status_code == 304
    older = client.get("/api/v1/crossings/250401/waits/current", params={"at": FEED_TIME},
                       headers={"If-Modified-Since": "Wed, 29 Jun 2022 16:00:00 GMT"})
    assert older.status_code == 200


def test_unknown_crossing_is_404(client: TestClient) -> None:
    response = client.get("/api/v1/crossings/999999/waits/current")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
