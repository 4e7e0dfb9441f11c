"""The article pipeline: clean each HTML page (in worker processes) and store article rows."""

from __future__ import annotations

import asyncio
import json
import logging
import os

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from pipelines.archiverun import ArchiveRun
from pipelines.clean import Extraction
from pipelines.clean.identity import text_hash
from pipelines.crawlpage import CleanedPage, clean_page
from pipelines.pool import CleanPool
from pipelines.sitemodels import SiteModels

logger = logging.getLogger(__name__)
#: the item key under which the spider hands over a page's cleaning, already started
CLEANING_KEY = "_cleaning"



def article_row(doc: Extraction, capture: dict, run_id: int | None,
                digest: str | None = None) -> dict:
    """The ``articles`` row of ``doc``; ``digest``: ``text_hash(doc.text)`` when known."""
    text = doc.text
    return {
        "run_id": run_id, "url": doc.url, "canonical_url": doc.canonical_url, "site": doc.site,
        "title": doc.title, "authors": json.dumps(doc.authors, ensure_ascii=False),
        "published": doc.published, "modified": doc.modified, "language": doc.language,
        "text": text, "word_count": doc.word_count, "text_hash": digest or text_hash(text),
        "fetched_at": capture.get("fetched_at"), "warc_file": capture.get("warc_file"),
        "warc_offset": capture.get("offset"), "warc_length": capture.get("length"),
        "warc_record_id": capture.get("record_id"),
        "payload_digest": capture.get("payload_digest"),
    }


def make_pool(workers: int, nice: int, depth: int) -> CleanPool | None:
    """Cleaning worker processes; ``workers`` -1 means one per core, 0 none; ``depth``
    tasks handed to each at most."""
    if workers < 0:
        workers = os.cpu_count() or 1
    if workers == 0:
        return None
    return CleanPool(workers, depth, nice)


class ArticlePipeline:
    def __init__(self, crawler: Crawler, session: ArchiveRun) -> None:
        self.crawler = crawler
        self.session = session
        self.stats = crawler.stats
        self.pool = make_pool(crawler.settings.getint("PRESSKEEP_CLEAN_WORKERS"),
                              crawler.settings.getint("PRESSKEEP_CLEAN_NICE"),
                              crawler.settings.getint("PRESSKEEP_CLEAN_QUEUE"))
        self.site_models = (SiteModels(session.store.db) if
                            crawler.settings.getbool("PRESSKEEP_SITE_MODEL_ENABLED") else None)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ArticlePipeline":
        if not crawler.settings.getbool("PRESSKEEP_CLEAN_ENABLED"):
            raise NotConfigured("PRESSKEEP_CLEAN_ENABLED is off (archive only)")
        session = crawler.get_extension(ArchiveRun)
        if session is None:
            raise NotConfigured("no archive session (crawler.session.ArchiveSession) enabled")
        return cls(crawler, session)

    def submit(self, item: dict, links: bool = False, requisites: bool = False) -> asyncio.Future:
        """Start cleaning ``item`` now (the spider's call, so it learns the page's type and,
        with ``links``, the links the cleaning read from its tree, and its ``requisites``):
        in a worker, or here
        and now without workers. ``process_item`` picks the result up."""
        args = (item["body"], item["url"])
        if self.pool is not None:
            cleaning = asyncio.ensure_future(self.pool.run(
                "clean_page", *args, content_type=item.get("content_type"), links=links,
                requisites=requisites))
        else:
            cleaning = asyncio.get_running_loop().create_future()
            try:
                cleaning.set_result(clean_page(*args, content_type=item.get("content_type"),
                                               links=links, requisites=requisites))
            except Exception as exc:  # noqa: BLE001 - process_item reports it, as from a worker
                cleaning.set_exception(exc)
        item[CLEANING_KEY] = cleaning
        return cleaning

    @staticmethod
    async def cleaned(cleaning: asyncio.Future) -> CleanedPage | None:
        """The cleaned page (its type; its links, if asked for); None if cleaning failed."""
        try:
            return await asyncio.shield(cleaning)
        except asyncio.CancelledError:
            if not cleaning.cancelled():  # the spider's callback itself is being cancelled
                raise
            return None
        except Exception:  # noqa: BLE001 - process_item reports the failure
            return None

    async def clean(self, item: dict) -> CleanedPage:
        cleaning = item.pop(CLEANING_KEY, None)
        if cleaning is not None:
            return await cleaning
        args = (item["body"], item["url"])
        if self.pool is None:
            return clean_page(*args, content_type=item.get("content_type"))
        return await self.pool.run("clean_page", *args, content_type=item.get("content_type"))

    async def process_item(self, item: dict) -> dict:
        try:
            page = await self.clean(item)
        except Exception as exc:  # noqa: BLE001 - a worker died, or the pool closed
            page = CleanedPage(None, error=str(exc))
        item.pop("body", None)
        doc = page.doc
        if doc is None:  # one bad page must not stop the crawl; it stays archived
            self.stats.inc_value("presskeep/clean/dropped/error")
            logger.warning("presskeep: cleaning failed: %s: %s", item["url"], page.error)
            item["page_type"] = "error"
            return item
        item["page_type"] = doc.page_type
        if not doc.is_article:
            self.stats.inc_value(f"presskeep/clean/dropped/{doc.page_type}")
            return item
        digest = page.digest or text_hash(doc.text)
        if self.site_models is not None:
            removed, capped = self.site_models.apply(doc, digest)
            if capped:
                self.stats.inc_value("presskeep/clean/site_model/capped")
            if removed:
                self.stats.inc_value("presskeep/clean/site_model/removed", removed)
                digest = text_hash(doc.text)  # the same text (and hash) when nothing went
        row = article_row(doc, item["capture"], self.session.run_id, digest)
        if not self.session.store.add_unique_article(row):
            self.stats.inc_value("presskeep/articles/duplicates")  # same text under another URL
            return item
        if self.site_models is not None and self.site_models.retitle:
            retitled = self.site_models.revise_early(self.session.store, self.session.run_id)
            if retitled:
                self.stats.inc_value("presskeep/clean/site_model/retitled", retitled)
        self.stats.inc_value("presskeep/articles/kept")
        item["title"] = doc.title
        return item

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.close()
        if self.site_models is not None:
            self.site_models.save_all()
