"""CBP per-port RSS: 424 real Brownsville snapshots, checked against a regex reading."""

from __future__ import annotations

import csv
import datetime as dt
import html
import re
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from borderflow.errors import BadInputError
from borderflow.feeds import cbp_rss
from borderflow.feeds.records import Parsed

RSS = Path(__file__).resolve().parents[1] / "data" / "cbp-rss-brownsville"
SNAPSHOTS = sorted((RSS / "snapshots").glob("*.xml"))
IDS = {
    "Brownsville - B&M": "535501",
    "Brownsville - Veterans International": "535502",
    "Brownsville - Los Indios": "535503",
    "Brownsville - Gateway": "535504",
}
MODES = {"Commercial Vehicles": "commercial", "Passenger Vehicles": "passenger",
         "Pedestrian": "pedestrian"}
PROGRAMS = {"General": "standard", "Sentri": "sentri", "Ready": "ready", "Fast": "fast"}
LEAD = dt.timedelta(hours=2)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@cache
def parsed(path: Path) -> Parsed:
    return cbp_rss.parse(path.read_bytes(), path.name)


Key = tuple[str, str, str, dt.datetime]


def regex_readings(text: str) -> list[tuple[Key, tuple[int | None, int | None, str | None]]]:
    """An independent reading of one snapshot with regexes and fixed August offsets.

    All snapshots are in August 2026: the pubDate is EDT (UTC-4) and Brownsville is CDT
    (UTC-5). A reading more than 2 h after the pubDate is the day before.
    """
    pub_text = re.search(r"<pubDate>\w{3}, (.*?) EST</pubDate>", text)[1]  # type: ignore[index]
    published = dt.datetime.strptime(pub_text, "%d %b %Y %H:%M:%S").replace(tzinfo=dt.UTC)
    published += dt.timedelta(hours=4)
    out = []
    for item in re.findall(r"<item>(.*?)</item>", text, re.DOTALL):
        title = re.search(r"<title>(.*?)</title>", item)
        date = re.search(r"Date: (\d+)/(\d+)/(\d+)", item)
        assert title and date
        crossing_id = IDS[html.unescape(title[1])]
        month, day, year = date.groups()
        sections = re.split(r"<h4><b>\s*(.*?)\s*</b></h4>", item)
        for heading, body in zip(sections[1::2], sections[2::2], strict=True):
            lines = re.findall(r"(General|Sentri|Ready|Fast) Lanes:\s*(.*?)\s*<br/>", body)
            for lane, rest in lines:
                key = (crossing_id, MODES[heading], PROGRAMS[lane])
                timed = re.fullmatch(
                    r"At (\d+:\d\d [ap]m|Noon|Midnight) CDT (\d+) min delay (\d+) lane\(s\) open",
                    rest,
                )
                if timed:
                    clock = {"Noon": "12:00 pm", "Midnight": "12:00 am"}.get(timed[1], timed[1])
                    stamp = f"{year}-{month}-{day} {clock}"
                    local = dt.datetime.strptime(stamp, "%Y-%m-%d %I:%M %p")
                    at = local.replace(tzinfo=dt.UTC) + dt.timedelta(hours=5)
                    if at > published + LEAD:
                        at -= dt.timedelta(days=1)
                    out.append(((*key, at), (int(timed[2]), int(timed[3]), None)))
                elif rest in ("Lanes Closed", "Update Pending"):
                    status = "closed" if rest == "Lanes Closed" else "update_pending"
                    out.append(((*key, published), (None, None, status)))
                else:
                    assert rest == "N/A", rest
    return out


@cache
def everything() -> tuple[dict[Key, set[tuple]], dict[Key, set[tuple]], int, int]:
    by_regex: dict[Key, set[tuple]] = defaultdict(set)
    by_parser: dict[Key, set[tuple]] = defaultdict(set)
    regex_total = parser_total = 0
    for path in SNAPSHOTS:
        readings = regex_readings(path.read_text("utf-8"))
        regex_total += len(readings)
        for key, values in readings:
            by_regex[key].add(values)
        result = parsed(path)
        parser_total += len(result.observations)
        for o in result.observations:
            by_parser[(o.crossing_id, o.mode, o.program, o.observed_at)].add(o.values)
    return by_regex, by_parser, regex_total, parser_total


def test_all_424_snapshots_parse_cleanly() -> None:
    assert len(SNAPSHOTS) == 424
    for path in SNAPSHOTS:
        result = parsed(path)
        assert result.rejected == [], path.name
        assert result.format == "cbp-rss"
        assert sorted(c.crossing_id for c in result.crossings) == sorted(IDS.values())
        assert {(o.source, o.direction) for o in result.observations} == {
            ("cbp-rss", "northbound")}


def test_snapshot_index_agrees() -> None:
    with (RSS / "snapshot_index.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["file"] for r in rows) == [p.name for p in SNAPSHOTS]
    for row in rows:
        result = parsed(RSS / "snapshots" / row["file"])
        assert result.crossings[0].snapshot["pubDate"] == row["channel_pubDate"]
        # The pubDate read as Eastern daylight time precedes the commit by minutes, never after.
        committed = dt.datetime.fromisoformat(row["commit_time_utc"])
        assert result.generated_at is not None
        assert dt.timedelta(0) <= committed - result.generated_at < dt.timedelta(hours=2)
        times = {o.reported_time.removeprefix("At ").removesuffix(" CDT")
                 for o in result.observations if o.reported_time}
        expected = set(row["distinct_update_times"].split(";")) - {""}
        assert times == expected, row["file"]


def test_distinct_readings_match_an_independent_count() -> None:
    by_regex, by_parser, regex_total, parser_total = everything()
    assert parser_total == regex_total
    assert by_parser.keys() == by_regex.keys()
    assert by_parser == by_regex  # the same values under every key
    assert len(by_parser) == 5216  # distinct readings over the 424 snapshots


def test_same_reading_in_two_snapshots_is_equal() -> None:
    # B&M passenger general "At 2:00 pm CDT 45 min delay 2 lane(s) open" is in both.
    first = parsed(RSS / "snapshots" / "20260812T191334Z_ae1a62d9.xml")
    second = parsed(RSS / "snapshots" / "20260812T200644Z_376d6da8.xml")

    def pick(result: Parsed) -> object:
        (found,) = [o for o in result.observations
                    if (o.crossing_id, o.mode, o.program) == ("535501", "passenger", "standard")]
        return found

    assert pick(first) == pick(second)
    # Across all snapshots the only keys seen with two values are CBP's own revisions
    # of one hour's reading (the regex reading sees the same revisions).
    by_regex, by_parser, _, _ = everything()
    revised = {k for k, v in by_parser.items() if len(v) > 1}
    assert revised == {k for k, v in by_regex.items() if len(v) > 1}
    assert len(revised) == 16


def test_values_by_hand() -> None:
    result = parsed(SNAPSHOTS[0])  # 20260812T042606Z_0b218347.xml
    # pubDate "Wed, 12 Aug 2026 00:14:34 EST" is EDT: +4 h -> 04:14:34 UTC.
    assert result.generated_at == utc(2026, 8, 12, 4, 14, 34)
    bm = {(o.mode, o.program): o for o in result.observations if o.crossing_id == "535501"}
    # "Date: 8/11/2026", "General Lanes: At 4:00 pm CDT 60 min delay 2 lane(s) open":
    # 16:00 CDT + 5 h = 21:00 UTC on 8/11.
    general = bm[("passenger", "standard")]
    assert (general.observed_at, general.wait_minutes, general.lanes_open, general.status) == (
        utc(2026, 8, 11, 21), 60, 2, None)
    assert general.reported_time == "At 4:00 pm CDT"
    # "Ready Lanes:  Lanes Closed" -> closed at the pubDate; "Sentri Lanes: N/A" -> nothing.
    ready = bm[("passenger", "ready")]
    assert (ready.observed_at, ready.wait_minutes, ready.status) == (
        utc(2026, 8, 12, 4, 14, 34), None, "closed")
    assert ("passenger", "sentri") not in bm
    bm_seen = next(c for c in result.crossings if c.crossing_id == "535501")
    assert "passenger/sentri" in bm_seen.snapshot["absent_lanes"].split()  # kept as stopped reporting
    assert not {f"{m}/{p}" for m, p in bm} & set(bm_seen.snapshot["absent_lanes"].split())
    gateway = next(c for c in result.crossings if c.crossing_id == "535504")
    assert gateway.max_lanes == {"passenger": 5, "pedestrian": 5}
    assert gateway.hours == "24 hrs/day" and gateway.snapshot["date"] == "8/11/2026"
    assert gateway.snapshot["construction_notice"].startswith("Ready Lane is now operational")
    veterans = next(c for c in result.crossings if c.crossing_id == "535502")
    assert veterans.max_lanes == {"commercial": 4, "passenger": 8, "pedestrian": 1}
    fast = next(o for o in result.observations
                if (o.crossing_id, o.mode, o.program) == ("535502", "commercial", "fast"))
    assert (fast.wait_minutes, fast.lanes_open) == (0, 1)  # "0 min delay 1 lane(s) open"


def test_reading_stamped_ahead_of_the_pubdate_stays_on_its_day() -> None:
    # pubDate "Thu, 13 Aug 2026 04:53:31 EST" = 08:53:31 UTC (03:53 CDT); "Date: 8/13/2026",
    # B&M "At 4:00 am CDT 45 min delay": 04:00 CDT = 09:00 UTC, 7 min ahead -> 8/13, not 8/12.
    result = parsed(RSS / "snapshots" / "20260813T090716Z_b9aa7870.xml")
    (general,) = [o for o in result.observations
                  if (o.crossing_id, o.mode, o.program) == ("535501", "passenger", "standard")]
    assert (general.observed_at, general.wait_minutes) == (utc(2026, 8, 13, 9), 45)


def test_noon_and_midnight() -> None:
    noon = [o for p in SNAPSHOTS for o in parsed(p).observations
            if o.reported_time == "At Noon CDT"]
    assert noon and all(o.observed_at.hour == 17 for o in noon)  # 12:00 CDT = 17:00 UTC
    midnight = [o for p in SNAPSHOTS for o in parsed(p).observations
                if o.reported_time == "At Midnight CDT"]
    assert midnight and all(o.observed_at.hour == 5 for o in midnight)  # 00:00 CDT = 05:00 UTC


def test_unknown_name_is_rejected_not_guessed() -> None:
    data = SNAPSHOTS[0].read_bytes().replace(b"Brownsville - Los Indios", b"Brownsville - Nowhere")
    result = cbp_rss.parse(data, "edited.xml")
    (bad,) = result.rejected
    assert bad.place == "item 3 (Brownsville - Nowhere)"
    assert "'Brownsville - Nowhere' is not in the catalog" in bad.reason
    assert sorted(c.crossing_id for c in result.crossings) == ["535501", "535502", "535504"]


def test_fallback_names_work_without_the_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cbp_rss, "_catalog_crossing_by_name", None)
    result = cbp_rss.parse(SNAPSHOTS[0].read_bytes(), SNAPSHOTS[0].name)
    assert result.rejected == []
    assert sorted(c.crossing_id for c in result.crossings) == sorted(IDS.values())


def test_unreadable_line_is_kept_aside() -> None:
    data = SNAPSHOTS[0].read_bytes().replace(b"60 min delay 2 lane(s) open", b"sixty minutes", 1)
    result = cbp_rss.parse(data, "edited.xml")
    (bad,) = result.rejected
    assert bad.place == "item 1 (Brownsville - B&M) passenger standard"
    assert "sixty minutes" in bad.raw
    assert len(result.observations) == len(parsed(SNAPSHOTS[0]).observations) - 1


def test_escaped_html_description_reads_the_same() -> None:
    text = SNAPSHOTS[0].read_text("utf-8")
    escaped = re.sub(r"<description>(Hours.*?)</description>",
                     lambda m: "<description>" + html.escape(m[1], quote=False) + "</description>",
                     text, flags=re.DOTALL)
    assert escaped != text
    again = cbp_rss.parse(escaped.encode(), "escaped.xml")
    assert again.observations == parsed(SNAPSHOTS[0]).observations


def test_pretty_printed_feed_reads_the_same() -> None:
    """Line breaks and indentation in the source are spaces in HTML: a feed re-indented
    by a tool, or with a heading spread over lines, gives the same readings."""
    import xml.etree.ElementTree as ET

    tree = ET.ElementTree(ET.fromstring(SNAPSHOTS[0].read_bytes()))
    ET.indent(tree, space="    ")
    pretty = ET.tostring(tree.getroot(), encoding="utf-8", xml_declaration=True)
    assert pretty.count(b"\n") > 50
    again = cbp_rss.parse(pretty, "pretty.xml")
    assert (again.observations, again.rejected) == (parsed(SNAPSHOTS[0]).observations, [])
    spread = SNAPSHOTS[0].read_bytes().replace(
        b"<h4><b> Passenger Vehicles </b></h4>", b"<h4>\n<b>Passenger\n  Vehicles</b>\n</h4>")
    assert spread != SNAPSHOTS[0].read_bytes()
    again = cbp_rss.parse(spread, "spread.xml")
    assert (again.observations, again.rejected) == (parsed(SNAPSHOTS[0]).observations, [])


def test_lane_under_the_wrong_heading_is_kept_aside_not_misfiled() -> None:
    # B&M's first block is passenger; with its heading gone its lanes would fall under
    # the heading before, if any. Here a Sentri line moved under Pedestrian: no such lane.
    data = SNAPSHOTS[0].read_bytes().replace(b"Ready Lanes:  N/A  <br/></description>",
                                             b"Sentri Lanes:  N/A  <br/></description>", 1)
    assert data != SNAPSHOTS[0].read_bytes()
    result = cbp_rss.parse(data, "moved.xml")
    (bad,) = result.rejected
    assert "no sentri lanes for pedestrian traffic" in bad.reason
    assert not any(o.mode == "pedestrian" and o.program == "sentri" for o in result.observations)


def test_absurd_numbers_are_kept_aside() -> None:
    data = SNAPSHOTS[0].read_bytes().replace(b"60 min delay 2 lane(s) open",
                                             b"60 min delay 99999999999999999999 lane(s) open", 1)
    result = cbp_rss.parse(data, "huge.xml")
    (bad,) = result.rejected
    assert "more than 999999999" in bad.reason and bad.place.endswith("passenger standard")
    assert len(result.observations) == len(parsed(SNAPSHOTS[0]).observations) - 1


def test_bad_pubdates_are_named_where_they_are() -> None:
    text = SNAPSHOTS[0].read_text("utf-8")
    bad = re.sub(r"<pubDate>[^<]*</pubDate>", "<pubDate>soon</pubDate>", text, count=2)
    result = cbp_rss.parse(bad.encode(), "bad-dates.xml")
    assert [r.place for r in result.rejected][:2] == ["channel pubDate", "item 1 pubDate"]
    assert result.generated_at == parsed(SNAPSHOTS[0]).generated_at  # item 2's reads


def test_whole_file_errors_name_file_and_place() -> None:
    with pytest.raises(BadInputError, match=r"cut\.xml: not well-formed XML at line 1 column"):
        cbp_rss.parse(SNAPSHOTS[0].read_bytes()[:700], "cut.xml")
    with pytest.raises(BadInputError, match="expected <rss><channel>"):
        cbp_rss.parse(b"<rss version='2.0'/>", "empty.xml")
    assert cbp_rss.sniff(SNAPSHOTS[0].read_bytes()[:512], SNAPSHOTS[0].name)
    assert not cbp_rss.sniff(b"<border_wait_time>", "bwt.xml")


REAL = [p.read_bytes() for p in SNAPSHOTS[::53]]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_raise_only_bad_input(data: bytes) -> None:
    try:
        cbp_rss.parse(data, "fuzz")
    except BadInputError:
        pass


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    source=st.sampled_from(REAL),
    cuts=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 40),
                            st.sampled_from([b"", b"<", b"&", b"<br/>", b"At ", b"99", b" pm",
                                             b"<h4><b>X</b></h4>", b"Date: 13/45/2026", b"\xff"])),
                  min_size=1, max_size=6),
    truncate=st.none() | st.floats(0, 1),
)
def test_mutated_snapshots_raise_only_bad_input(
    source: bytes, cuts: list[tuple[float, int, bytes]], truncate: float | None
) -> None:
    data = bytearray(source)
    for where, length, insert in cuts:
        at = int(where * len(data))
        data[at : at + length] = insert
    if truncate is not None:
        data = data[: int(truncate * len(data))]
    try:
        cbp_rss.parse(bytes(data), "fuzz")
    except BadInputError:
        pass
