"""Incremental recrawls: conditional GET, revisit records, and replaying unchanged pages.

``IncrementalMiddleware`` (downloader middleware, priority 940, just before the
capture middleware at 950) looks up the last capture of each URL in the
archive's database and adds ``If-None-Match`` / ``If-Modified-Since``. The
capture middleware then writes a revisit record instead of a response when the
server answers 304 (``server-not-modified``) or sends the same payload again
(``identical-payload-digest``); see :func:`revisit_for`. On the way back up, a
304 is replaced by the archived original response, so robots.txt rules and
links of unchanged pages still reach Scrapy and the spider; the spider skips
re-cleaning a page whose payload already produced an article
(:func:`already_stored`).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from archive.errors import WarcReadError
from archive.reader import (IDENTICAL, NOT_MODIFIED, has_article, last_capture, latest_response,
                            payload_digest, read_raw)
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


def revisit_for(ex: Exchange, last: dict[str, Any] | None) -> dict[str, Any] | None:
    """``write_revisit`` arguments when this exchange repeats the last capture, else None."""
    if not last:
        return None
    if ex.status == 304:
        profile = NOT_MODIFIED
    elif ex.status == 200 and not ex.truncated and payload_digest(ex.body) == last["payload_digest"]:
        profile = IDENTICAL
    else:
        return None
    original = last["original"]
    return {"profile": profile, "refers_to_uri": original["url"],
            "refers_to_date": original["fetched_at"], "payload_digest": last["payload_digest"],
            "refers_to_id": original["warc_record_id"]}


def revisit_row(row: dict[str, Any], last: dict[str, Any]) -> dict[str, Any]:
    """A revisit's captures row keeps the validators the server did not repeat."""
    row["etag"] = row.get("etag") or last.get("etag")
    row["last_modified"] = row.get("last_modified") or last.get("last_modified")
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
        original = request.meta[LAST_KEY]["original"]
        try:
            raw = read_raw(self.history.session.root / original["warc_file"],
                           original["warc_offset"])
        except WarcReadError as exc:
            self.stats.inc_value("presskeep/incremental/original_missing")
            logger.warning("presskeep: %s; fetching %s again in full", exc, request.url)
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
        meta = {k: v for k, v in request.meta.items() if k not in (LAST_KEY, UNCHANGED_KEY)}
        meta[UNCONDITIONAL_KEY] = True
        return request.replace(headers=headers, meta=meta, dont_filter=True)
