"""Records of one file that share a key: the same values are kept once, other values none.

The rule every volume parser keeps (BTS, TxDOT, Cascade, the volumes CSV) and the CBP
averages table: two records of one file with the same natural key and the same values
are one record (a note counts the extra ones); with *different* values every one of
them goes to ``Parsed.rejected`` with a reason naming the key, each value and where it
was. The parser never picks one: a file that contradicts itself is corrected at the
source, not guessed at here.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from borderflow.feeds.records import Parsed, Rejected

R = TypeVar("R")


@dataclass(slots=True)
class _Seen(Generic[R]):
    record: R
    values: tuple[object, ...]
    conflict: bool = False
    #: (place, value as shown, raw text) of every occurrence, the first one first
    places: list[tuple[str, str, str]] = field(default_factory=list)


class SameKey(Generic[R]):
    """Collects one file's records by key, then :meth:`settle` applies the module rule."""

    def __init__(self) -> None:
        self._seen: dict[Hashable, _Seen[R]] = {}

    def add(self, key: Hashable, values: tuple[object, ...], record: R, place: str,
            shown: str, raw: str = "") -> None:
        """One record read at ``place``; ``shown`` is its value as the reason will quote it."""
        seen = self._seen.get(key)
        if seen is None:
            self._seen[key] = seen = _Seen(record, values)
        elif seen.values != values:
            seen.conflict = True
        seen.places.append((place, shown, raw))

    def settle(self, parsed: Parsed, describe: Callable[[Hashable], str], what: str) -> list[R]:
        """The records to keep, in the order first read; conflicts go to ``parsed.rejected``
        and a note counts the collapsed repeats (``what`` names them: "row(s)", "cell(s)")."""
        kept: list[R] = []
        collapsed = 0
        for key, seen in self._seen.items():
            if not seen.conflict:
                kept.append(seen.record)
                collapsed += len(seen.places) - 1
                continue
            competing = " and ".join(f"{shown} at {place}" for place, shown, _ in seen.places)
            reason = (f"conflicting values for {describe(key)}: {competing}; none kept, "
                      "correct the source or remove the wrong one")
            parsed.rejected.extend(Rejected(place, reason, raw) for place, _, raw in seen.places)
        if collapsed:
            parsed.notes.append(f"{collapsed} duplicate {what} with identical values collapsed")
        return kept
