"""The format registry: which parser reads a file, found from its first bytes and name.

:data:`FORMATS` maps each format name to its ``(sniff, parse)`` pair, in the order the
sniffers are tried: specific formats first (the CBP wait-time graph and historical JSON
also carry ``port_number`` and would otherwise look like the live CBP JSON feed; RSS is
XML too). The live-feed parsers live in :mod:`borderflow.feeds.cbp_feed` and
:mod:`borderflow.feeds.cbp_rss` and are imported on first use, so this module works
before (or without) them: a missing module sniffs False and parses with an error.

Gzip is handled here for every format: heads are decompressed before sniffing and data
before parsing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import cast

from borderflow.errors import UnknownFormatError
from borderflow.feeds import (
    bts,
    cascade,
    cbp_historical,
    export_json,
    observations_csv,
    txdot,
    volumes_csv,
)
from borderflow.feeds.bts import gunzip_head, gunzip_if_gzip
from borderflow.feeds.records import Parsed

Sniff = Callable[[bytes, str], bool]
Parse = Callable[[bytes, str], Parsed]

HEAD_BYTES = 4096
#: How much of the first line an unrecognised file's message shows.
_SHOWN = 300


def _lazy(module: str, sniff_name: str, parse_name: str) -> tuple[Sniff, Parse]:
    """A (sniff, parse) pair that imports ``module`` when first called."""

    def load(attr: str) -> Callable[..., object] | None:
        try:
            found = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            return None
        return getattr(found, attr, None)

    def sniff(head: bytes, name: str) -> bool:
        fn = load(sniff_name)
        return bool(fn(head, name)) if fn else False

    def parse(data: bytes, name: str = "") -> Parsed:
        fn = load(parse_name)
        if fn is None:
            raise UnknownFormatError(f"the parser {module}.{parse_name} is not installed")
        return cast(Parsed, fn(data, name))

    return sniff, parse


FORMATS: dict[str, tuple[Sniff, Parse]] = {
    observations_csv.FORMAT: (observations_csv.sniff, observations_csv.parse),
    volumes_csv.FORMAT: (volumes_csv.sniff, volumes_csv.parse),
    export_json.FORMAT_OBSERVATIONS: (export_json.sniff_observations, export_json.parse_observations),
    export_json.FORMAT_VOLUMES: (export_json.sniff_volumes, export_json.parse_volumes),
    cbp_historical.FORMAT_AVERAGES: (cbp_historical.sniff_averages, cbp_historical.parse_averages),
    cbp_historical.FORMAT_HOLIDAY: (cbp_historical.sniff_holiday, cbp_historical.parse_holiday),
    bts.FORMAT: (bts.sniff, bts.parse),
    txdot.FORMAT: (txdot.sniff, txdot.parse),
    cascade.FORMAT: (cascade.sniff, cascade.parse),
    cbp_historical.FORMAT_WAITGRAPH: (cbp_historical.sniff_waitgraph,
                                      cbp_historical.parse_waitgraph),
    cbp_historical.FORMAT_HISTORICAL_JSON: (cbp_historical.sniff_historical_json,
                                            cbp_historical.parse_historical_json),
    "cbp-rss": _lazy("borderflow.feeds.cbp_rss", "sniff", "parse"),
    "cbp-json": _lazy("borderflow.feeds.cbp_feed", "sniff_json", "parse_json"),
    "cbp-xml": _lazy("borderflow.feeds.cbp_feed", "sniff_xml", "parse_xml"),
}


def detect_format(head: bytes, name: str) -> str:
    """The first format whose sniffer accepts ``head`` (the first 4096 bytes; gzip is
    looked through) and ``name``; UnknownFormatError naming the file otherwise."""
    plain = gunzip_head(head)
    if plain[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 (with its byte-order mark): sniffed as text
        plain = plain[: len(plain) // 2 * 2].decode("utf-16", errors="replace").encode("utf-8")
    for fmt, (sniff, _) in FORMATS.items():
        if sniff(plain, name):
            return fmt
    # the whole first line, as far as a message can show it: the cause is often at its end
    # (a column renamed, one too many)
    lines = plain.decode("utf-8", errors="replace").splitlines()
    start = lines[0] if lines else ""
    if len(start) > _SHOWN:
        start = start[:_SHOWN] + "..."
    if plain.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        raise UnknownFormatError(
            f"{name or 'the input'!r} is a zip archive, which ingest does not read; unzip it and ingest the "
            "files it holds (a folder is read whole)")
    if plain.startswith(b"PAR1"):
        raise UnknownFormatError(
            f"{name or 'the input'!r} is a Parquet file, which ingest does not read; export with --format csv "
            "(or json) to move readings or counts into another archive")
    # an empty list in a file is an empty export (export_json.sniff_observations): 0 records;
    # fetched from an address, it is a feed that answered nothing
    if b"".join(plain.split()).lstrip(b"\xef\xbb\xbf") in (b"{}", b"[]"):
        raise UnknownFormatError(
            f"{name or 'the input'!r} is empty JSON ({start.strip()!r}): no ports, no readings; "
            "if a feed answered this, it had nothing to say; fetch it again later")
    raise UnknownFormatError(
        f"cannot tell the format of {name or 'the input'!r} (it starts {start!r}); "
        f"known formats: {', '.join(FORMATS)}; name one with --format")


def parse_bytes(data: bytes, name: str, format: str | None = None) -> Parsed:
    """Parse ``data`` with the named format, or the detected one when ``format`` is None."""
    if format is not None and format not in FORMATS:
        raise UnknownFormatError(
            f"unknown format {format!r}; known formats: {', '.join(FORMATS)}")
    plain = gunzip_if_gzip(data)
    fmt = format or detect_format(plain[:HEAD_BYTES], name)
    return FORMATS[fmt][1](plain, name)
