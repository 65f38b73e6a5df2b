"""Read queries: statistics by hand and against numpy, windows, paging, latest readings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from borderflow.errors import BadInputError, NotFoundError
from borderflow.services import queries
from borderflow.services.ingest import Ingestor

UTC = dt.UTC
DATA = Path(__file__).resolve().parents[1] / "data"
HEADER = "crossing_id,mode,program,observed_at,wait_minutes,lanes_open,status,source\n"


def _ingest(engine: Engine, rows: list[str]) -> None:
    data = (HEADER + "".join(r + "\n" for r in rows)).encode()
    summary = Ingestor(engine).ingest_bytes(data, "rows.csv", "observations-csv")
    assert summary.error is None and summary.quarantined == 0


@given(st.lists(st.integers(min_value=0, max_value=600), min_size=1, max_size=60),
       st.sampled_from([0.0, 0.1, 0.5, 0.9, 1.0]))
@settings(max_examples=200, deadline=None)
def test_quantile_is_numpys_linear_rule(values: list[int], q: float) -> None:
    ordered = sorted(float(v) for v in values)
    assert queries.quantile(ordered, q) == pytest.approx(float(np.quantile(ordered, q)))


def test_wait_stats_by_hand() -> None:
    assert queries.wait_stats([10, 40, 20, 30]) == {
        "count": 4, "mean_wait_minutes": 25.0, "p50_wait_minutes": 25.0, "p90_wait_minutes": 37.0,
        "min_wait_minutes": 10, "max_wait_minutes": 40}
    assert queries.wait_stats([])["count"] == 0 and queries.wait_stats([])["p90_wait_minutes"] is None


def test_validate_window_rules() -> None:
    start = dt.datetime(2024, 5, 1, tzinfo=UTC)
    queries.validate_window(start, start + dt.timedelta(days=366))
    for end in (start, start - dt.timedelta(seconds=1), start + dt.timedelta(days=367)):
        with pytest.raises(BadInputError):
            queries.validate_window(start, end)
    with pytest.raises(BadInputError, match="offset"):
        queries.validate_window(start.replace(tzinfo=None), start + dt.timedelta(days=1))


def test_latest_readings_pick_the_newest_per_lane(engine: Engine) -> None:
    _ingest(engine, [
        "250401,passenger,standard,2024-05-01T10:00:00Z,30,,delay,a",
        "250401,passenger,standard,2024-05-01T11:00:00Z,35,,delay,b",
        "250401,passenger,standard,2024-05-01T09:00:00Z,90,,delay,b",
        "250401,passenger,sentri,2024-05-01T08:00:00Z,5,,no_delay,a",
        "250409,pedestrian,standard,2024-05-01T08:00:00Z,,,closed,a",
    ])
    latest = {(r["crossing_id"], r["mode"], r["program"]): r for r in queries.latest_readings(engine)}
    assert latest[("250401", "passenger", "standard")]["wait_minutes"] == 35
    assert latest[("250409", "pedestrian", "standard")]["status"] == "closed"
    earlier = queries.latest_readings(engine, at=dt.datetime(2024, 5, 1, 10, 30, tzinfo=UTC), crossing_id="250401")
    assert {(r["program"], r["wait_minutes"]) for r in earlier} == {("standard", 30), ("sentri", 5)}
    only_a = queries.latest_readings(engine, sources=["a"], crossing_id="250401")
    assert {(r["program"], r["source"]) for r in only_a} == {("standard", "a"), ("sentri", "a")}
    waits = queries.current_waits(engine, now=dt.datetime(2024, 5, 1, 12, 0, 30, tzinfo=UTC), program="standard")
    by_crossing = {w["crossing_id"]: w for w in waits}
    assert by_crossing["250401"]["age_minutes"] == 60 and by_crossing["250401"]["port_name"] == "San Ysidro"
    assert by_crossing["250409"]["age_minutes"] == 240


def test_history_pages_and_aggregates(engine: Engine) -> None:
    _ingest(engine, [f"250401,passenger,standard,2024-05-01T{h:02d}:{m:02d}:00Z,{h + m},,delay,a"
                     for h in range(3) for m in (0, 30)])
    start, end = dt.datetime(2024, 5, 1, tzinfo=UTC), dt.datetime(2024, 5, 2, tzinfo=UTC)
    page = queries.history_raw(engine, "250401", "passenger", "standard", start=start, end=end, limit=4)
    assert [r["wait_minutes"] for r in page.items] == [0, 30, 1, 31] and page.has_more
    rest = queries.history_raw(engine, "250401", "passenger", "standard", start=start, end=end, limit=4, offset=4)
    assert [r["wait_minutes"] for r in rest.items] == [2, 32] and not rest.has_more
    hours = queries.history_aggregated(engine, "250401", "passenger", "standard", start=start, end=end)
    assert [(b["start"].hour, b["count"], b["mean_wait_minutes"]) for b in hours] == [
        (0, 2, 15.0), (1, 2, 16.0), (2, 2, 17.0)]
    with pytest.raises(NotFoundError):
        queries.history_raw(engine, "999999", "passenger", "standard", start=start, end=end)
    with pytest.raises(BadInputError):
        queries.history_raw(engine, "250401", "passenger", "standard", start=start, end=end, limit=0)


def test_catalog_filters(engine: Engine) -> None:
    texas = queries.list_crossings(engine, border="mexico", state="TEXAS", limit=1000)
    assert texas.items and all(c["state"] == "Texas" for c in texas.items)
    assert not texas.has_more
    assert queries.get_port(engine, "2504")["crossing_ids"][0] == "250401"
    with pytest.raises(NotFoundError):
        queries.get_crossing(engine, "000000")


def test_archive_version_grows_with_every_write(engine: Engine) -> None:
    before = queries.archive_version(engine)
    _ingest(engine, ["250401,passenger,standard,2024-05-01T10:00:00Z,30,,delay,a"])
    after = queries.archive_version(engine)
    assert after != before and after[0] > before[0]


def _grouped_latest(engine: Engine, at: dt.datetime, published_by: dt.datetime | None,
                    sources: list[str] | None, crossing_id: str | None) -> list[tuple[object, ...]]:
    """The newest reading of each lane by the plain rule, read in Python from every row:
    the latest time at or before ``at``, among readings of that time the one stored last."""
    from sqlalchemy import select

    from borderflow.store.schema import observations, payloads
    with engine.connect() as conn:
        published = dict(conn.execute(select(payloads.c.sha256, payloads.c.published_at)).all())
        rows = conn.execute(select(observations).order_by(observations.c.id)).all()
    best: dict[tuple[str, ...], tuple[object, ...]] = {}
    for r in rows:
        if r.observed_at > at or (crossing_id and r.crossing_id != crossing_id):
            continue
        if sources is not None and r.source not in sources:
            continue
        if sources is None and r.source.endswith("-daily-mean"):
            continue
        when = published.get(r.payload_sha256) if r.payload_sha256 else None
        if published_by is not None and when is not None and when > published_by:
            continue
        key = (r.crossing_id, r.mode, r.program, r.direction)
        if key not in best or r.observed_at >= best[key][1]:  # type: ignore[operator]
            best[key] = (r.id, r.observed_at)
    return [best[k] for k in sorted(best)]


def test_latest_readings_match_the_plain_rule_on_real_feeds(engine: Engine) -> None:
    """On the Brownsville RSS week (four crossings, both kinds of lanes, feeds published
    every few minutes) plus readings of a second source at the same instants, southbound
    lanes and a daily mean: the newest reading of every lane, as of many instants, with and
    without a publication bound, for one crossing or all, is the plain rule's."""
    from borderflow.services.ingest import ingest
    snapshots = sorted((DATA / "cbp-rss-brownsville" / "snapshots").glob("*.xml"))[:120]
    assert ingest(engine, [str(p) for p in snapshots]).total("stored") > 100
    _ingest(engine, [
        "535501,passenger,standard,2026-08-12T04:00:00Z,7,2,,other-source",  # two sources at one instant: below
        "535502,passenger,ready,2026-08-12T03:00:00Z,9,1,,my-counts",
        "535502,passenger,ready,2026-08-12T05:00:00Z,11,1,,my-counts-daily-mean",
    ])
    _ingest(engine, ["535501,passenger,standard,2026-08-12T04:00:00Z,8,2,,second-source"])
    southbound = (b"crossing_id,mode,program,observed_at,wait_minutes,lanes_open,status,source,direction\n"
                  b"535503,passenger,standard,2026-08-12T02:00:00Z,25,3,,mx-counts,southbound\n"
                  b"535503,passenger,standard,2026-08-12T06:00:00Z,35,3,,mx-counts,southbound\n")
    assert Ingestor(engine).ingest_bytes(southbound, "sb.csv", "observations-csv").stored == 2
    instants = [dt.datetime(2026, 8, 11, 20, tzinfo=UTC) + dt.timedelta(minutes=37 * k) for k in range(40)]
    for k, at in enumerate(instants):
        for published_by, sources, crossing in ((None, None, None), (at, ["cbp-rss"], None),
                                                (at, None, "535501"), (None, None, ("535503", "535504")[k % 2])):
            got = [(r["id"], r["observed_at"]) for r in queries.latest_readings(
                engine, at=at, published_by=published_by, sources=sources, crossing_id=crossing, revised=False)]
            assert got == _grouped_latest(engine, at, published_by, sources, crossing), (at, published_by, crossing)
