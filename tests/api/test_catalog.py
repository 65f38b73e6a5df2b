"""Ports and crossings: filters, paging with next links, ETag and conditional requests."""

from __future__ import annotations

from fastapi.testclient import TestClient

from borderflow import catalog


def test_crossings_filter_by_border_and_state(client: TestClient) -> None:
    response = client.get("/api/v1/crossings", params={"border": "mexico", "state": "texas", "limit": 1000})
    assert response.status_code == 200
    items = response.json()["items"]
    expected = sorted(c.crossing_id for c in catalog.crossings() if c.border == "mexico" and c.state == "Texas")
    assert [c["crossing_id"] for c in items] == expected
    assert all(c["state"] == "Texas" and c["border"] == "mexico" for c in items)
    san_ysidro = client.get("/api/v1/crossings/250401").json()
    assert san_ysidro["port_code"] == "2504" and san_ysidro["timezone"] == "America/Los_Angeles"
    assert set(san_ysidro["max_lanes"]) == {"commercial", "passenger", "pedestrian"}


def test_paging_follows_next_links_to_every_row_once(client: TestClient) -> None:
    seen: list[str] = []
    url: str | None = "/api/v1/crossings?limit=7"
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = response.json()
        assert len(body["items"]) <= 7
        seen += [c["crossing_id"] for c in body["items"]]
        url = body["next"]
        if url:
            assert response.headers["link"] == f'<{url}>; rel="next"'
        pages += 1
    assert seen == sorted(c.crossing_id for c in catalog.crossings())
    assert pages == -(-len(seen) // 7)


def test_ports_and_one_port(client: TestClient) -> None:
    ports = client.get("/api/v1/ports", params={"border": "mexico", "limit": 1000}).json()["items"]
    assert "2504" in {p["port_code"] for p in ports}
    assert all(p["border"] == "mexico" for p in ports)
    port = client.get("/api/v1/ports/2504").json()
    assert port["name"] and "250401" in port["crossing_ids"]
    # crossings the port counts, whatever their feed number: Brownsville's 5355xx, Ysleta
    assert client.get("/api/v1/ports/2301").json()["crossing_ids"] == ["230103", "535501", "535502", "535503", "535504"]
    assert "240203" in client.get("/api/v1/ports/2401").json()["crossing_ids"]
    missing = client.get("/api/v1/ports/0000")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_etag_answers_304_and_changes_with_the_query(client: TestClient) -> None:
    first = client.get("/api/v1/crossings", params={"limit": 3})
    etag = first.headers["etag"]
    assert etag.startswith('"') and first.headers["cache-control"] == "no-cache"
    again = client.get("/api/v1/crossings", params={"limit": 3}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    listed = client.get("/api/v1/crossings", params={"limit": 3}, headers={"If-None-Match": f'"x", W/{etag}'})
    assert listed.status_code == 304
    other = client.get("/api/v1/crossings", params={"limit": 4}, headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["etag"] != etag
    garbage = client.get("/api/v1/crossings", params={"limit": 3}, headers={"If-Modified-Since": "not a date"})
    assert garbage.status_code == 200


def test_crossing_by_name_matches_cbp_spellings() -> None:
    assert catalog.crossing_by_name("Brownsville", "Veterans International") == "535502"
    assert catalog.crossing_by_name("Otay Mesa", "Passenger") == "250601"
    # A crossing named as its port, or not named, is the port's unnamed crossing ...
    assert catalog.crossing_by_name("San Ysidro", "San Ysidro") == "250401"
    assert catalog.crossing_by_name("San Ysidro", "") == "250401"
    # ... or its only crossing.
    assert catalog.crossing_by_name("Santa Teresa", "") == "240801"
    # A port with several named crossings and none unnamed stays ambiguous.
    assert catalog.crossing_by_name("Laredo", "") is None
    assert catalog.crossing_by_name("Laredo", "Bridge IX") is None
    # Spanish spellings with accents match the catalog's plain ones
    assert catalog.crossing_by_name("Hidalgo/Pharr", "Anzaldúas") == "230503"
    assert catalog.crossing_by_name("Hidalgo/Pharr", "Anzaldúas International Bridge") == "230503"


def test_ysleta_is_bts_port_2401_on_mountain_time(client: TestClient) -> None:
    ysleta = client.get("/api/v1/ports/2401").json()
    assert (ysleta["name"], ysleta["timezone"]) == ("Ysleta", "America/Denver")
    crossing = client.get("/api/v1/crossings/240203").json()
    assert (crossing["port_code"], crossing["bts_port_code"], crossing["timezone"]) == ("2402", "2401",
                                                                                         "America/Denver")
    assert client.get("/api/v1/crossings/300403").json()["bts_port_code"] == "3017"  # Point Roberts
