"""Progress lines on the terminal while crawling: pages fetched, articles kept, errors, rate."""

from __future__ import annotations

import logging
import time

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

logger = logging.getLogger("presskeep.progress")


class Progress:
    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.started = time.monotonic()
        self._last = (self.started, 0)
        self._task = task.LoopingCall(self.report)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "Progress":
        interval = crawler.settings.getfloat("PRESSKEEP_PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured("PRESSKEEP_PROGRESS_INTERVAL is 0")
        return cls(crawler, interval)

    def spider_opened(self, spider) -> None:
        self._task.start(self.interval, now=False)

    def spider_closed(self, spider, reason: str) -> None:
        if self._task.running:
            self._task.stop()

    def counts(self) -> tuple[int, int, int]:
        get = self.crawler.stats.get_value
        return (get("presskeep/capture/responses", 0), get("presskeep/articles/kept", 0),
                get("presskeep/capture/errors", 0))

    def report(self) -> None:
        pages, articles, errors = self.counts()
        now = time.monotonic()
        then, before = self._last
        self._last = (now, pages)
        rate = (pages - before) / max(now - then, 1e-6)
        logger.info("presskeep: %d pages fetched (%.1f/s), %d articles kept, %d errors",
                    pages, rate, articles, errors)
