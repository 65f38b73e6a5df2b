"""Load on the API while an ingest writes: requests per second, latency, errors, rows lost.

Starts ``borderflow serve`` (one uvicorn worker, default settings) on 127.0.0.1 over a
fresh SQLite archive holding a real CBP feed, starts a writer process that ingests new
CBP readings in batches the whole time, and drives each endpoint with an asyncio/httpx
client (several client processes, so the client is not the bottleneck) for a bounded
time and number of requests:

- ``/api/v1/ping`` — the bare route returning a constant: the baseline;
- ``/api/bwtnew`` — the CBP-compatible feed, rebuilt whenever the archive grows;
- ``/api/v1/crossings/250401/waits/current`` — the current-wait endpoint.

Prints requests per second, p50 and p99 latency (ms), errors (any status other than
200, or a failed request; goal 0), the ratio of each endpoint's throughput to the bare
route's (goal >= 0.5), and the writer's rows written and rows lost (goal 0). Only
127.0.0.1 is contacted. Not run in CI: ``python benchmarks/bench_api.py [--seconds 6]``.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "cbp-feed" / "bwtnew-2022-06-29.json"
ENDPOINTS = {
    "bare /api/v1/ping": "/api/v1/ping",
    "/api/bwtnew": "/api/bwtnew",
    "current wait 250401": "/api/v1/crossings/250401/waits/current",
}
WRITER_SOURCE = "cbp-feed"
WRITER_LANES = [("250401", "passenger", "standard"), ("250401", "pedestrian", "standard"),
                ("535502", "passenger", "standard"), ("240201", "commercial", "standard")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _writer(db: str, stop: mp.synchronize.Event, result: mp.Queue, batch_rows: int, pause_seconds: float) -> None:
    """Ingest batches of new readings until told to stop; report (batches, rows written)."""
    import datetime as dt

    from borderflow.services.ingest import Ingestor
    from borderflow.store.db import make_engine

    ingestor = Ingestor(make_engine(db))
    start = dt.datetime(2022, 6, 29, 18, 0, tzinfo=dt.UTC)
    batches = written = 0
    while not stop.is_set():
        lines = ["crossing_id,mode,program,observed_at,wait_minutes,lanes_open,status,source"]
        for i in range(batch_rows):
            crossing, mode, program = WRITER_LANES[i % len(WRITER_LANES)]
            at = start + dt.timedelta(seconds=batches * batch_rows + i)
            lines.append(f"{crossing},{mode},{program},{at.isoformat()},{(batches + i) % 90},3,delay,"
                         f"{WRITER_SOURCE}")
        summary = ingestor.ingest_bytes(("\n".join(lines) + "\n").encode(), f"bench-{batches}.csv",
                                        "observations-csv")
        if summary.error:
            print(f"writer: {summary.error}", file=sys.stderr)
        written += summary.stored
        batches += 1
        time.sleep(pause_seconds)
    result.put((batches, written))


async def _connection(host: str, port: int, path: str, deadline: float, budget: list[int],
                      latencies: list[float], errors: list[int]) -> None:
    """One keep-alive HTTP/1.1 connection sending GETs back to back (a minimal client:
    httpx costs more per request than the server does, and would measure itself).
    It accepts gzip, as httpx, browsers and curl --compressed do."""
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept-Encoding: gzip\r\n\r\n".encode()
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline and budget[0] > 0:
            budget[0] -= 1
            began = time.perf_counter()
            try:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head[9:12])
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                await reader.readexactly(length)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
                errors[0] += 1
                return
            if status == 200:
                latencies.append(time.perf_counter() - began)
            else:
                errors[0] += 1
    finally:
        writer.close()


async def _drive(url: str, seconds: float, max_requests: int, concurrency: int) -> tuple[list[float], int]:
    parsed = httpx.URL(url)
    latencies: list[float] = []
    errors = [0]
    budget = [max_requests]
    deadline = time.perf_counter() + seconds
    await asyncio.gather(*(_connection(parsed.host, parsed.port or 80, parsed.raw_path.decode(), deadline, budget,
                                       latencies, errors) for _ in range(concurrency)))
    return latencies, errors[0]


def _client_process(url: str, seconds: float, max_requests: int, concurrency: int, out: mp.Queue) -> None:
    out.put(asyncio.run(_drive(url, seconds, max_requests, concurrency)))


def measure(url: str, seconds: float, max_requests: int, clients: int, concurrency: int) -> dict[str, float]:
    queue: mp.Queue = mp.Queue()
    procs = [mp.Process(target=_client_process, args=(url, seconds, max_requests // clients, concurrency, queue))
             for _ in range(clients)]
    began = time.perf_counter()
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    elapsed = time.perf_counter() - began
    for p in procs:
        p.join()
    latencies = sorted(x for lat, _ in results for x in lat)
    errors = sum(e for _, e in results)
    if not latencies:
        return {"requests": 0, "rps": 0.0, "p50_ms": float("nan"), "p99_ms": float("nan"), "errors": errors}
    return {
        "requests": len(latencies) + errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
        "errors": errors,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="Load time per endpoint (max 60).")
    parser.add_argument("--max-requests", type=int, default=50_000, help="Cap per endpoint.")
    parser.add_argument("--clients", type=int, default=2, help="Client processes.")
    parser.add_argument("--concurrency", type=int, default=16, help="Connections per client process.")
    parser.add_argument("--batch-rows", type=int, default=40, help="Readings per writer batch.")
    parser.add_argument("--pause", type=float, default=0.1, help="Seconds between writer batches.")
    parser.add_argument("--no-writer", action="store_true", help="Measure without the concurrent ingest.")
    parser.add_argument("--cache-seconds", type=float, default=None,
                        help="Pass --cache-seconds to serve (default: serve's own default).")
    args = parser.parse_args()
    seconds = min(max(args.seconds, 1.0), 60.0)

    from sqlalchemy import func, select

    from borderflow.services.ingest import Ingestor
    from borderflow.store.db import open_database
    from borderflow.store.schema import observations

    workdir = Path(tempfile.mkdtemp(prefix="borderflow-bench-"))
    db = f"sqlite:///{workdir / 'bench.sqlite3'}"
    engine = open_database(db)
    Ingestor(engine).ingest_bytes(SAMPLE.read_bytes(), SAMPLE.name)
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(observations)).scalar_one()

    port = _free_port()
    extra = ["--cache-seconds", str(args.cache_seconds)] if args.cache_seconds is not None else []
    server = subprocess.Popen(
        [sys.executable, "-c", "from borderflow.cli.main import entry; entry()", "--db", db, "serve",
         "--host", "127.0.0.1", "--port", str(port), *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    stop = mp.Event()
    writer_result: mp.Queue = mp.Queue()
    writer = mp.Process(target=_writer, args=(db, stop, writer_result, args.batch_rows, args.pause))
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base + "/api/v1/ping", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                print("the server did not start", file=sys.stderr)
                return 1
            time.sleep(0.2)
        if not args.no_writer:
            writer.start()
        rows = {name: measure(base + path, seconds, args.max_requests, args.clients, args.concurrency)
                for name, path in ENDPOINTS.items()}
    finally:
        stop.set()
        if writer.is_alive() or writer.exitcode is None and writer.pid is not None:
            writer.join(timeout=30)
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    batches, written = writer_result.get(timeout=30) if writer.pid is not None else (0, 0)
    with engine.connect() as conn:
        after = conn.execute(select(func.count()).select_from(observations)).scalar_one()
    lost = before + written - after

    bare = rows["bare /api/v1/ping"]["rps"]
    print(f"BorderFlow API under load: 1 uvicorn worker, SQLite (WAL), {args.clients} client processes x "
          f"{args.concurrency} connections, {seconds:g} s per endpoint, writer ingesting all the while")
    print(f"{'endpoint':<24} {'requests':>9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'vs bare':>8}")
    for name, r in rows.items():
        print(f"{name:<24} {r['requests']:>9} {r['rps']:>9.0f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} "
              f"{r['errors']:>7} {r['rps'] / bare if bare else float('nan'):>8.2f}")
    print(f"writer: {batches} batches, {written} rows written, rows lost: {lost}")
    goals = all(r["errors"] == 0 for r in rows.values()) and lost == 0 and all(
        r["rps"] >= 0.5 * bare for r in rows.values())
    print("goals (no errors, no rows lost, every endpoint >= 0.5 x bare):", "met" if goals else "NOT met")
    engine.dispose()
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
