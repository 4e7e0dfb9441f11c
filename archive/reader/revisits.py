"""Revisit records: resolving a revisit to its original, and the captures a recrawl refers to.

A revisit record (``WARC-Type: revisit``) carries headers only; its payload is the one of
an earlier *response* record, which it names (:class:`RefersTo`) by record id
(``WARC-Refers-To``), by target URI and date (``WARC-Refers-To-Target-URI``,
``WARC-Refers-To-Date``) and by payload digest (``WARC-Payload-Digest``).
:func:`find_original` is the one resolver: it asks a set of :class:`Originals` by each
key in turn, most exact first. Two sets exist: the responses a scan has read
(:class:`ScanOriginals`: replay, extract) and the archive's ``captures`` table
(:class:`CapturedOriginals`: serve).

An incremental recrawl writes revisits: :func:`last_capture` is what the archive holds for
a URL, :func:`latest_response` the record a new revisit refers to, :func:`payload_digest`
the digest it compares.
"""

from __future__ import annotations

import base64
import hashlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from archive.errors import WarcReadError
from archive.paths import WarcPaths
from archive.reader.payload import Payload, RawResponse, load_held, load_payload, read_raw, \
    revisit_payload
from archive.reader.records import strip_uri
from archive.timestamps import warc_second

NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"

T = TypeVar("T", covariant=True)


def payload_digest(payload: bytes) -> str:
    """``sha1:BASE32`` of the payload, exactly as warcio writes ``WARC-Payload-Digest``."""
    return "sha1:" + base64.b32encode(hashlib.sha1(payload).digest()).decode("ascii")


@dataclass(frozen=True)
class RefersTo:
    """How a revisit record names its original."""

    record_id: str | None  # WARC-Refers-To
    uri: str | None  # WARC-Refers-To-Target-URI
    date: str | None  # WARC-Refers-To-Date
    digest: str | None  # WARC-Payload-Digest

    @classmethod
    def of(cls, rec_headers) -> "RefersTo":
        """From a record's WARC headers (warcio's StatusAndHeaders)."""
        get = rec_headers.get_header
        return cls(record_id=get("WARC-Refers-To"), uri=strip_uri(get("WARC-Refers-To-Target-URI")),
                   date=get("WARC-Refers-To-Date"), digest=get("WARC-Payload-Digest"))


class Originals(Protocol[T]):
    """Response records a revisit may refer to, looked up by each of its keys."""

    def by_record_id(self, record_id: str) -> T | None: ...

    def by_uri_second(self, uri: str, second: str) -> T | None: ...

    def by_digest(self, digest: str) -> T | None: ...


def find_original(refers: RefersTo, originals: Originals[T]) -> T | None:
    """The original of a revisit: by record id, else by target URI and date (to the second,
    whatever the precisions), else by payload digest."""
    found = originals.by_record_id(refers.record_id) if refers.record_id else None
    if found is None and refers.uri and refers.date:
        found = originals.by_uri_second(refers.uri, warc_second(refers.date))
    if found is None and refers.digest:
        found = originals.by_digest(refers.digest)
    return found


class ScanOriginals:
    """The responses a scan has read (the first one of each key), for revisits read later
    or earlier. Each needs ``url``, ``date``, ``record_id`` and ``payload_digest``."""

    def __init__(self) -> None:
        self._by_id: dict[str, Any] = {}
        self._by_uri_second: dict[tuple[str, str], Any] = {}
        self._by_digest: dict[str, Any] = {}

    def remember(self, response) -> None:
        self._by_uri_second.setdefault((response.url, warc_second(response.date)), response)
        if response.record_id:
            self._by_id.setdefault(response.record_id, response)
        if response.payload_digest:
            self._by_digest.setdefault(response.payload_digest, response)

    def by_record_id(self, record_id: str):
        return self._by_id.get(record_id)

    def by_uri_second(self, uri: str, second: str):
        return self._by_uri_second.get((uri, second))

    def by_digest(self, digest: str):
        return self._by_digest.get(digest)


#: the original among the `captures` rows, by each key of a revisit
_CAPTURED = ("SELECT warc_file, warc_offset FROM captures WHERE {} AND "
             "record_type = 'response' AND warc_file IS NOT NULL LIMIT 1")
_BY_ID = _CAPTURED.format("warc_record_id = ?")
_BY_URI_SECOND = _CAPTURED.format("url = ? AND substr(fetched_at, 1, 19) = ?")
_BY_DIGEST = _CAPTURED.format("payload_digest = ?")


class CapturedOriginals:
    """The response records the archive's ``captures`` table lists: (warc_file, offset)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def _first(self, sql: str, params: list[str]) -> tuple[str, int] | None:
        row = self.conn.execute(sql, params).fetchone()
        return (row[0], row[1]) if row is not None else None

    def by_record_id(self, record_id: str) -> tuple[str, int] | None:
        return self._first(_BY_ID, [record_id])

    def by_uri_second(self, uri: str, second: str) -> tuple[str, int] | None:
        return self._first(_BY_URI_SECOND, [uri, second])

    def by_digest(self, digest: str) -> tuple[str, int] | None:
        return self._first(_BY_DIGEST, [digest])


def row_payload(paths: WarcPaths, conn: sqlite3.Connection, name: str, offset: int) -> Payload:
    """The archived response a row points at (``name``, ``offset``); a revisit gets its
    original's body, found through the captures table. Only files the archive's path
    rule allows are opened (archive/paths.py)."""
    rec_headers, held = load_held(paths.record_path(name, offset), offset)
    own = held.payload()
    if rec_headers.get_header("WARC-Type") != "revisit":
        return own
    found = find_original(RefersTo.of(rec_headers), CapturedOriginals(conn))
    if found is None:
        raise WarcReadError(f"{name}@{offset} is a revisit whose original is not in the archive")
    return revisit_payload(own, load_payload(paths.record_path(*found), found[1]))


# -- what an incremental recrawl looks up -------------------------------------------------
_LAST_SQL = """SELECT url, status, record_type, fetched_at, etag, last_modified, payload_digest
FROM captures WHERE url = ? AND status IN (200, 304) AND payload_digest IS NOT NULL
ORDER BY fetched_at DESC LIMIT 1"""
_LATEST_RESPONSE_SQL = """SELECT url, status, fetched_at, warc_file, warc_offset, warc_length,
warc_record_id, payload_digest FROM captures
WHERE url = ? AND payload_digest = ? AND record_type = 'response' AND truncated IS NULL
ORDER BY fetched_at DESC LIMIT 1"""
_ARTICLE_SQL = "SELECT 1 FROM articles WHERE url = ? AND payload_digest = ? LIMIT 1"


def _query_one(db, sql: str, params: list[Any]) -> dict[str, Any] | None:
    cursor = db.execute(sql, params)
    values = cursor.fetchone()
    return None if values is None else dict(zip([c[0] for c in cursor.description], values))


def last_capture(db, url: str) -> dict[str, Any] | None:
    """The newest successful capture (response or revisit) of ``url``, or None."""
    return _query_one(db, _LAST_SQL, [url])


def latest_response(db, url: str, digest: str) -> dict[str, Any] | None:
    """The newest complete response record of ``url`` whose payload has ``digest``."""
    return _query_one(db, _LATEST_RESPONSE_SQL, [url, digest])


def has_article(db, url: str, digest: str) -> bool:
    """True when an article row was already made from this payload of ``url``."""
    return db.execute(_ARTICLE_SQL, [url, digest]).fetchone() is not None


def read_latest_response(root: str | os.PathLike, db, url: str, digest: str) -> RawResponse:
    """The payload (as received) of the response a revisit of ``url`` with ``digest`` stands for."""
    row = latest_response(db, url, digest)
    if row is None:
        raise WarcReadError(f"no original response archived for {url} ({digest})")
    return read_raw(Path(root) / row["warc_file"], row["warc_offset"])
