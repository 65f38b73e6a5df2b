"""Turn what a user names (files, folders, globs, http(s) URLs) into readable sources."""

from __future__ import annotations

import functools
import glob
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from borderflow.errors import BadInputError, SourceUnavailableError

#: Seconds to wait for a remote source before giving up on it.
FETCH_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Source:
    """Something to ingest: a name for messages and a way to read its bytes."""

    name: str
    read: Callable[[], bytes]


def read_path(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise BadInputError(f"{path}: cannot read the file ({exc.strerror}); check the path and its permissions") from exc


def _read_file(path: Path) -> Callable[[], bytes]:
    # a partial of a module-level function pickles, so a worker process can read the file
    return functools.partial(read_path, path)


#: Bytes one fetched source may hold; a larger one is refused before it fills the memory
#: (CBP's whole feed is about a megabyte, BTS's whole border file some tens).
MAX_FETCH_BYTES = 256 * 1024 * 1024


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def fetch_url(url: str, timeout_seconds: float = FETCH_TIMEOUT_SECONDS, *, deadline_seconds: float | None = None,
              max_bytes: int = MAX_FETCH_BYTES, abort: threading.Event | None = None) -> bytes:
    """GET ``url``; a network failure or an HTTP error status is SourceUnavailableError.

    ``timeout_seconds`` bounds each wait for the server (connecting, each read);
    ``deadline_seconds`` (if given) the whole fetch, so a server that trickles a byte at a
    time cannot hold it; a body over ``max_bytes`` is refused as it arrives; ``abort``
    (when set) stops the fetch between two reads.
    """
    import httpx

    started = time.monotonic()
    parts: list[bytes] = []
    size = 0
    try:
        with httpx.stream("GET", url, timeout=timeout_seconds, follow_redirects=True,
                          headers={"User-Agent": "BorderFlow (open port-of-entry archive)"}) as response:
            if response.status_code >= 400:
                raise SourceUnavailableError(
                    f"{url}: the server answered HTTP {response.status_code}; try again later")
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise SourceUnavailableError(
                        f"{url}: the answer is larger than {_size(max_bytes)}, too large to fetch whole; "
                        "download it and ingest the file")
                if deadline_seconds is not None and time.monotonic() - started > deadline_seconds:
                    raise SourceUnavailableError(
                        f"{url}: the answer did not arrive whole within {deadline_seconds:g} s ({size:,} bytes "
                        "by then); try again later or give it longer (--timeout)")
                if abort is not None and abort.is_set():
                    raise SourceUnavailableError(f"{url}: the fetch was stopped before the answer arrived whole")
                parts.append(chunk)
    except httpx.HTTPError as exc:
        raise SourceUnavailableError(f"{url}: {type(exc).__name__}: {exc}; check the address or try again later") from exc
    return b"".join(parts)


def _skipped_in_folders(path: Path) -> bool:
    """Hidden files and README files are passed over when a folder is walked (name
    them directly to ingest them anyway)."""
    return path.name.startswith(".") or path.stem.upper() == "README"


def expand_sources(specs: list[str]) -> Iterator[Source | BadInputError]:
    """Sources named by ``specs`` in order; folders are walked, globs expanded, both sorted.

    A spec that names nothing yields a BadInputError in its place, so one bad name
    does not stop the others. Folder walks skip hidden files and README files.
    """
    for spec in specs:
        if spec.startswith(("http://", "https://")):
            yield Source(spec, functools.partial(fetch_url, spec))
            continue
        path = Path(spec)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and not _skipped_in_folders(p))
            if not files:
                yield BadInputError(f"{spec}: the folder has no files to ingest")
            for p in files:
                yield Source(str(p), _read_file(p))
        elif path.is_file():
            yield Source(str(path), _read_file(path))
        elif glob.has_magic(spec):
            matches = sorted(p for p in glob.glob(os.path.expanduser(spec), recursive=True) if os.path.isfile(p))
            if not matches:
                yield BadInputError(f"{spec}: the pattern matches no file")
            for m in matches:
                yield Source(m, _read_file(Path(m)))
        else:
            yield BadInputError(f"{spec}: no such file, folder, pattern or http(s) URL")
