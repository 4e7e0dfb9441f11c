"""The news spider: follow links inside the scope, hand every HTML page to the pipelines.

    scrapy crawl news -a url=https://news.example/ [-a scope=domain] [-a max_pages=500]
"""

from __future__ import annotations

import logging
from typing import Any, AsyncIterator, Iterable

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.capture import META_KEY
from crawler.links import LinkFilter, Scope

logger = logging.getLogger(__name__)


def split_urls(value: str | Iterable[str] | None) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [u.strip() for u in value.split(",") if u.strip()]
    return [u for u in value if u]


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(self, url: str | None = None, urls: Iterable[str] | None = None,
                 scope: str | None = None, max_pages: int | str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.seeds = split_urls(url) + split_urls(urls)
        self._scope_name = scope
        self._max_pages = max_pages

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        scope = Scope(spider._scope_name or settings.get("PRESSKEEP_SCOPE"), spider.seeds)
        max_pages = int(spider._max_pages or settings.getint("PRESSKEEP_MAX_PAGES") or 0)
        spider.links = LinkFilter(scope, max_pages=max_pages)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.links.admit(self.seeds):
            yield self.request(url, depth=0)

    def request(self, url: str, depth: int | None = None) -> scrapy.Request:
        meta = {"depth": depth} if depth is not None else None
        return scrapy.Request(url, callback=self.parse, errback=self.on_error, meta=meta)

    def parse(self, response: Response):
        self.crawler.stats.inc_value("presskeep/pages/fetched")
        if not isinstance(response, TextResponse) or not _is_html(response):
            self.crawler.stats.inc_value("presskeep/pages/not_html")
            return
        if response.status == 200:
            yield page_item(response)
        for url in self.links.admit(self.links.extract(response)):
            yield self.request(url)

    def on_error(self, failure: Failure) -> None:
        request = failure.request
        self.crawler.stats.inc_value("presskeep/pages/failed")
        logger.warning("presskeep: fetch failed: %s: %s", request.url,
                       failure.getErrorMessage() or failure.type.__name__)


def _is_html(response: TextResponse) -> bool:
    ctype = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
    return "html" in ctype or (not ctype and b"<html" in response.body[:2048].lower())


def page_item(response: TextResponse) -> dict:
    capture = response.meta.get(META_KEY) or {}
    return {
        "url": response.url,
        "body": response.body,
        "encoding": response.encoding,
        "content_type": response.headers.get(b"Content-Type", b"").decode("latin-1"),
        "capture": capture,
    }
