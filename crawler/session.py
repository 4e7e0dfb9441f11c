"""The archive session: one WARC writer, one database and one `runs` row per crawl.

Other components reach it with ``crawler.get_extension(ArchiveSession)``; the item
pipelines, which do not import crawler/, with ``crawler.get_extension(ArchiveRun)``.
"""

from __future__ import annotations

import logging
import platform
import sqlite3
from contextlib import ExitStack
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from archive.db import Store
from archive.errors import ArchiveError, WarcWriteError
from archive.lock import archive_lock
from archive.recovery import finish_open_files
from archive.warc import WarcFileWriter
from crawler import __version__
from crawler.compat import schedule_coro
from pipelines.archiverun import ArchiveRun

logger = logging.getLogger(__name__)

#: finish reason of a crawl stopped because the archive could not be written (disk full, ...)
REASON_WRITE_FAILED = "write_failed"

#: settings recorded in each warcinfo record because they shape what was captured
CAPTURE_SETTINGS = ("USER_AGENT", "ROBOTSTXT_OBEY", "DEPTH_LIMIT", "PRESSKEEP_SCOPE",
                    "PRESSKEEP_MAX_PAGES", "PRESSKEEP_MAX_RESPONSE_SIZE", "DOWNLOAD_MAXSIZE",
                    "PRESSKEEP_MAX_PER_PATTERN", "PRESSKEEP_ALLOW_PRIVATE")


def _version(dist: str) -> str:
    """The installed version of ``dist`` (warcio has no ``__version__``)."""
    try:
        return version(dist)
    except PackageNotFoundError:
        return "unknown"


def warcinfo(settings) -> dict[str, str]:
    info = {
        "software": f"presskeep/{__version__} (Scrapy {scrapy.__version__}; "
                    f"warcio {_version('warcio')})",
        "python": platform.python_version(),
        "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
        "http-header-user-agent": settings.get("USER_AGENT"),
    }
    for name in CAPTURE_SETTINGS:
        info[f"setting-{name}"] = str(settings.get(name))
    return info


class ArchiveSession(ArchiveRun):
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.root = Path(settings.get("PRESSKEEP_OUT"))
        # the archive lock (already held when `presskeep crawl`/`replay` started us) before
        # recovery: no other writer is in this archive, and a live writer's .open is skipped
        self._lock = ExitStack()
        self._lock.enter_context(archive_lock(
            self.root, settings.get("PRESSKEEP_RUN_COMMAND"),
            settings.get("PRESSKEEP_WORKER_ID")))
        warc_dir = self.root / "warc"
        warc_dir.mkdir(parents=True, exist_ok=True)
        self.recovered = finish_open_files(warc_dir)
        self.store = Store.open(self.root, settings.getint("PRESSKEEP_DB_BATCH_SIZE"))
        # replay writes no WARC: it reads one (PRESSKEEP_WARC_ENABLED off, see crawler/replay.py)
        self.warc = WarcFileWriter(
            warc_dir, prefix=settings.get("PRESSKEEP_WARC_PREFIX"),
            worker=settings.get("PRESSKEEP_WORKER_ID"),
            max_size=settings.getint("PRESSKEEP_WARC_MAX_SIZE"), info=warcinfo(settings),
            gzip_level=settings.getint("PRESSKEEP_WARC_GZIP_LEVEL"),
            gzip_library=settings.get("PRESSKEEP_WARC_GZIP_LIBRARY"),
            threaded=settings.getbool("PRESSKEEP_WARC_THREAD"),
        ) if settings.getbool("PRESSKEEP_WARC_ENABLED") else None
        self.store.before_flush = self._flush_warc if self.warc else None
        self.store.on_write_error = self.write_failed  # a full disk stops the crawl
        self.write_error: str | None = None
        self.run_id = self.store.start_run(settings.get("PRESSKEEP_RUN_COMMAND"),
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

    def _flush_warc(self) -> None:
        assert self.warc is not None
        try:
            self.warc.flush()
        except WarcWriteError as exc:
            self.write_failed(exc)
            raise  # the rows that would point at the lost bytes are not committed

    def write_failed(self, exc: Exception) -> None:
        """The archive cannot be written (disk full, ...): stop the crawl, once."""
        if self.write_error is not None:
            return
        self.write_error = str(exc)
        self.crawler.stats.set_value("presskeep/error", self.write_error)
        logger.error("presskeep: %s: stopping the %s", exc,
                     self.crawler.settings.get("PRESSKEEP_RUN_COMMAND"))
        if self.crawler.engine is not None:
            schedule_coro(self.crawler.engine.close_spider_async(reason=REASON_WRITE_FAILED))

    def spider_closed(self, spider, reason: str) -> None:
        if self._flusher.running:
            self._flusher.stop()
        try:
            self.store.flush()
            if self.warc:
                self.warc.close()
        except (ArchiveError, OSError, sqlite3.Error) as exc:
            self.write_failed(exc)
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        outcome = REASON_WRITE_FAILED if self.write_error else reason
        try:
            self.store.finish_run(self.run_id, stats, outcome)
            self.store.close()
        except (ArchiveError, OSError, sqlite3.Error) as exc:
            logger.error("presskeep: could not record the run's end: %s", exc)
        self._lock.close()
        logger.info("presskeep: run %d %s", self.run_id, outcome)
