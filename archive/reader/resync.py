"""A whole WARC or ARC file, past damage: :func:`tolerant_records`.

It walks the file's records (archive/reader/records.py); where reading fails it records a
:class:`~archive.reader.damage.BadSpot` (file, offset, reason), looks for the next record
start (the next gzip member, or the next ``WARC/1.`` line in an uncompressed file) and
carries on from there. A record that reads but cannot be used (an HTTP record without
``WARC-Target-URI``; a failed digest, when told to be strict) is a spot of kind "record
skipped"; a failed digest otherwise, and what warcio warns about, a "noted" one (warcio's
warnings: one a file and cause, with their count). A file whose first bytes are no record
(its name said WARC) and in which nothing at all could be read is one spot: not an archive.
"""

from __future__ import annotations

from typing import Any, Callable, Generator, Iterator

from archive.reader.damage import (BAD_BYTES, CUT_SHORT, DIGEST, NO_URI, NOT_ARCHIVE, NOTED,
                                   SKIPPED, BadSpot, reason_of)
from archive.reader.records import WHOLE_GZIP, Placed, WarcFile, missing_uri


def _skip(path: str, placed: Placed, check_digests: bool, strict: bool) -> BadSpot | None:
    """Why a record that was read cannot be used, or is used with a doubt (None: neither)."""
    record = placed.record
    rec_id = record.rec_headers.get_header("WARC-Record-ID")
    if missing_uri(record):
        return BadSpot(path, placed.offset, f"{record.rec_type} {NO_URI}", SKIPPED, NO_URI,
                       record_id=rec_id)
    if check_digests and record.digest_checker.passed is False:
        reason = "; ".join(record.digest_checker.problems)
        return BadSpot(path, placed.offset, reason, SKIPPED if strict else NOTED, DIGEST,
                       record_id=rec_id)
    return None


def tolerant_records(warc: WarcFile, bad: list[BadSpot], *, check_digests: bool = False,
                     strict: bool = False, keep: Callable[[Any], Any] | None = None
                     ) -> Iterator[Placed]:
    """Every usable record of ``warc``, resyncing past damage; what could not be read or
    used (or was used with a doubt: a failed digest unless ``strict``, what warcio warns
    about) goes to ``bad``, one spot a place (warcio's warnings: one a file and cause)."""
    first, notes, read = len(bad), {}, [0]
    start: int | None = 0
    while start is not None:
        failed_at = yield from _walk_from(warc, start, bad, notes, read, check_digests, strict,
                                          keep)
        start = None if failed_at is None else warc.next_record_start(failed_at)
    if not read[0] and not warc.sniffed and len(bad) > first:  # nothing in it was a record
        bad[first:] = [BadSpot(warc.path, 0, f"{NOT_ARCHIVE}: begins with {warc.head()}",
                               cause=NOT_ARCHIVE)]
    for cause, (count, offset) in notes.items():
        bad.append(BadSpot(warc.path, offset, cause, NOTED, cause, count))


def describe_failure(warc: WarcFile, offset: int, exc: Exception) -> str:
    """Why reading failed at ``offset``, in words (not the binary "first line" warcio quotes)."""
    text = str(exc)
    if "non-chunked gzip" in text or text == WHOLE_GZIP:
        return WHOLE_GZIP
    if text.startswith(("Invalid WARC record", "Invalid ARC record", "Unknown archive format")):
        head = warc.read(offset, 3)
        if head[:2] == b"\x1f\x8b":
            return "corrupt gzip member: its header or data does not inflate"
        line = text.split("first line: ", 1)[-1]
        if not line.isprintable() or not line.isascii():
            return "not a WARC record: binary data where a record should start"
    return reason_of(exc)


def _walk_from(warc: WarcFile, start: int, bad: list[BadSpot], notes: dict, read: list[int],
               check_digests: bool, strict: bool, keep) -> Generator[Placed, None, int | None]:
    """Records from ``start`` on; returns the offset where reading failed (None: the end)."""
    walk = warc.walk(start, check_digests=check_digests, keep=keep)
    try:
        for placed in walk:
            read[0] += 1
            if placed.missing:
                bad.append(BadSpot(warc.path, placed.offset,
                                   f"record cut short ({placed.missing} bytes missing)",
                                   cause=CUT_SHORT))
                return placed.offset
            spot = _skip(warc.path, placed, check_digests, strict)
            if spot is not None:
                bad.append(spot)
            if spot is None or spot.kind == NOTED:
                yield placed
    except Exception as exc:  # noqa: BLE001 - whatever hostile bytes make warcio raise
        reason = describe_failure(warc, walk.end, exc)
        bad.append(BadSpot(warc.path, walk.end, reason, cause=BAD_BYTES))
        return walk.end
    finally:
        for cause, (count, offset) in walk.records.notes.items():
            seen, first = notes.get(cause, (0, offset))
            notes[cause] = (seen + count, first)
    if warc.read(walk.end, 64).strip(b"\r\n\x00 "):
        # warcio ends quietly at a gzip member cut before any of it inflates: bytes after
        # the last whole record are a record cut short, not the end of the file
        bad.append(BadSpot(warc.path, walk.end, "record cut short (the file ends inside it)",
                           cause=CUT_SHORT))
    return None
