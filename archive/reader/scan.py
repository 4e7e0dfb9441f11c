"""Replayable records of WARC files: archived HTML responses by place, revisits resolved.

Works on WARCs from any tool (presskeep, wget, Heritrix, warcio/pywb, browsertrix):
WARC/1.0 and 1.1, angle-bracketed URIs, gzip per record or uncompressed. Files are
read past damage (archive/reader/records.py: bad spots listed, the scan resyncs); a
revisit is resolved to the response that holds its payload in any file of the scan and
in any order (archive/reader/revisits.py). Payloads are read as the scan goes and kept
a while (:class:`~archive.reader.payload.RecordCache`) for the load that follows.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field, replace
from typing import Iterable, Iterator

from warcio.exceptions import ArchiveLoadFailed

from archive.decode import MAX_BODY_SIZE
from archive.reader.payload import Held, Payload, RecordCache, http_status, load_payload, \
    revisit_payload
from archive.reader.records import SKIPPED, BadSpot, open_warc, target_uri, tolerant_records
from archive.reader.revisits import RefersTo, ScanOriginals, find_original

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecordRef:
    """Where a replayable record is, and what its headers say."""

    path: str
    offset: int
    length: int
    rec_type: str  # "response" or "revisit"
    url: str
    date: str | None
    status: int
    content_type: str
    record_id: str | None
    payload_digest: str | None
    refers: RefersTo | None = None  # a revisit's pointer to its original
    original: "RecordRef | None" = None  # a revisit's payload holder, once resolved


def is_replayable(ref: RecordRef) -> bool:
    """A 200 response that is (or may be, lacking a type) an HTML page."""
    ctype = ref.content_type.lower()
    return ref.status == 200 and ("html" in ctype or not ctype)


def _ref(path: str, record) -> RecordRef:
    head, http = record.rec_headers, record.http_headers
    return RecordRef(
        path=path, offset=0, length=0, rec_type=record.rec_type, url=target_uri(record),
        date=head.get_header("WARC-Date"), status=http_status(http),
        content_type=(http.get_header("Content-Type") or "") if http else "",
        record_id=head.get_header("WARC-Record-ID"),
        payload_digest=head.get_header("WARC-Payload-Digest"),
        refers=RefersTo.of(head) if record.rec_type == "revisit" else None,
    )


def _is_warc_record(record, path: str) -> bool:
    """warcio guesses ARC at junk: an ARC record counts only in a file named .arc(.gz)."""
    return (str(getattr(record, "format", "warc")).startswith("warc")
            or path.lower().endswith((".arc", ".arc.gz")))


def scan_file(path: str | os.PathLike, bad: list[BadSpot], counts: dict[str, int] | None = None,
              cache: RecordCache | None = None, max_size: int = MAX_BODY_SIZE,
              check_digests: bool = False) -> Iterator[RecordRef]:
    """Response and revisit records (with HTTP headers) in ``path``; resyncs past bad bytes,
    skips (and lists in ``bad``) records it cannot use. ``counts["records"]``: every record
    read. Records ``cache`` keeps are read once."""
    path = os.fspath(path)
    counts = {} if counts is None else counts

    def keep(record) -> tuple[RecordRef | None, Held | None]:
        if not _is_warc_record(record, path):
            raise ArchiveLoadFailed("not a WARC record")
        counts["records"] = counts.get("records", 0) + 1
        if record.rec_type not in ("response", "revisit") or record.http_headers is None:
            return None, None
        ref = _ref(path, record)
        wanted = cache is not None and (ref.rec_type == "revisit" or is_replayable(ref))
        return ref, Held.read(record, max_size) if wanted else None  # the rest: read, not kept

    with open_warc(path) as warc:
        for placed in tolerant_records(warc, bad, check_digests=check_digests, keep=keep):
            ref, held = placed.kept
            if ref is None:
                continue
            if held is not None:
                cache.put(path, placed.offset, held)
            yield replace(ref, offset=placed.offset, length=placed.length)


@dataclass
class ArchiveScan:
    """Replayable records of several WARC files, revisits resolved, bad spots kept."""

    bad: list[BadSpot] = field(default_factory=list)
    unresolved: list[RecordRef] = field(default_factory=list)
    records: int = 0  # response and revisit records seen
    counts: dict[str, int] = field(default_factory=dict)  # {"records": every record read}
    originals: ScanOriginals = field(default_factory=ScanOriginals)
    cache: RecordCache | None = None  # records just scanned, for load_ref() (see RecordCache)
    max_size: int = MAX_BODY_SIZE  # payload bytes read at most (DOWNLOAD_MAXSIZE)

    @property
    def skipped(self) -> list[BadSpot]:
        """The records skipped (not the unreadable stretches)."""
        return [spot for spot in self.bad if spot.kind == SKIPPED]

    def refs(self, paths: Iterable[str | os.PathLike]) -> Iterator[RecordRef]:
        """Every replayable response, and every revisit with its ``original`` set."""
        pending: list[RecordRef] = []
        for path in paths:
            for ref in scan_file(path, self.bad, self.counts, self.cache, self.max_size):
                self.records += 1
                if ref.rec_type == "response":
                    if is_replayable(ref):
                        self.originals.remember(ref)
                        yield ref
                elif (resolved := self.with_original(ref)) is not None:
                    yield resolved
                else:
                    pending.append(ref)
        for ref in pending:
            resolved = self.with_original(ref)
            if resolved is not None:
                yield resolved
            else:
                self.unresolved.append(ref)
                logger.warning("presskeep: revisit of %s (%s) has no original in the scan",
                               ref.url, ref.date)

    def with_original(self, revisit: RecordRef) -> RecordRef | None:
        """The revisit with ``original`` set, or None when its original is unknown (or not HTML)."""
        original = find_original(revisit.refers, self.originals) if revisit.refers else None
        if original is None:
            return None
        if revisit.status not in (200, 304) or (revisit.status == 200 and revisit.content_type
                                                and "html" not in revisit.content_type.lower()):
            return None
        return replace(revisit, original=original)


def load_ref(ref: RecordRef, cache: RecordCache | None = None,
             max_size: int = MAX_BODY_SIZE) -> Payload:
    """The payload a client should see for ``ref``: a revisit gets its original's body."""
    own = load_payload(ref.path, ref.offset, cache, max_size)
    if ref.original is None:
        return own
    return revisit_payload(own, load_payload(ref.original.path, ref.original.offset,
                                             max_size=max_size))
