"""Revisit records: payload digests, the last capture of a URL, and resolving a revisit to its original.

A revisit record (``WARC-Type: revisit``) carries headers only; its payload is
the one of the earlier *response* record it refers to (``WARC-Refers-To``,
``WARC-Refers-To-Target-URI``, ``WARC-Refers-To-Date``, same
``WARC-Payload-Digest``). :func:`original_of` finds that record through the
``captures`` table; :func:`read_raw` reads its payload as received (still
content-encoded), which is what a replay or a recrawl needs.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archive.decode import read_bounded
from archive.errors import WarcReadError
from archive.read import record_at

NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"

_LAST_SQL = """SELECT url, status, record_type, fetched_at, etag, last_modified, payload_digest
FROM captures WHERE url = ? AND status IN (200, 304) AND payload_digest IS NOT NULL
ORDER BY fetched_at DESC LIMIT 1"""
_ORIGINAL_SQL = """SELECT url, status, fetched_at, warc_file, warc_offset, warc_length,
warc_record_id, payload_digest FROM captures
WHERE url = ? AND payload_digest = ? AND record_type = 'response' AND truncated IS NULL
ORDER BY fetched_at DESC LIMIT 1"""
_ARTICLE_SQL = "SELECT 1 FROM articles WHERE url = ? AND payload_digest = ? LIMIT 1"


def payload_digest(payload: bytes) -> str:
    """``sha1:BASE32`` of the payload, exactly as warcio writes ``WARC-Payload-Digest``."""
    return "sha1:" + base64.b32encode(hashlib.sha1(payload).digest()).decode("ascii")


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


def _row(cursor, values) -> dict[str, Any] | None:
    if values is None:
        return None
    return dict(zip([c[0] for c in cursor.description], values))


def query_one(db, sql: str, params: list[Any]) -> dict[str, Any] | None:
    cursor = db.execute(sql, params)
    return _row(cursor, cursor.fetchone())


def last_capture(db, url: str) -> dict[str, Any] | None:
    """The newest successful capture (response or revisit) of ``url``, or None."""
    return query_one(db, _LAST_SQL, [url])


def original_of(db, url: str, digest: str) -> dict[str, Any] | None:
    """The newest complete response record of ``url`` whose payload has ``digest``."""
    return query_one(db, _ORIGINAL_SQL, [url, digest])


def has_article(db, url: str, digest: str) -> bool:
    """True when an article row was already made from this payload of ``url``."""
    return db.execute(_ARTICLE_SQL, [url, digest]).fetchone() is not None


def read_raw(path: str | os.PathLike, offset: int) -> RawResponse:
    """The response record at ``offset`` in ``path``, payload as received (not decoded),
    read in bounded pieces: at most archive.decode.MAX_BODY_SIZE bytes of it."""
    with record_at(path, offset) as record:
        if record is None or record.rec_type != "response" or record.http_headers is None:
            raise WarcReadError(f"{path}: no response record at offset {offset}")
        http = record.http_headers
        payload, cut = read_bounded(record.raw_stream)
        return RawResponse(
            url=(record.rec_headers.get_header("WARC-Target-URI") or "").strip("<>"),
            status=int(http.get_statuscode() or 0), protocol=http.protocol or "HTTP/1.1",
            headers=list(http.headers), payload=payload,
            record_id=record.rec_headers.get_header("WARC-Record-ID"), truncated=cut,
        )


def resolve(root: str | os.PathLike, db, url: str, digest: str) -> RawResponse:
    """The original response a revisit of ``url`` with ``digest`` stands for."""
    row = original_of(db, url, digest)
    if row is None:
        raise WarcReadError(f"no original response archived for {url} ({digest})")
    return read_raw(Path(root) / row["warc_file"], row["warc_offset"])
