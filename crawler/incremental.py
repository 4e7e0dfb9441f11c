"""Incremental recrawls: conditional GET, revisit records, and replaying unchanged pages.

``IncrementalMiddleware`` (downloader middleware, priority 940, just before the
capture middleware at 950) looks up the last capture of each URL in the
archive's database and adds ``If-None-Match`` / ``If-Modified-Since``. The
capture middleware then writes a revisit record instead of a response when the
server answers 304 or sends the same payload again; see :func:`revisit_for`. Both are
``identical-payload-digest`` revisits carrying a 200 status line and headers: for a 304,
the original's, updated by the 304's own headers as an HTTP cache updates a stored
response (:func:`updated_headers`), and marked ``WARC-Presskeep-Answer: 304``. pywb and
ReplayWeb.page serve a revisit with its own status line and drop the body of any 3xx
one, so a ``server-not-modified`` 304 replays blank (docs/warc.md). On the way back up, a
304 is replaced by the archived original response, so robots.txt rules and
links of unchanged pages still reach Scrapy and the spider; the spider skips
re-cleaning a page whose payload already produced an article
(:func:`already_stored`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from archive.errors import WarcReadError
from archive.reader import (IDENTICAL, NOT_MODIFIED, RawResponse, has_article, last_capture,
                            latest_response, payload_digest, read_raw)
from archive.timestamps import parse_warc_date
from archive.warc import Exchange
from crawler.session import ArchiveSession

logger = logging.getLogger(__name__)

#: request.meta key: what the archive knew about the URL before this fetch
LAST_KEY = "presskeep_last"
#: request.meta key set by the capture middleware: the revisit profile written
UNCHANGED_KEY = "presskeep_unchanged"
#: request.meta switch: fetch without conditional headers (and never turn a 304 into a replay)
UNCONDITIONAL_KEY = "presskeep_unconditional"
#: request.meta key set by the capture middleware: the 304's original as read from the archive
ORIGINAL_KEY = "_presskeep_original"
#: WARC header of a revisit written for a 304: what the server answered (the record's own
#: status line is the stored response's, so that it replays)
ANSWER_HEADER = "WARC-Presskeep-Answer"

#: fields of the stored response a 304 never replaces: they describe the stored payload
#: (its framing, coding, type), which the 304 did not send (RFC 9111 3.2 and 4.3.4)
_STORED_ONLY = frozenset({"content-length", "content-encoding", "transfer-encoding",
                          "content-type", "content-range"})
#: hop-by-hop fields (RFC 9110 7.6.1) are never stored
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "te", "trailer",
                         "upgrade", "transfer-encoding"})


class History:
    """What the archive already holds for a URL (one indexed query per lookup)."""

    def __init__(self, session: ArchiveSession) -> None:
        self.session = session

    @classmethod
    def for_crawler(cls, crawler: Crawler) -> "History | None":
        if not crawler.settings.getbool("PRESSKEEP_INCREMENTAL"):
            return None
        session = crawler.get_extension(ArchiveSession)
        return cls(session) if session is not None else None

    @property
    def db(self):
        return self.session.store.db

    def last(self, url: str) -> dict[str, Any] | None:
        """Last capture of ``url`` joined with the original response record of its payload."""
        last = last_capture(self.db, url)
        if last is None:
            return None
        original = latest_response(self.db, url, last["payload_digest"])
        if original is None:
            return None
        last["original"] = original
        last["has_article"] = has_article(self.db, url, last["payload_digest"])
        return last

    def unchanged_since(self, url: str, modified: datetime | None) -> bool:
        """True when ``url`` was captured (and stored) after ``modified``: no need to fetch."""
        if modified is None:
            return False
        last = self.last(url)
        if last is None or not last["has_article"]:
            return False
        return parse_warc_date(last["fetched_at"]) >= modified


def updated_headers(stored: list[tuple[str, str]],
                    answer: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The stored response's headers updated by a 304's, as an HTTP cache does (RFC 9111
    4.3.4): each field the 304 sends replaces every stored value of that name, in place;
    the payload's own fields (:data:`_STORED_ONLY`) stay as stored."""
    sent = [(k, v) for k, v in answer if k.lower() not in _STORED_ONLY | _HOP_BY_HOP]
    names = {k.lower() for k, _ in sent}
    out: list[tuple[str, str]] = []
    placed: set[str] = set()
    for key, value in stored:
        name = key.lower()
        if name not in names:
            out.append((key, value))
        elif name not in placed:
            placed.add(name)
            out.extend((k, v) for k, v in sent if k.lower() == name)
    return out + [(k, v) for k, v in sent if k.lower() not in placed]


@dataclass
class Revisit:
    """A revisit to write: the exchange the record carries, and how it names its original."""

    exchange: Exchange  # a 304's: the stored response, updated by the 304's headers
    args: dict[str, Any]  # write_revisit keyword arguments
    kind: str  # what the server did: NOT_MODIFIED (a 304) or IDENTICAL (the same payload)
    original: RawResponse | None = None  # a 304's original as read (the replay answers with it)


def stored_original(root: str | Path, last: dict[str, Any]) -> RawResponse | None:
    """The original response a 304 stands for, as archived; None when it cannot be read."""
    o = last["original"]
    try:
        return read_raw(Path(root) / o["warc_file"], o["warc_offset"])
    except WarcReadError as exc:
        logger.warning("presskeep: %s", exc)
        return None


def revisit_for(ex: Exchange, last: dict[str, Any] | None,
                root: str | Path) -> Revisit | None:
    """The revisit to write when this exchange repeats the last capture, else None.

    A 304 is written as the stored response (status line and headers of the original,
    updated by the 304's), which replays; when the original cannot be read, as a
    ``server-not-modified`` revisit with the 304 itself (the fetch is then repeated in full).
    """
    if not last:
        return None
    stored = None
    if ex.status == 304:
        kind, profile = NOT_MODIFIED, NOT_MODIFIED
        stored = stored_original(root, last)
        if stored is not None:
            profile = IDENTICAL
    elif ex.status == 200 and not ex.truncated and payload_digest(ex.body) == last["payload_digest"]:
        kind = profile = IDENTICAL
    else:
        return None
    original = last["original"]
    args = {"profile": profile, "refers_to_uri": original["url"],
            "refers_to_date": original["fetched_at"], "payload_digest": last["payload_digest"],
            "refers_to_id": original["warc_record_id"]}
    if stored is None:
        return Revisit(ex, args, kind)
    args["extra"] = {ANSWER_HEADER: str(ex.status)}
    shown = replace(ex, status=stored.status, reason=_reason(stored.status),
                    protocol=stored.protocol, headers=updated_headers(stored.headers, ex.headers))
    return Revisit(shown, args, kind, stored)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def revisit_row(row: dict[str, Any], last: dict[str, Any], shown: Exchange) -> dict[str, Any]:
    """A revisit's captures row: the status the server answered (304 for a 304), the
    content type of the response it stands for, the validators the server did not repeat."""
    row["etag"] = row.get("etag") or last.get("etag")
    row["last_modified"] = row.get("last_modified") or last.get("last_modified")
    row["content_type"] = row.get("content_type") or next(
        (v for k, v in shown.headers if k.lower() == "content-type"), None)
    return row


def original_location(last: dict[str, Any], fetched_at: str) -> dict[str, Any]:
    """The capture meta of a revisit: where its payload really is (the original record)."""
    o = last["original"]
    return {"warc_file": o["warc_file"], "offset": o["warc_offset"], "length": o["warc_length"],
            "record_id": o["warc_record_id"], "payload_digest": o["payload_digest"],
            "fetched_at": fetched_at}


def already_stored(response: Response) -> bool:
    """True when the page is unchanged and its payload already gave an article row."""
    meta = response.meta
    return bool(meta.get(UNCHANGED_KEY)) and bool((meta.get(LAST_KEY) or {}).get("has_article"))


class IncrementalMiddleware:
    def __init__(self, crawler: Crawler, history: History) -> None:
        self.crawler = crawler
        self.history = history
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "IncrementalMiddleware":
        history = History.for_crawler(crawler)
        if history is None:
            raise NotConfigured("PRESSKEEP_INCREMENTAL is off or the archive session is disabled")
        return cls(crawler, history)

    def process_request(self, request: Request) -> None:
        if request.method != "GET" or request.meta.get(UNCONDITIONAL_KEY):
            return None
        last = self.history.last(request.url)
        if last is None:
            return None
        request.meta[LAST_KEY] = last
        if last["etag"] and b"If-None-Match" not in request.headers:
            request.headers[b"If-None-Match"] = last["etag"]
        if last["last_modified"] and b"If-Modified-Since" not in request.headers:
            request.headers[b"If-Modified-Since"] = last["last_modified"]
        self.stats.inc_value("presskeep/incremental/conditional")
        return None

    def process_response(self, request: Request, response: Response) -> Response | Request:
        kind = request.meta.get(UNCHANGED_KEY)
        if kind == NOT_MODIFIED:
            self.stats.inc_value("presskeep/incremental/not_modified")
            return self._replay(request, response)
        if kind == IDENTICAL:
            self.stats.inc_value("presskeep/incremental/identical")
        return response

    def _replay(self, request: Request, response: Response) -> Response | Request:
        """The archived original in place of a 304; refetch in full if it cannot be read."""
        raw = request.meta.pop(ORIGINAL_KEY, None)
        if raw is None:  # the capture middleware could not read it: fetch in full
            self.stats.inc_value("presskeep/incremental/original_missing")
            logger.warning("presskeep: the archived original of %s cannot be read; fetching "
                           "it again in full", request.url)
            return self._unconditional(request)
        headers = Headers(raw.headers)
        cls = responsetypes.from_args(headers=headers, url=response.url, body=raw.payload)
        return cls(url=response.url, status=raw.status, headers=headers, body=raw.payload,
                   flags=[*response.flags, "revisit"], request=request,
                   protocol=response.protocol, ip_address=response.ip_address)

    @staticmethod
    def _unconditional(request: Request) -> Request:
        headers = Headers(request.headers)
        headers.pop(b"If-None-Match", None)
        headers.pop(b"If-Modified-Since", None)
        meta = {k: v for k, v in request.meta.items()
                if k not in (LAST_KEY, UNCHANGED_KEY, ORIGINAL_KEY)}
        meta[UNCONDITIONAL_KEY] = True
        return request.replace(headers=headers, meta=meta, dont_filter=True)
