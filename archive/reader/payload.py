"""Archived HTTP responses out of WARC records: payloads read in bounded pieces and decoded.

Every reader hands bodies on through here: a record's payload is read at most
``max_size`` bytes (the crawl's ``DOWNLOAD_MAXSIZE``), de-chunked and content-decoded by
archive/decode.py; a longer body is cut there and marked ``truncated``. Three shapes:

- :class:`Payload` (:func:`load_payload`): what a client sees (replay, extract, serve),
  headers made true of the decoded body; a revisit gets its original's body
  (:func:`revisit_payload`);
- :class:`ArchivedResponse` (:func:`read_record_at`): a response record with its WARC
  headers and decoded body (reclean, tests);
- :class:`RawResponse` (:func:`read_raw`): the payload as received, still
  content-encoded (a recrawl's 304 answered from the archive: Scrapy decodes it).
"""

from __future__ import annotations

import collections
import os
from dataclasses import dataclass, replace
from typing import Any

from warcio.statusandheaders import StatusAndHeaders

from archive.decode import MAX_BODY_SIZE, Decoded, decode_body, read_bounded
from archive.errors import WarcReadError
from archive.reader.records import record_at, target_uri


@dataclass
class Payload:
    """An archived HTTP response ready to hand to a client: body decoded."""

    status: int
    protocol: str
    headers: list[tuple[str, str]]
    body: bytes
    truncated: bool = False  # cut at max_size (a decompression bomb, an oversized record)
    problem: str | None = None  # a content coding that did not decode: body as archived


def payload_of(raw: bytes, cut: bool, headers: list[tuple[str, str]],
               max_size: int = MAX_BODY_SIZE) -> Decoded:
    """:func:`~archive.decode.decode_body` of ``raw``, marked truncated when ``raw`` was cut."""
    decoded = decode_body(raw, headers, max_size)
    decoded.truncated = decoded.truncated or cut
    return decoded


def read_payload(record, max_size: int = MAX_BODY_SIZE) -> Decoded:
    """The record's HTTP payload read in bounded pieces, de-chunked and content-decoded."""
    raw, cut = read_bounded(record.raw_stream, max_size)
    return payload_of(raw, cut, list(record.http_headers.headers), max_size)


def http_status(http) -> int:
    """The status code of warcio's HTTP head (0 when there is none or it is not a number)."""
    code = (http.get_statuscode() or "") if http else ""
    return int(code) if code.isascii() and code.isdigit() else 0


@dataclass
class Held:
    """A record's HTTP head and payload as a scan read them (payload cut at max_size)."""

    http: Any  # warcio StatusAndHeaders
    raw: bytes
    cut: bool

    @classmethod
    def read(cls, record, max_size: int = MAX_BODY_SIZE) -> "Held":
        """A header-less revisit (Content-Length 0) holds an empty head: status 0; a
        ``resource`` record (a rendered page) a 200 with the record's Content-Type."""
        http = record.http_headers
        if http is None and record.rec_type == "resource":
            ctype = record.rec_headers.get_header("Content-Type") or "application/octet-stream"
            http = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
        elif http is None:
            http = StatusAndHeaders("", [], protocol="")
        return cls(http, *read_bounded(record.raw_stream, max_size))

    def payload(self, max_size: int = MAX_BODY_SIZE) -> Payload:
        """The response a client sees: status and headers as archived (made true of the
        body), body de-chunked and decoded as far as it decodes (archive/decode.py)."""
        decoded = payload_of(self.raw, self.cut, list(self.http.headers), max_size)
        return Payload(
            status=http_status(self.http), protocol=self.http.protocol or "HTTP/1.1",
            headers=decoded.headers(self.http.headers), body=decoded.body,
            truncated=decoded.truncated, problem=decoded.problem,
        )


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


def load_held(path: str | os.PathLike, offset: int, cache: RecordCache | None = None,
              max_size: int = MAX_BODY_SIZE) -> tuple[Any, Held]:
    """(WARC headers, HTTP head and payload) of the record at ``offset`` in ``path``; from
    ``cache`` when it has it (then without WARC headers: None)."""
    held = cache.take(os.fspath(path), offset) if cache is not None else None
    if held is not None:
        return None, held
    with record_at(path, offset) as record:
        if record is None:
            raise WarcReadError(f"{path}: no record at offset {offset}")
        if record.http_headers is None and record.rec_type not in ("revisit", "resource"):
            raise WarcReadError(f"{path}: no HTTP response at offset {offset}")
        return record.rec_headers, Held.read(record, max_size)


def load_payload(path: str | os.PathLike, offset: int, cache: RecordCache | None = None,
                 max_size: int = MAX_BODY_SIZE) -> Payload:
    """The response (or revisit headers) at ``offset`` in ``path``, body decoded."""
    return load_held(path, offset, cache, max_size)[1].payload(max_size)


def revisit_payload(own: Payload, original: Payload) -> Payload:
    """What a client sees for a revisit: its original's body (and content coding), with the
    revisit's own status and headers unless it is a 304 (or has no status)."""
    if own.status == 304 or own.status == 0:
        return original
    coding = [(k, v) for k, v in original.headers if k.lower() == "content-encoding"]
    headers = [(k, v) for k, v in own.headers if k.lower() != "content-encoding"]
    return replace(original, status=own.status, protocol=own.protocol,
                   headers=(headers or original.headers) + coding)


@dataclass
class ArchivedResponse:
    url: str
    status: int
    headers: list[tuple[str, str]]  # as archived
    body: bytes  # de-chunked and content-decoded, at most MAX_BODY_SIZE bytes
    date: str | None
    offset: int
    length: int
    record_id: str | None
    payload_digest: str | None
    truncated: bool = False  # the body was cut at MAX_BODY_SIZE

    @property
    def content_type(self) -> str:
        return next((v for k, v in self.headers if k.lower() == "content-type"), "")


def read_record_at(path: str | os.PathLike, offset: int) -> ArchivedResponse | None:
    """The response record starting at ``offset`` in ``path`` (None if it is not one)."""
    with record_at(path, offset) as record:
        if record is None or record.rec_type != "response" or record.http_headers is None:
            return None
        payload = read_payload(record)
        return ArchivedResponse(
            url=target_uri(record), status=int(record.http_headers.get_statuscode() or 0),
            headers=list(record.http_headers.headers), body=payload.body,
            date=record.rec_headers.get_header("WARC-Date"), offset=offset, length=0,
            record_id=record.rec_headers.get_header("WARC-Record-ID"),
            payload_digest=record.rec_headers.get_header("WARC-Payload-Digest"),
            truncated=payload.truncated,
        )


@dataclass
class RawResponse:
    """An archived HTTP response as received: status, headers, payload (content-encoded)."""

    url: str
    status: int
    protocol: str
    headers: list[tuple[str, str]]
    payload: bytes
    record_id: str | None
    truncated: bool = False  # the payload was cut at archive.decode.MAX_BODY_SIZE


def read_raw(path: str | os.PathLike, offset: int) -> RawResponse:
    """The response record at ``offset`` in ``path``, payload as received (not decoded),
    read in bounded pieces: at most archive.decode.MAX_BODY_SIZE bytes of it."""
    with record_at(path, offset) as record:
        if record is None or record.rec_type != "response" or record.http_headers is None:
            raise WarcReadError(f"{path}: no response record at offset {offset}")
        http = record.http_headers
        payload, cut = read_bounded(record.raw_stream)
        return RawResponse(
            url=target_uri(record), status=int(http.get_statuscode() or 0),
            protocol=http.protocol or "HTTP/1.1", headers=list(http.headers), payload=payload,
            record_id=record.rec_headers.get_header("WARC-Record-ID"), truncated=cut,
        )
