"""What a cleaning worker does with a crawled page: parse it once, read its links, clean it.

Parsing a page is the largest share of the crawl process's own work after Scrapy's
(docs/performance.md, "What a crawled page costs"): with cleaning workers on, the worker that cleans a
page parses it anyway, so it reads the page's links from the same tree and hands them
back with the cleaned article. The crawl process then never parses that page.
No Scrapy import here: this runs in the workers.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.pagelinks import PageLinks, page_links
from pipelines.clean.extract import Extraction, extract_parsed
from pipelines.clean.html import decode, parse_html
from pipelines.clean.identity import text_hash


@dataclass(slots=True)
class CleanedPage:
    """``doc``: the extraction (None when cleaning failed, ``error`` says why);
    ``digest``: ``text_hash(doc.text)`` of an article; ``links``: the page's links, when
    asked for, even when cleaning failed."""

    doc: Extraction | None
    digest: str | None = None
    links: PageLinks | None = None
    error: str | None = None


def clean_page(body: bytes, url: str, *, content_type: str | None = None,
               encoding: str | None = None, links: bool = False,
               requisites: bool = False) -> CleanedPage:
    """Clean a crawled page as the crawl does (known hubs skipped: only articles are kept).

    ``content_type``: the response's Content-Type header; the body is decoded by
    :func:`pipelines.clean.html.decode` (``encoding``, when given, stands for a header
    naming it). ``requisites``: read the page's requisites with its links."""
    if encoding and not content_type:
        content_type = f"text/html; charset={encoding}"
    encoding, html = decode(body, content_type)
    tree = parse_html(html)
    found = page_links(tree, html, url, encoding, requisites) if links else None  # before pruning
    try:
        doc = extract_parsed(tree, html, url, skip_known_hubs=True)
    except Exception as exc:  # noqa: BLE001 - one bad page must not cost its links
        return CleanedPage(None, links=found, error=str(exc) or type(exc).__name__)
    return CleanedPage(doc, text_hash(doc.text) if doc.is_article else None, found)
