"""The replay spider: archived HTML responses → the same pipelines as a live crawl, no network.

    scrapy crawl replay -a warc=data/warc/a.warc.gz,other.arc.gz,pack.wacz [-a strict=1]

Requests carry a RecordRef and are answered by crawler.replay.ReplayDownloadHandler;
``update_settings`` makes any settings a replay's (see crawler/replay.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, AsyncIterator, Iterable

import scrapy
from scrapy import signals
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from archive.containers import expand_inputs
from archive.reader import NOTED, SKIPPED, UNREADABLE, ArchiveOriginals, ArchiveScan, RecordCache, \
    by_cause
from archive.reader.damage import DIGEST, NOT_ARCHIVE
from crawler.replay import REF_KEY, apply_replay_settings, body_limit
from crawler.spiders.news import is_html, page_item, split_urls

logger = logging.getLogger(__name__)


class ReplaySpider(scrapy.Spider):
    name = "replay"

    def __init__(self, warc: str | None = None, warcs: Iterable[str | os.PathLike] | None = None,
                 strict: bool | str = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.paths = expand_inputs(split_urls(warc) + [os.fspath(p) for p in (warcs or [])])
        self.strict = strict not in (False, "", "0", "false", "False")
        self.scan = ArchiveScan(cache=RecordCache(), strict=self.strict)
        self.handed = self.served = 0  # requests start() gave Scrapy / that came back

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.request_done, signal=signals.request_dropped)
        limit = body_limit(crawler.settings)
        spider.scan = ArchiveScan(cache=RecordCache(max_bytes=2 * limit), max_size=limit,
                                  strict=spider.strict)
        return spider

    def _archive_originals(self) -> ArchiveOriginals | None:
        """The --out archive's captures, where a revisit's original may already be."""
        from crawler.session import ArchiveSession

        session = self.crawler.get_extension(ArchiveSession)
        if session is None:
            return None
        return ArchiveOriginals(session.store.db.conn, self.crawler.settings.get("PRESSKEEP_OUT"))

    @classmethod
    def update_settings(cls, settings) -> None:
        super().update_settings(settings)
        apply_replay_settings(settings)

    #: requests handed to Scrapy but not yet served, at most: Scrapy reads start() on while
    #: its pipelines are busy, so without this the scan would run through the whole archive
    #: ahead of the cleaning (holding every request, and past RecordCache's 512 records)
    AHEAD = 256

    async def start(self) -> AsyncIterator[scrapy.Request]:
        stats = self.crawler.stats
        self.scan.archive = self._archive_originals()
        for ref in self.scan.refs(self.paths):
            if not ref.url.lower().startswith(("http://", "https://")):
                continue
            while self.handed - self.served >= self.AHEAD:
                await asyncio.sleep(0.002)
            self.handed += 1
            stats.inc_value("presskeep/replay/html")
            yield scrapy.Request(ref.url, callback=self.parse, errback=self.on_error,
                                 dont_filter=True, meta={REF_KEY: ref, "dont_redirect": True,
                                                         "handle_httpstatus_all": True})
        self.count_damage()

    def count_damage(self) -> None:
        stats, bad = self.crawler.stats, self.scan.bad
        unread = by_cause(bad, (UNREADABLE,))
        stats.set_value("presskeep/replay/scanned", self.scan.records)
        stats.set_value("presskeep/replay/not_archives", unread.pop(NOT_ARCHIVE, 0))
        stats.set_value("presskeep/replay/unreadable", sum(unread.values()))
        stats.set_value("presskeep/replay/skipped", sum(by_cause(bad, (SKIPPED,)).values()))
        stats.set_value("presskeep/replay/digest_failed",
                        by_cause(bad, (SKIPPED, NOTED))[DIGEST])
        stats.set_value("presskeep/replay/unresolved", len(self.scan.unresolved))

    def request_done(self, *args, **kwargs) -> None:
        """A request reached its callback or errback, or was dropped: one fewer ahead."""
        self.served += 1

    def parse(self, response: Response):
        self.request_done()
        self.crawler.stats.inc_value("presskeep/pages/fetched")
        if not isinstance(response, TextResponse) or not is_html(response):
            self.crawler.stats.inc_value("presskeep/pages/not_html")
            return
        if "truncated" in response.flags:  # cut at DOWNLOAD_MAXSIZE: counted and logged
            return
        if response.status == 200:
            yield page_item(response)

    def on_error(self, failure: Failure) -> None:
        self.request_done()
        self.crawler.stats.inc_value("presskeep/pages/failed")
        logger.warning("presskeep: replay failed: %s: %s", failure.request.url,
                       failure.getErrorMessage() or failure.type.__name__)
