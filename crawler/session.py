"""The archive session: one WARC writer, one database and one `runs` row per crawl.

Other components reach it with ``crawler.get_extension(ArchiveSession)``.
"""

from __future__ import annotations

import logging
import platform
from pathlib import Path

import scrapy
import warcio
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from archive.db import Store
from archive.warc import WarcFileWriter, finish_open_files
from crawler import __version__

logger = logging.getLogger(__name__)

#: settings recorded in each warcinfo record because they shape what was captured
CAPTURE_SETTINGS = ("USER_AGENT", "ROBOTSTXT_OBEY", "DEPTH_LIMIT", "PRESSKEEP_SCOPE",
                    "PRESSKEEP_MAX_PAGES", "PRESSKEEP_MAX_RESPONSE_SIZE", "DOWNLOAD_MAXSIZE",
                    "PRESSKEEP_MAX_PER_PATTERN", "PRESSKEEP_ALLOW_PRIVATE")


def warcinfo(settings) -> dict[str, str]:
    info = {
        "software": f"presskeep/{__version__} (Scrapy {scrapy.__version__}; warcio "
                    f"{warcio.__version__ if hasattr(warcio, '__version__') else ''})",
        "python": platform.python_version(),
        "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
        "http-header-user-agent": settings.get("USER_AGENT"),
    }
    for name in CAPTURE_SETTINGS:
        info[f"setting-{name}"] = str(settings.get(name))
    return info


class ArchiveSession:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.root = Path(settings.get("PRESSKEEP_OUT"))
        warc_dir = self.root / "warc"
        warc_dir.mkdir(parents=True, exist_ok=True)
        self.recovered = finish_open_files(warc_dir)
        self.store = Store.open(self.root, settings.getint("PRESSKEEP_DB_BATCH_SIZE"))
        # replay writes no WARC: it reads one (PRESSKEEP_WARC_ENABLED off, see crawler/replay.py)
        self.warc = WarcFileWriter(
            warc_dir, prefix=settings.get("PRESSKEEP_WARC_PREFIX"),
            worker=settings.get("PRESSKEEP_WORKER_ID"),
            max_size=settings.getint("PRESSKEEP_WARC_MAX_SIZE"), info=warcinfo(settings),
            gzip_level=settings.getint("PRESSKEEP_WARC_GZIP_LEVEL", 6),
            threaded=settings.getbool("PRESSKEEP_WARC_THREAD", True),
        ) if settings.getbool("PRESSKEEP_WARC_ENABLED", True) else None
        self.store.before_flush = self.warc.flush if self.warc else None
        self.run_id = self.store.start_run(settings.get("PRESSKEEP_RUN_COMMAND") or "crawl",
                                           dict(settings.getdict("PRESSKEEP_RUN_ARGS")))
        self._flusher = task.LoopingCall(self.store.flush)
        self.flush_interval = settings.getfloat("PRESSKEEP_FLUSH_INTERVAL")
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ArchiveSession":
        if not crawler.settings.getbool("PRESSKEEP_ARCHIVE_ENABLED"):
            raise NotConfigured("PRESSKEEP_ARCHIVE_ENABLED is off")
        return cls(crawler)

    def spider_opened(self, spider) -> None:
        if self.flush_interval > 0:
            self._flusher.start(self.flush_interval, now=False)

    def spider_closed(self, spider, reason: str) -> None:
        if self._flusher.running:
            self._flusher.stop()
        self.store.flush()
        if self.warc:
            self.warc.close()
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        outcome = reason if reason != "finished" else "finished"
        self.store.finish_run(self.run_id, stats, outcome)
        self.store.close()
        logger.info("presskeep: run %d %s", self.run_id, outcome)
