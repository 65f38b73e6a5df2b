"""Repeats of a live feed are kept as clock deltas on the payload they repeat, and come
back byte for byte."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from borderflow.errors import BadInputError, DataIntegrityError
from borderflow.feeds.fingerprint import feed_fingerprint, rebuild
from borderflow.services.ingest import Ingestor, Preparer, reparse
from borderflow.services.sources import Source
from borderflow.store import schema
from borderflow.store.payloads import load_payload

DATA = Path(__file__).resolve().parent.parent / "data" / "cbp-feed"
JSON = (DATA / "bwtnew-2022-06-29.json").read_bytes()
XML = (DATA / "bwt-2017-03-17.xml").read_bytes()


def polled_json(minute: int) -> bytes:
    """The real capture as polled again ``minute`` minutes after 13:25 (clock moved)."""
    return re.sub(rb'"time": "13:25:(\d\d)"', b'"time": "13:%02d:\\1"' % (25 + minute), JSON)


def polled_xml(minute: int) -> bytes:
    return XML.replace(b"<last_updated_time>0:31:39<", b"<last_updated_time>0:%02d:39<" % (31 + minute))


def sources(payloads: list[bytes]) -> list[Source]:
    return [Source(f"poll-{k}", lambda data=data: data) for k, data in enumerate(payloads)]


@pytest.mark.parametrize(("format", "poll"), [("cbp-json", polled_json), ("cbp-xml", polled_xml)])
def test_rebuild_gives_the_exact_bytes(format: str, poll) -> None:  # type: ignore[no-untyped-def]
    base, later = poll(0), poll(10)
    assert base != later
    fp_base, fp_later = feed_fingerprint(format, base), feed_fingerprint(format, later)
    assert fp_base is not None and fp_later is not None
    assert fp_later.stands_for(fp_base) and not fp_base.stands_for(fp_later)  # the clock goes forward only
    assert rebuild(format, base, fp_later.clock_fields()) == later
    with pytest.raises(BadInputError, match="clock fields"):
        rebuild(format, base, b"x\x00y")


def test_repeats_are_stored_as_deltas_and_load_byte_for_byte(engine: Engine) -> None:
    payloads = [polled_json(k) for k in range(0, 30, 5)]
    summary = Ingestor(engine).ingest_sources(sources(payloads), "cbp-json")
    assert summary.file_count == 6 and not summary.refused_anything, [f.error for f in summary.files]
    assert summary.total("stored") > 0 and summary.total("duplicates") == 5 * summary.files[0].read
    t = schema.payloads.c
    with engine.connect() as conn:
        kinds = dict(conn.execute(select(t.sha256, t.compression)).all())
        assert sorted(kinds.values()) == ["delta"] * 5 + ["zstd"]
        sizes = dict(conn.execute(select(t.compression, t.content)).all())
        assert len(sizes["delta"]) < len(sizes["zstd"]) / 20
        for data in payloads:
            sha = hashlib.sha256(data).hexdigest()
            assert load_payload(conn, sha) == data


def test_reparse_reads_deltas(engine: Engine) -> None:
    Ingestor(engine).ingest_sources(sources([polled_json(k) for k in (0, 5, 10)]), "cbp-json")
    again = reparse(engine)
    assert again.file_count == 3 and not again.refused_anything
    assert again.total("stored") == 0 and again.total("conflicts") == 0


def test_a_tampered_delta_is_caught(engine: Engine) -> None:
    Ingestor(engine).ingest_sources(sources([polled_json(0), polled_json(5)]), "cbp-json")
    sha = hashlib.sha256(polled_json(5)).hexdigest()
    import zstandard

    t = schema.payloads
    with engine.begin() as conn:
        content = conn.execute(select(t.c.content).where(t.c.sha256 == sha)).scalar_one()
        raw = zstandard.ZstdDecompressor().decompress(content).replace(b"13:30:", b"13:31:")
        conn.execute(update(t).where(t.c.sha256 == sha).values(content=zstandard.ZstdCompressor().compress(raw)))
    with engine.connect() as conn, pytest.raises(DataIntegrityError, match="does not rebuild"):
        load_payload(conn, sha)


def test_a_repeat_whose_base_was_stored_elsewhere_is_parsed_in_full(engine: Engine) -> None:
    base, later = polled_json(0), polled_json(5)
    preparer = Preparer("cbp-json")
    first, repeat = preparer.prepare("a", base), preparer.prepare("b", later)
    assert repeat.same_as == first.sha256 and repeat.compression == "delta"
    Ingestor(engine).commit(first)
    # another ingestor (another run) never saw the base: it reads it from the store
    summary = Ingestor(engine).commit(repeat)
    assert summary.error is None and summary.stored == 0 and summary.duplicates == summary.read > 0
    t = schema.payloads.c
    with engine.connect() as conn:
        row = conn.execute(select(t.compression).where(t.sha256 == repeat.sha256)).scalar_one()
        assert row == "zstd"  # kept whole: it was parsed on its own
        assert load_payload(conn, repeat.sha256) == later


def test_a_repeat_whose_base_is_nowhere_is_refused_with_the_reason(engine: Engine) -> None:
    preparer = Preparer("cbp-json")
    preparer.prepare("a", polled_json(0))
    repeat = preparer.prepare("b", polled_json(5))
    summary = Ingestor(engine).commit(repeat)
    assert summary.error is not None and "ingest that one again" in summary.error
    with engine.connect() as conn:
        assert conn.execute(select(schema.payloads.c.sha256)).first() is None


def _with_lead_reading(data: bytes) -> bytes:
    """The capture with Alexandria Bay's standard cars updated "At 4:30 pm EDT": more than
    two hours ahead of the port's 13:25 clock, so read as the afternoon before."""
    head, sep, rest = data.partition(b'"passenger_vehicle_lanes"')
    assert sep and b'"At Noon EDT"' in rest
    return head + sep + rest.replace(b'"At Noon EDT"', b'"At 4:30 pm EDT"', 1)


def test_a_repeat_whose_clock_re_dates_a_reading_is_parsed_in_full(engine: Engine) -> None:
    """13:25 and 13:29 date the 4:30 pm reading the day before; at 14:35 it is within two
    hours and is today's. The 13:29 poll may stand on the 13:25 one; the 14:35 poll may
    not, or the re-dated reading would never be stored."""
    def at(clock: bytes) -> bytes:
        return _with_lead_reading(re.sub(rb'"time": "13:25:(\d\d)"', b'"time": "' + clock + b':\\1"', JSON))

    payloads = [at(b"13:25"), at(b"13:29"), at(b"14:35")]
    preparer = Preparer("cbp-json")
    first, near, far = (preparer.prepare(f"p{k}", data) for k, data in enumerate(payloads))
    assert first.parsed is not None and first.parsed.day_before_slack is not None
    assert near.same_as == first.sha256
    assert far.same_as is None and far.parsed is not None
    Ingestor(engine).ingest_sources(sources(payloads), "cbp-json")
    o = schema.observations.c
    with engine.connect() as conn:
        instants = conn.execute(
            select(o.observed_at).where(o.crossing_id == "070801", o.mode == "passenger", o.program == "standard")
            .order_by(o.observed_at)).scalars().all()
    # 4:30 pm EDT is 20:30 UTC: on the 28th (read at 13:25 and 13:29), on the 29th (at 14:35)
    assert [(i.day, i.hour, i.minute) for i in instants] == [(28, 20, 30), (29, 20, 30)]
