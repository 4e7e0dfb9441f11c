"""Page requisites: fetch what each archived page needs to be shown, from any host.

Like Heritrix's transclusion hops and ``wget --page-requisites -H``: the stylesheets,
images (every ``srcset`` candidate, lazy-loading attributes too), scripts and icons of
each HTML page the spider parses (``pipelines/requisitelinks.py`` reads them), and what a
stylesheet ``@import``s or ``url()``s (fonts, backgrounds, more CSS). They are plain
requests, so every downloader middleware applies: the address guard, robots.txt, the
conditional GET and revisit records of a recrawl (crawler/incremental.py), the capture
middleware (a ``captures`` row and WARC records), Scrapy's per-host download slots.

What they are not: pages. They come from outside the crawl's scope, are never counted
toward ``max_pages`` or the trap cut, never reach the item pipelines (no article row),
and nothing is read from them but a stylesheet's own requisites: no links, and an HTML
document fetched as a requisite is archived, never parsed.

Limits, per page (the page that named them; a stylesheet's imports count toward the page
it was first found on): ``PRESSKEEP_REQUISITES_MAX_PER_PAGE`` URLs, and
``PRESSKEEP_REQUISITES_MAX_BYTES`` bytes of bodies: each request is stopped at what is
left of the page's byte budget when it is made (archived truncated, as at
``PRESSKEEP_MAX_RESPONSE_SIZE``), and once the budget is spent the page gets no more.
Each URL is requested once per crawl (a seen-set here, Scrapy's dupefilter behind it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Iterable, Iterator
from urllib.parse import urljoin

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.capture import MAX_SIZE_KEY, REQUISITE_KEY, describe_error
from crawler.incremental import UNCHANGED_KEY
from crawler.links import SeenSet, normalize
from pipelines.requisitelinks import css_urls

logger = logging.getLogger(__name__)

#: request.meta key: the URL of the page a requisite belongs to (its budget; the capture
#: middleware writes it into the records, archive.warc.REQUISITE_HEADER)
META_KEY = REQUISITE_KEY
#: scheduler priority of requisites: after sitemaps and feeds (100), before the pages they
#: announce (50) and links (0), so a page's requisites are fetched close to the page
PRIORITY = 60
#: pages whose requisites are in flight kept track of at most (oldest forgotten first:
#: a request another process or worker answers never reports back here)
_MAX_PAGES_TRACKED = 10_000


@dataclass(slots=True)
class Budget:
    """What a page's requisites may still take, and how many of them are in flight."""

    count: int
    size: int
    pending: int = 0


def is_stylesheet(response: Response) -> bool:
    """A CSS response (by its Content-Type, or a ``.css`` path without one)."""
    ctype = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
    if ctype:
        return ctype.split(";")[0].strip() == "text/css"
    return response.url.split("?")[0].lower().endswith(".css")


class Requisites:
    """The spider's requisite bookkeeping: which URLs were requested, each page's budget."""

    def __init__(self, crawler: Crawler, max_count: int, max_bytes: int) -> None:
        self.crawler = crawler
        self.max_count = max_count
        self.max_bytes = max_bytes
        self.max_size = crawler.settings.getint("PRESSKEEP_MAX_RESPONSE_SIZE")
        self.seen = SeenSet()
        self.budgets: dict[str, Budget] = {}
        crawler.signals.connect(self.dropped, signal=signals.request_dropped)

    @property
    def stats(self):
        """The crawl's stats (made after the spider, which makes this object)."""
        return self.crawler.stats

    @classmethod
    def for_crawler(cls, crawler: Crawler) -> "Requisites | None":
        """The crawl's requisites, None with ``PRESSKEEP_REQUISITES`` off."""
        settings = crawler.settings
        if not settings.getbool("PRESSKEEP_REQUISITES"):
            return None
        return cls(crawler, settings.getint("PRESSKEEP_REQUISITES_MAX_PER_PAGE"),
                   settings.getint("PRESSKEEP_REQUISITES_MAX_BYTES"))

    def budget(self, page: str) -> Budget:
        budget = self.budgets.get(page)
        if budget is None:
            if len(self.budgets) >= _MAX_PAGES_TRACKED:
                del self.budgets[next(iter(self.budgets))]
            budget = self.budgets[page] = Budget(self.max_count or -1, self.max_bytes or -1)
        return budget

    def admit(self, url: str) -> bool:
        """True the first time this crawl asks for ``url`` as a requisite."""
        if self.seen.add(url):
            return True
        self.stats.inc_value("presskeep/requisites/seen")
        return False

    def requests(self, page: str, base: str, hrefs: Iterable[str], spider) -> Iterator[scrapy.Request]:
        """The requests for the requisites ``hrefs`` (relative to ``base``) of ``page`` that
        this crawl has not asked for yet, within the page's budget."""
        budget = self.budget(page)
        for href in hrefs:
            url = normalize(urljoin(base, href))
            if url is None:
                continue
            self.stats.inc_value("presskeep/requisites/found")
            if budget.count == 0:
                self.stats.inc_value("presskeep/requisites/over_count")
                continue
            if budget.size == 0:
                self.stats.inc_value("presskeep/requisites/over_bytes")
                continue
            budget.count -= 1 if budget.count > 0 else 0
            if not self.admit(url):
                continue
            yield self.request(url, page, budget, spider)
        if budget.pending <= 0:  # nothing of this page in flight: nothing to keep
            self.budgets.pop(page, None)

    def request(self, url: str, page: str, budget: Budget, spider) -> scrapy.Request:
        budget.pending += 1
        self.stats.inc_value("presskeep/requisites/requested")
        # depth_reset (Scrapy's DepthMiddleware): a requisite is part of its page, not a
        # link one hop further, so `crawl --depth N` never cuts the requisites of a page
        meta = {META_KEY: page, "depth_reset": True}
        if budget.size > 0 and (self.max_size <= 0 or budget.size < self.max_size):
            meta[MAX_SIZE_KEY] = budget.size  # the capture middleware stops the body there
        return scrapy.Request(url, callback=spider.parse_requisite,
                              errback=spider.on_requisite_error, priority=PRIORITY, meta=meta)

    def received(self, response: Response, spider) -> Iterator[scrapy.Request]:
        """Count a requisite's response; a stylesheet's own requisites, within the page's
        budget (nothing else is read from a requisite)."""
        page = response.meta.get(META_KEY) or response.url
        budget = self.budget(page)
        self.stats.inc_value("presskeep/requisites/fetched")
        if not response.meta.get(UNCHANGED_KEY):  # a revisit took no new bytes
            size = len(response.body)
            self.stats.inc_value("presskeep/requisites/bytes", size)
            if budget.size > 0:
                budget.size = max(budget.size - size, 0)
        if response.status == 200 and is_stylesheet(response):
            self.stats.inc_value("presskeep/requisites/stylesheets")
            yield from self.requests(page, response.url, css_urls(response.body), spider)
        self.done(page)

    def failed(self, failure: Failure) -> None:
        """A requisite not fetched, or answered with an error status (archived all the same):
        counted, one line in the log."""
        request = failure.request
        self.stats.inc_value("presskeep/requisites/failed")
        response = getattr(failure.value, "response", None)
        if response is not None:
            logger.info("presskeep: requisite HTTP %d (archived): %s", response.status, request.url)
        else:
            logger.info("presskeep: requisite not fetched: %s: %s", request.url,
                        describe_error(failure.value))
        self.done(request.meta.get(META_KEY))

    def dropped(self, request: scrapy.Request, spider=None) -> None:
        """The scheduler turned a requisite away (Scrapy's dupefilter: already requested)."""
        if META_KEY in request.meta:
            self.done(request.meta[META_KEY])

    def done(self, page: str | None) -> None:
        budget = self.budgets.get(page) if page else None
        if budget is not None:
            budget.pending -= 1
            if budget.pending <= 0:
                del self.budgets[page]


def is_requisite(request: scrapy.Request) -> bool:
    return META_KEY in request.meta
