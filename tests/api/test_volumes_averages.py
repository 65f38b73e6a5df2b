"""Monthly volumes by port and measure, and CBP historical averages (real excerpts, tests/api/data)."""

from __future__ import annotations

import csv

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.api.conftest import API_DATA, ingest_file


def test_monthly_volumes_match_the_bts_file(client: TestClient, engine: Engine) -> None:
    ingest_file(engine, API_DATA / "bts-san-ysidro-2024.csv")
    with open(API_DATA / "bts-san-ysidro-2024.csv", newline="", encoding="utf-8") as fh:
        source = [r for r in csv.DictReader(fh) if r["Measure"] == "Pedestrians"]
    response = client.get("/api/v1/volumes", params={"port_code": "2504", "measure": "pedestrians"})
    assert response.status_code == 200
    items = response.json()["items"]
    months = {"Jan": "01", "Feb": "02", "Mar": "03", "Apr": "04", "May": "05", "Jun": "06", "Jul": "07",
              "Aug": "08", "Sep": "09", "Oct": "10", "Nov": "11", "Dec": "12"}
    expected = sorted((f"2024-{months[r['Date'][:3]]}", float(r["Value"])) for r in source)
    assert [(i["month"], i["value"]) for i in items] == expected
    assert all(i["measure"] == "Pedestrians" and i["site"] == "" and i["source"] == "bts" for i in items)
    spring = client.get("/api/v1/volumes", params={"port_code": "2504", "measure": "Pedestrians",
                                                   "start_month": "2024-03", "end_month": "2024-05"}).json()
    assert [i["month"] for i in spring["items"]] == ["2024-03", "2024-04", "2024-05"]
    paged = client.get("/api/v1/volumes", params={"port_code": "2504", "limit": 5}).json()
    assert len(paged["items"]) == 5 and paged["next"]
    assert client.get("/api/v1/volumes", params={"start_month": "2024-13"}).status_code == 422
    swapped = client.get("/api/v1/volumes", params={"start_month": "2024-05", "end_month": "2024-03"})
    assert swapped.status_code == 422 and "swap" in swapped.json()["error"]["message"]


def test_historical_averages_match_the_cbp_table(client: TestClient, engine: Engine) -> None:
    ingest_file(engine, API_DATA / "elpaso-averages-excerpt.csv")
    response = client.get("/api/v1/averages", params={"crossing_id": "240201", "month": 1, "weekday": 0,
                                                      "limit": 100})
    assert response.status_code == 200
    by_hour = {i["hour"]: i["wait_minutes"] for i in response.json()["items"]}
    # The January table, Monday column: 7.0 at 6:00 AM ... 19.0 at 1:00 PM (local time)
    assert by_hour[6] == 7.0 and by_hour[8] == 14.0 and by_hour[12] == 21.0 and by_hour[13] == 19.0
    assert all(i["mode"] == "commercial" and i["program"] == "standard" for i in response.json()["items"])
    assert client.get("/api/v1/averages", params={"weekday": 7}).status_code == 422


def test_daily_counts_are_served_with_their_dates(client: TestClient, engine: Engine) -> None:
    from tests.api.conftest import DATA

    path = DATA / "cascade" / "trucks-daily-volume-2018-01_2020-03.csv"
    ingest_file(engine, path)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    column = "Sum - Volume (Pacific Highway North Trucks)"
    want = [(r["Group Starts"][:10], float(r[column])) for r in rows
            if r["Group Starts"].startswith("2019-02") and r[column]]
    items: list[dict[str, object]] = []
    url: str | None = "/api/v1/volumes"
    params: dict[str, str] | None = {"period": "day", "level": "all", "start_month": "2019-02",
                                     "end_month": "2019-02", "limit": "1000"}
    while url:
        page = client.get(url, params=params)
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        url, params = page.json()["next"], None
    pacific = [(i["date"], i["value"]) for i in items
               if i["site"] == "Pacific Highway" and i["direction"] == "southbound"]  # "North": into Canada
    assert pacific == want and len(want) == 28  # every day of February, the 28th included
    assert all(i["month"] == "2019-02" for i in items)
    monthly = client.get("/api/v1/volumes", params={"level": "all"}).json()["items"]
    assert monthly == [] or all(i["date"] is None for i in monthly)
    assert client.get("/api/v1/volumes", params={"period": "week"}).status_code == 422
