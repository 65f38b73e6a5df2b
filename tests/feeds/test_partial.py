"""Files that break off: the whole items before the break are read, the rest is kept aside."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderflow.errors import BadInputError
from borderflow.feeds import cbp_feed, cbp_rss, export_json
from borderflow.feeds.partial import json_list_prefix

DATA = Path(__file__).resolve().parents[1] / "data"
FEED_JSON = (DATA / "cbp-feed" / "bwtnew-2022-06-29.json").read_bytes()
FEED_XML = (DATA / "cbp-feed" / "bwt-2017-03-17.xml").read_bytes()
RSS = (DATA / "cbp-rss-brownsville" / "snapshots" / "20260812T042606Z_0b218347.xml").read_bytes()


@pytest.mark.parametrize(("text", "items", "tail"), [
    (b'[{"a": 1}, {"b": 2}, {"c": ', [{"a": 1}, {"b": 2}], '{"c": '),
    (b'\xef\xbb\xbf[{"a": 1},', [{"a": 1}], ""),
    (b'[{"a": 1}]   junk', [{"a": 1}], "junk"),
    (b'[{"a": 1} {"b": 2}]', [{"a": 1}], '{"b": 2}]'),
    (b'[{"a": 1}, 12', [{"a": 1}], "12"),  # 12 may be the start of 125: not whole
    (b'[{"a": 1}, {"b": 2}', [{"a": 1}, {"b": 2}], ""),  # objects end unambiguously
    (b'[{"a": "\xc3\xa9"}, {"b": "\xc3', [{"a": "\u00e9"}], '{"b": "'),  # a character cut in two
    (b"[] ]", [], "]"),
    (b"[", [], ""),
])
def test_the_items_before_the_break(text: bytes, items: list[object], tail: str) -> None:
    got = json_list_prefix(text)
    assert got is not None
    assert got[0] == items and got[1].complete == len(items) and got[1].tail == tail
    assert "\n" not in got[1].reason and "line 1 column" in got[1].reason


def test_what_is_not_a_broken_list_is_left_to_the_whole_file_rules() -> None:
    assert json_list_prefix(b'{"a": [1, 2') is None  # not a list
    assert json_list_prefix(b" [1, 2] \n") is None  # whole
    assert json_list_prefix("[]") is None


def test_a_feed_cut_mid_port_keeps_the_ports_before_the_cut() -> None:
    document = json.loads(FEED_JSON)
    cut = len(FEED_JSON) * 2 // 5
    parsed = cbp_feed.parse_json(FEED_JSON[:cut], "cut.json")
    kept = FEED_JSON[:cut].count(b"\n    }")  # the capture closes each port object on a line of its own
    assert 0 < kept < len(document) and len(parsed.crossings) == kept
    # the reference: the same ports, written as a whole file
    reference = cbp_feed.parse_json(json.dumps(document[:kept]).encode(), "ref.json")
    assert parsed.observations == reference.observations
    assert [c.crossing_id for c in parsed.crossings] == [c.crossing_id for c in reference.crossings]
    assert parsed.generated_at == reference.generated_at
    (rejected,) = parsed.rejected
    assert rejected.place == f"port[{kept}] onward"
    assert rejected.reason.startswith("the file breaks off here: not valid JSON at line ")
    assert f"the {kept} ports before it were read; fix: fetch or copy the file again" in rejected.reason
    assert json.loads(FEED_JSON)[kept]["port_number"] in rejected.raw and rejected.raw.lstrip().startswith("{")


def _xml_ports(data: bytes, count: int) -> bytes:
    """The same bwt.xml with only its first ``count`` ports, written whole."""
    end = 0
    for _ in range(count):
        end = data.index(b"</port>", end) + len(b"</port>")
    return data[:end] + b"</border_wait_time>"


def test_an_xml_feed_cut_mid_port_keeps_the_ports_before_the_cut() -> None:
    cut = len(FEED_XML) // 3
    parsed = cbp_feed.parse_xml(FEED_XML[:cut], "cut.xml")
    kept = FEED_XML[:cut].count(b"</port>")
    assert kept > 0 and len(parsed.crossings) == kept
    reference = cbp_feed.parse_xml(_xml_ports(FEED_XML, kept), "ref.xml")
    assert parsed.observations == reference.observations and parsed.generated_at == reference.generated_at
    assert [r.place for r in parsed.rejected] == [r.place for r in reference.rejected] + [f"port {kept + 1} onward"]
    assert parsed.rejected[-1].raw.startswith("<port>")


def test_an_rss_snapshot_cut_mid_item_keeps_the_items_before_the_cut() -> None:
    second_item_ends = RSS.index(b"</item>", RSS.index(b"</item>") + 1) + len(b"</item>")
    parsed = cbp_rss.parse(RSS[:second_item_ends + 40], "cut.xml")
    whole = cbp_rss.parse(RSS, "whole.xml")
    assert parsed.generated_at == whole.generated_at
    assert parsed.observations and set(parsed.observations) < set(whole.observations)
    assert parsed.rejected[-1].place == "item 3 onward" and "the 2 items before it" in parsed.rejected[-1].reason
    with pytest.raises(BadInputError, match="not well-formed XML"):  # no whole item: refused as a whole
        cbp_rss.parse(RSS[:RSS.index(b"</item>")], "cut.xml")


def test_an_export_cut_mid_object_keeps_the_objects_before_it() -> None:
    rows = [{"crossing_id": "535501", "mode": "passenger", "program": "standard",
             "observed_at": f"2026-08-12T0{h}:00:00+00:00", "wait_minutes": str(10 + h), "lanes_open": "4",
             "status": "", "source": "cbp-rss"} for h in range(4)]
    text = json.dumps(rows, indent=1).encode()
    third_ends = text.index(b"}", text.index(b"}", text.index(b"}") + 1) + 1)
    parsed = export_json.parse_observations(text[:third_ends], "cut.json")  # object 3 lacks its "}"
    assert [o.wait_minutes for o in parsed.observations] == [10, 11]
    assert parsed.rejected[-1].place == "object 3 onward"


@settings(max_examples=120, deadline=None)
@given(fraction=st.floats(0, 1), source=st.sampled_from(["json", "xml"]))
def test_any_cut_keeps_exactly_the_whole_ports_or_refuses_the_file(fraction: float, source: str) -> None:
    data = FEED_JSON if source == "json" else FEED_XML
    cut = data[: int(fraction * len(data))]
    parse = cbp_feed.parse_json if source == "json" else cbp_feed.parse_xml
    try:
        parsed = parse(cut, "cut")
    except BadInputError as exc:
        assert "\n" not in str(exc)
        if source == "xml":
            assert b"</port>" not in cut
        return
    if len(cut) == len(data):
        assert not parsed.rejected or all("onward" not in r.place for r in parsed.rejected)
        return
    if source == "json":
        kept = cut.count(b"\n    }")
        reference = parse(json.dumps(json.loads(FEED_JSON)[:kept]).encode(), "ref")
    else:
        kept = cut.count(b"</port>")
        reference = parse(_xml_ports(FEED_XML, kept), "ref")
    assert parsed.observations == reference.observations
    assert parsed.rejected[-1].place.endswith("onward")


def test_a_byte_of_another_encoding_inside_a_whole_feed_is_an_encoding_refusal_not_a_cut() -> None:
    """A Latin-1 byte in the middle of a UTF-8 feed is not a cut download (fetching it again
    brings the same bytes): the file is refused saying so, as before."""
    at = FEED_JSON.index(b'"Del Rio"')
    latin1 = FEED_JSON[:at] + b'"Del R\xedo"' + FEED_JSON[at + 9:]
    with pytest.raises(BadInputError, match="UTF-8"):
        cbp_feed.parse_json(latin1, "latin1.json")
    assert json_list_prefix(latin1) is None
    # a character cut in two by the end of the data is a cut: the text before it is read
    cut = FEED_JSON[: FEED_JSON.index(b"\n    }") + 7] + b'{"port_number": "\xc3'
    assert len(cbp_feed.parse_json(cut, "cut.json").crossings) == 1


def test_a_utf16_export_cut_inside_a_character_keeps_its_whole_objects() -> None:
    rows = [{"crossing_id": "535501", "mode": "passenger", "program": "standard",
             "observed_at": f"2026-08-12T0{h}:00:00+00:00", "wait_minutes": str(10 + h), "lanes_open": "4",
             "status": "", "source": "cbp-rss"} for h in range(4)]
    written = json.dumps(rows, indent=1)
    third_ends = written.index("}", written.index("}", written.index("}") + 1) + 1)
    text = written.encode("utf-16")  # a byte-order mark, then two bytes a character
    for cut in (2 + 2 * third_ends, 2 + 2 * third_ends + 1):  # inside object 3: between characters, inside one
        parsed = export_json.parse_observations(text[:cut], "cut.json")
        assert [o.wait_minutes for o in parsed.observations] == [10, 11]
        assert parsed.rejected[-1].place == "object 3 onward"


def test_the_kept_aside_tail_of_a_broken_bwt_xml_is_read_in_its_declared_encoding() -> None:
    at = FEED_XML.index(b"</port>", len(FEED_XML) // 2) + len(b"</port>")
    named = FEED_XML[:at] + b"<port><port_number>250401</port_number><port_name>San Jos\xe9</port_name>"
    parsed = cbp_feed.parse_xml(named, "cut.xml")
    assert "San Jos\u00e9" in parsed.rejected[-1].raw
