"""Reading WARC files: where a path becomes records, and warcio made safe for hostile ones.

:func:`open_warc` is the input side of every reader (the one place that turns a path into
records); its :class:`WarcFile` gives a :class:`RecordWalk` from any offset: each record
read to its end and placed (offset, length), stopping at the first damage.
:func:`tolerant_records` walks a whole file past damage: it records a :class:`BadSpot`
(file, offset, reason), looks for the next record start (the next gzip member, or the
next ``WARC/1.`` line in an uncompressed file) and carries on from there; a record that
reads but cannot be used (an HTTP record without ``WARC-Target-URI``, a failed digest
when digests are checked) is a BadSpot of kind "record skipped". :func:`record_at`
reads the one record at an offset.

warcio's iterator is made safe for hostile input: header lines are bounded, a gzip
member that does not inflate is an error (not an empty record), a record without
``WARC-Target-URI`` loads instead of raising from inside the iterator.
"""

from __future__ import annotations

import logging
import os
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, BinaryIO, Callable, Generator, Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import DecompressingBufferedReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord, ArcWarcRecordLoader
from warcio.utils import BUFF_SIZE
from zlib_ng import zlib_ng

from archive.errors import ArchiveError, WarcReadError

logger = logging.getLogger(__name__)

#: what a damaged WARC makes warcio (or zlib under it) raise
READ_ERRORS = (ArchiveLoadFailed, EOFError, OSError, ValueError, zlib.error, zlib_ng.error,
               IndexError)
#: record types whose payload is an HTTP message, hence which need a target URI
HTTP_TYPES = ("response", "revisit", "request")
#: the most bytes of header lines (WARC or HTTP) read in a row before the record is
#: refused: real header blocks are a few KB; a "line" of a decompression bomb is not one
MAX_HEADER_BYTES = 1024 * 1024
#: what a record start looks like (gzip member, uncompressed WARC record)
_GZIP_MAGIC = b"\x1f\x8b\x08"
_WARC_MAGIC = b"WARC/1."
_CHUNK = 1 << 20
#: kinds of BadSpot
UNREADABLE, SKIPPED = "unreadable", "record skipped"


# -- warcio made safe ------------------------------------------------------------------
class _BoundedLines(DecompressingBufferedReader):
    """warcio's reader, with at most MAX_HEADER_BYTES of lines read for one record (its WARC
    and HTTP header blocks): a line never grows past that in memory. Gzip members are
    inflated with zlib-ng (measured 0.3 s for a 1 GiB member that took zlib 4-7 s)."""

    DECOMPRESSORS = {**DecompressingBufferedReader.DECOMPRESSORS,
                     "gzip": lambda: zlib_ng.decompressobj(16 + zlib_ng.MAX_WBITS)}
    in_headers = 0

    def _decompress(self, data):
        if not (self.decompressor and data and self.num_block_read):
            return super()._decompress(data)  # the first block: gzip, or not compressed at all
        try:
            return self.decompressor.decompress(data)
        except Exception as exc:  # warcio prints it and reads on with b"": an unreadable spot
            raise ArchiveLoadFailed(f"corrupt gzip member: {exc}") from exc

    def readline(self, length=None):
        line = super().readline(length if length and length <= MAX_HEADER_BYTES
                                else MAX_HEADER_BYTES + 1)
        self.in_headers += len(line)
        if self.in_headers > MAX_HEADER_BYTES:
            raise ArchiveLoadFailed(f"header lines longer than {MAX_HEADER_BYTES} bytes")
        return line


class _TolerantLoader(ArcWarcRecordLoader):
    """warcio's loader, except that a record without a ``WARC-Target-URI`` loads (its HTTP
    headers parsed as for any HTTP record, so its payload digest checks) instead of
    raising AttributeError from inside the iterator. Readers skip it (:func:`missing_uri`)."""

    def load_http_headers(self, rec_type, uri, stream, length):
        return super().load_http_headers(rec_type, uri or "http:", stream, length)


class _RawContentRecord(ArcWarcRecord):
    """A record whose ``content_stream()`` is the payload as archived (no decoding)."""

    def content_stream(self):
        return self.raw_stream


class _RawContentLoader(_TolerantLoader):
    def parse_record_stream(self, *args, **kwargs):
        record = super().parse_record_stream(*args, **kwargs)
        record.__class__ = _RawContentRecord
        return record


class WarcRecords(ArchiveIterator):
    """``ArchiveIterator`` on hostile input: a URI-less record loads (see
    :func:`missing_uri`). Never call ``content_stream()`` on its records for the body:
    read ``raw_stream`` (archive/reader/payload.py)."""

    loader_class: type[ArcWarcRecordLoader] = _TolerantLoader
    INC_RECORD = ""  # warcio's multi-line stderr warning: the reader reports (one line) instead

    def __init__(self, fileobj, **kwargs) -> None:
        super().__init__(fileobj, **kwargs)
        self.loader = self.loader_class(verify_http=kwargs.get("verify_http", False),
                                        arc2warc=kwargs.get("arc2warc", False))
        self.reader = _BoundedLines(self.fh, block_size=kwargs.get("block_size", BUFF_SIZE))

    def _next_record(self, next_line):
        self.reader.in_headers = len(next_line or b"")
        return super()._next_record(next_line)


class RawContentRecords(WarcRecords):
    """:class:`WarcRecords` whose records' ``content_stream()`` gives the payload as
    archived: for libraries that read it (cdxj-indexer, py-wacz) but need no decoding, and
    whose warcio decoders fail (brotli >= 1.2) or are missing (zstd)."""

    loader_class = _RawContentLoader


def strip_uri(value: str | None) -> str | None:
    """A URI header value without blanks and angle brackets (WARC/1.0 writes ``<uri>``)."""
    return value.strip().strip("<>").strip() if value else value


def target_uri(record) -> str:
    """The record's ``WARC-Target-URI`` ("" when it has none)."""
    return strip_uri(record.rec_headers.get_header("WARC-Target-URI")) or ""


def missing_uri(record) -> bool:
    """True for an HTTP record (response, revisit, request) without a target URI."""
    return (record.format.startswith("warc") and record.rec_type in HTTP_TYPES
            and not target_uri(record))


# -- records with their place ------------------------------------------------------------
@dataclass
class Placed:
    """A record read to its end, with where it is in its file."""

    record: Any  # warcio ArcWarcRecord: headers; its payload is read
    offset: int
    length: int
    missing: int = 0  # bytes its Content-Length promised that the file does not have
    kept: Any = None  # what the walk's ``keep`` read of it before its end


class RecordWalk:
    """The records of one file from ``start`` on, each read to its end and placed.

    ``keep(record)``, when given, runs first and may read the payload (what it returns is
    ``Placed.kept``); the rest is read past. The walk stops at the first damage: the
    exception propagates, ``at`` is where the record being read starts and ``end`` where the
    last whole record ends.
    """

    def __init__(self, fh: BinaryIO, start: int = 0, *, check_digests: bool = False,
                 keep: Callable[[Any], Any] | None = None) -> None:
        fh.seek(start)
        self.records = WarcRecords(fh, check_digests=check_digests)
        self.keep = keep
        self.end = start

    @property
    def at(self) -> int:
        return self.records.offset

    def __iter__(self) -> Iterator[Placed]:
        for record in self.records:
            kept = self.keep(record) if self.keep is not None else None
            self.records.read_to_end(record)
            offset, length = self.records.get_record_offset(), self.records.get_record_length()
            missing = max(0, getattr(record.raw_stream, "limit", 0))
            if not missing:
                self.end = offset + length
            yield Placed(record, offset, length, missing, kept)


class WarcFile:
    """A WARC file opened for reading: walks of its records from any offset, the next
    record start after a damaged stretch, a record's bytes as stored."""

    def __init__(self, path: str, fh: BinaryIO) -> None:
        self.path, self.fh = path, fh

    def walk(self, start: int = 0, *, check_digests: bool = False,
             keep: Callable[[Any], Any] | None = None) -> RecordWalk:
        return RecordWalk(self.fh, start, check_digests=check_digests, keep=keep)

    def first(self, offset: int):
        """The record starting at ``offset``, unread (None past the end of the file)."""
        self.fh.seek(offset)
        return next(iter(WarcRecords(self.fh, check_digests=False)), None)

    def next_record_start(self, after: int) -> int | None:
        """Offset of the next plausible record start strictly after ``after`` (gzip or plain)."""
        pos = after + 1
        self.fh.seek(pos)
        tail = b""
        while True:
            chunk = self.fh.read(_CHUNK)
            if not chunk:
                return None
            data = tail + chunk
            base = pos - len(tail)
            hits = [i for i in (data.find(_GZIP_MAGIC), data.find(_WARC_MAGIC)) if i >= 0]
            if hits:
                return base + min(hits)
            tail = data[-8:]
            pos += len(chunk)

    def read(self, offset: int, length: int) -> bytes:
        self.fh.seek(offset)
        return self.fh.read(length)


@contextmanager
def open_warc(path: str | os.PathLike) -> Iterator[WarcFile]:
    """``path`` opened as a WARC file: the input side of every reader (WarcReadError if it
    cannot be opened)."""
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise WarcReadError(f"cannot open {path}: {exc}") from exc
    with fh:
        yield WarcFile(os.fspath(path), fh)


@contextmanager
def record_at(path: str | os.PathLike, offset: int) -> Iterator:
    """The WARC record starting at ``offset`` in ``path`` (None past the end of the file).

    Read it inside the ``with`` block; any read error becomes a WarcReadError.
    """
    try:
        with open_warc(path) as warc:
            yield warc.first(offset)
    except ArchiveError:
        raise
    except READ_ERRORS as exc:
        raise WarcReadError(f"{path}: unreadable at offset {offset}: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - whatever else hostile bytes make warcio raise
        raise WarcReadError(f"{path}: unreadable at offset {offset}: "
                            f"{type(exc).__name__}: {exc}") from exc


def record_bytes(path: str | os.PathLike, offset: int) -> bytes:
    """The record at ``offset`` as stored (a whole gzip member for .warc.gz): only as many
    bytes as the record there really has."""
    with open_warc(path) as warc:
        try:
            placed = next(iter(warc.walk(offset)))
        except (StopIteration, *READ_ERRORS) as exc:
            raise WarcReadError(f"{path}: no readable record at offset {offset}: {exc}") from exc
        return warc.read(offset, placed.length)


# -- a whole file, past damage -------------------------------------------------------------
@dataclass(frozen=True)
class BadSpot:
    path: str
    offset: int
    reason: str
    kind: str = UNREADABLE  # UNREADABLE: resynced past; SKIPPED: one record not used

    def __str__(self) -> str:
        return f"{self.path}: {self.kind} at offset {self.offset}: {self.reason}"


def _reason(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text.encode("ascii", "backslashreplace").decode("ascii")[:120]


def _skip_reason(record, check_digests: bool) -> str | None:
    """Why a record that was read cannot be used (None: it can)."""
    if missing_uri(record):
        return f"{record.rec_type} record without WARC-Target-URI"
    if check_digests and record.digest_checker.passed is False:
        return "; ".join(record.digest_checker.problems)
    return None


def tolerant_records(warc: WarcFile, bad: list[BadSpot], *, check_digests: bool = False,
                     keep: Callable[[Any], Any] | None = None) -> Iterator[Placed]:
    """Every usable record of ``warc``, resyncing past damage; what could not be read or
    used goes to ``bad``."""
    start: int | None = 0
    while start is not None:
        failed_at = yield from _walk_from(warc, start, bad, check_digests, keep)
        start = None if failed_at is None else warc.next_record_start(failed_at)
        if start is not None:
            logger.warning("presskeep: %s: resuming at offset %d", warc.path, start)


def _walk_from(warc: WarcFile, start: int, bad: list[BadSpot], check_digests: bool,
               keep) -> Generator[Placed, None, int | None]:
    """Records from ``start`` on; returns the offset where reading failed (None: the end)."""
    walk = warc.walk(start, check_digests=check_digests, keep=keep)
    try:
        for placed in walk:
            if placed.missing:
                bad.append(BadSpot(warc.path, placed.offset,
                                   f"record truncated ({placed.missing} bytes missing)"))
                return placed.offset
            reason = _skip_reason(placed.record, check_digests)
            if reason:
                bad.append(BadSpot(warc.path, placed.offset, reason, SKIPPED))
            else:
                yield placed
    except Exception as exc:  # noqa: BLE001 - whatever hostile bytes make warcio raise
        bad.append(BadSpot(warc.path, walk.end, _reason(exc)))
        return walk.end
    return None
