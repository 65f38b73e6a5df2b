"""Poll a live feed on a schedule: timeouts, retries with backoff and jitter, never give up.

Each fetched payload is stored in its own transaction before the next fetch starts, so
stopping the poller (Ctrl-C, SIGTERM) between or during fetches loses nothing already
fetched: a stop request is noted and honoured once the current payload is stored.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Engine

from borderflow.errors import BadInputError, SourceUnavailableError
from borderflow.services.ingest import FileSummary, Ingestor, Preparer
from borderflow.services.sources import fetch_url

log = logging.getLogger("borderflow.poll")

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr)?\s*$")
_UNIT_SECONDS = {None: 1.0, "s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "hr": 3600.0}


def parse_duration(text: str) -> float:
    """Seconds in "30s", "5m", "1h" or a plain number of seconds."""
    match = _DURATION.match(text)
    if not match or float(match.group(1)) <= 0:
        raise BadInputError(f"a duration must be a positive number with s, m or h, e.g. 5m; got {text!r}")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


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
        fetch: Callable[[str, float], bytes] = fetch_url,
        on_result: Callable[[FileSummary], None] | None = None,
    ) -> None:
        self.url = url
        self.policy = policy
        self.format = format
        self.ingestor = Ingestor(engine)
        # one Preparer for the whole run: a payload that repeats the one before except for
        # the feed's clock is kept as that clock alone (see services.ingest)
        self.preparer = Preparer(format)
        self.stop_event = threading.Event()
        self.stats = PollStats()
        self._rng = np.random.default_rng(seed)
        self._fetch = fetch
        self._on_result = on_result

    def stop(self) -> None:
        """Ask the poller to stop once the payload in hand (if any) is stored."""
        self.stop_event.set()

    def backoff_seconds(self, attempt: int) -> float:
        """Delay before retry ``attempt`` (1-based): exponential, capped, jittered."""
        base = min(self.policy.backoff_max_seconds, self.policy.backoff_base_seconds * 2 ** (attempt - 1))
        factor = self._rng.uniform(1 - self.policy.jitter, 1 + self.policy.jitter)
        return base * factor

    def poll_once(self) -> FileSummary | None:
        """One scheduled poll: fetch (with retries) and store. None when every try failed."""
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
            result = self.ingestor.commit(self.preparer.prepare(f"{self.url}@{stamp}", data))
            self.stats.stored += result.stored
            if result.refused_anything:
                self.stats.refused += 1
                self.stats.last_error = result.error
            self.stats.results.append(result)
            if self._on_result:
                self._on_result(result)
            return result
        if not self.stop_event.is_set():
            self.stats.missed += 1
        return None

    def run(self, max_polls: int | None = None) -> PollStats:
        """Poll until stopped (or ``max_polls`` polls), keeping the schedule."""
        while not self.stop_event.is_set():
            started = time.monotonic()
            self.poll_once()
            if max_polls is not None and self.stats.polls >= max_polls:
                break
            remaining = self.policy.every_seconds - (time.monotonic() - started)
            if remaining > 0:
                self.stop_event.wait(remaining)
        return self.stats
