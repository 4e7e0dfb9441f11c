"""The news spider: follow links inside the scope, hand every HTML page to the pipelines.

    scrapy crawl news -a url=https://news.example/ [-a scope=domain] [-a max_pages=500]
"""

from __future__ import annotations

import logging
from typing import Any, AsyncIterator, Iterable

from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.http import Response, TextResponse
from scrapy.utils.conf import build_component_list
from twisted.python.failure import Failure

from crawler.capture import META_KEY, describe_error
from crawler.discovery import looks_like_feed_or_sitemap, parse_entries, robots_sitemaps
from crawler.incremental import History, already_stored
from crawler.links import (Found, LinkFilter, Scope, release_tree, response_links,
                           url_pattern)
from crawler.render import Renderer
from crawler.requisites import Requisites
from crawler.traps import META_KEY as TRAP_KEY, TrapCut

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
        max_pages = int(spider._max_pages or settings.getint("PRESSKEEP_MAX_PAGES"))
        spider.links = LinkFilter(
            scope, max_pages=max_pages, max_per_pattern=settings.getint("PRESSKEEP_MAX_PER_PATTERN"),
            on_capped=lambda: crawler.stats.inc_value("presskeep/links/pattern_capped"))
        spider.history = None  # the archive's memory of earlier captures, set in start()
        spider.requisites = Requisites.for_crawler(crawler)  # None: pages only
        # the cleaning pipeline, looked up on the first page (not a cached_property: Scrapy
        # reads every attribute of the spider when it serializes a request's callback)
        spider._cleaner = False
        spider.discover = settings.getbool("PRESSKEEP_DISCOVERY")
        spider.renderer = None  # PRESSKEEP_RENDER auto/always: crawler/render.py, set in start()
        trap_cut = settings.getint("PRESSKEEP_TRAP_CUT")
        spider.traps = TrapCut(trap_cut, crawler) if trap_cut > 0 else None
        # an archive-only crawl has no item pipeline: no page items to pass through Scrapy
        spider.wants_items = bool(build_component_list(settings.getwithbase("ITEM_PIPELINES"))
                                  or settings.getdict("FEEDS"))
        if spider.discover and settings.getbool("ROBOTSTXT_OBEY"):
            # robots.txt is fetched by Scrapy's RobotsTxtMiddleware: read its Sitemap lines there
            crawler.signals.connect(spider.robots_received, signal=signals.response_received)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.resume_state()
        self.history = History.for_crawler(self.crawler)
        self.renderer = Renderer.for_crawler(self.crawler)  # None with --render never
        for url in self.links.admit(self.seeds):
            yield self.request(url, depth=0)
        if self.discover and not self.settings.getbool("ROBOTSTXT_OBEY"):
            robots = {urljoin(u, "/robots.txt") for u in self.seeds}
            for url in self.links.admit(sorted(robots)):
                yield self.discovery_request(url, callback=self.parse_robots)

    def resume_state(self) -> None:
        """A resumed job (JOBDIR) continues with the URLs it had already seen."""
        state = getattr(self, "state", None)
        if isinstance(state, dict):
            self.links.seen.share(state.setdefault("seen", set()))
            self.links.scheduled = len(self.links.seen)

    def request(self, url: str, depth: int | None = None, priority: int = 0,
                trap: int = 0) -> scrapy.Request:
        """``trap``: how many barren pages of the URL's pattern led to it (crawler/traps.py)."""
        meta = {"depth": depth} if depth is not None else None
        if trap:
            meta = {**(meta or {}), TRAP_KEY: trap}
        return scrapy.Request(url, callback=self.parse, errback=self.on_error, meta=meta,
                              priority=priority)

    def discovery_request(self, url: str, callback=None, guessed: bool = False) -> scrapy.Request:
        """A sitemap, feed or robots.txt: fetched before links; a guessed path may be missing."""
        return scrapy.Request(url, callback=callback or self.parse,
                              errback=self.on_guess_missed if guessed else self.on_error,
                              priority=self.settings.getint("PRESSKEEP_DISCOVERY_PRIORITY"))

    def robots_received(self, response: Response, request: scrapy.Request, spider=None) -> None:
        if urlsplit(response.url).path == "/robots.txt" and request.meta.get("dont_obey_robotstxt"):
            partition = getattr(self, "partition", None)  # crawl --processes (crawler/partition.py)
            for req in self.parse_robots(response):
                if partition is None or partition.get_processed_request(req) is not None:
                    self.crawler.engine.crawl(req)

    def parse_robots(self, response: Response):
        """Sitemaps named in robots.txt, or the usual sitemap paths when it names none."""
        found = robots_sitemaps(response.body, response.url) if response.status == 200 else []
        guessed = not found
        if guessed:
            found = [urljoin(response.url, p) for p in self.settings.getlist("PRESSKEEP_SITEMAP_PATHS")]
        for url in self.links.admit(found):
            yield self.discovery_request(url, guessed=guessed)

    def parse_discovery(self, response: Response):
        """Pages a sitemap or feed announces, first in line; unchanged ones are skipped."""
        entries = parse_entries(response)
        self.crawler.stats.inc_value("presskeep/discovery/documents")
        skip = self.history if self.settings.getbool("PRESSKEEP_SKIP_UNCHANGED") else None
        priority = self.settings.getint("PRESSKEEP_DISCOVERED_PRIORITY")
        for entry in entries:
            for url in self.links.admit([entry.url]):
                if entry.nested:
                    yield self.discovery_request(url)
                elif skip is not None and skip.unchanged_since(url, entry.modified):
                    self.crawler.stats.inc_value("presskeep/discovery/skipped_unchanged")
                else:
                    self.crawler.stats.inc_value("presskeep/discovery/urls")
                    yield self.request(url, priority=priority)

    def feed_requests(self, response: TextResponse, feeds: list[str]):
        """Feeds the page advertises; on a seed page that advertises none, the usual paths."""
        guessed = not feeds and response.meta.get("depth") == 0
        if guessed:
            feeds = [response.urljoin(p) for p in self.settings.getlist("PRESSKEEP_FEED_PATHS")]
        for url in self.links.admit(feeds):
            yield self.discovery_request(url, guessed=guessed)

    async def parse(self, response: Response):
        self.crawler.stats.inc_value("presskeep/pages/fetched")
        if self.discover and looks_like_feed_or_sitemap(response):
            for request in self.parse_discovery(response):
                yield request
            return
        if not isinstance(response, TextResponse) or not is_html(response):
            self.crawler.stats.inc_value("presskeep/pages/not_html")
            return
        page = cleaner = None  # the cleaned page, when this callback waits for it
        stored = response.status == 200 and already_stored(response)  # an article, unchanged
        renderer = self.renderer if response.status == 200 and not stored else None
        # with --render always the rendered DOM is cleaned, not this HTML
        render_first = (renderer is not None and renderer.mode == "always"
                        and not renderer.rendered(response))
        if response.status == 200 and not stored and self.wants_items and not render_first:
            item = page_item(response)
            cleaner = self.page_cleaner()
            # the cleaning reads the page's links from its own tree: no parse here
            cleaning = (cleaner.submit(item, links=True, requisites=self.requisites is not None)
                        if cleaner is not None else None)
            yield item
            if cleaning is not None:
                page = await cleaner.cleaned(cleaning)
        pattern = url_pattern(response.url) if self.traps is not None else None
        found, requests = self.page_links(response, page, cleaner, pattern)
        for request in requests:  # its feeds and requisites
            yield request
        render = renderer is not None and renderer.wanted(response, page)
        trap = 0
        if self.traps is not None:
            # a page about to be rendered is judged by its rendering, not as barren
            article = stored or render or (page is not None and page.doc is not None
                                           and page.doc.is_article)
            trap = self.traps.judge(response.url, response.meta, found, article, self.links)
        for url in found.urls:
            yield self.request(url, trap=trap if trap and not found.outside(url) else 0)
        if render:
            yield renderer.request(response, self.parse, self.on_render_error)
        release_tree(response)

    def page_links(self, response: TextResponse, page, cleaner, pattern: str | None
                   ) -> tuple[Found, list[scrapy.Request]]:
        """The new links of a page (read by its cleaning, else here) and the requests for
        the feeds it advertises and for its requisites."""
        links = page.links if page is not None else None
        if links is not None:
            self.crawler.stats.inc_value("presskeep/links/read_by_workers"
                                         if cleaner.pool is not None else "presskeep/links/parsed")
        else:
            links = response_links(response, feeds=self.discover,
                                   requisites=self.requisites is not None)
            self.crawler.stats.inc_value("presskeep/links/parsed")
        requests = []
        if self.discover:
            requests = list(self.feed_requests(response, [urljoin(links.base, href)
                                                          for href in links.feeds]))
        if self.requisites is not None and links.requisites:
            requests.extend(self.requisites.requests(response.url, links.base,
                                                     links.requisites, self))
        return self.links.new_links(links, pattern), requests

    def page_cleaner(self):
        """The cleaning pipeline, which the spider hands each page itself: to have its links
        read from the cleaning's tree and learn the page's type (trap cut); None with
        cleaning off."""
        if self._cleaner is False:
            self._cleaner = None
            if self.settings.getbool("PRESSKEEP_CLEAN_ENABLED"):
                from pipelines.store import ArticlePipeline

                self._cleaner = self.crawler.get_item_pipeline(ArticlePipeline)
        return self._cleaner

    def on_error(self, failure: Failure) -> None:
        request = failure.request
        self.crawler.stats.inc_value("presskeep/pages/failed")
        response = getattr(failure.value, "response", None)  # HttpError: 4xx/5xx, archived
        if response is not None:
            logger.warning("presskeep: HTTP %d (archived, not followed): %s", response.status,
                           request.url)
            return
        logger.warning("presskeep: fetch failed: %s: %s", request.url, describe_error(failure.value))

    def parse_requisite(self, response: Response):
        """A page requisite: archived (by the capture middleware) and counted; a stylesheet's
        own requisites requested; nothing else read (crawler/requisites.py)."""
        if self.requisites is not None:
            yield from self.requisites.received(response, self)

    def on_requisite_error(self, failure: Failure) -> None:
        if self.requisites is not None:
            self.requisites.failed(failure)

    def on_render_error(self, failure: Failure) -> None:
        """A page Chromium could not render: its HTML stays archived as fetched."""
        request = failure.request
        self.crawler.stats.inc_value("presskeep/render/failed")
        self.renderer.forget(request.url)
        logger.warning("presskeep: rendering failed (the page's HTML is archived): %s: %s",
                       request.url, describe_error(failure.value))

    def closed(self, reason: str) -> None:
        if self.renderer is not None:
            self.renderer.close()

    def on_guess_missed(self, failure: Failure) -> None:
        """A guessed sitemap or feed path that is not there: expected, counted, not logged."""
        self.crawler.stats.inc_value("presskeep/discovery/guess_missed")


def is_html(response: TextResponse) -> bool:
    """Whether a response is an HTML page (by its Content-Type, or its first bytes without one);
    both spiders hand only those to the pipelines."""
    ctype = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
    return "html" in ctype or (not ctype and b"<html" in response.body[:2048].lower())


def page_item(response: TextResponse) -> dict:
    """The item both spiders hand the pipelines for an HTML page."""
    capture = response.meta.get(META_KEY) or {}
    return {
        "url": response.url,
        "body": response.body,
        "content_type": response.headers.get(b"Content-Type", b"").decode("latin-1"),
        "capture": capture,
    }
