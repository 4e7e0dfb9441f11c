"""Replayable records of WARC files: archived HTML responses by place, revisits resolved.

Works on archives from any tool (presskeep, wget, wpull, Heritrix, Common Crawl,
warcio/pywb, browsertrix): WARC/1.0 and 1.1, angle-bracketed URIs, gzip per record or
uncompressed, ARC files, the WARCs inside a WACZ. Files are read past damage
(archive/reader/records.py: bad spots listed, the scan resyncs), digests checked as they
are read; a revisit is resolved to the response that holds its payload
(archive/reader/revisits.py) in any file of the scan, in any order, or among the captures
an archive already holds. Payloads are read as the scan goes and kept a while
(:class:`~archive.reader.payload.RecordCache`) for the load that follows.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Iterator

from archive.decode import MAX_BODY_SIZE
from archive.errors import NotAnArchive, WarcPathError, WarcReadError
from archive.paths import WarcPaths
from archive.reader.damage import BAD_BYTES, NOT_ARCHIVE, SKIPPED, UNREADABLE, BadSpot
from archive.reader.payload import Held, Payload, RecordCache, http_status, load_payload, \
    revisit_payload
from archive.reader.records import open_warc, target_uri
from archive.reader.resync import tolerant_records
from archive.warc import RENDERED_PREFIX, REQUISITE_HEADER
from archive.reader.revisits import CapturedOriginals, RefersTo, ScanOriginals, find_original


@dataclass(frozen=True, slots=True)
class RecordRef:
    """Where a replayable record is, and what its headers say."""

    path: str
    offset: int
    length: int
    rec_type: str  # "response", "revisit", or "resource" (a rendered page)
    url: str
    date: str | None
    status: int  # 0: a header-less revisit
    content_type: str
    record_id: str | None
    payload_digest: str | None
    refers: RefersTo | None = None  # a revisit's pointer to its original
    original: "RecordRef | None" = None  # a revisit's payload holder, once resolved
    requisite: bool = False  # a page requisite (REQUISITE_HEADER), never replayed as a page
    #: a page's DOM as Chromium rendered it (a ``resource`` record, RENDERED_PREFIX + url):
    #: replayed as the page at ``url``
    rendered: bool = False

    @property
    def target(self) -> str:
        """The record's WARC-Target-URI (a rendered page's is its URN, not ``url``)."""
        return RENDERED_PREFIX + self.url if self.rendered else self.url


def _is_html(status: int, content_type: str) -> bool:
    ctype = content_type.lower()
    return status == 200 and ("html" in ctype or not ctype)


def is_replayable(ref: RecordRef) -> bool:
    """A 200 response that is (or may be, lacking a type) an HTML page; a revisit by what a
    client of it sees (its own status and type, or its original's for a 304 or none). A page
    requisite is not a page, whatever its type (an HTML document fetched as one)."""
    if ref.requisite:
        return False
    if ref.original is not None and ref.status in (0, 304):
        return _is_html(ref.original.status, ref.original.content_type)
    return _is_html(ref.status, ref.content_type)


def might_be_html(revisit: RecordRef) -> bool:
    """A revisit that may stand for an HTML page (nothing in its own head says otherwise)."""
    return revisit.status in (0, 304) or _is_html(revisit.status, revisit.content_type)


def _ref(path: str, record) -> RecordRef:
    head, http = record.rec_headers, record.http_headers
    if record.rec_type == "resource":  # a rendered page (_wanted): HTML, as the browser left it
        return RecordRef(
            path=path, offset=0, length=0, rec_type="resource",
            url=target_uri(record).removeprefix(RENDERED_PREFIX), date=head.get_header("WARC-Date"),
            status=200, content_type=head.get_header("Content-Type") or "text/html",
            record_id=head.get_header("WARC-Record-ID"),
            payload_digest=head.get_header("WARC-Payload-Digest"), rendered=True)
    return RecordRef(
        path=path, offset=0, length=0, rec_type=record.rec_type, url=target_uri(record),
        date=head.get_header("WARC-Date"), status=http_status(http),
        content_type=(http.get_header("Content-Type") or "") if http else "",
        record_id=head.get_header("WARC-Record-ID"),
        payload_digest=head.get_header("WARC-Payload-Digest"),
        refers=RefersTo.of(head) if record.rec_type == "revisit" else None,
        requisite=bool(head.get_header(REQUISITE_HEADER)),
    )


def _wanted(record) -> bool:
    """A response with an HTTP head, a revisit (header-less ones too), or a page's rendered
    DOM (a ``resource`` record whose URI starts with RENDERED_PREFIX)."""
    return (record.rec_type == "response" and record.http_headers is not None
            or record.rec_type == "revisit"
            or record.rec_type == "resource" and is_rendered(record))


def is_rendered(record) -> bool:
    """A ``resource`` record holding a page as Chromium rendered it (crawler/render.py)."""
    return (record.rec_type == "resource"
            and (record.rec_headers.get_header("WARC-Target-URI") or "").startswith(RENDERED_PREFIX))


def scan_file(path: str | os.PathLike, bad: list[BadSpot], counts: dict[str, int] | None = None,
              cache: RecordCache | None = None, max_size: int = MAX_BODY_SIZE,
              check_digests: bool = False, strict: bool = False) -> Iterator[RecordRef]:
    """Response and revisit records in ``path`` (a file, or a WARC inside a WACZ); resyncs
    past bad bytes, skips (and lists in ``bad``) what it cannot use, and a file that is no
    archive at all. ``counts["records"]``: every record read. Records ``cache`` keeps are
    read once."""
    path = os.fspath(path)
    counts = {} if counts is None else counts

    def keep(record) -> tuple[RecordRef | None, Held | None]:
        counts["records"] = counts.get("records", 0) + 1
        if not _wanted(record):
            return None, None
        ref = _ref(path, record)
        wanted = cache is not None and (ref.rec_type == "revisit" or is_replayable(ref))
        return ref, Held.read(record, max_size) if wanted else None  # the rest: read, not kept

    try:
        with open_warc(path) as warc:
            for placed in tolerant_records(warc, bad, check_digests=check_digests,
                                           strict=strict, keep=keep):
                ref, held = placed.kept
                if ref is None:
                    continue
                if held is not None:
                    cache.put(path, placed.offset, held)
                yield replace(ref, offset=placed.offset, length=placed.length)
    except WarcReadError as exc:  # not opened: the whole file is one bad spot
        reason = str(exc).removeprefix(f"{path}: ")
        cause = NOT_ARCHIVE if isinstance(exc, NotAnArchive) else BAD_BYTES
        bad.append(BadSpot(path, 0, reason, UNREADABLE, cause))


class ArchiveOriginals:
    """An archive's ``captures`` rows as originals for a scan's revisits: a row becomes a
    RecordRef when the archive's path rule lets its file be opened (archive/paths.py)."""

    def __init__(self, conn: sqlite3.Connection, root: str | os.PathLike) -> None:
        self.rows = CapturedOriginals(conn)
        self.paths = WarcPaths.of(root, conn)

    def _ref(self, row: dict[str, Any] | None) -> RecordRef | None:
        if row is None:
            return None
        try:
            path = self.paths.record_path(row["warc_file"], row["warc_offset"])
        except WarcPathError:
            return None
        return RecordRef(str(path), row["warc_offset"], row["warc_length"] or 0, "response",
                         row["url"], row["fetched_at"], row["status"] or 0,
                         row["content_type"] or "", row["warc_record_id"], row["payload_digest"])

    def by_record_id(self, record_id: str) -> RecordRef | None:
        return self._ref(self.rows.by_record_id(record_id))

    def closest(self, url, digest, when, within=None) -> RecordRef | None:
        return self._ref(self.rows.closest(url, digest, when, within))


@dataclass
class ArchiveScan:
    """Replayable records of several files, revisits resolved, bad spots kept.

    Which original a revisit gets does not depend on the order of the files: revisits that
    name no record id found so far are resolved once every file was read.
    """

    bad: list[BadSpot] = field(default_factory=list)
    unresolved: list[RecordRef] = field(default_factory=list)  # revisits, maybe of HTML
    records: int = 0  # response and revisit records seen
    counts: dict[str, int] = field(default_factory=dict)  # {"records": every record read}
    originals: ScanOriginals = field(default_factory=ScanOriginals)
    cache: RecordCache | None = None  # records just scanned, for load_ref() (see RecordCache)
    max_size: int = MAX_BODY_SIZE  # payload bytes read at most (DOWNLOAD_MAXSIZE)
    check_digests: bool = True  # failures are noted (and the records used)...
    strict: bool = False  # ...or skipped
    archive: ArchiveOriginals | None = None  # an archive's captures, for revisits' originals

    @property
    def skipped(self) -> list[BadSpot]:
        """The records skipped (not the unreadable stretches)."""
        return [spot for spot in self.bad if spot.kind == SKIPPED]

    def refs(self, paths: Iterable[str | os.PathLike]) -> Iterator[RecordRef]:
        """Every replayable response, and every replayable revisit with its ``original``."""
        pending: list[RecordRef] = []
        for path in paths:
            for ref in scan_file(path, self.bad, self.counts, self.cache, self.max_size,
                                 self.check_digests, self.strict):
                self.records += 1
                if ref.rec_type == "resource":  # a rendered page: no revisit's original
                    yield ref
                    continue
                if ref.rec_type == "response":
                    self.originals.remember(ref)
                    if is_replayable(ref):
                        yield ref
                    continue
                exact = ref.refers.record_id and self.originals.by_record_id(ref.refers.record_id)
                if exact:
                    yield from self._resolved(ref, exact)
                else:
                    pending.append(ref)
        sources = [self.originals] + ([self.archive] if self.archive is not None else [])
        for ref in pending:
            yield from self._resolved(ref, find_original(ref.refers, *sources))

    def _resolved(self, revisit: RecordRef, original: RecordRef | None) -> Iterator[RecordRef]:
        if original is None:
            if might_be_html(revisit):
                self.unresolved.append(revisit)
            return
        resolved = replace(revisit, original=original)
        if is_replayable(resolved):
            yield resolved


def load_ref(ref: RecordRef, cache: RecordCache | None = None,
             max_size: int = MAX_BODY_SIZE) -> Payload:
    """The payload a client should see for ``ref``: a revisit gets its original's body."""
    own = load_payload(ref.path, ref.offset, cache, max_size)
    if ref.original is None:
        return own
    return revisit_payload(own, load_payload(ref.original.path, ref.original.offset,
                                             max_size=max_size))
