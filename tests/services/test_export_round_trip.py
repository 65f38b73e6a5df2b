"""JSON exports read back: export -> ingest into an emptied archive -> export again, identical;
and the volume rules every ingest keeps (counts that survive as floats, plausible dates)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert

from borderflow.cli.main import run
from borderflow.feeds.detect import detect_format
from borderflow.services import queries
from borderflow.services.export import ObservationFilter, export_observations, export_volumes
from borderflow.services.ingest import Ingestor
from borderflow.store.schema import quarantine, volumes
from tests.conftest import _empty

DATA = Path(__file__).parents[1] / "data"
FEED = DATA / "cbp-feed" / "bwtnew-2022-06-29.json"
TRUCKS = DATA / "cascade" / "trucks-daily-volume-2018-01_2020-03.csv"


def _ingest(engine: Engine, data: bytes, name: str) -> None:
    summary = Ingestor(engine).ingest_bytes(data, name)
    assert summary.error is None, summary.error


def _exports(engine: Engine) -> tuple[str, str]:
    obs, vol = io.StringIO(), io.StringIO()
    export_observations(engine, obs, "json", ObservationFilter())
    export_volumes(engine, vol, "json")
    return obs.getvalue(), vol.getvalue()


def test_json_exports_ingest_into_a_new_archive_and_export_the_same(engine: Engine) -> None:
    for path in (FEED, TRUCKS):
        _ingest(engine, path.read_bytes(), str(path))
    observations, counts = _exports(engine)
    assert len(json.loads(observations)) == 273 and len(json.loads(counts)) > 4000
    assert detect_format(observations.encode()[:4096], "all.json") == "observations-json"
    assert detect_format(counts.encode()[:4096], "volumes.json") == "volumes-json"
    _empty(engine)
    for text, name in ((observations, "all.json"), (counts, "volumes.json")):
        summary = Ingestor(engine).ingest_bytes(text.encode(), name)
        assert summary.error is None and summary.quarantined == 0 and summary.stored == len(json.loads(text))
    assert _exports(engine) == (observations, counts)


def test_the_json_exports_of_an_empty_archive_ingest_as_nothing(engine: Engine, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """As the empty CSV export does: 0 records, nothing kept aside, exit 0."""
    _empty(engine)
    observations, counts = _exports(engine)
    assert (observations, counts) == ("[\n]\n", "[]\n")
    csv = io.StringIO()
    export_observations(engine, csv, "csv", ObservationFilter())
    for text, name in ((observations, "observations.json"), (counts, "volumes.json"), (csv.getvalue(), "obs.csv")):
        summary = Ingestor(engine).ingest_bytes(text.encode(), name)
        assert (summary.error, summary.stored, summary.quarantined) == (None, 0, 0), (name, summary.error)
    assert _quarantined(engine) == []
    db = engine.url.render_as_string(hide_password=False)
    path = tmp_path / "observations.json"
    assert run(["--db", db, "export", "observations", "--format", "json", "--output", str(path)]) == 0
    assert run(["--db", db, "ingest", str(path)]) == 0, capsys.readouterr().err
    assert _quarantined(engine) == []


def test_bad_json_objects_are_kept_aside_and_the_rest_lands(engine: Engine) -> None:
    rows = [
        {"crossing_id": "250401", "mode": "passenger", "program": "standard", "observed_at": "2022-06-29T17:00:00Z",
         "wait_minutes": 30, "lanes_open": 5, "status": "delay", "source": "cbp-feed", "direction": "northbound"},
        {"crossing_id": "250401", "mode": "boat", "program": "standard", "observed_at": "2022-06-29T17:00:00Z",
         "wait_minutes": 30, "lanes_open": 5, "status": "delay", "source": "cbp-feed"},
        {"crossing_id": "250401", "mode": "passenger", "program": "sentri", "observed_at": "2022-06-29T17:00:00Z",
         "wait_minutes": [30], "lanes_open": None, "status": None, "source": "cbp-feed", "colour": "red"},
    ]
    summary = Ingestor(engine).ingest_bytes(json.dumps(rows).encode(), "rows.json")
    assert (summary.format, summary.stored, summary.quarantined) == ("observations-json", 1, 2)
    reasons = dict(_quarantined(engine))
    assert "mode must be one of" in reasons["object 2"]
    assert "wait_minutes must be a string, a number or null" in reasons["object 3"]
    assert "unknown key(s) 'colour'" in reasons["object 3"]


def _quarantined(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [(r.place, r.reason) for r in conn.execute(quarantine.select().order_by(quarantine.c.id))]


HEADER = "port_code,site,period,period_start,measure,direction,value,source\n"


@pytest.mark.parametrize("value", ["12345678901.99999999", "0.12345678901234567891"])
def test_a_count_that_would_come_back_another_number_is_refused(engine: Engine, value: str) -> None:
    text = HEADER + f"2504,,month,2024-01-01,Trucks,northbound,{value},mine\n2504,,month,2024-02-01,Trucks,northbound,0.1,mine\n"
    summary = Ingestor(engine).ingest_bytes(text.encode(), "counts.csv")
    assert (summary.stored, summary.quarantined) == (1, 1)
    [(place, reason)] = _quarantined(engine)
    assert place == "line 2" and "15 significant digits" in reason and value in reason
    as_json = json.dumps([{"port_code": "2504", "site": "", "period": "month", "period_start": "2024-03-01",
                           "measure": "Trucks", "direction": "northbound", "value": "@", "source": "mine"}])
    summary = Ingestor(engine).ingest_bytes(as_json.replace('"@"', value).encode(), "counts.json")
    assert (summary.format, summary.stored, summary.quarantined) == ("volumes-json", 0, 1)
    assert "15 significant digits" in _quarantined(engine)[-1][1]


def test_a_cascade_count_that_would_come_back_another_number_is_refused(engine: Engine) -> None:
    lines = TRUCKS.read_text().splitlines(keepends=True)
    altered = lines[2].replace(",116.0,", ",12345678901.99999999,")
    assert altered != lines[2]
    summary = Ingestor(engine).ingest_bytes("".join([lines[0], lines[1], altered, *lines[3:10]]).encode(), "trucks.csv")
    assert summary.quarantined == 1 and summary.stored > 0
    assert "15 significant digits" in _quarantined(engine)[0][1]


@pytest.mark.parametrize("start", ["0001-01-01", "1899-12-01", "9999-12-01", "2999-01-01"])
def test_a_count_for_an_implausible_month_is_refused(engine: Engine, start: str) -> None:
    text = HEADER + f"2504,,month,{start},Trucks,northbound,5,mine\n2504,,month,2024-01-01,Trucks,northbound,7,mine\n"
    summary = Ingestor(engine).ingest_bytes(text.encode(), "counts.csv")
    assert (summary.stored, summary.quarantined) == (1, 1)
    [(_, reason)] = _quarantined(engine)
    assert f"starting {start}" in reason and "from 1900-01-01 to the day it is stored" in reason


def test_a_bts_month_far_ahead_is_refused(engine: Engine) -> None:
    text = ("Port Name,State,Port Code,Border,Date,Measure,Value,Latitude,Longitude,Point\n"
            "San Ysidro,California,2504,US-Mexico Border,Jan 2999,Trucks,5,32.5,-117.0,POINT (-117.0 32.5)\n"
            "San Ysidro,California,2504,US-Mexico Border,Jan 2024,Trucks,7,32.5,-117.0,POINT (-117.0 32.5)\n")
    summary = Ingestor(engine).ingest_bytes(text.encode(), "bts.csv")
    assert (summary.format, summary.stored, summary.quarantined) == ("bts-csv", 1, 1)
    assert "starting 2999-01-01" in _quarantined(engine)[0][1]


def test_a_month_of_an_early_year_is_served_zero_padded(engine: Engine) -> None:
    """A count stored before the dates were checked still reads as YYYY-MM."""
    import datetime as dt

    with engine.begin() as conn:
        conn.execute(insert(volumes).values(port_code="2504", site="", period="month", period_start=dt.date(1, 1, 1),
                                            measure="Trucks", direction="northbound", value=5.0, source="old"))
    assert [i["month"] for i in queries.monthly_volumes(engine, source="old").items] == ["0001-01"]
