"""A page's links, read from its lxml tree: one definition for both places that parse pages.

The crawl process reads them from the tree Scrapy parsed (``response.selector``); with
cleaning workers on, the worker that cleans the page reads them from the tree it parsed
for cleaning, so each page is parsed once (``pipelines/crawlpage.py``). No Scrapy import
here: the cleaning workers load this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree
from w3lib.html import get_base_url

from pipelines.requisitelinks import page_requisites

#: the same query as ``response.xpath("//a/@href").getall()``, without a Selector per link
HREFS = etree.XPath("//a/@href", smart_strings=False)
_HEAD_LINKS = etree.XPath("//head/link[@href]")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml",
              "application/feed+json")
#: how much of the document ``<base href>`` is looked for in (as Scrapy's get_base_url)
BASE_SPAN = 4096


@dataclass(slots=True)
class PageLinks:
    """``base``: the URL hrefs are relative to; ``hrefs``: every ``<a href>`` as written;
    ``feeds``: the hrefs of the feeds the page advertises in its head; ``requisites``: the
    URLs of what it needs to be shown, as written (``pipelines/requisitelinks.py``), when
    asked for."""

    base: str
    hrefs: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    requisites: list[str] = field(default_factory=list)


def is_feed_link(rel: str | None, ctype: str | None) -> bool:
    """Whether a ``<link>`` with these rel and type attributes advertises a feed."""
    return ("alternate" in (rel or "").lower().split()
            and (ctype or "").lower().split(";")[0].strip() in FEED_TYPES)


def feed_hrefs(root) -> list[str]:
    """The hrefs of ``<link rel="alternate" type="...rss+xml">`` in the page's head."""
    return [link.get("href") for link in _HEAD_LINKS(root)
            if is_feed_link(link.get("rel"), link.get("type"))]


def page_links(root, text: str, url: str, encoding: str | None,
               requisites: bool = False) -> PageLinks:
    """The links of a page: ``root`` its parsed tree (or None), ``text`` its decoded body;
    its requisites too with ``requisites``."""
    base = get_base_url(text[:BASE_SPAN], url, encoding or "utf-8")
    if root is None:
        return PageLinks(base)
    return PageLinks(base, HREFS(root), feed_hrefs(root),
                     page_requisites(root) if requisites else [])
