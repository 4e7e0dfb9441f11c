"""Pages rendered in headless Chromium, only when needed, every browser exchange archived.

``PRESSKEEP_RENDER`` (``crawl --render``): ``never``, ``auto`` (a page whose HTML gave no
article and looks like an app shell: pipelines/appshell.py) or ``always`` (every HTML page
in scope). A page is first fetched like any other (its response archived as usual); the
spider then asks for it again with ``meta["playwright"]``, which scrapy-playwright's
download handler (crawler/render_handler.py) loads in Chromium. The rendered DOM comes
back as the response, which the capture middleware keeps as a ``resource`` record and the
spider cleans into the article row.

Every request the browser makes goes through one route handler here (``page.route``,
registered by the page init callback, after scrapy-playwright's own, so it comes first):

- the page's own document is answered with the bytes already archived (the browser never
  fetches it twice, and it renders exactly what the archive holds);
- a blocked resource type or host (``PRESSKEEP_RENDER_BLOCK_*``) is aborted;
- a host the address guard refuses (crawler/guard.py: resolved the same way, the same
  seeds-based policy) is aborted and counted, never archived;
- anything else is fetched with ``route.fetch`` (no redirects followed there: each hop
  comes back through this handler and the guard), archived as a response and a request
  record with a ``captures`` row, like an ordinary fetch, and handed to the browser. A URL
  already archived in this crawl (by the crawl or the browser) is not archived again.

A page is done when it has loaded and no request has been in flight for
``PRESSKEEP_RENDER_SETTLE`` seconds, or when ``PRESSKEEP_RENDER_TIMEOUT`` runs out.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import weakref
from datetime import datetime, timezone
from time import monotonic
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from archive.errors import WarcWriteError
from archive.timestamps import warc_date
from archive.warc import RENDERED_PREFIX, Exchange
from crawler.capture import RENDERED_OF_KEY, archive_exchange, header_list, reason_phrase
from crawler.guard import AddressGuard
from crawler.incremental import UNCONDITIONAL_KEY, History
from crawler.links import SeenSet
from crawler.session import ArchiveSession
from pipelines.appshell import shell_reason

logger = logging.getLogger(__name__)

MODES = ("never", "auto", "always")
#: Chromium's names on Debian, Ubuntu and Google's packages, tried in this order
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: flags for a headless, sandbox-less run that talks to nothing but the pages' hosts
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]
#: request meta: the renderer that handles a render request (its key in _RENDERERS)
META_KEY = "presskeep_render"
#: response headers not archived as received: Playwright hands the body over decoded
_DECODED_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})

_RENDERERS: dict[str, "Renderer"] = {}
_PAGES: "weakref.WeakKeyDictionary[object, PageState]" = weakref.WeakKeyDictionary()


class RenderUnavailable(RuntimeError):
    """Rendering was asked for but cannot run (no Chromium, no scrapy-playwright)."""


def parse_mode(value) -> str:
    mode = str(value or "never").strip().lower()
    if mode not in MODES:
        raise ValueError(f"PRESSKEEP_RENDER must be one of {', '.join(MODES)}, not {value!r}")
    return mode


def find_chromium(configured: str = "") -> str:
    """The browser to run: ``configured`` (a path or a name on PATH), else the first of
    :data:`CHROMIUM_NAMES` on PATH. Raises :class:`RenderUnavailable` when there is none."""
    for name in [configured] if configured else CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    wanted = configured or " / ".join(CHROMIUM_NAMES)
    raise RenderUnavailable(f"rendering needs Chromium and {wanted} is not on this machine "
                            "(install Debian's chromium, or set PRESSKEEP_CHROMIUM_PATH)")


def rendered_uri(url: str) -> str:
    """WARC-Target-URI of the resource record with ``url``'s rendered DOM."""
    return RENDERED_PREFIX + url


class PageState:
    """One browser page being rendered: its requests in flight and its deadline."""

    def __init__(self, renderer: "Renderer", url: str) -> None:
        self.renderer = renderer
        self.url = url
        self.deadline = monotonic() + renderer.timeout
        self.in_flight = 0
        self.quiet_since = monotonic()

    async def route(self, route, request) -> None:
        self.in_flight += 1
        try:
            await self.renderer.handle(route, request, self)
        finally:
            self.in_flight -= 1
            self.quiet_since = monotonic()


async def init_page(page, request: Request) -> None:
    """scrapy-playwright's page init callback: our route handler before its own."""
    renderer = _RENDERERS[request.meta[META_KEY]]
    state = PageState(renderer, request.url)
    _PAGES[page] = state
    await page.route("**/*", state.route)


async def settle(page) -> None:
    """A page method run after load: wait until the page's requests have settled."""
    state = _PAGES.get(page)
    if state is None:
        return
    quiet = state.renderer.settle
    while monotonic() < state.deadline:
        if state.in_flight == 0 and monotonic() - state.quiet_since >= quiet:
            return
        await asyncio.sleep(0.05)
    state.renderer.stats.inc_value("presskeep/render/timeout")
    logger.info("presskeep: %s still had requests in flight after PRESSKEEP_RENDER_TIMEOUT; "
                "keeping the DOM as it is", state.url)


class Renderer:
    """Decides which pages to render, builds their requests and handles the browser's."""

    def __init__(self, crawler: Crawler, mode: str) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.mode = mode
        self.session = crawler.get_extension(ArchiveSession)
        self.guard = crawler.get_downloader_middleware(AddressGuard)
        self.timeout = settings.getfloat("PRESSKEEP_RENDER_TIMEOUT")
        self.settle = settings.getfloat("PRESSKEEP_RENDER_SETTLE")
        self.block_types = frozenset(t.lower() for t in
                                     settings.getlist("PRESSKEEP_RENDER_BLOCK_TYPES"))
        self.block_hosts = tuple(h.lower().lstrip(".") for h in
                                 settings.getlist("PRESSKEEP_RENDER_BLOCK_HOSTS"))
        self.user_agent = settings.get("USER_AGENT")
        self.seen_max = settings.getint("PRESSKEEP_RENDER_SEEN_MAX")
        self.archived = SeenSet()  # URLs archived in this crawl (dedup)
        self.history = History.for_crawler(crawler)  # earlier crawls' captures (revisits)
        self.pending: dict[str, Exchange] = {}  # page URL -> its archived response
        self.key = str(id(self))
        _RENDERERS[self.key] = self

    @classmethod
    def for_crawler(cls, crawler: Crawler) -> "Renderer | None":
        """The crawl's renderer; None with ``PRESSKEEP_RENDER = never``."""
        mode = parse_mode(crawler.settings.get("PRESSKEEP_RENDER"))
        return None if mode == "never" else cls(crawler, mode)

    # -- which pages ------------------------------------------------------------------
    @staticmethod
    def rendered(response: Response) -> bool:
        """Whether ``response`` is a page's rendered DOM."""
        return bool(response.meta.get(META_KEY))

    def wanted(self, response: Response, page) -> bool:
        """Whether to render this HTML page (``page``: its cleaning, None if not cleaned)."""
        if response.status != 200 or self.rendered(response):
            return False
        if self.mode == "always":
            return True
        if page is not None and page.doc is not None and page.doc.is_article:
            return False
        reason = shell_reason(response.body, response.url)
        if reason is None:
            return False
        self.stats.inc_value(f"presskeep/render/auto_{reason}")
        return True

    def request(self, response: Response, callback, errback) -> Request:
        """The request that loads ``response``'s page in Chromium."""
        from scrapy_playwright.page import PageMethod

        self.pending[response.url] = Exchange(
            url=response.url, status=response.status, reason=reason_phrase(response.status),
            protocol="HTTP/1.1", body=response.body,
            headers=[(k, v) for k, v in header_list(response.headers)
                     if k.lower() not in _DECODED_HEADERS])
        self.remember(response.url)  # the crawl archived it: the browser will not
        capture = response.meta.get("presskeep_capture") or {}
        meta = {"playwright": True, META_KEY: self.key,
                "playwright_page_init_callback": "crawler.render.init_page",
                "playwright_page_methods": [PageMethod(settle)],
                RENDERED_OF_KEY: capture.get("record_id"), UNCONDITIONAL_KEY: True,
                # a slot of its own: pages waiting for the browser hold no page fetch back
                "download_slot": f"render:{urlsplit(response.url).hostname}"}
        return Request(response.url, callback=callback, errback=errback, meta=meta,
                       dont_filter=True, priority=10)

    def forget(self, url: str) -> None:
        """A render request that failed: drop the page's response kept for the browser."""
        self.pending.pop(url, None)

    def remember(self, url: str) -> None:
        if len(self.archived) >= self.seen_max:
            self.archived.clear()
        self.archived.add(url)

    # -- the browser's requests -------------------------------------------------------
    def blocked(self, request) -> bool:
        if request.resource_type in self.block_types:
            return True
        host = (urlsplit(request.url).hostname or "").lower()
        return any(host == h or host.endswith("." + h) for h in self.block_hosts)

    async def refused(self, url: str) -> set[str]:
        """The address kinds that make the guard refuse ``url`` (empty: allowed)."""
        if self.guard is None:
            return set()
        host = (urlsplit(url).hostname or "").lower()
        return self.guard.refused(await self.guard.kinds_of(host)) if host else set()

    async def handle(self, route, request, state: PageState) -> None:
        url = request.url
        if urlsplit(url).scheme not in ("http", "https"):
            await route.fallback()
            return
        if self.blocked(request):
            self.stats.inc_value("presskeep/render/blocked")
            await route.abort("blockedbyclient")
            return
        bad = await self.refused(url)
        if bad:
            self.stats.inc_value("presskeep/render/guard_refused")
            self.stats.inc_value("presskeep/guard/refused")
            logger.warning("presskeep: browser request refused by the address guard (%s "
                           "address): %s (on %s)", "/".join(sorted(bad)), url, state.url)
            await route.abort("addressunreachable")
            return
        own = (self.pending.pop(url, None) if url == state.url
               and request.is_navigation_request() else None)
        if own is not None:  # the page itself: the bytes the crawl archived
            await route.fulfill(status=own.status, headers=dict(own.headers), body=own.body)
            return
        await self.fetch(route, request, state)

    async def fetch(self, route, request, state: PageState) -> None:
        from playwright.async_api import Error as PlaywrightError

        headers = {**await request.all_headers(), "user-agent": self.user_agent}
        timeout_ms = max(1.0, state.deadline - monotonic()) * 1000
        try:
            answer = await route.fetch(headers=headers, max_redirects=0, timeout=timeout_ms)
            body = await answer.body()
        except PlaywrightError as exc:
            self.stats.inc_value("presskeep/render/errors")
            self.add_error(request, str(exc).splitlines()[0] if str(exc) else "failed")
            await route.abort("failed")
            return
        if request.url in self.archived or self.fetched_by_crawl(request.url):
            self.stats.inc_value("presskeep/render/deduplicated")
        else:
            self.archive(request, headers, answer, body)
        await route.fulfill(response=answer, body=body)

    def fetched_by_crawl(self, url: str) -> bool:
        """Whether the crawl itself requested ``url`` as a page requisite (crawler/requisites.py):
        its fetch archives it, the browser's copy is not archived again."""
        requisites = getattr(self.crawler.spider, "requisites", None)
        return requisites is not None and url in requisites.seen

    def archive(self, request, sent: dict[str, str], answer, body: bytes) -> None:
        """The exchange as a response and a request record, and its ``captures`` row; an
        identical-payload-digest revisit when an earlier capture of the URL holds the same
        payload, as for the crawl's own fetches (crawler/incremental.py)."""
        self.remember(request.url)
        ex = Exchange(
            url=request.url, status=answer.status,
            reason=answer.status_text or reason_phrase(answer.status), protocol="HTTP/1.1",
            headers=[(h["name"], h["value"]) for h in answer.headers_array
                     if h["name"].lower() not in _DECODED_HEADERS]
            + [("Content-Length", str(len(body)))],
            body=body, request_method=request.method,
            request_headers=[("Host", urlsplit(request.url).netloc)]
            + [(k, v) for k, v in sent.items() if not k.startswith(":")],
            date=datetime.now(timezone.utc))
        last = self.history.last(ex.url) if self.history is not None else None
        try:
            _, revisit, _ = archive_exchange(self.session, self.stats, ex, last)
        except WarcWriteError:
            return  # the session has stopped writing and says why
        self.stats.inc_value("presskeep/render/revisits" if revisit
                             else "presskeep/render/responses")

    def add_error(self, request, reason: str) -> None:
        self.session.store.add_capture({
            "run_id": self.session.run_id, "url": request.url, "method": request.method,
            "fetched_at": warc_date(), "error": reason[:500]})

    def close(self) -> None:
        _RENDERERS.pop(self.key, None)
