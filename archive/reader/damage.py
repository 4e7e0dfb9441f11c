"""What a reader could not read, or read with doubts: one :class:`BadSpot` a place.

Each spot is one line (file, offset, reason) and has a *kind*, which says what became of
the bytes there, and a *cause*, the reason counted in a summary ("2 not WARC or ARC files,
1 unreadable stretch, ..."):

- ``unreadable``: a stretch that could not be read; the reader resynced at the next record
  start (the next gzip member or ``WARC/1.`` line) or gave the file up;
- ``record skipped``: a record read but not used (no target URI; a failed digest under
  ``--strict``; a revisit whose original is nowhere);
- ``noted``: used all the same (a failed digest; what warcio warns about, counted once a
  file: ``count`` says how many records).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable

UNREADABLE, SKIPPED, NOTED = "unreadable", "record skipped", "noted"

#: causes (the words a summary counts them by)
NOT_ARCHIVE = "not a WARC or ARC file"
BAD_BYTES = "unreadable stretch"
CUT_SHORT = "record cut short"
NO_URI = "record without WARC-Target-URI"
DIGEST = "digest failed"
NO_ORIGINAL = "revisit without its original"
NO_NEWLINE = "record not followed by a blank line (Content-Length may be wrong)"
URI_SPACES = "spaces in WARC-Target-URI (read as %20)"


@dataclass(frozen=True)
class BadSpot:
    path: str
    offset: int
    reason: str
    kind: str = UNREADABLE
    cause: str = BAD_BYTES
    count: int = 1  # records it stands for (notes are counted once a file)
    record_id: str | None = None  # the record's WARC-Record-ID, when it was read

    def __str__(self) -> str:
        if self.count > 1:
            return (f"{self.path}: {self.kind}: {self.count} records: {self.reason} "
                    f"(first at offset {self.offset})")
        return f"{self.path}: {self.kind} at offset {self.offset}: {self.reason}"


def reason_of(exc: BaseException) -> str:
    """An exception as one short ASCII line."""
    text = f"{type(exc).__name__}: {exc}".strip()
    text = " ".join(text.split())
    return text.encode("ascii", "backslashreplace").decode("ascii")[:160]


def by_cause(spots: Iterable[BadSpot], kinds: tuple[str, ...] = (UNREADABLE, SKIPPED)
             ) -> Counter[str]:
    """How many records (or stretches) each cause stands for, among spots of ``kinds``."""
    counts: Counter[str] = Counter()
    for spot in spots:
        if spot.kind in kinds:
            counts[spot.cause] += spot.count
    return counts


def in_words(counts: Counter[str]) -> str:
    """``{"digest failed": 2, ...}`` as "digest failed (2), ...", largest first."""
    return ", ".join(f"{cause} ({n})" for cause, n in counts.most_common())


def collapsed(spots: Iterable[BadSpot]) -> list[BadSpot]:
    """``spots`` with the noted ones of one file and cause made one (counted, the first
    offset kept): a file whose writer got every digest wrong is one line, not thousands."""
    out: list[BadSpot] = []
    merged: dict[tuple[str, str], int] = {}
    for spot in spots:
        key = (spot.path, spot.cause)
        if spot.kind != NOTED or key not in merged:
            if spot.kind == NOTED:
                merged[key] = len(out)
            out.append(spot)
            continue
        first = out[merged[key]]
        out[merged[key]] = BadSpot(first.path, first.offset, first.reason, NOTED, first.cause,
                                   first.count + spot.count)
    return out
