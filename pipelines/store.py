"""The article pipeline: clean each HTML page (in worker processes) and store article rows."""

from __future__ import annotations

import asyncio
import json
import logging
import os

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.pagelinks import PageLinks
from pipelines.clean import Extraction
from pipelines.clean.reclean import text_hash
from pipelines.clean.sitemodel import SiteModel, block_key, load_site_model, save_site_model
from pipelines.crawlpage import CleanedPage, clean_page
from pipelines.pool import CleanPool

logger = logging.getLogger(__name__)
#: the item key under which the spider hands over a page's cleaning, already started
CLEANING_KEY = "_cleaning"

__all__ = ["ArticlePipeline", "SiteModels", "article_row", "text_hash"]


class SiteModels:
    """Each site's learned boilerplate: loaded from SQLite on first use, saved back.

    Learning happens here, in the crawl process, on the paragraphs the cleaning
    workers return, so every worker's pages teach one model per site.
    """

    def __init__(self, db, save_every: int = 500) -> None:
        self.db = db
        self.save_every = save_every
        self.models: dict[str, SiteModel] = {}
        self.unsaved: dict[str, int] = {}
        # hash of (site, text hash): one vote per distinct text; ints keep it ~5x smaller
        # than the tuples (it grows by one entry an article)
        self.seen: set[int] = set()

    def get(self, site: str) -> SiteModel:
        if site not in self.models:
            self.models[site] = load_site_model(self.db, site)
        return self.models[site]

    def apply(self, doc: Extraction, digest: str | None = None) -> int:
        """Learn from ``doc``, drop its learned boilerplate; how many paragraphs went.

        ``digest``: ``text_hash(doc.text)`` when the caller has it.
        """
        if not doc.site:
            return 0
        model = self.get(doc.site)
        key = hash((doc.site, digest or text_hash(doc.text)))
        keys = [block_key(p) for p in doc.paragraphs]
        if key not in self.seen:  # the same article under many URLs is not a template
            self.seen.add(key)
            model.observe(doc.paragraphs, keys)
        before = len(doc.paragraphs)
        doc.paragraphs = model.filter(doc.paragraphs, keys)
        self.unsaved[doc.site] = self.unsaved.get(doc.site, 0) + 1
        if self.unsaved[doc.site] >= self.save_every:
            self.save(doc.site)
        return before - len(doc.paragraphs)

    def save(self, site: str) -> None:
        save_site_model(self.db, site, self.models[site])
        self.unsaved[site] = 0

    def save_all(self) -> None:
        for site, count in list(self.unsaved.items()):
            if count:
                self.save(site)


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
    return CleanPool(workers, nice, depth)


class ArticlePipeline:
    def __init__(self, crawler: Crawler, session) -> None:
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
        from crawler.session import ArchiveSession

        if not crawler.settings.getbool("PRESSKEEP_CLEAN_ENABLED", True):
            raise NotConfigured("PRESSKEEP_CLEAN_ENABLED is off (archive only)")
        session = crawler.get_extension(ArchiveSession)
        if session is None:
            raise NotConfigured("ArchiveSession extension is not enabled")
        return cls(crawler, session)

    def submit(self, item: dict, links: bool = False) -> asyncio.Future | None:
        """Start cleaning ``item`` in a worker now (the spider's call, so the worker can
        read the page's links too); None without workers. ``process_item`` picks the
        result up."""
        if self.pool is None:
            return None
        cleaning = asyncio.ensure_future(self.pool.run(
            "clean_page", item["body"], item["url"], content_type=item.get("content_type"),
            links=links))
        item[CLEANING_KEY] = cleaning
        return cleaning

    @staticmethod
    async def links_of(cleaning: asyncio.Future) -> PageLinks | None:
        """The links a worker read while cleaning the page; None if it could not."""
        try:
            return (await asyncio.shield(cleaning)).links
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
            removed = self.site_models.apply(doc, digest)
            if removed:
                self.stats.inc_value("presskeep/clean/site_model/removed", removed)
                digest = text_hash(doc.text)  # the same text (and hash) when nothing went
        row = article_row(doc, item["capture"], self.session.run_id, digest)
        if not self.session.store.add_unique_article(row):
            self.stats.inc_value("presskeep/articles/duplicates")  # same text under another URL
            return item
        self.stats.inc_value("presskeep/articles/kept")
        item["title"] = doc.title
        return item

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.close()
        if self.site_models is not None:
            self.site_models.save_all()
