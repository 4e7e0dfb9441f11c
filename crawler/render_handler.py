"""The download handler of a crawl that renders pages: ours, and scrapy-playwright's behind it.

Scrapy has one handler per scheme. This one is crawler/keepalive.py's HTTP/1.1 handler
for the crawl's own fetches; a request with ``meta["playwright"]`` (crawler/render.py) is
handed to scrapy-playwright's download handler, which loads it in Chromium. That handler
is made with the first page to render, once per crawl for http and https alike, so:

- ``--render auto`` on a site without app shells never imports Playwright nor starts its
  driver (a Node process: about 1 s and 120 MB; docs/performance.md);
- one driver, one browser, one context: ``PRESSKEEP_RENDER_MAX_PAGES`` holds for the
  whole crawl.

Only used when ``PRESSKEEP_RENDER`` is not ``never`` (the Render add-on, crawler/addons.py).
"""

from __future__ import annotations

import asyncio
import weakref

from scrapy.crawler import Crawler
from scrapy.http import Request, Response

from crawler.compat import start_browser_driver
from crawler.keepalive import KeepAliveHTTP11Handler

#: crawler -> its scrapy-playwright handler (a future: the first render request makes it)
_BROWSERS: "weakref.WeakKeyDictionary[Crawler, asyncio.Future]" = weakref.WeakKeyDictionary()


async def _browser_handler(crawler: Crawler):
    from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

    handler = ScrapyPlaywrightDownloadHandler.from_crawler(crawler)
    await start_browser_driver(handler)  # its engine_started hook has already passed
    return handler


def browser_handler(crawler: Crawler) -> asyncio.Future:
    """The crawl's scrapy-playwright handler, made and started on the first call."""
    made = _BROWSERS.get(crawler)
    if made is None:
        made = _BROWSERS[crawler] = asyncio.ensure_future(_browser_handler(crawler))
    return made


class RenderDownloadHandler(KeepAliveHTTP11Handler):
    """Kept-alive HTTP/1.1 for the crawl's fetches, Chromium for render requests."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.crawler = crawler

    async def download_request(self, request: Request) -> Response:
        if not request.meta.get("playwright"):
            return await super().download_request(request)
        handler = await asyncio.shield(browser_handler(self.crawler))
        return await handler.download_request(request)

    async def close(self) -> None:
        await super().close()
        made = _BROWSERS.pop(self.crawler, None)  # the http or https handler, whichever first
        if made is not None and not made.cancelled() and (not made.done() or
                                                          made.exception() is None):
            await (await made).close()
