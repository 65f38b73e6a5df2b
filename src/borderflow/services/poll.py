"""Poll a live feed on a schedule: timeouts, retries with backoff and jitter, never give up.

Each fetched payload is stored in its own transaction before the next fetch starts, so
stopping the poller (Ctrl-C, SIGTERM) between or during fetches loses nothing already
fetched: a stop request is noted and honoured once the current payload is stored.

A live feed cannot be fetched again later, so a payload is first written to the *spool*
folder (when one is given), and deleted from it once the archive holds it. When the
database refuses the write (locked, restarting, down) the payload waits there, and the
poller stores it before the next one at each later poll, in the order fetched. A payload
still waiting when the poller stops (or a poller killed outright) stays in the spool, for
``borderflow ingest SPOOL`` (ingesting again is safe).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import Engine

from borderflow.errors import BadInputError, SourceUnavailableError
from borderflow.services.ingest import FileSummary, Ingestor, Preparer
from borderflow.services.sources import fetch_url

log = logging.getLogger("borderflow.poll")

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr)?\s*$")
_UNIT_SECONDS = {None: 1.0, "s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "hr": 3600.0}


def parse_duration(text: str, most_seconds: float = 7 * 86400.0, what: str = "a duration") -> float:
    """Seconds in "30s", "5m", "1h" or a plain number of seconds, at most ``most_seconds``."""
    match = _DURATION.match(text)
    if not match or float(match.group(1)) <= 0:
        raise BadInputError(f"{what} must be a positive number with s, m or h, e.g. 5m; got {text!r}")
    seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds > most_seconds:
        raise BadInputError(f"{what} may be at most {most_seconds / 3600:g} h; got {text!r}")
    return seconds


#: The name a spooled payload's file ends with.
SPOOL_SUFFIX = ".payload"


def spooled_files(spool: Path) -> list[Path]:
    """The payloads waiting in ``spool``, oldest first (their names start with the fetch time)."""
    return sorted(spool.glob("*" + SPOOL_SUFFIX)) if spool.is_dir() else []


@dataclass
class PollPolicy:
    every_seconds: float = 300.0
    timeout_seconds: float = 20.0
    #: Tries per scheduled poll before waiting for the next one.
    attempts: int = 4
    backoff_base_seconds: float = 2.0
    backoff_max_seconds: float = 60.0
    #: Each backoff is multiplied by a uniform factor in [1 - jitter, 1 + jitter].
    jitter: float = 0.25


@dataclass
class PollStats:
    polls: int = 0
    fetched: int = 0
    failures: int = 0
    stored: int = 0
    refused: int = 0
    #: Scheduled polls that fetched nothing after all their tries.
    missed: int = 0
    #: Tries to store a payload that the database refused (each payload again at later polls).
    store_failures: int = 0
    #: Fetched payloads not in the archive yet (waiting in the spool, or in memory without one).
    waiting: int = 0
    last_error: str | None = None
    results: list[FileSummary] = field(default_factory=list)


class Poller:
    def __init__(
        self,
        engine: Engine,
        url: str,
        policy: PollPolicy,
        *,
        format: str | None = None,
        seed: int | None = None,
        fetch: Callable[[str, float], bytes] | None = None,
        on_result: Callable[[FileSummary], None] | None = None,
        spool: Path | None = None,
    ) -> None:
        self.url = url
        self.policy = policy
        self.format = format
        self.ingestor = Ingestor(engine)
        # one Preparer for the whole run: a payload that repeats the one before except for
        # the feed's clock is kept as that clock alone (see services.ingest)
        self.preparer = Preparer(format)
        self.stop_event = threading.Event()
        #: Set by a second stop request: a fetch under way is given up (nothing of it is in hand).
        self.abort_event = threading.Event()
        self.stats = PollStats()
        self._rng = np.random.default_rng(seed)
        self._fetch = fetch or self._fetch_url
        self._on_result = on_result
        self.spool = spool
        #: Fetched, not stored yet, in fetch order: (name, spool file or None, bytes or None).
        self._waiting: list[tuple[str, Path | None, bytes | None]] = []
        if spool is not None:
            spool.mkdir(parents=True, exist_ok=True)

    def _fetch_url(self, url: str, timeout_seconds: float) -> bytes:
        # the timeout bounds the whole fetch, not only each wait for the next bytes
        return fetch_url(url, timeout_seconds, deadline_seconds=timeout_seconds, abort=self.abort_event)

    def stop(self) -> None:
        """Ask the poller to stop once the payload in hand (if any) is stored; asked again,
        give up the fetch under way."""
        if self.stop_event.is_set():
            self.abort_event.set()
        self.stop_event.set()

    def _spooled(self, name: str, data: bytes, stamp: str) -> tuple[str, Path | None, bytes | None]:
        """Write a fetched payload to the spool (whole, synced) before it is stored."""
        if self.spool is None:
            return name, None, data
        digest = hashlib.sha256(data).hexdigest()[:16]
        # the fetch count keeps two fetches of the same bytes in one second apart
        path = self.spool / f"{stamp.replace(':', '').replace('-', '')}-{self.stats.fetched:06d}-{digest}{SPOOL_SUFFIX}"
        part = path.with_name(path.name + ".part")
        try:
            with open(part, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(part, path)
        except OSError as exc:  # a full or read-only disk: the payload can still be stored from memory
            log.warning("could not write %s to the spool (%s); it is kept in memory until stored", name, exc)
            part.unlink(missing_ok=True)
            return name, None, data
        return name, path, None

    def _store(self, entry: tuple[str, Path | None, bytes | None]) -> FileSummary:
        """Store one fetched payload; delete its spool file once the archive holds it."""
        name, path, data = entry
        if data is None:
            assert path is not None
            data = path.read_bytes()
        result = self.ingestor.commit(self.preparer.prepare(name, data))
        if result.unstored:
            self.stats.store_failures += 1
            self.stats.last_error = result.error
            self.preparer.forget()  # the next payload must not be kept as a repeat of this one
        else:
            if path is not None:
                path.unlink(missing_ok=True)
            self.stats.stored += result.stored
            if result.refused_anything:
                self.stats.refused += 1
                self.stats.last_error = result.error
            self.stats.results.append(result)
        if self._on_result:
            self._on_result(result)
        return result

    def store_waiting(self) -> FileSummary | None:
        """Store the payloads still waiting, oldest first, until the database refuses one
        (it and the rest keep waiting, in order); the last result, None if none waited."""
        result = None
        while self._waiting:
            result = self._store(self._waiting[0])
            if result.unstored:
                log.warning("%d fetched payload(s) wait to be stored: %s", len(self._waiting), result.error)
                break
            self._waiting.pop(0)
        self.stats.waiting = len(self._waiting)
        return result

    def backoff_seconds(self, attempt: int) -> float:
        """Delay before retry ``attempt`` (1-based): exponential, capped, jittered."""
        base = min(self.policy.backoff_max_seconds, self.policy.backoff_base_seconds * 2 ** (attempt - 1))
        factor = self._rng.uniform(1 - self.policy.jitter, 1 + self.policy.jitter)
        return base * factor

    def poll_once(self) -> FileSummary | None:
        """One scheduled poll: fetch (with retries) and store, after any payload still
        waiting. The result of the last payload tried, None when every fetch failed."""
        self.stats.polls += 1
        for attempt in range(1, self.policy.attempts + 1):
            if self.stop_event.is_set():
                return None
            try:
                data = self._fetch(self.url, self.policy.timeout_seconds)
            except SourceUnavailableError as exc:
                self.stats.failures += 1
                self.stats.last_error = str(exc)
                log.warning("poll %d try %d failed: %s", self.stats.polls, attempt, exc)
                if attempt < self.policy.attempts:
                    self.stop_event.wait(self.backoff_seconds(attempt))
                continue
            self.stats.fetched += 1
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            self._waiting.append(self._spooled(f"{self.url}@{stamp}", data, stamp))
            return self.store_waiting()  # the ones before it first, so the archive gets them in order
        if not self.stop_event.is_set():
            self.stats.missed += 1
        if self._waiting:  # nothing new, but what waits may be stored now
            self.store_waiting()
        return None

    def run(self, max_polls: int | None = None) -> PollStats:
        """Poll until stopped (or ``max_polls`` polls), keeping the schedule; on the way out,
        one more try to store what still waits."""
        while not self.stop_event.is_set():
            started = time.monotonic()
            self.poll_once()
            if max_polls is not None and self.stats.polls >= max_polls:
                break
            remaining = self.policy.every_seconds - (time.monotonic() - started)
            if remaining > 0:
                self.stop_event.wait(remaining)
        self.store_waiting()
        return self.stats
