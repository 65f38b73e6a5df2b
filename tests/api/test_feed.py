"""The CBP-compatible feed: ingest each real CBP sample, serve it back, compare field by field."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from borderflow.feeds.cbp_feed import parse_delay_minutes
from borderflow.services.cbp_feed_out import format_update_time
from borderflow.services.ingest import Ingestor
from tests.api.conftest import DATA, FEED_SAMPLES, ingest_file

MODES = {
    "commercial_vehicle_lanes": ("standard_lanes", "FAST_lanes"),
    "passenger_vehicle_lanes": ("standard_lanes", "NEXUS_SENTRI_lanes", "ready_lanes"),
    "pedestrian_lanes": ("standard_lanes", "ready_lanes"),
}
PORT_TEXT = ("port_number", "border", "port_name", "crossing_name", "hours", "date", "port_status")
LANE_TEXT = ("update_time", "operational_status", "lanes_open")


def _tree(element: ET.Element) -> Any:
    if len(element) == 0:
        return element.text or ""
    out: dict[str, Any] = {}
    for child in element:
        out.setdefault(child.tag, _tree(child))
    return out


def load_source(name: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The sample's port blocks (XML read into the same nesting as JSON) and its XML header."""
    data = (DATA / "cbp-feed" / name).read_bytes()
    if name.endswith(".json"):
        return json.loads(data), {}
    root = ET.fromstring(data)
    header = {c.tag: c.text or "" for c in root if c.tag != "port"}
    return [_tree(p) for p in root.findall("port")], header


def served(client: TestClient, xml: bool, at: str | None = None) -> tuple[list[dict[str, Any]], dict[str, str]]:
    params = {"at": at} if at else {}
    response = client.get("/xml/bwt.xml" if xml else "/api/bwtnew", params=params)
    assert response.status_code == 200, response.text
    if not xml:
        assert response.headers["content-type"].startswith("application/json")
        return response.json(), {}
    assert response.content.startswith(b"<?xml version='1.0' encoding='ISO-8859-1'?>")
    root = ET.fromstring(response.content)
    return [_tree(p) for p in root.findall("port")], {c.tag: c.text or "" for c in root if c.tag != "port"}


def compare_port(got: dict[str, Any], want: dict[str, Any], skip_lanes: frozenset[tuple[str, str]] = frozenset(),
                 common_only: bool = False) -> list[str]:
    """Every field the source has, compared; returns the differences (empty = identical).

    ``common_only``: compare only the keys both shapes have (a JSON source served as XML,
    which has no ``time`` nor automation keys).
    """
    where = want["port_number"]
    diffs = []
    for key, value in want.items():
        if isinstance(value, dict) or (common_only and key not in got):
            continue
        if got.get(key) != value:
            diffs.append(f"{where} {key}: served {got.get(key)!r}, source {value!r}")
    for block, lanes in MODES.items():
        for key, value in want[block].items():
            if isinstance(value, dict) or (common_only and key not in got[block]):
                continue
            if got[block].get(key) != value:
                diffs.append(f"{where} {block}.{key}: served {got[block].get(key)!r}, source {value!r}")
        for lane in lanes:
            if (block, lane) in skip_lanes:
                continue
            mine, theirs = got[block][lane], want[block][lane]
            for key in LANE_TEXT:
                if mine[key] != theirs[key]:
                    diffs.append(f"{where} {block}.{lane}.{key}: served {mine[key]!r}, source {theirs[key]!r}")
            # 2014 wrote "1 hrs 30 min"; BorderFlow writes whole minutes as CBP does today ("90").
            if parse_delay_minutes(mine["delay_minutes"]) != parse_delay_minutes(theirs["delay_minutes"]):
                diffs.append(f"{where} {block}.{lane}.delay_minutes: {mine['delay_minutes']!r} vs "
                             f"{theirs['delay_minutes']!r}")
            if theirs["delay_minutes"].isdigit() and mine["delay_minutes"] != theirs["delay_minutes"]:
                diffs.append(f"{where} {block}.{lane}.delay_minutes text differs")
    return diffs


def compare_feed(got: list[dict[str, Any]], want: list[dict[str, Any]], common_only: bool = False) -> list[str]:
    assert [p["port_number"] for p in got] == [p["port_number"] for p in want], "ports or their order differ"
    diffs: list[str] = []
    for mine, theirs in zip(got, want):
        diffs += compare_port(mine, theirs, common_only=common_only)
    return diffs


@pytest.mark.parametrize("name", sorted(FEED_SAMPLES))
def test_each_real_sample_is_served_back_field_by_field(client: TestClient, engine: Engine, name: str) -> None:
    ingest_file(engine, DATA / "cbp-feed" / name)
    source, header = load_source(name)
    for xml in (False, True):
        ports, served_header = served(client, xml)
        assert compare_feed(ports, source, common_only=xml != name.endswith(".xml")) == []
        if xml and header:
            assert served_header == header  # last_updated_date, last_updated_time, number_of_ports
    json_ports, _ = served(client, xml=False)
    assert all(isinstance(v, str) for p in json_ports for v in p.values() if not isinstance(v, dict))
    if name.endswith(".json"):  # every key in CBP's order, nothing added
        assert json.dumps(json_ports) == json.dumps(source)
    else:  # each lane's elements in bwt.xml's order (a lane without a time starts with its status)
        def lane_orders(root: ET.Element) -> list[list[str]]:
            return [[c.tag for c in lane] for port in root.iter("port") for mode in port for lane in mode
                    if len(lane)]

        mine = ET.fromstring(client.get("/xml/bwt.xml").content)
        theirs = ET.fromstring((DATA / "cbp-feed" / name).read_bytes())
        assert lane_orders(mine) == lane_orders(theirs)


def test_replay_at_a_past_instant(client: TestClient, engine: Engine) -> None:
    for name in ("bwt-2014-03-15.xml", "bwtnew-2022-06-29.json"):
        ingest_file(engine, DATA / "cbp-feed" / name)
    old, old_header = load_source("bwt-2014-03-15.xml")
    at_2014 = "2014-03-15T15:25:59-04:00"  # the 2014 feed's own time, on CBP's (Eastern) clock
    for xml in (False, True):
        ports, header = served(client, xml, at=at_2014)
        assert compare_feed(ports, old, common_only=not xml) == []
        if xml:
            assert header == old_header
    new, _ = load_source("bwtnew-2022-06-29.json")
    latest, _ = served(client, xml=False)
    old_by_port = {p["port_number"]: p for p in old}
    new_numbers = {p["port_number"] for p in new}
    # Every crossing the feed ever showed stays listed; the 2022 ones as in 2022.
    assert {p["port_number"] for p in latest} == new_numbers | set(old_by_port)
    latest_by_port = {p["port_number"]: p for p in latest}
    changed = 0
    for port in new:
        # A lane closed (or pending) without a time in 2014 and absent ("N/A") in 2022 is N/A
        # now, as in 2022: the 2022 snapshot recorded it stopped reporting (absent_lanes).
        before = old_by_port.get(port["port_number"])
        changed += sum(
            1 for block, lanes in MODES.items() for lane in lanes
            if before is not None and port[block][lane]["operational_status"] == "N/A"
            and before[block][lane]["operational_status"] in ("Lanes Closed", "Update Pending"))
        assert compare_port(latest_by_port[port["port_number"]], port, frozenset()) == []
    assert changed > 0  # the case is in the data


def test_a_lane_that_stops_reporting_is_replayed_as_na(client: TestClient, engine: Engine, tmp_path: Path) -> None:
    """The 2022 capture, then the same feed an hour later with one reporting lane turned "N/A":
    replayed at the first time the lane shows its reading, at the second time N/A."""
    first = json.loads((DATA / "cbp-feed" / "bwtnew-2022-06-29.json").read_text())
    port = next(p for p in first if p["port_number"] == "250401")  # San Ysidro
    lane = port["passenger_vehicle_lanes"]["standard_lanes"]
    assert lane["operational_status"] != "N/A" and lane["delay_minutes"]
    later = json.loads(json.dumps(first))
    for p in later:
        p["time"] = _an_hour_later(p["time"])
    gone = next(p for p in later if p["port_number"] == "250401")
    gone["passenger_vehicle_lanes"]["standard_lanes"] = {
        "update_time": "", "operational_status": "N/A", "delay_minutes": "", "lanes_open": ""}
    path = tmp_path / "bwtnew-later.json"
    path.write_text(json.dumps(later))
    ingest_file(engine, DATA / "cbp-feed" / "bwtnew-2022-06-29.json")
    ingest_file(engine, path)
    at_first = "2022-06-29T17:30:00Z"
    at_later = "2022-06-29T18:30:00Z"
    then = {p["port_number"]: p for p in client.get("/api/bwtnew", params={"at": at_first}).json()}
    assert then["250401"]["passenger_vehicle_lanes"]["standard_lanes"] == lane
    now = {p["port_number"]: p for p in client.get("/api/bwtnew", params={"at": at_later}).json()}
    assert now["250401"]["passenger_vehicle_lanes"]["standard_lanes"]["operational_status"] == "N/A"
    assert now["250401"]["passenger_vehicle_lanes"]["standard_lanes"]["delay_minutes"] == ""
    # Other lanes and ports are untouched.
    assert now["250401"]["pedestrian_lanes"] == then["250401"]["pedestrian_lanes"]
    assert now["250601"]["passenger_vehicle_lanes"] == then["250601"]["passenger_vehicle_lanes"]


def _an_hour_later(clock: str) -> str:
    hours, rest = clock.split(":", 1)
    return f"{int(hours) + 1}:{rest}"


def test_feed_validators_and_empty_archive(client: TestClient, engine: Engine) -> None:
    empty = client.get("/api/bwtnew")
    assert empty.status_code == 200 and empty.json() == []
    xml_root = ET.fromstring(client.get("/xml/bwt.xml").content)
    assert xml_root.findtext("number_of_ports") == "0"
    ingest_file(engine, DATA / "cbp-feed" / "bwtnew-2022-06-29.json")
    first = client.get("/api/bwtnew")
    assert client.get("/api/bwtnew", headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    # Last-Modified is when the archive last changed, so a later capture is never hidden
    # from a client that asks If-Modified-Since, though the feed's own time does not move
    # (the 2017 capture is older than the 2022 one), live or replayed.
    import time

    time.sleep(1.1)  # an HTTP date has whole seconds
    replay = {"at": "2022-06-29T17:25:16Z"}
    served = {key: client.get("/api/bwtnew", params=params) for key, params in (("live", {}), ("replay", replay))}
    stamps = {key: r.headers["last-modified"] for key, r in served.items()}
    assert all(client.get("/api/bwtnew", params=params, headers={"If-Modified-Since": stamps[key]}).status_code
               == 304 for key, params in (("live", {}), ("replay", replay)))
    time.sleep(1.1)
    ingest_file(engine, DATA / "cbp-feed" / "bwt-2017-03-17.xml")
    for key, params in (("live", {}), ("replay", replay)):
        again = client.get("/api/bwtnew", params=params, headers={"If-Modified-Since": stamps[key]})
        assert again.status_code == 200 and again.headers["etag"] != served[key].headers["etag"], key
    assert client.get("/api/bwtnew", params={"at": "2022-06-29"}).status_code == 422
    before = client.get("/api/bwtnew", params={"at": "2010-01-01T00:00:00Z"})
    assert before.status_code == 200 and before.json() == []


def test_update_times_are_written_as_cbp_writes_them() -> None:
    pacific = ZoneInfo("America/Los_Angeles")
    utc = dt.UTC
    assert format_update_time(dt.datetime(2022, 6, 29, 19, 0, tzinfo=utc), pacific) == "At Noon PDT"
    assert format_update_time(dt.datetime(2022, 1, 5, 8, 0, tzinfo=utc), pacific) == "At Midnight PST"
    assert format_update_time(dt.datetime(2022, 6, 29, 22, 5, tzinfo=utc), pacific) == "At 3:05 pm PDT"
    assert format_update_time(dt.datetime(2022, 6, 29, 7, 30, tzinfo=utc), pacific) == "At 12:30 am PDT"


def test_rss_readings_are_served_in_cbp_shape(client: TestClient, engine: Engine) -> None:
    from borderflow.feeds import cbp_rss

    ingest_file(engine, DATA / "cbp-feed" / "bwtnew-2022-06-29.json")
    snapshots = sorted((DATA / "cbp-rss-brownsville" / "snapshots").glob("*.xml"))[:12]
    for path in snapshots:
        ingest_file(engine, path)
    newest = cbp_rss.parse(snapshots[-1].read_bytes(), snapshots[-1].name)
    ports = {p["port_number"]: p for p in client.get("/api/bwtnew").json()}
    blocks = {"commercial": "commercial_vehicle_lanes", "passenger": "passenger_vehicle_lanes",
              "pedestrian": "pedestrian_lanes"}
    lanes = {"standard": "standard_lanes", "fast": "FAST_lanes", "sentri": "NEXUS_SENTRI_lanes",
             "ready": "ready_lanes"}
    checked = zero = 0
    for reading in newest.observations:
        lane = ports[reading.crossing_id][blocks[reading.mode]][lanes[reading.program]]
        if reading.reported_time is None:  # closed / pending: no time of its own
            assert lane["update_time"] == ""
            continue
        assert lane["update_time"] == reading.reported_time
        assert lane["delay_minutes"] == ("" if reading.wait_minutes is None else str(reading.wait_minutes))
        assert lane["lanes_open"] == ("" if reading.lanes_open is None else str(reading.lanes_open))
        assert lane["operational_status"] in ("delay", "no delay")
        if reading.status is None:  # "0 min delay" is what CBP's feed calls "no delay"
            assert lane["operational_status"] == ("no delay" if reading.wait_minutes == 0 else "delay")
            zero += reading.wait_minutes == 0
        checked += 1
    assert checked >= 8 and zero >= 1
    for seen in newest.crossings:
        port = ports[seen.crossing_id]
        assert port["date"] == seen.snapshot["date"]  # the RSS item's own date, not the 2022 feed's
        assert port["hours"] == seen.snapshot["hours"]


def test_reparse_gives_an_older_archive_the_lanes_that_stopped_reporting(client: TestClient, engine: Engine) -> None:
    """An archive stored before snapshots kept absent_lanes learns them from `reparse`."""
    from sqlalchemy import select

    from borderflow.services.ingest import reparse
    from borderflow.store.schema import crossing_states

    for name in ("bwt-2014-03-15.xml", "bwtnew-2022-06-29.json"):
        ingest_file(engine, DATA / "cbp-feed" / name)
    with engine.begin() as conn:  # as an older BorderFlow stored them
        for row in conn.execute(select(crossing_states.c.id, crossing_states.c.snapshot)).all():
            snap = json.loads(row.snapshot)
            snap.pop("absent_lanes", None)
            conn.execute(crossing_states.update().where(crossing_states.c.id == row.id)
                         .values(snapshot=json.dumps(snap, sort_keys=True)))
    new, _ = load_source("bwtnew-2022-06-29.json")
    before = {p["port_number"]: p for p in served(client, xml=False)[0]}
    stale = [p["port_number"] for p in new if compare_port(before[p["port_number"]], p, frozenset())]
    assert stale  # the 2014 "Lanes Closed" lanes still show
    reparse(engine)
    after = {p["port_number"]: p for p in served(client, xml=False)[0]}
    assert all(compare_port(after[p["port_number"]], p, frozenset()) == [] for p in new)


def test_newer_captures_ingested_first_in_one_run_replay_the_older_one_intact(client: TestClient, engine: Engine) -> None:
    """Folders ingest in name order, so a newer capture may come before an older one in
    the same run; the older port states must still be stored where they differ from the
    state before them, and the replay at the older instant must give the older feed."""
    from borderflow.services.ingest import Ingestor

    ingestor = Ingestor(engine)  # one ingestor: the run's own memory of the latest states
    for name in ("api-responses/Border_Wait_Times_Mod.json", "api-responses/Crossing.json",
                 "bwtnew-2022-06-29.json"):  # 2022-06-30 captures first, then 2022-06-29
        path = DATA / "cbp-feed" / name
        assert ingestor.ingest_bytes(path.read_bytes(), str(path)).error is None
    want, _ = load_source("bwtnew-2022-06-29.json")
    got, _ = served(client, xml=False, at="2022-06-29T17:26:00Z")
    by_port = {p["port_number"]: p for p in got}
    assert [d for p in want for d in compare_port(by_port[p["port_number"]], p)] == []


def test_head_is_answered_wherever_get_is(client: TestClient, engine: Engine) -> None:
    ingest_file(engine, DATA / "cbp-feed" / "bwtnew-2022-06-29.json")
    for path in ("/api/bwtnew", "/xml/bwt.xml", "/api/v1/crossings", "/", "/crossings/535501"):
        got = client.get(path)
        head = client.head(path)
        assert got.status_code == head.status_code == 200, path
        assert head.content == b"" and len(got.content) > 0, path
        for name in ("content-type", "etag", "last-modified", "content-length"):
            assert head.headers.get(name) == got.headers.get(name), (path, name)
    assert client.head("/api/v1/crossings/999999").status_code == 404
    assert client.post("/api/bwtnew").status_code == 405  # other methods are still refused


def test_a_replay_shows_what_the_rss_had_published_by_then(client: TestClient, engine: Engine) -> None:
    """Replayed at each snapshot's own time, every timed lane shows the update the snapshot
    showed: not a reading CBP stamped earlier but published only in a later feed (64 of
    613 lanes did before publication times were kept), and not a "Lanes Closed" dated by an
    earlier feed's clock a few seconds after the stamp of the reading a later feed brought."""
    from borderflow.feeds import cbp_rss

    snapshots = sorted((DATA / "cbp-rss-brownsville" / "snapshots").glob("*.xml"))
    for path in snapshots:
        ingest_file(engine, path)
    blocks = {"commercial": "commercial_vehicle_lanes", "passenger": "passenger_vehicle_lanes",
              "pedestrian": "pedestrian_lanes"}
    lanes = {"standard": "standard_lanes", "fast": "FAST_lanes", "sentri": "NEXUS_SENTRI_lanes",
             "ready": "ready_lanes"}
    compared = differ = revised = 0
    for path in snapshots:
        parsed = cbp_rss.parse(path.read_bytes(), path.name)
        assert parsed.generated_at is not None
        at = parsed.generated_at.isoformat().replace("+00:00", "Z")
        ports = {p["port_number"]: p for p in client.get("/api/bwtnew", params={"at": at}).json()}
        for reading in parsed.observations:
            if reading.reported_time is None:
                continue
            compared += 1
            lane = ports[reading.crossing_id][blocks[reading.mode]][lanes[reading.program]]
            shown = (lane["update_time"], lane["delay_minutes"], lane["lanes_open"])
            said = (reading.reported_time, "" if reading.wait_minutes is None else str(reading.wait_minutes),
                    "" if reading.lanes_open is None else str(reading.lanes_open))
            differ += shown != said
            revised += shown[0] == said[0] and shown != said
    assert compared > 500 and differ == 0, (differ, revised, compared)


def test_a_reading_cbp_published_again_with_other_values_is_served_as_last_published(
        client: TestClient, engine: Engine) -> None:
    """CBP's RSS changed Gateway's "At Noon CDT" reading (2026-08-22 17:00Z) from 20 to 30
    minutes (passengers) and 45 to 60 (pedestrians) in the feed of 17:20:52Z: the archive keeps
    the first values and the revision in its conflicts; the feed and the current waits show
    each version from the time CBP published it."""
    snapshots = sorted((DATA / "cbp-rss-brownsville" / "snapshots").glob("20260822T1[5-8]*.xml"))
    assert len(snapshots) == 9
    for path in snapshots:
        ingest_file(engine, path)

    def shown(at: str) -> tuple[str, str, object, object]:
        port = next(p for p in client.get("/api/bwtnew", params={"at": at}).json() if p["port_number"] == "535504")
        waits = {(w["mode"], w["program"]): w["wait_minutes"] for w in client.get(
            "/api/v1/crossings/535504/waits/current", params={"at": at}).json()["items"]}
        return (port["passenger_vehicle_lanes"]["standard_lanes"]["delay_minutes"],
                port["pedestrian_lanes"]["standard_lanes"]["delay_minutes"],
                waits[("passenger", "standard")], waits[("pedestrian", "standard")])

    assert shown("2026-08-22T17:15:00Z") == ("20", "45", 20, 45)
    assert shown("2026-08-22T17:55:00Z") == ("30", "60", 30, 60)
    assert shown("2026-08-22T17:20:51Z") == ("20", "45", 20, 45)


def _minutes_later(clock: str, minutes: int) -> str:
    hours, rest = clock.split(":", 1)
    minute, second = rest.split(":")
    total = int(hours) * 60 + int(minute) + minutes
    return f"{total // 60}:{total % 60:02d}:{second}"


def _ingest_files(engine: Engine, paths: list[Path], together: bool) -> None:
    """One run over all the files (a clock-only repeat is then kept as a clock delta), or
    one run per file (each parsed in full)."""
    from borderflow.services.ingest import Ingestor
    from borderflow.services.sources import Source

    if not together:
        for path in paths:
            ingest_file(engine, path)
        return
    summary = Ingestor(engine).ingest_sources([Source(str(p), p.read_bytes) for p in paths])
    assert summary.file_count == len(paths) and not summary.refused_anything


@pytest.mark.parametrize("together", [True, False], ids=["one-run", "one-run-per-file"])
def test_a_later_capture_moves_every_port_clock(client: TestClient, engine: Engine, tmp_path: Path,
                                                together: bool) -> None:
    """The 2022 capture and a poll 15 minutes later, every port's time moved: a replay at or
    after the later poll shows the later clock (no port field changed, so no new state is
    stored); a replay between the two still shows the first one's."""
    first = (DATA / "cbp-feed" / "bwtnew-2022-06-29.json").read_text()
    later = json.loads(first)
    for port in later:
        port["time"] = _minutes_later(port["time"], 15)
    path = tmp_path / "bwtnew-later.json"
    path.write_text(json.dumps(later))
    _ingest_files(engine, [DATA / "cbp-feed" / "bwtnew-2022-06-29.json", path], together)
    want = {p["port_number"]: (p["date"], p["time"]) for p in later}
    for at in ("2022-06-29T17:45:00Z", None):
        got = {p["port_number"]: (p["date"], p["time"]) for p in served(client, xml=False, at=at)[0]}
        assert got == want
        assert compare_feed(served(client, xml=False, at=at)[0], later) == []
    before = {p["port_number"]: p["time"] for p in served(client, xml=False, at="2022-06-29T17:30:00Z")[0]}
    assert before == {p["port_number"]: p["time"] for p in json.loads(first)}


def test_a_later_capture_with_one_new_reading_moves_the_port_clock(client: TestClient, engine: Engine,
                                                                   tmp_path: Path) -> None:
    """A poll 15 minutes later in which one San Ysidro lane has a new reading: that port's
    clock moves with the others', though its port fields are unchanged."""
    later = json.loads((DATA / "cbp-feed" / "bwtnew-2022-06-29.json").read_text())
    for port in later:
        port["time"] = _minutes_later(port["time"], 15)
    lane = next(p for p in later if p["port_number"] == "250401")["passenger_vehicle_lanes"]["standard_lanes"]
    lane.update(update_time="At 10:30 am PDT", delay_minutes="35")
    path = tmp_path / "bwtnew-later.json"
    path.write_text(json.dumps(later))
    _ingest_files(engine, [DATA / "cbp-feed" / "bwtnew-2022-06-29.json", path], together=True)
    got, _ = served(client, xml=False, at="2022-06-29T17:45:00Z")
    assert compare_feed(got, later) == []
    assert next(p for p in got if p["port_number"] == "250401")["time"] == "10:40:16"


@pytest.mark.parametrize("together", [True, False], ids=["one-run", "one-run-per-file"])
def test_a_later_xml_capture_moves_the_feed_clock(client: TestClient, engine: Engine, tmp_path: Path,
                                                  together: bool) -> None:
    original = (DATA / "cbp-feed" / "bwt-2017-03-17.xml").read_bytes()
    later = original.replace(b"<last_updated_time>0:31:39<", b"<last_updated_time>0:46:39<")
    assert later != original
    path = tmp_path / "bwt-later.xml"
    path.write_bytes(later)
    _ingest_files(engine, [DATA / "cbp-feed" / "bwt-2017-03-17.xml", path], together)
    for at in ("2017-03-17T04:50:00Z", None):
        ports, header = served(client, xml=True, at=at)
        assert (header["last_updated_date"], header["last_updated_time"]) == ("2017-3-17", "0:46:39")
        assert ports and compare_feed(ports, load_source("bwt-2017-03-17.xml")[0]) == []
    _, header = served(client, xml=True, at="2017-03-17T04:40:00Z")
    assert header["last_updated_time"] == "0:31:39"


@pytest.mark.parametrize("together", [True, False], ids=["one-run", "one-run-per-file"])
def test_a_poll_across_the_clocks_going_forward_is_placed_at_its_real_time(
        client: TestClient, engine: Engine, tmp_path: Path, together: bool) -> None:
    """San Ysidro's ports at 1:55 on the day the clocks go forward, and a poll 15 minutes
    later that reads 3:10: the later poll is served from 10:10 UTC on (its real time), not an
    hour later, whether or not the two are ingested in one run."""
    ports = [p for p in json.loads((DATA / "cbp-feed" / "bwtnew-2022-06-29.json").read_text())
             if p["port_number"].startswith("2504")]
    paths = []
    for name, clock in (("a", "1:55:00"), ("b", "3:10:00")):
        for port in ports:
            port.update(date="3/12/2023", time=clock)
        path = tmp_path / f"bwtnew-{name}.json"
        path.write_text(json.dumps(ports))
        paths.append(path)
    _ingest_files(engine, paths, together)
    for at in ("2023-03-12T10:10:00Z", "2023-03-12T10:30:00Z"):
        assert {p["time"] for p in served(client, xml=False, at=at)[0] if p["port_number"].startswith("2504")} \
            == {"3:10:00"}
    assert {p["time"] for p in served(client, xml=False, at="2023-03-12T10:05:00Z")[0]
            if p["port_number"].startswith("2504")} == {"1:55:00"}


def test_a_newer_capture_that_breaks_off_serves_its_whole_ports_and_the_rest_from_before(
        client: TestClient, engine: Engine, tmp_path: Path) -> None:
    source = (DATA / "cbp-feed" / "bwtnew-2022-06-29.json").read_bytes()
    ingest_file(engine, DATA / "cbp-feed" / "bwtnew-2022-06-29.json")
    # five minutes later (every port's clock moved on), cut mid-port by a dropped connection
    later = re.sub(rb'"time": "(\d+):25:16"', rb'"time": "\1:30:16"', source)
    cut = later[: len(later) // 2]
    whole_ports = cut.count(b"\n    }")
    summary = Ingestor(engine).ingest_bytes(cut, "bwtnew-later-cut.json")
    assert summary.error is None and summary.quarantined == 1
    ports, _ = served(client, xml=False)
    want = json.loads(source)
    assert [p["port_number"] for p in ports] == [p["port_number"] for p in want]  # no port lost
    times = [p["time"] for p in ports]
    assert all(t.endswith(":30:16") for t in times[:whole_ports])  # as the newer capture showed them
    assert all(t.endswith(":25:16") for t in times[whole_ports:])  # as the last capture that carried them
    assert compare_feed(ports[whole_ports:], want[whole_ports:]) == []
