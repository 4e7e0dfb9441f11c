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
from typing import Any, Callable, Protocol, TypeVar

from archive.errors import WarcReadError
from archive.paths import WarcPaths
from archive.reader.payload import Payload, RawResponse, load_held, load_payload, read_raw, \
    revisit_payload
from archive.reader.records import strip_uri
from archive.timestamps import normalize_warc_date, parse_warc_date

NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"

T = TypeVar("T", covariant=True)


def payload_digest(payload: bytes) -> str:
    """``sha1:BASE32`` of the payload, exactly as warcio writes ``WARC-Payload-Digest``."""
    return "sha1:" + base64.b32encode(hashlib.sha1(payload).digest()).decode("ascii")


#: how far apart (seconds) a revisit's WARC-Refers-To-Date and a response of its
#: WARC-Refers-To-Target-URI may be when their payload digests do not match (a writer that
#: wrote no digest, or a wrong one): precisions differ, clocks were read a moment apart
DATE_SLACK = 60.0


def epoch(value: str | None) -> float | None:
    """A WARC-Date (any precision) as seconds since 1970 (None when it is not a date)."""
    try:
        return parse_warc_date(value).timestamp() if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class RefersTo:
    """How a revisit record names its original, and where and when the revisit is."""

    record_id: str | None  # WARC-Refers-To
    uri: str | None  # WARC-Refers-To-Target-URI
    date: str | None  # WARC-Refers-To-Date
    digest: str | None  # WARC-Payload-Digest
    own_uri: str | None = None  # the revisit's WARC-Target-URI
    own_date: str | None = None  # the revisit's WARC-Date

    @classmethod
    def of(cls, rec_headers) -> "RefersTo":
        """From a record's WARC headers (warcio's StatusAndHeaders)."""
        get = rec_headers.get_header
        return cls(record_id=get("WARC-Refers-To"), uri=strip_uri(get("WARC-Refers-To-Target-URI")),
                   date=get("WARC-Refers-To-Date"), digest=get("WARC-Payload-Digest"),
                   own_uri=strip_uri(get("WARC-Target-URI")), own_date=get("WARC-Date"))


class Originals(Protocol[T]):
    """Response records a revisit may refer to, looked up by each of its keys."""

    def by_record_id(self, record_id: str) -> T | None: ...

    def closest(self, url: str | None, digest: str | None, when: str | None,
                within: float | None = None) -> T | None:
        """The response of ``url`` (any, if None) with payload ``digest`` (any, if None)
        whose date is closest to ``when`` (an earlier one on a tie), and no more than
        ``within`` seconds from it when that is given."""


def _steps(r: RefersTo) -> list[Callable[[Originals[T]], T | None]]:
    """The look-ups for a revisit's original, most exact first (as pywb resolves them: by
    WARC-Refers-To-Target-URI + Date and digest, else by URL and digest)."""
    steps: list[Callable[[Originals[T]], T | None]] = []
    if r.record_id:
        steps.append(lambda o: o.by_record_id(r.record_id))
    when = r.date or r.own_date
    if r.uri and r.digest:
        steps.append(lambda o: o.closest(r.uri, r.digest, when))
    if r.uri and when:
        steps.append(lambda o: o.closest(r.uri, None, when, DATE_SLACK))
    if r.digest and r.own_uri and r.own_uri != r.uri:
        steps.append(lambda o: o.closest(r.own_uri, r.digest, r.own_date))
    if r.digest:  # URL-agnostic: the same payload at another URL
        steps.append(lambda o: o.closest(None, r.digest, r.own_date))
    return steps


def find_original(refers: RefersTo, *sources: Originals[T]) -> T | None:
    """The original of a revisit: by record id, else by target URI and date (the closest
    capture of that URI with the revisit's payload digest; without a digest that matches,
    the closest within DATE_SLACK seconds), else by its own URL and payload digest, else by
    payload digest alone; each key asked of every source in turn before the next key."""
    for step in _steps(refers):
        for source in sources:
            found = step(source)
            if found is not None:
                return found
    return None


class ScanOriginals:
    """The responses a scan has read, for revisits read later or earlier. Each needs
    ``url``, ``date``, ``record_id``, ``payload_digest``, ``path`` and ``offset``; which one
    a look-up gives does not depend on the order they were remembered in."""

    def __init__(self) -> None:
        self._by_id: dict[str, Any] = {}
        self._by_url: dict[str, list[tuple[float | None, Any]]] = {}
        self._by_digest: dict[str, list[tuple[float | None, Any]]] = {}

    def remember(self, response) -> None:
        entry = (epoch(response.date), response)
        self._by_url.setdefault(response.url, []).append(entry)
        if response.payload_digest:
            self._by_digest.setdefault(response.payload_digest, []).append(entry)
        if response.record_id:
            known = self._by_id.get(response.record_id)
            if known is None or _place(response) < _place(known):
                self._by_id[response.record_id] = response

    def by_record_id(self, record_id: str):
        return self._by_id.get(record_id)

    def closest(self, url, digest, when, within=None):
        entries = self._by_url.get(url, []) if url else self._by_digest.get(digest, [])
        target = epoch(when)
        best = None
        for stamp, ref in entries:
            if digest and ref.payload_digest != digest:
                continue
            gap = abs(stamp - target) if stamp is not None and target is not None else None
            if within is not None and (gap is None or gap > within):
                continue
            key = (gap if gap is not None else float("inf"),
                   stamp is not None and target is not None and stamp > target, _place(ref))
            if best is None or key < best[0]:
                best = (key, ref)
        return best[1] if best else None


def _place(ref) -> tuple[str, int]:
    return (ref.path, ref.offset)


#: the original among the `captures` rows (its columns as RefersTo's sources give them)
_CAPTURED = ("SELECT url, warc_file, warc_offset, warc_length, status, content_type, fetched_at,"
             " warc_record_id, payload_digest FROM captures WHERE record_type = 'response'"
             " AND warc_file IS NOT NULL")
_GAP = "abs(julianday(fetched_at) - julianday(?))"


class CapturedOriginals:
    """The response records the archive's ``captures`` table lists (a row as a dict)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def _first(self, sql: str, params: list[Any]) -> dict[str, Any] | None:
        cursor = self.conn.execute(sql, params)
        row = cursor.fetchone()
        return None if row is None else dict(zip([c[0] for c in cursor.description], row))

    def by_record_id(self, record_id: str) -> dict[str, Any] | None:
        return self._first(_CAPTURED + " AND warc_record_id = ? LIMIT 1", [record_id])

    def closest(self, url, digest, when, within=None) -> dict[str, Any] | None:
        sql, params = _CAPTURED, []
        for column, value in (("url", url), ("payload_digest", digest)):
            if value:
                sql += f" AND {column} = ?"
                params.append(value)
        stamp = normalize_warc_date(when) if when else None
        if within is not None:
            if not stamp:
                return None
            sql += f" AND {_GAP} * 86400 <= ?"
            params += [stamp, within]
        order = f"{_GAP}, fetched_at > ?, " if stamp else ""
        return self._first(sql + f" ORDER BY {order}fetched_at, id LIMIT 1",
                           params + ([stamp, stamp] if stamp else []))


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
    original = paths.record_path(found["warc_file"], found["warc_offset"])
    return revisit_payload(own, load_payload(original, found["warc_offset"]))


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
