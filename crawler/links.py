"""Cheap link handling: extract once, keep in scope, drop seen URLs before any Request exists."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from hashlib import blake2b
from typing import Callable, Iterable, Iterator
from urllib.parse import urljoin, urlsplit, urlunsplit

from scrapy.http import TextResponse
from scrapy.utils.response import get_base_url

from crawler.compat import drop_cached_selector
from pipelines.pagelinks import HREFS, PageLinks, feed_hrefs
from pipelines.requisitelinks import page_requisites

SCOPES = ("host", "domain", "prefix")
logger = logging.getLogger(__name__)


def registered_domain(host: str) -> str:
    """example.co.uk for www.news.example.co.uk (via tldextract's offline suffix list)."""
    import tldextract

    ext = tldextract.TLDExtract(suffix_list_urls=())(host)
    return ext.top_domain_under_public_suffix or host


def normalize(url: str) -> str | None:
    """Absolute http(s) URL without fragment and with lower-case scheme/host; None otherwise."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    netloc = parts.netloc.lower()
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


class Scope:
    """Which URLs a crawl may follow: same host, same registered domain, or under a URL prefix."""

    def __init__(self, kind: str, seeds: Iterable[str]) -> None:
        if kind not in SCOPES:
            raise ValueError(f"unknown scope {kind!r} (choose from {', '.join(SCOPES)})")
        self.kind = kind
        seeds = [s for s in (normalize(u) for u in seeds) if s]
        self.hosts = {urlsplit(s).hostname for s in seeds}
        self.domains = {registered_domain(h) for h in self.hosts} if kind == "domain" else set()
        self.prefixes = tuple(seeds)

    def __contains__(self, url: str) -> bool:
        host = urlsplit(url).hostname or ""
        if self.kind == "host":
            return host in self.hosts
        if self.kind == "domain":
            return host in self.hosts or any(host == d or host.endswith("." + d) for d in self.domains)
        return url.startswith(self.prefixes)


class SeenSet:
    """A compact set of URLs: 8-byte digests as Python ints (~70 bytes each, not the URL)."""

    def __init__(self) -> None:
        self._seen: set[int] = set()

    @staticmethod
    def key(url: str) -> int:
        return int.from_bytes(blake2b(url.encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                              "big")

    def add(self, url: str) -> bool:
        """True if ``url`` was new."""
        k = self.key(url)
        if k in self._seen:
            return False
        self._seen.add(k)
        return True

    def discard(self, url: str) -> None:
        self._seen.discard(self.key(url))

    def __contains__(self, url: str) -> bool:
        return self.key(url) in self._seen

    def clear(self) -> None:
        self._seen.clear()

    def __len__(self) -> int:
        return len(self._seen)

    def share(self, keys: set[int]) -> None:
        """Keep the digests in ``keys`` (a resumed job's saved set), adding those known so far."""
        keys.update(self._seen)
        self._seen = keys


_DIGITS = re.compile(r"\d+")


def url_pattern(url: str) -> str:
    """The URL with each run of digits in its path and query as ``#``: a calendar's or a
    pager's pages share one pattern."""
    cut = url.find("/", url.find("//") + 2)
    return url if cut < 0 else url[:cut] + _DIGITS.sub("#", url[cut:])


@dataclass(slots=True)
class Found:
    """What a page's links add to the crawl: ``urls``, the new ones (``keys``: the
    ``new_links`` key of the href each came from, or None); ``leads_out``: whether an
    in-scope link that no earlier page of its site had (new, or known from a sitemap) is
    of another URL pattern than ``pattern``, the page's own (None: not looked at)."""

    pattern: str | None = None
    urls: list[str] = field(default_factory=list)
    keys: list[int | None] = field(default_factory=list)
    leads_out: bool = False
    prefix: str = field(init=False, default="")  # the pattern up to its first digit run

    def __post_init__(self) -> None:
        self.prefix = (self.pattern or "").split("#", 1)[0]

    def __iter__(self) -> Iterator[str]:
        return iter(self.urls)

    def outside(self, url: str) -> bool:
        """Whether ``url`` is of another pattern than ``pattern`` (a URL that does not
        start as the pattern does is, without a regex)."""
        return not url.startswith(self.prefix) or url_pattern(url) != self.pattern


class LinkFilter:
    def __init__(self, scope: Scope, max_pages: int = 0, max_per_pattern: int = 0,
                 on_capped: Callable[[], object] | None = None) -> None:
        self.scope = scope
        self.max_pages = max_pages
        self.max_per_pattern = max_per_pattern
        self.on_capped = on_capped  # called for each URL a full pattern turns away
        self.seen = SeenSet()
        self.scheduled = 0
        self._per_pattern: dict[int, int] = {}  # hash of url_pattern() -> URLs admitted
        self._decided: set[int] = set()  # hashes of (origin, href) already through admit()

    def _pattern_full(self, url: str) -> bool:
        """True once max_per_pattern URLs of ``url``'s pattern were admitted (traps)."""
        key = hash(url_pattern(url))
        count = self._per_pattern.get(key, 0)
        if count >= self.max_per_pattern:
            if self.on_capped is not None:
                self.on_capped()
            if count == self.max_per_pattern:
                self._per_pattern[key] = count + 1  # log once per pattern
                logger.warning("presskeep: URL pattern %s reached PRESSKEEP_MAX_PER_PATTERN "
                               "(%d); more URLs like it are skipped", url_pattern(url), count)
            return True
        self._per_pattern[key] = count + 1
        return False

    def admit(self, urls: Iterable[str]) -> Iterator[str]:
        """The new, in-scope URLs, until max_pages have been scheduled."""
        for raw in urls:
            if self.max_pages and self.scheduled >= self.max_pages:
                return
            url = self._admit_one(raw)
            if url is not None:
                yield url

    def _admit_one(self, raw: str) -> str | None:
        url = normalize(raw)
        if url is None or url not in self.scope or not self._admit_url(url):
            return None
        return url

    def _admit_url(self, url: str) -> bool:
        if not self.seen.add(url):
            return False
        if self.max_per_pattern and self._pattern_full(url):
            return False
        self.scheduled += 1
        return True

    def _take(self, raw: str, key: int | None, found: Found) -> None:
        """Admit one link of a page into ``found``; note whether it leads out of the
        page's pattern (a first sight of it: admitted, or ``key`` given)."""
        url = normalize(raw)
        if url is None or url not in self.scope:
            return
        new = self._admit_url(url)
        if new:
            found.urls.append(url)
            found.keys.append(key)
        if (not found.leads_out and found.pattern is not None and (new or key is not None)
                and found.outside(url)):
            found.leads_out = True

    def new_links(self, links: PageLinks, pattern: str | None = None) -> Found:
        """``admit()`` of the page's hrefs made absolute, fast: an href seen before on the
        same origin is dropped before any URL parsing. With ``pattern`` (the page's
        :func:`url_pattern`), ``Found.leads_out`` says whether the page leads out of it.

        The answer of ``admit()`` for an href is final once given (admitted once, then seen;
        or invalid / out of scope for ever), and for an href that starts with ``/`` or
        ``http(s)://`` it depends on the page's base only through its scheme and host, so
        ``hash(origin + href)`` stands for it (:meth:`release` takes an answer back).
        """
        found = Found(pattern)
        base = links.base
        parts = urlsplit(base)
        origin = f"{parts.scheme}://{parts.netloc}\n"
        decided = self._decided
        for href in links.hrefs:
            if self.max_pages and self.scheduled >= self.max_pages:
                break
            key = None
            if href[:1] == "/" or href.startswith(("http://", "https://")):
                key = hash(origin + href)
                if key in decided:
                    continue
                decided.add(key)
            self._take(urljoin(base, href), key, found)
        return found

    def release(self, found: Found, which: Callable[[str], bool]) -> int:
        """Take back the URLs of ``found`` that ``which`` picks, as if no page had linked
        them (not seen, not counted), and drop them from ``found``; how many."""
        kept: list[tuple[str, int | None]] = []
        released = 0
        for url, key in zip(found.urls, found.keys):
            if not which(url):
                kept.append((url, key))
                continue
            released += 1
            self.seen.discard(url)
            self._decided.discard(key)
            self.scheduled -= 1
            if self.max_per_pattern:
                self._per_pattern[hash(url_pattern(url))] -= 1
        if released:
            found.urls = [url for url, _ in kept]
            found.keys = [key for _, key in kept]
        return released


def response_links(response: TextResponse, feeds: bool = True,
                   requisites: bool = False) -> PageLinks:
    """The links of a page (its feeds too if ``feeds``, its requisites too if
    ``requisites``), read from the tree Scrapy parsed
    (``response.selector``). :func:`pipelines.pagelinks.page_links` reads the same from
    a cleaning worker's tree."""
    root = response.selector.root
    return PageLinks(get_base_url(response), HREFS(root), feed_hrefs(root) if feeds else [],
                     page_requisites(root) if requisites else [])


def release_tree(response) -> None:
    """Let go of the page's parsed tree once the spider is done with it.

    Scrapy caches the Selector (and its libxml2 tree, several times the page's size) on
    the response for as long as the response lives, which is until everything its
    callback yielded is through the pipelines (cleaning in the worker pool included).
    The spider reads the tree only inside its callback, so the cache is cleared at the
    callback's end: on the benchmark site this halves the crawl process's peak RSS
    (255 -> 120 MB archive-only, docs/performance.md). The cache is a private attribute
    of Scrapy's (crawler/compat.py).
    """
    drop_cached_selector(response)
