"""The download handler of a crawl that renders pages: scrapy-playwright and ours in one.

Scrapy has one handler per scheme. scrapy-playwright's downloads a request in Chromium when
its ``meta["playwright"]`` is set and hands every other request to Scrapy's HTTP/1.1
handler, of which it is a subclass; putting crawler/keepalive.py's handler behind it
keeps the crawl's own fetches on kept-alive connections. Only imported when
``PRESSKEEP_RENDER`` is not ``never`` (the Render add-on, crawler/addons.py), so a
crawl that never renders does not import Playwright.
"""

from __future__ import annotations

from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from crawler.keepalive import KeepAliveHTTP11Handler


class RenderDownloadHandler(ScrapyPlaywrightDownloadHandler, KeepAliveHTTP11Handler):
    """Chromium for render requests (crawler/render.py), kept-alive HTTP/1.1 for the rest."""
