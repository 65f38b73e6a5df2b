"""The hash chain over the exchange's audit log, and the check that finds where it breaks.

Design
------
- Entries are numbered ``seq`` = 1, 2, 3, ... with no gaps.
- ``entry_hash`` = SHA-256 (hex) of the canonical JSON (:func:`canonical`) of the entry's
  fields **including** its ``seq`` and the previous entry's hash (``prev_hash``; entry 1
  uses :data:`GENESIS`). Changing any field, deleting an entry or swapping two entries'
  sequence numbers therefore breaks the chain at the first entry touched.
- An entry that publishes a record version (publish, correct, retract) carries that
  version's ``record_sha256``: SHA-256 of the canonical JSON of the version exactly as
  stored (ciphertext for national records, so checking needs no key). A version whose
  stored content no longer hashes to what its entry says, a version missing from the
  store, and a version no entry published are all reported.
- The newest ``(seq, entry_hash)`` is the **head**. Truncating the tail leaves a valid
  shorter chain; it is caught only by comparing with a head kept elsewhere: the store
  keeps one in a separate table (catches a careless truncation), and the operator can
  keep ``borderflow audit head`` output off the machine and pass it to
  ``borderflow audit verify --anchor SEQ:HASH`` (catches a rewrite by someone who can
  also change the database, up to that anchor).

What it cannot catch: someone able to write the database who rewrites the log and the
stored head consistently and recomputes every hash after the point changed; only an
anchor kept outside the database (or a later entry an auditor saw) reveals that.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: The ``prev_hash`` of entry 1.
GENESIS = "0" * 64

#: The fields of an audit entry that its hash covers, in no particular order.
ENTRY_FIELDS: tuple[str, ...] = (
    "seq", "at", "user_id", "username", "agency", "country", "action", "record_id", "version",
    "outcome", "record_sha256", "details", "prev_hash",
)
#: The fields of a stored record version that its content hash covers.
RECORD_FIELDS: tuple[str, ...] = (
    "record_id", "version", "kind", "action", "supersedes", "owner_country", "owner_agency",
    "classification", "share_agencies", "share_roles", "payload", "encrypted", "published_by",
    "published_at",
)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError(f"a hashed timestamp must carry a time zone; got {value.isoformat()}")
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return value


def canonical(fields: Mapping[str, Any], names: Iterable[str]) -> bytes:
    """The canonical JSON of ``fields`` restricted to ``names``: sorted keys, no spaces, UTF-8."""
    document = {name: _plain(fields.get(name)) for name in names}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(entry: Mapping[str, Any]) -> str:
    """The hash of an audit entry (``prev_hash`` included); see the module doc."""
    return hashlib.sha256(canonical(entry, ENTRY_FIELDS)).hexdigest()


def record_hash(version: Mapping[str, Any]) -> str:
    """The content hash of a stored record version (as stored: ciphertext when encrypted)."""
    return hashlib.sha256(canonical(version, RECORD_FIELDS)).hexdigest()


@dataclass(frozen=True)
class Problem:
    """One thing wrong: at entry ``seq`` (None when no entry is involved), and what."""

    seq: int | None
    message: str

    def __str__(self) -> str:
        where = f"entry {self.seq}" if self.seq is not None else "outside the log"
        return f"{where}: {self.message}"


def check_entries(entries: Sequence[Mapping[str, Any]]) -> list[Problem]:
    """Problems in the chain itself; ``entries`` ordered by ``seq`` as stored."""
    problems: list[Problem] = []
    previous = GENESIS
    expected_seq = 1
    for entry in entries:
        seq = int(entry["seq"])
        if seq != expected_seq:
            missing = f"entries {expected_seq}-{seq - 1} are" if seq - 1 > expected_seq else f"entry {expected_seq} is"
            problems.append(Problem(expected_seq, f"{missing} missing (deleted); the next stored entry is {seq}"))
            expected_seq = seq
        if entry["prev_hash"] != previous:
            problems.append(Problem(seq, "prev_hash does not match the hash of the entry before it "
                                         "(an entry was deleted, inserted or reordered)"))
        actual = entry_hash(entry)
        if actual != entry["entry_hash"]:
            problems.append(Problem(seq, "its content does not match its hash (a field was changed, "
                                         "or its sequence number was)"))
        previous = str(entry["entry_hash"])
        expected_seq += 1
    return problems


def check_records(entries: Sequence[Mapping[str, Any]], versions: Sequence[Mapping[str, Any]]) -> list[Problem]:
    """Record versions against the entries that published them."""
    problems: list[Problem] = []
    published: dict[tuple[str, int], Mapping[str, Any]] = {}
    for entry in entries:
        if entry.get("record_sha256"):
            published[(str(entry["record_id"]), int(entry["version"]))] = entry
    stored: dict[tuple[str, int], Mapping[str, Any]] = {}
    for version in versions:
        key = (str(version["record_id"]), int(version["version"]))
        stored[key] = version
        publisher = published.get(key)
        if publisher is None:
            problems.append(Problem(None, f"record {key[0]} version {key[1]} is stored but no entry published it "
                                          "(inserted outside the exchange)"))
        elif record_hash(version) != publisher["record_sha256"]:
            problems.append(Problem(int(publisher["seq"]), f"record {key[0]} version {key[1]} was changed after this "
                                                       "entry published it (its content hash differs)"))
    for key, entry in published.items():
        if key not in stored:
            problems.append(Problem(int(entry["seq"]), f"record {key[0]} version {key[1]}, published by this "
                                                       "entry, is missing from the store (deleted)"))
    return problems


def check_head(entries: Sequence[Mapping[str, Any]], head_seq: int, head_hash: str, source: str) -> list[Problem]:
    """The chain must reach the head ``(head_seq, head_hash)`` recorded in ``source``."""
    by_seq = {int(e["seq"]): e for e in entries}
    last = max(by_seq, default=0)
    if head_seq == 0:
        return [] if last == 0 or source == "anchor" else [Problem(1, f"the {source} says the log is empty")]
    entry = by_seq.get(head_seq)
    if entry is None:
        return [Problem(last + 1 if last < head_seq else head_seq,
                        f"the {source} names entry {head_seq} but the log ends at {last} (tail truncated)")]
    if entry["entry_hash"] != head_hash:
        return [Problem(head_seq, f"its hash differs from the {source} (the log was rewritten up to here)")]
    if source != "anchor" and last != head_seq:
        return [Problem(head_seq + 1, f"entries after the {source} ({head_seq}) exist (appended outside the exchange)")]
    return []


def first_problem(problems: list[Problem]) -> Problem | None:
    """The problem at the lowest entry number (problems outside the log last)."""
    if not problems:
        return None
    return min(problems, key=lambda p: (p.seq is None, p.seq or 0))
