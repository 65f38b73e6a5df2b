"""CBP live feed (bwt.xml, /api/bwtnew JSON): counts, hand-checked values, robustness."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from borderflow.errors import BadInputError
from borderflow.feeds import cbp_feed, cbp_time
from borderflow.feeds.records import CrossingSeen, Parsed
from borderflow.vocabulary import Observation

DATA = Path(__file__).resolve().parents[1] / "data" / "cbp-feed"
XML_FILES = ["bwt-2014-03-15.xml", "bwt-2017-03-17.xml"]
JSON_FILES = [
    "bwtnew-2022-06-29.json",
    "api-responses/Border_Wait_Times_Mod.json",
    "api-responses/Crossing.json",
]
LANE_TAGS = "standard_lanes|FAST_lanes|NEXUS_SENTRI_lanes|ready_lanes"
UNTIMED = ("Lanes Closed", "Update Pending")


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def load(name: str) -> Parsed:
    parse = cbp_feed.parse_xml if name.endswith(".xml") else cbp_feed.parse_json
    return parse((DATA / name).read_bytes(), name)


def lane(parsed: Parsed, crossing_id: str, mode: str, program: str) -> Observation:
    found = [
        o
        for o in parsed.observations
        if (o.crossing_id, o.mode, o.program) == (crossing_id, mode, program)
    ]
    assert len(found) == 1, found
    return found[0]


def crossing(parsed: Parsed, crossing_id: str) -> CrossingSeen:
    (found,) = [c for c in parsed.crossings if c.crossing_id == crossing_id]
    return found


# --- independent counts: regular expressions over the raw text, not a parser -------------


def xml_counts(text: str) -> tuple[int, int, int]:
    """(ports, lanes with an update time, closed/pending lanes without one)."""
    timed = untimed = 0
    for _tag, body in re.findall(rf"<({LANE_TAGS})>(.*?)</\1>", text):
        update = re.search(r"<update_time>([^<]*)</update_time>", body)
        status = re.search(r"<operational_status>([^<]*)</operational_status>", body)
        assert update and status
        if update[1].strip():
            timed += 1
        elif status[1] in UNTIMED:
            untimed += 1
    return len(re.findall(r"<port>", text)), timed, untimed


def json_counts(text: str) -> tuple[int, int, int]:
    timed = untimed = 0
    for body in re.findall(r"\{[^{}]*\"operational_status\"[^{}]*\}", text):
        update = re.search(r'"update_time"\s*:\s*"([^"]*)"', body)
        status = re.search(r'"operational_status"\s*:\s*"([^"]*)"', body)
        assert update and status
        if update[1].strip():
            timed += 1
        elif status[1] in UNTIMED:
            untimed += 1
    return len(re.findall(r'"port_number"\s*:', text)), timed, untimed


@pytest.mark.parametrize("name", XML_FILES + JSON_FILES)
def test_every_file_parses_to_independent_counts(name: str) -> None:
    text = (DATA / name).read_text("latin-1")
    ports, timed, untimed = (xml_counts if name.endswith(".xml") else json_counts)(text)
    parsed = load(name)
    assert parsed.rejected == []
    assert len(parsed.crossings) == ports
    assert sum(o.reported_time is not None for o in parsed.observations) == timed
    assert sum(o.reported_time is None for o in parsed.observations) == untimed
    assert all(o.source == "cbp-feed" and o.direction == "northbound" for o in parsed.observations)
    assert all(o.observed_at.tzinfo is dt.UTC for o in parsed.observations)
    assert parsed.format == ("cbp-xml" if name.endswith(".xml") else "cbp-json")
    keys = [o.key for o in parsed.observations]
    assert len(keys) == len(set(keys))


def test_port_counts_match_the_feed_and_readme() -> None:
    for name, ports in [("bwt-2014-03-15.xml", 71), ("bwt-2017-03-17.xml", 73)]:
        text = (DATA / name).read_text("latin-1")
        assert int(re.search(r"<number_of_ports>(\d+)<", text)[1]) == ports  # type: ignore[index]
        assert len(load(name).crossings) == ports
    assert len(load("bwtnew-2022-06-29.json").crossings) == 76
    assert len(load("api-responses/Crossing.json").crossings) == 1  # one object, not an array


def test_2014_xml_by_hand() -> None:
    parsed = load("bwt-2014-03-15.xml")
    # last_updated 2014-3-15 15:25:59 on CBP's clock, EDT (DST began 3/9): +4 h.
    assert parsed.generated_at == utc(2014, 3, 15, 19, 25, 59)
    # San Ysidro pedestrian standard: "At Noon PDT", "1 hrs 30 min", 7 lanes.
    # 12:00 PDT (UTC-7) = 19:00 UTC; 60 + 30 = 90 minutes.
    walk = lane(parsed, "250401", "pedestrian", "standard")
    assert (walk.observed_at, walk.wait_minutes, walk.lanes_open, walk.status) == (
        utc(2014, 3, 15, 19), 90, 7, "delay")
    assert walk.reported_time == "At Noon PDT"
    assert lane(parsed, "250401", "pedestrian", "ready").wait_minutes == 60  # "1 hr"
    assert lane(parsed, "250401", "passenger", "sentri").wait_minutes == 10  # "10 min"
    assert crossing(parsed, "250401").crossing_name == ""  # empty crossing_name
    # Fort Hancock typed "l24501": crossing 240501. "At 2:00 pm MDT" = 20:00 UTC, 34 min
    # after the feed time, inside the 2-hour lead: same day.
    hancock = lane(parsed, "240501", "passenger", "standard")
    assert (hancock.observed_at, hancock.wait_minutes, hancock.status) == (
        utc(2014, 3, 15, 20), 0, "no_delay")
    seen = crossing(parsed, "240501")
    assert seen.snapshot["port_number"] == "l24501"
    assert seen.max_lanes == {"commercial": None, "passenger": 2, "pedestrian": None}  # N/A
    assert seen.hours == "6 am-10 pm"
    # The lanes the port showed without a reading ("N/A" or blank) are kept in its snapshot.
    reading = {f"{o.mode}/{o.program}" for o in parsed.observations if o.crossing_id == "240501"}
    absent = set(seen.snapshot["absent_lanes"].split())
    assert absent and not absent & reading and len(absent | reading) == 7
    # Champlain FAST "Lanes Closed", no update time: observed at the feed time.
    fast = lane(parsed, "071201", "commercial", "fast")
    assert (fast.observed_at, fast.wait_minutes, fast.status, fast.reported_time) == (
        utc(2014, 3, 15, 19, 25, 59), None, "closed", None)
    # Lanes N/A without a time are not observations.
    assert not [
        o for o in parsed.observations if o.crossing_id == "071201" and o.mode == "pedestrian"
    ]
    # Calexico East: construction notice from CDATA, Brownsville B&M name unescaped.
    assert crossing(parsed, "250301").snapshot["construction_notice"].startswith("Calexico/East")
    assert crossing(parsed, "535501").crossing_name == "B&M"
    bm = lane(parsed, "535501", "passenger", "standard")  # "At 2:00 pm CDT" = 19:00 UTC
    assert (bm.observed_at, bm.wait_minutes, bm.lanes_open) == (utc(2014, 3, 15, 19), 30, 4)


def test_2017_xml_by_hand() -> None:
    parsed = load("bwt-2017-03-17.xml")
    # 2017-3-17 0:31:39 EDT = 04:31:39 UTC
    assert parsed.generated_at == utc(2017, 3, 17, 4, 31, 39)
    # Alexandria Bay "At Midnight EDT" on 3/17: 00:00 EDT = 04:00 UTC.
    assert lane(parsed, "070801", "commercial", "standard").observed_at == utc(2017, 3, 17, 4)
    # Blaine's block is still dated 3/16: "At 9:00 pm PDT" = 3/16 21:00 PDT = 3/17 04:00 UTC.
    blaine = lane(parsed, "300401", "passenger", "standard")
    assert (blaine.observed_at, blaine.wait_minutes, blaine.lanes_open) == (
        utc(2017, 3, 17, 4), 5, 1)
    # Lewiston "At 0:31 am EDT": 00:31 EDT = 04:31 UTC.
    assert lane(parsed, "090104", "passenger", "standard").observed_at == utc(2017, 3, 17, 4, 31)
    # Calais "At 2:00 am EDT" on 3/17 runs 88 min ahead of 00:31:39: same day, 06:00 UTC.
    assert lane(parsed, "011501", "passenger", "standard").observed_at == utc(2017, 3, 17, 6)
    # Douglas, Arizona, dated 3/16 "At 9:00 pm MST": UTC-7 -> 3/17 04:00 UTC, wait "30".
    douglas = lane(parsed, "260101", "passenger", "standard")
    assert (douglas.observed_at, douglas.wait_minutes, douglas.status) == (
        utc(2017, 3, 17, 4), 30, "delay")
    # Element order varies in this file (operational_status before update_time).
    assert crossing(parsed, "260101").snapshot["date"] == "3/16/2017"
    assert crossing(parsed, "260101").snapshot["last_updated_time"] == "0:31:39"


def test_2022_json_by_hand() -> None:
    parsed = load("bwtnew-2022-06-29.json")
    # Ports stamped 13:25:16 EDT / 12:25:16 CDT / 10:25:16 PDT: all 17:25:16 UTC.
    assert parsed.generated_at == utc(2022, 6, 29, 17, 25, 16)
    # Douglas, Arizona says "At 8:00 am PST" in June: Arizona is UTC-7 -> 15:00 UTC
    # (a literal PST, UTC-8, would give 16:00).
    douglas = lane(parsed, "260101", "passenger", "standard")
    assert (douglas.observed_at, douglas.wait_minutes, douglas.lanes_open, douglas.status) == (
        utc(2022, 6, 29, 15), 3, 2, "no_delay")
    assert douglas.reported_time == "At 8:00 am PST"
    # "l24501" -> 240501, "At 8:00 am MDT" = 14:00 UTC.
    assert lane(parsed, "240501", "passenger", "standard").observed_at == utc(2022, 6, 29, 14)
    # International Falls "At 2:00 pm CDT" while the port says 12:25:16: 95 minutes ahead,
    # inside the lead -> 6/29 19:00 UTC (not 6/28).
    falls = lane(parsed, "360401", "commercial", "standard")
    assert falls.observed_at == utc(2022, 6, 29, 19)
    # San Ysidro delay "140" minutes, 5 lanes, "At 10:00 am PDT" = 17:00 UTC.
    sy = lane(parsed, "250401", "passenger", "standard")
    assert (sy.observed_at, sy.wait_minutes, sy.lanes_open, sy.status) == (
        utc(2022, 6, 29, 17), 140, 5, "delay")
    # Alexandria Bay, NY: empty crossing name, every lane "Update Pending" with no time:
    # seven observations at the port's time 13:25:16 EDT = 17:25:16 UTC.
    pending = [o for o in parsed.observations if o.crossing_id == "070803"]
    assert len(pending) == 7
    assert {(o.status, o.observed_at, o.wait_minutes) for o in pending} == {
        ("update_pending", utc(2022, 6, 29, 17, 25, 16), None)}
    bay = crossing(parsed, "070803")
    assert bay.crossing_name == "" and bay.port_name == "Alexandria Bay, NY"
    assert bay.max_lanes == {"commercial": None, "passenger": None, "pedestrian": None}
    # Nogales writes 11:25:16 (Mountain daylight) though Arizona is at 10:25: one stamp.
    assert crossing(parsed, "260403").seen_at == utc(2022, 6, 29, 17, 25, 16)
    # Snapshot keeps the port-level strings and extra keys as written.
    snap = crossing(parsed, "240202").snapshot
    assert snap["time"] == "11:25:16" and snap["date"] == "6/29/2022"
    assert snap["construction_notice"].startswith("Ready Lanes are open at PDN")
    assert snap["passenger_vehicle_lanes.automation_type"] == "Manual"
    assert snap["passenger_vehicle_lanes.maximum_lanes"] == crossing(parsed, "240202").snapshot[
        "passenger_vehicle_lanes.maximum_lanes"]
    assert {"port_name", "crossing_name", "border", "hours", "port_status"} <= snap.keys()
    assert crossing(parsed, "240202").border == "Mexican Border"


def test_api_responses_by_hand() -> None:
    mod = load("api-responses/Border_Wait_Times_Mod.json")
    # 6/30/2022 20:32:00 EDT = 7/1 00:32:00 UTC
    assert mod.generated_at == utc(2022, 7, 1, 0, 32)
    # Brownsville B&M "At 7:00 pm CDT", 60 min: 6/30 19:00 CDT = 7/1 00:00 UTC.
    bm = lane(mod, "535501", "passenger", "standard")
    assert (bm.observed_at, bm.wait_minutes, bm.lanes_open) == (utc(2022, 7, 1), 60, 1)
    one = load("api-responses/Crossing.json")
    # Blaine 6/30 17:42:13 PDT = 7/1 00:42:13 UTC; "At 5:00 pm PDT" = 7/1 00:00 UTC, 20 min.
    assert one.generated_at == utc(2022, 7, 1, 0, 42, 13)
    cv = lane(one, "300401", "commercial", "standard")
    assert (cv.observed_at, cv.wait_minutes, cv.status) == (utc(2022, 7, 1), 20, "delay")
    fast = lane(one, "300401", "commercial", "fast")  # Lanes Closed, no time
    assert (fast.observed_at, fast.status) == (utc(2022, 7, 1, 0, 42, 13), "closed")


def edited_crossing(old: str, new: str) -> bytes:
    text = (DATA / "api-responses/Crossing.json").read_text("utf-8")
    assert old in text
    return text.replace(old, new).encode()


def test_update_time_later_than_feed_time_is_the_previous_day() -> None:
    # Real data never runs more than 2 h ahead, so move Blaine's stamp to 03:10:00 PDT:
    # "At 5:00 pm PDT" on 6/30 would be 14 h in the future -> 6/29 17:00 PDT = 6/30 00:00 UTC.
    parsed = cbp_feed.parse_json(edited_crossing('"17:42:13"', '"03:10:00"'), "edited")
    assert lane(parsed, "300401", "commercial", "standard").observed_at == utc(2022, 6, 30)
    assert parsed.generated_at == utc(2022, 6, 30, 10, 10)  # 03:10 PDT


def test_label_zone_when_the_catalog_does_not_know(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cbp_time, "catalog_zone_name", lambda _crossing_id: None)
    parsed = load("bwtnew-2022-06-29.json")
    # Nogales "At 10:00 am MST" -> America/Phoenix (UTC-7) -> 17:00 UTC
    assert lane(parsed, "260401", "passenger", "standard").observed_at == utc(2022, 6, 29, 17)
    # Fort Hancock "At 8:00 am MDT" -> America/Denver -> 14:00 UTC
    assert lane(parsed, "240501", "passenger", "standard").observed_at == utc(2022, 6, 29, 14)


def test_unknown_zone_rejects_the_lane_not_the_file() -> None:
    data = edited_crossing('"300401"', '"999901"').replace(b"At 5:00 pm PDT", b"At 5:00 pm")
    parsed = cbp_feed.parse_json(data, "edited")
    # Nothing can be placed in time: the port's own time, the three timed lanes, and the
    # two "Lanes Closed" lanes (dated by the port time) are kept aside; the crossing stays.
    reasons = [r.reason for r in parsed.rejected]
    assert len(reasons) == 6 and parsed.observations == []
    assert reasons[0] == "port time cannot be placed: crossing zone unknown"
    assert sum("no time zone for crossing 999901" in r for r in reasons) == 3
    assert sum("no feed time to date it" in r for r in reasons) == 2
    assert "At 5:00 pm" in parsed.rejected[1].raw
    assert parsed.crossings[0].crossing_id == "999901"


def test_bad_values_are_kept_aside() -> None:
    data = edited_crossing('"delay_minutes": "20"', '"delay_minutes": "twenty"')
    parsed = cbp_feed.parse_json(data, "edited")
    (bad,) = parsed.rejected
    assert bad.place == "port[0] (300401) commercial_vehicle_lanes.standard_lanes"
    assert "twenty" in bad.reason
    assert len(parsed.observations) == len(load("api-responses/Crossing.json").observations) - 1
    unknown = cbp_feed.parse_json(edited_crossing('"delay"', '"jammed"'), "edited")
    assert "jammed" in unknown.rejected[0].reason


def test_absurd_numbers_are_kept_aside() -> None:
    huge = "99999999999999999999999"
    parsed = cbp_feed.parse_json(edited_crossing('"delay_minutes": "20"', f'"delay_minutes": "{huge}"'), "edited")
    (bad,) = parsed.rejected
    assert "more than 999999999 minutes" in bad.reason
    assert len(parsed.observations) == len(load("api-responses/Crossing.json").observations) - 1
    assert cbp_feed.parse_delay_minutes("16666666 hrs 39 min") == 999_999_999
    with pytest.raises(BadInputError, match="more than"):
        cbp_feed.parse_delay_minutes("16666666 hrs 40 min")
    text = (DATA / "bwt-2017-03-17.xml").read_bytes()
    edited = text.replace(b"<lanes_open>2</lanes_open>", b"<lanes_open>" + huge.encode() + b"</lanes_open>", 1)
    xml = cbp_feed.parse_xml(edited, "edited.xml")
    (bad,) = xml.rejected
    assert "lanes_open" in bad.reason and "more than 999999999" in bad.reason
    assert len(xml.observations) == len(load("bwt-2017-03-17.xml").observations) - 1


def test_a_mode_block_that_is_not_a_block_is_kept_aside() -> None:
    import json

    document = json.loads((DATA / "bwtnew-2022-06-29.json").read_bytes())
    whole = load("bwtnew-2022-06-29.json")
    crossing_id = document[3]["port_number"]
    document[3]["passenger_vehicle_lanes"] = "oops"
    parsed = cbp_feed.parse_json(json.dumps(document).encode(), "edited.json")
    (bad,) = parsed.rejected
    assert bad.place.endswith("passenger_vehicle_lanes") and "is a str, expected an object" in bad.reason
    lost = [o for o in whole.observations if o.crossing_id == crossing_id and o.mode == "passenger"]
    assert lost
    assert len(parsed.observations) == len(whole.observations) - len(lost)
    # its lanes are unknown, not absent: nothing to replay as N/A
    seen = next(c for c in parsed.crossings if c.crossing_id == crossing_id)
    assert "passenger/" not in seen.snapshot["absent_lanes"]


def test_pedestrain_typo_key_gives_the_pedestrian_automation_type() -> None:
    data = edited_crossing('"ped_automation_type": "Manual",', "").replace(
        b'"port_status": "Open",', b'"port_status": "Open", "pedestrain_automation_type": "Auto",'
    )
    snap = cbp_feed.parse_json(data, "edited").crossings[0].snapshot
    assert snap["pedestrian_lanes.automation_type"] == "Auto"
    assert snap["pedestrain_automation_type"] == "Auto"


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("", None), ("0", 0), ("25", 25), ("10 min", 10), ("1 hr", 60), ("1 hrs 30 min", 90),
     ("2 hrs", 120)],
)
def test_delay_minutes(text: str, minutes: int | None) -> None:
    assert cbp_feed.parse_delay_minutes(text) == minutes


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("240201", "240201"), ("l24501", "240501"), ("70801", "070801"), (" 250401 ", "250401"),
     ("x12", None), ("1234567", None), ("", None)],
)
def test_crossing_ids(raw: str, expected: str | None) -> None:
    assert cbp_feed.normalize_crossing_id(raw) == expected


def test_truncated_and_hostile_files_raise_one_line_errors() -> None:
    xml = (DATA / "bwt-2017-03-17.xml").read_bytes()
    first_port_ends = xml.index(b"</port>")
    with pytest.raises(BadInputError) as caught:  # cut before any port is whole: nothing to keep
        cbp_feed.parse_xml(xml[:first_port_ends], "bwt-2017-03-17.xml")
    message = str(caught.value)
    assert "bwt-2017-03-17.xml" in message and "line 1 column" in message and "fix:" in message
    assert "\n" not in message
    with pytest.raises(BadInputError, match="line 3 column"):
        cbp_feed.parse_json(b'[\n{"port_number": "1",\n', "cut.json")
    laughs = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
              b"<border_wait_time>&b;</border_wait_time>")
    with pytest.raises(BadInputError, match="DOCTYPE"):
        cbp_feed.parse_xml(laughs, "laughs.xml")
    with pytest.raises(BadInputError, match="expected an array"):
        cbp_feed.parse_json(b'{"portCrossings": []}', "list.json")
    with pytest.raises(BadInputError, match="border_wait_time"):
        cbp_feed.parse_xml(b"<rss/>", "x.xml")


def test_sniffers() -> None:
    for name in XML_FILES:
        head = (DATA / name).read_bytes()[:512]
        assert cbp_feed.sniff_xml(head, name) and not cbp_feed.sniff_json(head, name)
    for name in JSON_FILES:
        head = (DATA / name).read_bytes()[:512]
        assert cbp_feed.sniff_json(head, name) and not cbp_feed.sniff_xml(head, name)
    assert not cbp_feed.sniff_json(b'{"portCrossings": [', "x.json")


# --- robustness: only BadInputError, whatever the bytes -------------------------------------

PARSERS: list[Callable[[bytes, str], Parsed]] = [cbp_feed.parse_json, cbp_feed.parse_xml]
REAL = {name: (DATA / name).read_bytes() for name in XML_FILES + JSON_FILES}


def only_bad_input(data: bytes) -> None:
    for parse in PARSERS:
        try:
            parse(data, "fuzz")
        except BadInputError:
            pass


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_raise_only_bad_input(data: bytes) -> None:
    only_bad_input(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(REAL)),
    cuts=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 60), st.binary(max_size=12)),
                  min_size=1, max_size=6),
    truncate=st.none() | st.floats(0, 1),
)
def test_mutated_real_files_raise_only_bad_input(
    name: str, cuts: list[tuple[float, int, bytes]], truncate: float | None
) -> None:
    data = bytearray(REAL[name])
    for where, length, insert in cuts:
        at = int(where * len(data))
        data[at : at + length] = insert
    if truncate is not None:
        data = data[: int(truncate * len(data))]
    only_bad_input(bytes(data))


KEYS = ["port_number", "date", "time", "update_time", "operational_status", "delay_minutes",
        "lanes_open", "maximum_lanes", "passenger_vehicle_lanes", "standard_lanes",
        "pedestrian_lanes", "ready_lanes", "cv_automation_type", "pedestrain_automation_type"]
SCALARS = (st.sampled_from(["", "N/A", "240201", "l24501", "6/29/2022", "13:25:16",
                            "At Noon CDT", "At 0:31 am EDT", "delay", "Lanes Closed",
                            "1 hrs 30 min",
                            "99", "Update Pending"])
           | st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8))
JSONISH = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner,
                                                                max_size=6),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(JSONISH)
def test_arbitrary_json_shapes_raise_only_bad_input(document: object) -> None:
    try:
        cbp_feed.parse_json(json.dumps(document).encode(), "fuzz.json")
    except BadInputError:
        pass
