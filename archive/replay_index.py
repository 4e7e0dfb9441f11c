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
next ``WARC/1.`` line in an uncompressed file) and carries on from there. A record
that reads but cannot be used (an HTTP record without ``WARC-Target-URI``, a failed
digest when digests are checked) is a BadSpot of kind "record skipped"; the scan
goes on with the next record.

Payloads are read in bounded pieces and decoded by archive/decode.py, at most
``max_size`` bytes (the crawl's ``DOWNLOAD_MAXSIZE``); a longer body is cut there and
its :class:`Payload` marked ``truncated``.
"""

from __future__ import annotations

import collections
import logging
import os
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator

from warcio.exceptions import ArchiveLoadFailed

from archive.decode import MAX_BODY_SIZE, read_bounded
from archive.errors import WarcReadError
from archive.read import WarcRecords, missing_uri, payload_of, record_at

logger = logging.getLogger(__name__)

#: what a record start looks like (gzip member, uncompressed WARC record)
_GZIP_MAGIC = b"\x1f\x8b\x08"
_WARC_MAGIC = b"WARC/1."
_CHUNK = 1 << 20
#: kinds of BadSpot
UNREADABLE, SKIPPED = "unreadable", "record skipped"


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
    kind: str = UNREADABLE  # UNREADABLE: resynced past; SKIPPED: one record not used

    def __str__(self) -> str:
        return f"{self.path}: {self.kind} at offset {self.offset}: {self.reason}"


@dataclass
class Payload:
    """An archived HTTP response ready to hand to a client: body decoded."""

    status: int
    protocol: str
    headers: list[tuple[str, str]]
    body: bytes
    truncated: bool = False  # cut at max_size (a decompression bomb, an oversized record)
    problem: str | None = None  # a content coding that did not decode: body as archived


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


def _status(http) -> int:
    code = (http.get_statuscode() or "") if http else ""
    return int(code) if code.isascii() and code.isdigit() else 0


def _ref(path: str, record, offset: int, length: int) -> RecordRef:
    head = record.rec_headers
    http = record.http_headers
    ctype = (http.get_header("Content-Type") or "") if http else ""
    status = _status(http)
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


@dataclass
class Held:
    """A record's HTTP head and payload as the scan read them (payload cut at max_size)."""

    http: Any  # warcio StatusAndHeaders
    raw: bytes
    cut: bool


class RecordCache:
    """The last ``size`` response records a scan read, their payload kept as read, at most
    ``max_bytes`` of payload in all (two bodies of the largest size a reader produces).

    Replay reads every record twice: once scanning (to know offsets and resolve revisits),
    once to hand the page to the pipelines. A record requested soon after its scan (the
    usual case: the replay spider schedules each page as the scan yields it) is served
    from here, without reopening the file and inflating the gzip member again.
    """

    def __init__(self, size: int = 512, max_bytes: int = 2 * MAX_BODY_SIZE) -> None:
        self.size, self.max_bytes = size, max_bytes
        self._records: collections.OrderedDict[tuple[str, int], Held] = collections.OrderedDict()
        self.hits = self.bytes = 0

    def put(self, path: str, offset: int, held: Held) -> None:
        if len(held.raw) > self.max_bytes:
            return
        self._records[(path, offset)] = held
        self.bytes += len(held.raw)
        while len(self._records) > self.size or self.bytes > self.max_bytes:
            self.bytes -= len(self._records.popitem(last=False)[1].raw)

    def take(self, path: str, offset: int) -> Held | None:
        held = self._records.pop((path, offset), None)
        if held is not None:
            self.hits += 1
            self.bytes -= len(held.raw)
        return held


def _is_warc_record(record, path: str) -> bool:
    """warcio guesses ARC at junk: an ARC record counts only in a file named .arc(.gz)."""
    return (str(getattr(record, "format", "warc")).startswith("warc")
            or path.lower().endswith((".arc", ".arc.gz")))


def _skip_reason(record, check_digests: bool) -> str | None:
    """Why a record that was read cannot be used (None: it can)."""
    if missing_uri(record):
        return f"{record.rec_type} record without WARC-Target-URI"
    if check_digests and record.digest_checker.passed is False:
        return "; ".join(record.digest_checker.problems)
    return None


def _read_from(fh, path: str, start: int, bad: list[BadSpot], counts: dict[str, int],
               cache: RecordCache | None = None, max_size: int = MAX_BODY_SIZE,
               check_digests: bool = False) -> Iterator[RecordRef | int]:
    """Records from ``start`` on; yields the offset where reading failed last (or None)."""
    fh.seek(start)
    it = WarcRecords(fh, check_digests=check_digests)
    good_end = start
    try:
        for record in it:
            if not _is_warc_record(record, path):
                raise ArchiveLoadFailed("not a WARC record")
            counts["records"] = counts.get("records", 0) + 1
            ref = None
            if record.rec_type in ("response", "revisit") and record.http_headers is not None:
                ref = _ref(path, record, 0, 0)
            wanted = ref is not None and (ref.rec_type == "revisit" or is_replayable(ref))
            if cache is not None and wanted:  # the rest (past max_size): read, not kept
                held = Held(record.http_headers, *read_bounded(record.raw_stream, max_size))
            it.read_to_end(record)
            missing = getattr(record.raw_stream, "limit", 0)
            offset, length = it.get_record_offset(), it.get_record_length()
            if missing > 0:
                bad.append(BadSpot(path, offset, f"record truncated ({missing} bytes missing)"))
                yield offset
                return
            good_end = offset + length
            reason = _skip_reason(record, check_digests)
            if reason:
                bad.append(BadSpot(path, offset, reason, SKIPPED))
            elif ref is not None:
                if cache is not None and wanted:
                    cache.put(path, offset, held)
                yield replace(ref, offset=offset, length=length)
    except Exception as exc:  # noqa: BLE001 - whatever hostile bytes make warcio raise
        bad.append(BadSpot(path, good_end, _reason(exc)))
        yield good_end


def scan_file(path: str | os.PathLike, bad: list[BadSpot], counts: dict[str, int] | None = None,
              cache: RecordCache | None = None, max_size: int = MAX_BODY_SIZE,
              check_digests: bool = False) -> Iterator[RecordRef]:
    """Response and revisit records (with HTTP headers) in ``path``; resyncs past bad bytes,
    skips (and lists in ``bad``) records it cannot use."""
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
            for item in _read_from(fh, path, start, bad, counts, cache, max_size, check_digests):
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
def _payload(http, raw: bytes, cut: bool, max_size: int) -> Payload:
    """The response a client sees: status and headers as archived (made true of the
    body), body de-chunked and decoded as far as it decodes (archive/decode.py)."""
    decoded = payload_of(raw, cut, list(http.headers), max_size)
    return Payload(
        status=_status(http), protocol=http.protocol or "HTTP/1.1",
        headers=decoded.headers(http.headers), body=decoded.body,
        truncated=decoded.truncated, problem=decoded.problem,
    )


def load_payload(path: str | os.PathLike, offset: int, cache: RecordCache | None = None,
                 max_size: int = MAX_BODY_SIZE) -> Payload:
    """The response (or revisit headers) at ``offset`` in ``path``, body decoded."""
    held = cache.take(os.fspath(path), offset) if cache is not None else None
    if held is not None:
        return _payload(held.http, held.raw, held.cut, max_size)
    with record_at(path, offset) as record:
        if record is None:
            raise WarcReadError(f"{path}: no record at offset {offset}")
        if record.http_headers is None:
            raise WarcReadError(f"{path}: no HTTP response at offset {offset}")
        raw, cut = read_bounded(record.raw_stream, max_size)
        return _payload(record.http_headers, raw, cut, max_size)


def load_ref(ref: RecordRef, cache: RecordCache | None = None,
             max_size: int = MAX_BODY_SIZE) -> Payload:
    """The payload a client should see for ``ref``: a revisit gets its original's body."""
    own = load_payload(ref.path, ref.offset, cache, max_size)
    if ref.original is None:
        return own
    original = load_payload(ref.original.path, ref.original.offset, max_size=max_size)
    if own.status == 304 or own.status == 0:
        return original
    coding = [(k, v) for k, v in original.headers if k.lower() == "content-encoding"]
    headers = [(k, v) for k, v in own.headers if k.lower() != "content-encoding"]
    return replace(original, status=own.status, protocol=own.protocol,
                   headers=(headers or original.headers) + coding)
