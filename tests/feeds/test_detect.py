"""The format registry: detection order, errors, and parsers that never crash."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from borderflow.errors import BadInputError, UnknownFormatError
from borderflow.feeds import detect
from borderflow.feeds.records import Parsed

DATA = Path(__file__).parent.parent / "data"

#: the formats this suite owns (the live-feed ones are tested with their parsers)
OWN = ("observations-csv", "volumes-csv", "cbp-averages-csv", "cbp-holiday-csv", "bts-csv", "txdot-csv",
       "cascade-csv", "cbp-waitgraph", "cbp-historical-json",
       "observations-json", "volumes-json")  # (read back from exports in tests/services/test_export_round_trip.py)

REAL = {
    "cbp-historical/elpaso-2025-hourly-averages.csv": "cbp-averages-csv",
    "cbp-historical/elpaso-2025-holiday-waits.csv": "cbp-holiday-csv",
    "bts/border-crossing-entry-us-mexico-1996-01_2025-02.csv.gz": "bts-csv",
    "txdot/monthly_crossings_2008_2025.csv.gz": "txdot-csv",
    "cascade/peace-arch-south-cars-hourly-2013-01_2018-08.csv": "cascade-csv",
    "cascade/peace-arch-north-cars-daily-2018-01_2020-03.csv": "cascade-csv",
    "cascade/trucks-daily-volume-2018-01_2020-03.csv": "cascade-csv",
    "cbp-feed/api-responses/Wait_Time_Graph.json": "cbp-waitgraph",
}


def test_registry_lists_every_format_once() -> None:
    assert set(OWN) | {"cbp-json", "cbp-xml", "cbp-rss"} == set(detect.FORMATS)
    assert list(detect.FORMATS).index("cbp-waitgraph") < list(detect.FORMATS).index("cbp-json")
    assert (list(detect.FORMATS).index("cbp-historical-json")
            < list(detect.FORMATS).index("cbp-json"))


@pytest.mark.parametrize(("path", "fmt"), sorted(REAL.items()))
def test_real_files_are_recognised(path: str, fmt: str) -> None:
    raw = (DATA / path).read_bytes()
    assert detect.detect_format(raw[:4096], Path(path).name) == fmt
    assert detect.detect_format(raw[:4096], "") == fmt  # the name is not needed


def _as_spreadsheet_saves_it(raw: bytes) -> bytes:
    """Every field quoted, CRLF line ends and a BOM, as Excel and many tools write CSV."""
    import csv

    text = (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode("utf-8-sig")
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(csv.reader(io.StringIO(text)))
    return b"\xef\xbb\xbf" + out.getvalue().encode()


@pytest.mark.parametrize(("path", "fmt"), sorted((p, f) for p, f in REAL.items() if p.endswith((".csv", ".gz"))))
def test_spreadsheet_saved_csv_is_recognised_and_reads_the_same(path: str, fmt: str) -> None:
    raw = (DATA / path).read_bytes()
    if len(raw) > 2_000_000 or path.endswith(".gz"):
        text = (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode("utf-8-sig")
        raw = "\n".join(text.splitlines()[:3000]).encode() + b"\n"
    saved = _as_spreadsheet_saves_it(raw)
    assert detect.detect_format(saved[:4096], "") == fmt
    name = Path(path).name.removesuffix(".gz")
    assert detect.parse_bytes(saved, name) == detect.parse_bytes(raw, name)


def test_bts_columns_in_another_order_and_json_with_a_bom() -> None:
    text = gzip.decompress((DATA / "bts/border-crossing-entry-us-mexico-1996-01_2025-02.csv.gz").read_bytes())
    lines = text.decode("utf-8").splitlines()[:50]
    import csv

    rows = list(csv.reader(lines))
    order = list(reversed(range(len(rows[0]))))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([[r[i] for i in order] for r in rows])
    moved = out.getvalue().encode()
    assert detect.detect_format(moved, "") == "bts-csv"
    assert detect.parse_bytes(moved, "x.csv").volumes == detect.parse_bytes(
        ("\n".join(lines) + "\n").encode(), "x.csv").volumes
    graph = (DATA / "cbp-feed/api-responses/Wait_Time_Graph.json").read_bytes()
    assert detect.detect_format(b"\xef\xbb\xbf" + graph, "") == "cbp-waitgraph"
    assert detect.parse_bytes(b"\xef\xbb\xbf" + graph, "g.json") == detect.parse_bytes(graph, "g.json")


def test_utf16_feed_is_recognised_and_read() -> None:
    from borderflow.feeds import cbp_feed

    raw = (DATA / "cbp-feed" / "bwt-2017-03-17.xml").read_bytes()
    wide = raw.decode("latin-1").replace("ISO-8859-1", "UTF-16").encode("utf-16")
    assert detect.detect_format(wide[:4096], "bwt16.xml") == "cbp-xml"
    assert detect.parse_bytes(wide, "bwt16.xml").observations == cbp_feed.parse_xml(raw, "bwt.xml").observations


def test_gzip_is_looked_through_for_every_format() -> None:
    raw = (DATA / "cascade/trucks-daily-volume-2018-01_2020-03.csv").read_bytes()
    packed = gzip.compress(raw)
    assert detect.detect_format(packed[:4096], "trucks.csv.gz") == "cascade-csv"
    assert detect.parse_bytes(packed, "trucks.csv.gz").volumes == (
        detect.parse_bytes(raw, "trucks.csv").volumes)


def test_historical_json_and_observations_csv_are_recognised() -> None:
    payload = json.dumps({"wait_times": [{"bwt_day": "0", "time_slot": "1",
                                          "pv_time_avg": "3"}]}).encode()
    assert detect.detect_format(payload, "") == "cbp-historical-json"
    text = b"crossing_id,mode,program,observed_at,wait_minutes,lanes_open,status,source\n"
    assert detect.detect_format(text, "x.csv") == "observations-csv"
    assert detect.detect_format(text.replace(b"\n", b",direction\r\n"), "") == "observations-csv"


def test_parse_bytes_detects_or_obeys() -> None:
    path = DATA / "cascade/peace-arch-north-cars-daily-2018-01_2020-03.csv"
    parsed = detect.parse_bytes(path.read_bytes(), path.name)
    assert parsed.format == "cascade-csv" and len(parsed.volumes) == 1616
    assert detect.parse_bytes(path.read_bytes(), "", format="cascade-csv") == parsed
    with pytest.raises(BadInputError):
        detect.parse_bytes(path.read_bytes(), path.name, format="bts-csv")


def test_unknown_input_names_the_file_the_formats_and_the_option() -> None:
    with pytest.raises(UnknownFormatError) as caught:
        detect.detect_format(b"hello,world\n1,2\n", "mystery.csv")
    message = str(caught.value)
    assert "'mystery.csv'" in message and "--format" in message
    assert all(fmt in message for fmt in detect.FORMATS)
    with pytest.raises(UnknownFormatError, match="known formats: observations-csv"):
        detect.parse_bytes(b"", "x", format="excel")
    for empty in (b"{}", b" { }\n", b"\xef\xbb\xbf{}"):
        with pytest.raises(UnknownFormatError, match="'feed.json' is empty JSON .*no readings"):
            detect.detect_format(empty, "feed.json")


def test_an_empty_json_list_is_an_empty_export_with_nothing_in_it() -> None:
    """What `export observations|volumes --format json` writes for an empty archive reads as
    no records, as the empty CSV export does (an empty object stays refused, above)."""
    for empty in (b"[]", b"[\n]\n", b" [ ]\n", b"\xef\xbb\xbf[]", b'{"observations": [ ]}'):
        assert detect.detect_format(empty, "feed.json") == "observations-json"
        parsed = detect.parse_bytes(empty, "feed.json")
        assert (parsed.observations, parsed.volumes, parsed.rejected) == ([], [], [])
    for not_empty in (b"[]]", b"[] x", b"[{}]", b'{"observations": {}}'):
        assert not detect.FORMATS["observations-json"][0](not_empty, "x.json")


def test_an_empty_json_list_fetched_from_an_address_is_a_feed_that_said_nothing() -> None:
    """``poll`` and ``ingest URL`` name a payload by its address: an empty list from there is
    CBP's feed answering nothing, refused with what to do, not an empty export."""
    for name in ("https://bwt.cbp.gov/api/bwtnew@2026-11-29T17:00:00Z", "https://bwt.cbp.gov/api/bwtnew"):
        with pytest.raises(UnknownFormatError, match="fetch it again later"):
            detect.detect_format(b"[]", name)


def test_a_missing_optional_parser_sniffs_false() -> None:
    sniff, parse = detect._lazy("borderflow.feeds.no_such_module", "sniff", "parse")
    assert sniff(b"anything", "") is False
    with pytest.raises(UnknownFormatError):
        parse(b"anything", "")


# --- parsers never crash ---------------------------------------------------------------

HEADERS = [
    b"crossing_id,mode,program,observed_at,wait_minutes,lanes_open,status,source,direction\n",
    b"Port,Lane,Sub-Lane,Month,Day,Time,Sunday (min),Monday (min)\n",
    b'Port,Lane,Sub-Lane,Holiday,Time,"Monday, Dec 30, 2024 (min)"\n',
    b"Port Name,State,Port Code,Border,Date,Measure,Value,Latitude,Longitude,Point\n",
    b"Port Name,State,Port Code,Border,Date,Measure,Value,Location\n",
    b"ID,Year,Month,Region,POE,Crossing,Modes,Northbound Crossing\n",
    b"Group Starts,Avg - Delay (Peace Arch South Cars),Sum - Volume (Peace Arch North Cars)\n",
    b'[{"port_number": "300401", "date": "2022-06-30", "commercial_time_slots": ',
    b'{"wait_times": [',
    b"\x1f\x8b",
]

#: text built from the characters these files are made of, to reach past the header
_cells = st.text(alphabet=st.sampled_from(list(
    "0123456789-.,:/ \"\nTZ+APMNaNnull{}[]()'EelPasoYsleta\x00\ufeff")), max_size=300)
_inputs = st.one_of(
    st.binary(max_size=600),
    st.tuples(st.sampled_from(HEADERS), _cells).map(lambda t: t[0] + t[1].encode()),
    st.tuples(st.sampled_from(HEADERS), st.binary(max_size=200)).map(lambda t: t[0] + t[1]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_inputs, fmt=st.sampled_from(OWN))
def test_parsers_raise_only_bad_input_error(data: bytes, fmt: str) -> None:
    sniff, parse = detect.FORMATS[fmt]
    assert isinstance(sniff(data[:4096], "x"), bool)
    try:
        result = parse(data, "x")
    except BadInputError:
        return
    assert isinstance(result, Parsed) and result.format == fmt


@settings(max_examples=200, deadline=None)
@given(data=_inputs)
def test_detection_raises_only_unknown_format(data: bytes) -> None:
    try:
        fmt = detect.detect_format(data[:4096], "x")
    except UnknownFormatError:
        return
    assert fmt in detect.FORMATS


def test_the_observations_writer_output_is_detected() -> None:
    from borderflow.feeds.observations_csv import write_observations_csv

    out = io.StringIO()
    write_observations_csv([], out)
    assert detect.detect_format(out.getvalue().encode(), "") == "observations-csv"


def _interchange_files() -> dict[str, bytes]:
    """The two interchange CSVs as the archive writes them, from real files."""
    from borderflow.feeds.observations_csv import write_observations_csv
    from borderflow.feeds.volumes_csv import format_value, write_volumes_csv

    hourly = (DATA / "cascade/peace-arch-south-cars-hourly-2013-01_2018-08.csv").read_bytes()
    observations = detect.parse_bytes(b"\n".join(hourly.splitlines()[:500]) + b"\n", "").observations
    obs_out = io.StringIO()
    write_observations_csv(observations, obs_out)
    trucks = detect.parse_bytes((DATA / "cascade/trucks-daily-volume-2018-01_2020-03.csv").read_bytes(), "")
    vol_out = io.StringIO()
    write_volumes_csv([{"port_code": v.port_code, "site": v.site, "period": v.period,
                        "period_start": v.period_start.isoformat(), "measure": v.measure,
                        "direction": v.direction, "value": format_value(v.value), "source": v.source}
                       for v in trucks.volumes[:500]], vol_out)
    return {"observations-csv": obs_out.getvalue().encode(), "volumes-csv": vol_out.getvalue().encode()}


@pytest.mark.parametrize("fmt", ["observations-csv", "volumes-csv", *sorted(
    {f for p, f in REAL.items() if p.endswith((".csv", ".gz"))})])
def test_empty_trailing_columns_read_the_same(fmt: str) -> None:
    # a spreadsheet's empty columns after the last named one: header "...,source,," and
    # every row ending ",,"; detected and read as the file without them
    if fmt in ("observations-csv", "volumes-csv"):
        raw = _interchange_files()[fmt]
    else:
        path = next(p for p, f in sorted(REAL.items()) if f == fmt)
        data = (DATA / path).read_bytes()
        raw = b"\n".join((gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data).splitlines()[:3000]) + b"\n"
    trailing = b"\r\n".join(line + b",," for line in raw.splitlines()) + b"\r\n"
    assert detect.detect_format(trailing[:4096], "") == fmt
    parsed = detect.parse_bytes(trailing, "")
    assert parsed == detect.parse_bytes(raw, "") and parsed.rejected == []


def test_a_value_under_an_unnamed_trailing_column_refuses_its_row_alone() -> None:
    raw = _interchange_files()["volumes-csv"]
    lines = raw.decode().splitlines()
    text = "\n".join([lines[0] + ",,", lines[1] + ",,", lines[2] + ",,7"]) + "\n"
    parsed = detect.parse_bytes(text.encode(), "")
    assert len(parsed.volumes) == 1
    (bad,) = parsed.rejected
    assert bad.place == "line 3" and bad.reason == (
        "value(s) in column(s) 10, past the 8 named in the header; remove them or name the column")


def test_an_unknown_header_is_shown_to_its_end() -> None:
    # the cause is at the end of the header (a column too many): the message shows it
    header = "port_code,site,period,period_start,measure,direction,value,source,comment"
    with pytest.raises(UnknownFormatError, match=r"it starts 'port_code,site,.*,source,comment'"):
        detect.detect_format(f"{header}\n2304,,month,2024-01-01,Trucks,northbound,1,x,hi\n".encode(), "v.csv")


def test_zip_and_parquet_files_are_named_with_what_to_do() -> None:
    with pytest.raises(UnknownFormatError, match="is a zip archive, which ingest does not read; unzip it"):
        detect.detect_format(b"PK\x03\x04\x14\x00\x00\x00", "feeds.zip")
    with pytest.raises(UnknownFormatError, match="is a Parquet file.*export with --format csv"):
        detect.detect_format(b"PAR1\x15\x04", "all.parquet")
