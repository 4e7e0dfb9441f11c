"""Reading WARC and ARC files: where a path becomes records, and warcio made safe for hostile ones.

:func:`open_warc` is the input side of every reader (the one place that turns a path into
records): a WARC or ARC file, gzip per record or not, or a WARC inside a WACZ
(``x.wacz#archive/NAME``, archive/containers.py); ARC records are read as WARC records
(warcio's arc2warc: URL, date, status). Its :class:`WarcFile` gives a :class:`RecordWalk`
from any offset: each record read to its end and placed (offset, length), stopping at the
first damage (archive/reader/resync.py walks a whole file past it).
:func:`record_at` reads the one record at an offset.

warcio's iterator is made safe for hostile input: header lines are bounded, a gzip
member that does not inflate is an error (not an empty record), a record without
``WARC-Target-URI`` loads instead of raising from inside the iterator, and nothing is
printed or logged by warcio: what it would say is counted (:attr:`WarcRecords.notes`).
"""

from __future__ import annotations

import os
import zlib
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, BinaryIO, Callable, Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import DecompressingBufferedReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord, ArcWarcRecordLoader
from warcio.utils import BUFF_SIZE
from zlib_ng import zlib_ng

from archive.containers import ARC, OPEN_ERRORS, WARC, ZIP, by_name, open_source, sniff
from archive.errors import ArchiveError, NotAnArchive, WarcReadError
from archive.reader.damage import NO_NEWLINE, NOT_ARCHIVE, URI_SPACES, reason_of

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
#: a file gzipped as a whole (or a gzip member holding several records): its records have
#: no offsets to read them again by
WHOLE_GZIP = ("a gzip member holds more than one record (the file is gzipped whole, not "
              "record by record; `warcio recompress` rewrites it)")


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
    raising AttributeError from inside the iterator (readers skip it: :func:`missing_uri`),
    and that a target URI with spaces is counted (``spaces``), not logged."""

    spaces = 0

    def load_http_headers(self, rec_type, uri, stream, length):
        return super().load_http_headers(rec_type, uri or "http:", stream, length)

    def _ensure_target_uri_format(self, rec_headers):
        uri = strip_uri(rec_headers.get_header("WARC-Target-URI"))
        if uri is not None and " " in uri:
            self.spaces += 1
            uri = uri.replace(" ", "%20")
        if uri is not None:
            rec_headers.replace_header("WARC-Target-URI", uri)
        return uri


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
    read ``raw_stream`` (archive/reader/payload.py).

    ``fmt`` (:data:`~archive.containers.WARC` or ``ARC``) is what the file holds: ARC
    records are read as WARC records (arc2warc), and junk in a WARC file is an error, not
    a guessed ARC record. None: warcio guesses, record by record (the indexers).
    ``notes``: what warcio would have printed or logged, as {cause: (count, first offset)}.
    """

    loader_class: type[ArcWarcRecordLoader] = _TolerantLoader
    INC_RECORD = ""  # warcio's multi-line stderr warning: counted in ``notes`` instead

    def __init__(self, fileobj, fmt: str | None = None, **kwargs) -> None:
        arc2warc = kwargs.pop("arc2warc", fmt != WARC)
        super().__init__(fileobj, arc2warc=arc2warc, **kwargs)
        self.loader = self.loader_class(verify_http=kwargs.get("verify_http", False),
                                        arc2warc=arc2warc)
        self.reader = _BoundedLines(self.fh, block_size=kwargs.get("block_size", BUFF_SIZE))
        self.known_format = {WARC: "warc", ARC: "arc"}.get(fmt)
        self.notes: dict[str, tuple[int, int]] = {}

    def _note(self, cause: str, count: int = 1) -> None:
        seen, first = self.notes.get(cause, (0, self.offset))
        self.notes[cause] = (seen + count, first)

    def _next_record(self, next_line):
        self.reader.in_headers = len(next_line or b"")
        spaces = self.loader.spaces
        record = super()._next_record(next_line)
        if self.loader.spaces > spaces:
            self._note(URI_SPACES)
        return record

    def _consume_blanklines(self):
        errors = self.err_count
        found = super()._consume_blanklines()
        if self.err_count > errors:
            self._note(NO_NEWLINE, self.err_count - errors)
        return found


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
                 keep: Callable[[Any], Any] | None = None, fmt: str | None = WARC) -> None:
        fh.seek(start)
        self.records = WarcRecords(fh, fmt, check_digests=check_digests)
        self.is_warc = fmt == WARC
        self.keep = keep
        self.end = start

    @property
    def at(self) -> int:
        return max(self.records.offset, self.end)

    def __iter__(self) -> Iterator[Placed]:
        for record in self.records:
            if self.is_warc and record.rec_type is None:
                # warcio yields a gzip member cut inside its record's headers as a record
                # with what headers it got (no WARC-Type, no Content-Length): a cut record
                raise ArchiveLoadFailed("record cut short: the file ends inside its headers")
            kept = self.keep(record) if self.keep is not None else None
            self.records.read_to_end(record)
            offset, length = self.records.get_record_offset(), self.records.get_record_length()
            if length <= 0 or offset < self.end:  # warcio's offsets of a file gzipped whole
                raise ArchiveLoadFailed(WHOLE_GZIP)
            missing = max(0, getattr(record.raw_stream, "limit", 0))
            if not missing:
                self.end = offset + length
            yield Placed(record, offset, length, missing, kept)


class WarcFile:
    """A WARC (or ARC) file opened for reading: walks of its records from any offset, the
    next record start after a damaged stretch, a record's bytes as stored. ``format``:
    what it holds (WARC or ARC); ``sniffed``: whether its first bytes said so (else its
    name did)."""

    def __init__(self, path: str, fh: BinaryIO, format: str = WARC, sniffed: bool = True) -> None:
        self.path, self.fh, self.format, self.sniffed = path, fh, format, sniffed

    def walk(self, start: int = 0, *, check_digests: bool = False,
             keep: Callable[[Any], Any] | None = None) -> RecordWalk:
        return RecordWalk(self.fh, start, check_digests=check_digests, keep=keep, fmt=self.format)

    def first(self, offset: int):
        """The record starting at ``offset``, unread (None past the end of the file)."""
        self.fh.seek(offset)
        return next(iter(WarcRecords(self.fh, self.format, check_digests=False)), None)

    def next_record_start(self, after: int) -> int | None:
        """Offset of the next plausible record start strictly after ``after`` (gzip or plain)."""
        pos = max(0, after) + 1
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

    def head(self) -> str:
        """The file's first bytes, as a short printable text (for "not a WARC" messages)."""
        self.fh.seek(0)
        data = self.fh.read(4096)
        if data[:2] == b"\x1f\x8b":
            try:
                data = zlib_ng.decompressobj(31).decompress(data, 40)
            except zlib_ng.error:
                return "corrupt gzip data"
        text = data[:40].decode("latin-1").split("\n")[0].strip()
        return repr(text) if text else "nothing"


def as_warc(name: str, fh: BinaryIO) -> WarcFile:
    """``fh`` as a WarcFile, by what its first bytes (else its name) say it holds."""
    found = sniff(fh)
    if found in (WARC, ARC):
        return WarcFile(name, fh, found)
    named = by_name(name)
    if found is None and named in (WARC, ARC):
        return WarcFile(name, fh, named, sniffed=False)  # damaged at the start? read on
    what = "a zip file (a WACZ? name it .wacz)" if found == ZIP else \
        f"begins with {WarcFile(name, fh).head()}"
    if named == ZIP:
        what = "a WACZ with no WARC files under archive/" if found == ZIP else \
            f"not a readable WACZ: {what}"
    raise NotAnArchive(f"{name}: {NOT_ARCHIVE}: {what}")


@contextmanager
def open_warc(path: str | os.PathLike) -> Iterator[WarcFile]:
    """``path`` opened as a WARC or ARC file (or the WARC inside a WACZ it names): the
    input side of every reader. WarcReadError if it cannot be opened, NotAnArchive (one)
    if it holds no WARC or ARC records."""
    name = os.fspath(path)
    with ExitStack() as stack:
        try:
            warc = as_warc(name, stack.enter_context(open_source(name)))
        except ArchiveError:
            raise
        except OPEN_ERRORS as exc:
            raise WarcReadError(f"cannot open {name}: {reason_of(exc)}") from exc
        yield warc


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
    except Exception as exc:  # noqa: BLE001 - whatever hostile bytes make warcio raise
        raise WarcReadError(f"{path}: unreadable at offset {offset}: {reason_of(exc)}") from exc


def record_bytes(path: str | os.PathLike, offset: int) -> bytes:
    """The record at ``offset`` as stored (a whole gzip member for .warc.gz): only as many
    bytes as the record there really has."""
    with open_warc(path) as warc:
        try:
            placed = next(iter(warc.walk(offset)))
        except (StopIteration, *READ_ERRORS) as exc:
            raise WarcReadError(f"{path}: no readable record at offset {offset}: {exc}") from exc
        return warc.read(offset, placed.length)
