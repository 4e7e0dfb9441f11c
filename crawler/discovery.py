"""Finding articles the way a site announces them: robots.txt sitemaps, sitemaps, feeds.

Pure parsing, no requests: the news spider turns what these functions find
into Requests. Covered: ``Sitemap:`` lines in robots.txt, sitemap indexes,
url sets (``<lastmod>``), Google News sitemaps (``<news:publication_date>``),
RSS 2.0 (``<pubDate>``, ``<dc:date>``), Atom (``<updated>``, ``<published>``),
gzip-compressed sitemaps (a page's ``<link rel="alternate">`` feeds: pipelines/pagelinks.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Iterator
from urllib.parse import urljoin

from lxml import etree
from scrapy.http import Response


logger = logging.getLogger(__name__)

_XML_TYPES = ("xml", "rss", "atom")
_MAX_XML = 50 * 1024 * 1024  # the sitemap protocol's own limit (uncompressed)


@dataclass(frozen=True)
class Entry:
    """One URL a sitemap or feed announces: a page, or another sitemap (``nested``)."""

    url: str
    modified: datetime | None = None
    nested: bool = False


def parse_date(text: str | None) -> datetime | None:
    """W3C/ISO 8601 (sitemaps, Atom) or RFC 2822 (RSS) dates, as aware UTC datetimes.

    A bare date (``2026-11-27``) means "some time that day": it is read as the day's last
    moment, so a page changed later on the day of its last capture is never skipped.
    """
    text = (text or "").strip()
    if not text:
        return None
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        text += "T23:59:59.999999+00:00"
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def robots_sitemaps(body: bytes, base_url: str) -> list[str]:
    """The ``Sitemap:`` URLs of a robots.txt body."""
    urls = []
    for line in body.decode("utf-8", "replace").splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip().lower() == "sitemap" and value.strip():
            urls.append(urljoin(base_url, value.strip()))
    return urls


def _payload(response: Response) -> bytes:
    body = response.body
    if body[:2] == b"\x1f\x8b":  # a .xml.gz sitemap served as application/gzip
        from scrapy.utils.gz import gunzip

        try:
            body = gunzip(body, max_size=_MAX_XML)
        except (OSError, ValueError) as exc:
            logger.warning("presskeep: cannot gunzip %s: %s", response.url, exc)
            return b""
    return body


def looks_like_feed_or_sitemap(response: Response) -> bool:
    ctype = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
    if "html" in ctype:
        return False
    if any(t in ctype for t in _XML_TYPES) or response.body[:2] == b"\x1f\x8b":
        return True
    head = response.body[:512].lstrip().lower()
    return head.startswith((b"<?xml", b"<rss", b"<urlset", b"<sitemapindex", b"<feed"))


def _local(tag) -> str:
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ""


def _children(elem) -> dict[str, etree._Element]:
    out: dict[str, etree._Element] = {}
    for child in elem.iter():
        name = _local(child.tag)
        if name and name not in out and child is not elem:
            out[name] = child
    return out


def _text(elem) -> str | None:
    return elem.text.strip() if elem is not None and elem.text else None


def _sitemap_entries(root, nested: bool) -> Iterator[Entry]:
    for elem in root:
        if _local(elem.tag) not in ("url", "sitemap"):
            continue
        kids = _children(elem)
        loc = _text(kids.get("loc"))
        when = kids.get("lastmod")
        if when is None:
            when = kids.get("publication_date")  # Google News sitemaps
        if loc:
            yield Entry(loc, parse_date(_text(when)), nested)


def _entry_link(elem) -> str | None:
    """RSS ``<link>URL</link>`` or Atom ``<link rel="alternate" href="URL"/>``."""
    for link in elem.iter():
        if _local(link.tag) == "link" and link.get("rel", "alternate") == "alternate":
            return link.get("href") or _text(link)
    return None


def _feed_entries(root, base_url: str) -> Iterator[Entry]:
    for elem in root.iter():
        if _local(elem.tag) not in ("item", "entry"):
            continue
        kids = _children(elem)
        href = _entry_link(elem) or _text(kids.get("guid"))
        if not href:
            continue
        date = next((kids[k] for k in ("updated", "pubdate", "date", "published") if k in kids),
                    None)
        yield Entry(urljoin(base_url, href), parse_date(_text(date)))


def parse_entries(response: Response) -> list[Entry]:
    """The pages and nested sitemaps a sitemap or feed announces (empty if it is neither)."""
    body = _payload(response)
    if not body:
        return []
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True,
                             huge_tree=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except (etree.XMLSyntaxError, ValueError):
        root = None
    if root is None:
        return []
    kind = _local(root.tag)
    if kind == "sitemapindex":
        return list(_sitemap_entries(root, nested=True))
    if kind == "urlset":
        return list(_sitemap_entries(root, nested=False))
    if kind in ("rss", "feed", "rdf"):
        return list(_feed_entries(root, response.url))
    return []
