"""Scanning WARC files for replay: archived HTML responses by place, revisits resolved,
unreadable stretches skipped and reported.

Works on WARCs from any tool (presskeep, wget, Heritrix, warcio/pywb, browsertrix):
WARC/1.0 and 1.1, angle-bracketed URIs, gzip per record or uncompressed. A
revisit is resolved to the response that holds its payload by
``WARC-Refers-To-Target-URI`` + ``WARC-Refers-To-Date``, then by
``WARC-Refers-To`` (record id), then by payload digest, in any file of the
scan and in any order.

When a file is corrupt or truncated, the scan records a :class:`BadSpot` (file,
offset, reason), looks for the next record start (the next gzip member, or the
next ``WARC/1.`` line in an uncompressed file) and carries on from there.
"""

from __future__ import annotations

import collections
import io

import logging
import os
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader
from warcio.exceptions import ArchiveLoadFailed

from archive.errors import WarcReadError
from archive.read import READ_ERRORS, record_at

logger = logging.getLogger(__name__)

#: what the scan catches as "this stretch of the file is unreadable"
_GZIP_MAGIC = b"\x1f\x8b\x08"
_WARC_MAGIC = b"WARC/1."
_CHUNK = 1 << 20
#: headers that describe the archived transfer, not the decoded body we hand on
_TRANSFER_HEADERS = {"transfer-encoding", "content-length"}


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
    refers_to_uri: str | None = None
    refers_to_date: str | None = None
    refers_to_id: str | None = None
    original: "RecordRef | None" = None  # a revisit's payload holder


@dataclass(frozen=True)
class BadSpot:
    path: str
    offset: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: unreadable at offset {self.offset}: {self.reason}"


@dataclass
class Payload:
    """An archived HTTP response ready to hand to a client: body decoded."""

    status: int
    protocol: str
    headers: list[tuple[str, str]]
    body: bytes


def normalize_date(value: str | None) -> str | None:
    """A WARC-Date in presskeep's row format (``%Y-%m-%dT%H:%M:%S.%fZ``, UTC)."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return value
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _second(date: str | None) -> str:
    return (normalize_date(date) or "")[:19]


def _strip(value: str | None) -> str | None:
    return value.strip().strip("<>") if value else value


def is_replayable(ref: RecordRef) -> bool:
    """A 200 response that is (or may be, lacking a type) an HTML page."""
    ctype = ref.content_type.lower()
    return ref.status == 200 and ("html" in ctype or not ctype)


def _ref(path: str, record, offset: int, length: int) -> RecordRef:
    head = record.rec_headers
    http = record.http_headers
    ctype = (http.get_header("Content-Type") or "") if http else ""
    status = int(http.get_statuscode() or 0) if http and http.get_statuscode().isdigit() else 0
    return RecordRef(
        path=path, offset=offset, length=length, rec_type=record.rec_type,
        url=_strip(head.get_header("WARC-Target-URI")) or "", date=head.get_header("WARC-Date"),
        status=status, content_type=ctype, record_id=head.get_header("WARC-Record-ID"),
        payload_digest=head.get_header("WARC-Payload-Digest"),
        refers_to_uri=_strip(head.get_header("WARC-Refers-To-Target-URI")),
        refers_to_date=head.get_header("WARC-Refers-To-Date"),
        refers_to_id=head.get_header("WARC-Refers-To"),
    )


def _reason(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text.encode("ascii", "backslashreplace").decode("ascii")[:120]


def next_record_start(fh, after: int) -> int | None:
    """Offset of the next plausible record start strictly after ``after`` (gzip or plain)."""
    pos = after + 1
    fh.seek(pos)
    tail = b""
    while True:
        chunk = fh.read(_CHUNK)
        if not chunk:
            return None
        data = tail + chunk
        base = pos - len(tail)
        hits = [i for i in (data.find(_GZIP_MAGIC), data.find(_WARC_MAGIC)) if i >= 0]
        if hits:
            return base + min(hits)
        tail = data[-8:]
        pos += len(chunk)


class RecordCache:
    """The last ``size`` response records a scan read, their payload kept as read.

    Replay reads every record twice: once scanning (to know offsets and resolve revisits),
    once to hand the page to the pipelines. A record requested soon after its scan (the
    usual case: the replay spider schedules each page as the scan yields it) is served
    from here, without reopening the file and inflating the gzip member again.
    """

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._records: collections.OrderedDict[tuple[str, int], Any] = collections.OrderedDict()
        self.hits = 0

    def put(self, path: str, offset: int, record, raw: bytes) -> None:
        record.raw_stream = io.BytesIO(raw)  # content_stream() decodes it as from the file
        self._records[(path, offset)] = record
        if len(self._records) > self.size:
            self._records.popitem(last=False)

    def take(self, path: str, offset: int):
        record = self._records.pop((path, offset), None)
        if record is not None:
            self.hits += 1
        return record


def _read_from(fh, path: str, start: int, bad: list[BadSpot], counts: dict[str, int],
               cache: RecordCache | None = None) -> Iterator[RecordRef | int]:
    """Records from ``start`` on; yields the offset where reading failed last (or None)."""
    fh.seek(start)
    it = ArchiveIterator(fh, check_digests=False)
    good_end = start
    try:
        for record in it:
            if not str(getattr(record, "format", "warc")).startswith("warc"):
                raise ArchiveLoadFailed("not a WARC record")  # warcio's ARC guess at junk
            raw = record.raw_stream.read()  # consume, so offset and length are known
            counts["records"] = counts.get("records", 0) + 1
            missing = getattr(record.raw_stream, "limit", 0)
            it.read_to_end(record)
            offset, length = it.get_record_offset(), it.get_record_length()
            if missing > 0:
                bad.append(BadSpot(path, offset, f"record truncated ({missing} bytes missing)"))
                yield offset
                return
            good_end = offset + length
            if record.rec_type in ("response", "revisit") and record.http_headers is not None:
                ref = _ref(path, record, offset, length)
                if cache is not None and (is_replayable(ref) or ref.rec_type == "revisit"):
                    cache.put(path, offset, record, raw)
                yield ref
    except READ_ERRORS as exc:
        bad.append(BadSpot(path, good_end, _reason(exc)))
        yield good_end


def scan_file(path: str | os.PathLike, bad: list[BadSpot], counts: dict[str, int] | None = None,
              cache: RecordCache | None = None) -> Iterator[RecordRef]:
    """Response and revisit records (with HTTP headers) in ``path``; resyncs past bad bytes."""
    path = os.fspath(path)
    counts = {} if counts is None else counts
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise WarcReadError(f"cannot open {path}: {exc}") from exc
    with fh:
        start: int | None = 0
        while start is not None:
            failed_at = None
            for item in _read_from(fh, path, start, bad, counts, cache):
                if isinstance(item, int):
                    failed_at = item
                else:
                    yield item
            start = None if failed_at is None else next_record_start(fh, failed_at)
            if start is not None:
                logger.warning("presskeep: %s: resuming at offset %d", path, start)


@dataclass
class ArchiveScan:
    """Replayable records of several WARC files, revisits resolved, bad spots kept."""

    bad: list[BadSpot] = field(default_factory=list)
    unresolved: list[RecordRef] = field(default_factory=list)
    records: int = 0  # response and revisit records seen
    counts: dict[str, int] = field(default_factory=dict)  # {"records": every record read}
    _by_uri_date: dict[tuple[str, str], RecordRef] = field(default_factory=dict)
    _by_id: dict[str, RecordRef] = field(default_factory=dict)
    _by_digest: dict[str, RecordRef] = field(default_factory=dict)
    cache: RecordCache | None = None  # records just scanned, for load() (see RecordCache)

    def refs(self, paths: Iterable[str | os.PathLike]) -> Iterator[RecordRef]:
        """Every replayable response, and every revisit with its ``original`` set."""
        pending: list[RecordRef] = []
        for path in paths:
            for ref in scan_file(path, self.bad, self.counts, self.cache):
                self.records += 1
                if ref.rec_type == "response":
                    if is_replayable(ref):
                        self._remember(ref)
                        yield ref
                elif (resolved := self.resolve(ref)) is not None:
                    yield resolved
                else:
                    pending.append(ref)
        for ref in pending:
            resolved = self.resolve(ref)
            if resolved is not None:
                yield resolved
            else:
                self.unresolved.append(ref)
                logger.warning("presskeep: revisit of %s (%s) has no original in the scan",
                               ref.url, ref.date)

    def _remember(self, ref: RecordRef) -> None:
        self._by_uri_date.setdefault((ref.url, _second(ref.date)), ref)
        if ref.record_id:
            self._by_id.setdefault(ref.record_id, ref)
        if ref.payload_digest:
            self._by_digest.setdefault(ref.payload_digest, ref)

    def resolve(self, revisit: RecordRef) -> RecordRef | None:
        """The revisit with ``original`` set, or None when its original is unknown (or not HTML)."""
        original = None
        if revisit.refers_to_uri and revisit.refers_to_date:
            original = self._by_uri_date.get((revisit.refers_to_uri, _second(revisit.refers_to_date)))
        if original is None and revisit.refers_to_id:
            original = self._by_id.get(revisit.refers_to_id)
        if original is None and revisit.payload_digest:
            original = self._by_digest.get(revisit.payload_digest)
        if original is None:
            return None
        if revisit.status not in (200, 304) or (revisit.status == 200 and revisit.content_type
                                                and "html" not in revisit.content_type.lower()):
            return None
        return replace(revisit, original=original)


# -- loading one record ---------------------------------------------------------
def _decoded(record) -> tuple[bytes, bool]:
    """The payload with chunking and content coding removed; whether the coding was removed."""
    raw = record.raw_stream
    encoding = (record.http_headers.get_header("Content-Encoding") or "").lower().strip()
    decodable = not encoding or encoding in BufferedReader.get_supported_decompressors()
    try:
        return record.content_stream().read(), decodable
    except READ_ERRORS + (Exception,):  # a lying Content-Encoding: keep the bytes as archived
        return raw.read(), False


def _clean_headers(headers: list[tuple[str, str]], decoded: bool) -> list[tuple[str, str]]:
    drop = _TRANSFER_HEADERS | ({"content-encoding"} if decoded else set())
    return [(k, v) for k, v in headers if k.lower() not in drop]


def _payload(record, path, offset) -> Payload:
    if record is None:
        raise WarcReadError(f"{path}: no record at offset {offset}")
    if record.http_headers is None:
        raise WarcReadError(f"{path}: no HTTP response at offset {offset}")
    body, decoded = _decoded(record)
    http = record.http_headers
    return Payload(
        status=int(http.get_statuscode() or 0) if http.get_statuscode().isdigit() else 0,
        protocol=http.protocol or "HTTP/1.1",
        headers=_clean_headers(list(http.headers), decoded), body=body,
    )


def load_payload(path: str | os.PathLike, offset: int, cache: RecordCache | None = None) -> Payload:
    """The response (or revisit headers) at ``offset`` in ``path``, body decoded."""
    record = cache.take(os.fspath(path), offset) if cache is not None else None
    if record is not None:
        return _payload(record, path, offset)
    with record_at(path, offset) as record:
        return _payload(record, path, offset)


def load_ref(ref: RecordRef, cache: RecordCache | None = None) -> Payload:
    """The payload a client should see for ``ref``: a revisit gets its original's body."""
    own = load_payload(ref.path, ref.offset, cache)
    if ref.original is None:
        return own
    original = load_payload(ref.original.path, ref.original.offset)
    if own.status == 304 or own.status == 0:
        return original
    coding = [(k, v) for k, v in original.headers if k.lower() == "content-encoding"]
    headers = [(k, v) for k, v in own.headers if k.lower() != "content-encoding"]
    return Payload(own.status, own.protocol, (headers or original.headers) + coding, original.body)
