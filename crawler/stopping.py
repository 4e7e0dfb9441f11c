"""A crawl stopped by SIGINT/SIGTERM ends within seconds, and resumes what it had not fetched.

Scrapy's graceful stop waits for every request already handed to the downloader, the ones
still queued in its slots included: on a slow site a pause took as long as all of them
(12 s for a site answering in 3 s). Once the engine stops, this extension sends the
queued requests back to the scheduler at once (``presskeep/stop/requeued``) and gives the
downloads in flight ``PRESSKEEP_STOP_GRACE`` seconds to finish; the rest are aborted and
go back too (``presskeep/stop/aborted``). The scheduler is closed after that, so with a
job directory they are saved and the resumed crawl fetches them. A negative grace keeps
Scrapy's behaviour (wait for everything). Needs crawler.downloader.PoliteDownloader.
"""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import load_object
from twisted.internet import task

logger = logging.getLogger("presskeep.stopping")

WATCH_INTERVAL = 0.2  # seconds between looks at the engine


class StopGrace:
    def __init__(self, crawler: Crawler, grace: float) -> None:
        self.crawler = crawler
        self.grace = grace
        self._watch = task.LoopingCall(self.check)
        self._abort = None
        self._started = False  # the engine was seen running (it is not yet while starting)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "StopGrace":
        grace = crawler.settings.getfloat("PRESSKEEP_STOP_GRACE")
        if grace < 0:
            raise NotConfigured("PRESSKEEP_STOP_GRACE is negative: a stop waits for every download")
        if not hasattr(load_object(crawler.settings["DOWNLOADER"]), "stop_downloads"):
            raise NotConfigured("DOWNLOADER is not crawler.downloader.PoliteDownloader")
        return cls(crawler, grace)

    def spider_opened(self, spider) -> None:
        self._watch.start(WATCH_INTERVAL, now=False)

    def check(self) -> None:
        """Once the engine is stopping: requeue what waits, give what is in flight the grace."""
        engine = self.crawler.engine
        if engine is None or engine.running or not self._started:
            # not running yet is not stopping: engine_started handlers may take seconds
            # (scrapy-playwright starts its driver there, crawler/render.py)
            self._started = bool(engine is not None and engine.running)
            return
        self._watch.stop()
        downloader = engine.downloader
        requeued = downloader.stop_downloads()
        self.crawler.stats.inc_value("presskeep/stop/requeued", requeued)
        if downloader.transfers or requeued:
            logger.warning("presskeep: stopping: %d requests not yet sent go back to the queue; "
                           "%d downloads in flight get %.1f s", requeued,
                           len(downloader.transfers), self.grace)
        if downloader.transfers:
            from twisted.internet import reactor

            self._abort = reactor.callLater(self.grace, self.abort)

    def abort(self) -> None:
        self._abort = None
        aborted = self.crawler.engine.downloader.abort_transfers()
        self.crawler.stats.inc_value("presskeep/stop/aborted", aborted)
        if aborted:
            logger.warning("presskeep: stopping: %d downloads still in flight aborted (they go "
                           "back to the queue)", aborted)

    def spider_closed(self, spider, reason: str) -> None:
        if self._watch.running:
            self._watch.stop()
        if self._abort is not None and self._abort.active():
            self._abort.cancel()
