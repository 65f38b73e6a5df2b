"""Idempotent writes, conflicts kept aside, one transaction per file — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import Engine, func, select

from borderflow.feeds.records import CrossingSeen, HistoricalAverage, Parsed, Rejected, Volume
from borderflow.services.ingest import Ingestor
from borderflow.store import schema
from borderflow.vocabulary import Observation

UTC = dt.UTC


def _obs(hour: int, wait: int | None, *, crossing: str = "250401", status: str = "delay",
         source: str = "test", reported: str | None = "At 8:00 am PDT") -> Observation:
    return Observation(crossing_id=crossing, mode="passenger", program="standard",
                       observed_at=dt.datetime(2026, 8, 12, hour, tzinfo=UTC), wait_minutes=wait,
                       lanes_open=10, status=status, source=source, reported_time=reported,
                       dated_by_feed=reported is None)


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(getattr(schema, table))).scalar_one()


def _write(ingestor: Ingestor, parsed: Parsed, name: str = "f", sha: str = "a" * 64):
    with ingestor.engine.begin() as conn:
        return ingestor.write_parsed(conn, parsed, name=name, sha256=sha)


def test_same_reading_twice_is_stored_once(engine: Engine) -> None:
    parsed = Parsed(format="test", observations=[_obs(15, 30), _obs(16, 45)])
    first = _write(Ingestor(engine), parsed)
    again = _write(Ingestor(engine), parsed)  # a new ingestor: the check is the database's
    assert (first.stored, first.duplicates) == (2, 0)
    assert (again.stored, again.duplicates, again.conflicts) == (0, 2, 0)
    assert _count(engine, "observations") == 2


def test_same_key_other_values_is_a_conflict_kept_aside(engine: Engine) -> None:
    ingestor = Ingestor(engine)
    _write(ingestor, Parsed(format="test", observations=[_obs(15, 30)]))
    clash = _write(Ingestor(engine), Parsed(format="test", observations=[_obs(15, 55)]))
    assert (clash.stored, clash.conflicts) == (0, 1)
    with engine.connect() as conn:
        stored_wait = conn.execute(select(schema.observations.c.wait_minutes)).scalar_one()
        row = conn.execute(select(schema.conflicts.c.stored, schema.conflicts.c.incoming)).one()
    assert stored_wait == 30  # the stored reading stays
    assert json.loads(row.stored)["wait_minutes"] == 30
    assert json.loads(row.incoming)["wait_minutes"] == 55


def test_conflict_inside_one_file_is_reported(engine: Engine) -> None:
    result = _write(Ingestor(engine), Parsed(format="test", observations=[_obs(15, 30), _obs(15, 31)]))
    assert (result.stored, result.conflicts) == (1, 1)
    assert _count(engine, "conflicts") == 1


def test_timeless_closed_lane_is_stored_only_when_it_changes(engine: Engine) -> None:
    """A closed lane in CBP's feed has no time of its own; repeats of it are one reading."""
    ingestor = Ingestor(engine)
    closed = [_obs(h, None, status="closed", source="cbp-feed", reported=None) for h in (1, 2, 3)]
    counts = [_write(ingestor, Parsed(format="cbp-json", observations=[o])).stored for o in closed]
    assert counts == [1, 0, 0]
    reopened = _obs(4, 20, source="cbp-feed")
    closed_again = _obs(5, None, status="closed", source="cbp-feed", reported=None)
    assert _write(ingestor, Parsed(format="cbp-json", observations=[reopened, closed_again])).stored == 2
    # a fresh ingestor learns the lane's state from the database, not from memory
    assert _write(Ingestor(engine), Parsed(format="cbp-json", observations=[_obs(6, None, status="closed", source="cbp-feed", reported=None)])).stored == 0


def test_a_closure_seen_again_after_a_day_is_a_reading_of_its_own(engine: Engine) -> None:
    """Two captures years apart that both show a lane closed are two readings, whatever the
    order they are ingested in (the later one used to count as a repeat of the earlier)."""
    def closed(when: dt.datetime) -> Observation:
        return Observation("250401", "passenger", "standard", when, None, None, "closed", "cbp-feed",
                           dated_by_feed=True)

    times = [dt.datetime(2014, 3, 15, 19, tzinfo=UTC), dt.datetime(2017, 3, 17, 4, 31, tzinfo=UTC)]
    for order in (times, times[::-1]):
        with engine.begin() as conn:
            conn.execute(schema.observations.delete())
        stored = [_write(Ingestor(engine), Parsed(format="cbp-xml", observations=[closed(t)]), sha=str(i) * 64).stored
                  for i, t in enumerate(order)]
        assert stored == [1, 1], order
    # within a day, polls of a lane that stays closed are still one reading; after a day, one more
    with engine.begin() as conn:
        conn.execute(schema.observations.delete())
    ingestor = Ingestor(engine)
    start = times[0]
    polls = [start + dt.timedelta(minutes=5 * k) for k in range(12 * 30)]  # 30 hours
    assert sum(_write(ingestor, Parsed(format="cbp-json", observations=[closed(t)])).stored for t in polls) == 2


def test_rejected_records_go_to_quarantine_and_good_ones_land(engine: Engine) -> None:
    parsed = Parsed(format="test", observations=[_obs(15, 30)],
                    rejected=[Rejected(place="line 3", reason="wait_minutes must be >= 0; got -5", raw="x")])
    result = _write(Ingestor(engine), parsed)
    assert (result.stored, result.quarantined) == (1, 1)
    with engine.connect() as conn:
        place, reason = conn.execute(select(schema.quarantine.c.place, schema.quarantine.c.reason)).one()
    assert place == "line 3" and "got -5" in reason


def test_a_failing_file_leaves_nothing_behind(engine: Engine) -> None:
    ingestor = Ingestor(engine)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), engine.begin() as conn:
        ingestor.write_parsed(conn, Parsed(format="test", observations=[_obs(15, 30)]), name="f", sha256="b" * 64)
        raise Boom
    ingestor.observations.forget()
    assert _count(engine, "observations") == 0
    # and once the file is ingested for real, the reading lands
    assert _write(ingestor, Parsed(format="test", observations=[_obs(15, 30)])).stored == 1


def test_volumes_and_averages_are_idempotent_with_conflicts(engine: Engine) -> None:
    month = dt.date(2024, 1, 1)
    vols = [Volume(port_code="2504", period_start=month, measure="Personal Vehicles", value=100.0, source="bts"),
            Volume(port_code="2504", period_start=month, measure="Pedestrians", value=50.0, source="bts")]
    avgs = [HistoricalAverage(crossing_id="240201", mode="passenger", program="standard", kind="mean",
                              hour=h, wait_minutes=10.0 + h, source="cbp-historical", month=1, weekday=0)
            for h in range(24)]
    first = _write(Ingestor(engine), Parsed(format="test", volumes=vols, averages=avgs))
    assert first.stored == 26
    again = _write(Ingestor(engine), Parsed(format="test", volumes=vols, averages=avgs))
    assert (again.stored, again.duplicates) == (0, 26)
    changed = [Volume(port_code="2504", period_start=month, measure="Pedestrians", value=51.0, source="bts")]
    clash = _write(Ingestor(engine), Parsed(format="test", volumes=changed))
    assert clash.conflicts == 1
    assert _count(engine, "volumes") == 2


def test_a_crossing_first_seen_in_a_feed_is_added(engine: Engine) -> None:
    seen = CrossingSeen(crossing_id="999901", port_name="Nowhere", crossing_name="New Bridge",
                        border="Mexican Border", max_lanes={"passenger": 4},
                        seen_at=dt.datetime(2026, 1, 1, tzinfo=UTC), snapshot={"port_status": "Open"})
    result = _write(Ingestor(engine), Parsed(format="cbp-json", crossings=[seen],
                                              observations=[_obs(1, 5, crossing="999901")]))
    assert result.new_crossings == 1
    with engine.connect() as conn:
        row = conn.execute(select(schema.crossings).where(schema.crossings.c.crossing_id == "999901")).one()
    assert row.port_name == "Nowhere" and row.max_lanes_passenger == 4 and row.origin == "cbp-json"
    assert _write(Ingestor(engine), Parsed(format="cbp-json", crossings=[seen])).new_crossings == 0


def test_catalog_is_seeded(engine: Engine) -> None:
    with engine.connect() as conn:
        tz = conn.execute(select(schema.crossings.c.timezone).where(schema.crossings.c.crossing_id == "240201")).scalar_one()
    assert tz == "America/Denver"  # El Paso keeps Mountain time
    assert _count(engine, "crossings") >= 76
