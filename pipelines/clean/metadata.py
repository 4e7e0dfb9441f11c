"""Metadata: JSON-LD first, then <meta> tags, then the document itself."""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Iterator
from urllib.parse import urljoin

logger = logging.getLogger(__name__)
_WS = re.compile(r"\s+")
_TITLE_SEP = re.compile(r"\s+[|–—:·•-]\s+")


def _clean(text: Any) -> str | None:
    if not isinstance(text, str):
        return None
    text = _WS.sub(" ", text).strip()
    return text or None


def _ld_objects(tree) -> Iterator[dict]:
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text_content() or "")
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if "@graph" in item:
                    stack.extend(item["@graph"] if isinstance(item["@graph"], list) else [item["@graph"]])
                yield item


def _ld_type(obj: dict) -> str | None:
    t = obj.get("@type")
    if isinstance(t, list):
        t = next((x for x in t if isinstance(x, str) and "rticle" in x), t[0] if t else None)
    return t if isinstance(t, str) else None


def _ld_article(tree) -> dict:
    for obj in _ld_objects(tree):
        t = (_ld_type(obj) or "").lower()
        if t.endswith("article") or t in ("blogposting", "report", "liveblogposting"):
            return obj
    return {}


def _names(value: Any) -> list[str]:
    if isinstance(value, list):
        return [n for v in value for n in _names(v)]
    if isinstance(value, dict):
        value = value.get("name")
    name = _clean(value)
    return [name] if name else []


def _meta(tree, *keys: str) -> str | None:
    for key in keys:
        for attr in ("property", "name", "itemprop", "http-equiv"):
            found = tree.xpath(f'//meta[@{attr}="{key}"]/@content')
            if found and _clean(found[0]):
                return _clean(found[0])
    return None


def _strip_site_suffix(title: str | None, site_name: str | None) -> str | None:
    if not title:
        return title
    parts = _TITLE_SEP.split(title)
    if len(parts) > 1:
        if site_name and parts[-1].strip().lower() == site_name.lower():
            return " - ".join(parts[:-1]).strip()
        if len(parts[-1].split()) <= 4 and len(parts[0].split()) >= 3:
            return _TITLE_SEP.split(title, maxsplit=len(parts) - 2)[0] if len(parts) > 2 else parts[0]
    return title


def _date(value: Any) -> str | None:
    value = _clean(value if not isinstance(value, list) else (value[0] if value else None))
    return value


def extract_metadata(tree, html: str, url: str | None) -> dict:
    """Title, authors, dates, language, canonical URL plus type hints (og_type, ld_type)."""
    if tree is None:
        return {"title": None, "authors": [], "published": None, "modified": None,
                "language": None, "canonical_url": url, "og_type": None, "ld_type": None}
    ld = _ld_article(tree)
    site_name = _meta(tree, "og:site_name")
    title = (_clean(ld.get("headline")) or _meta(tree, "og:title", "twitter:title")
             or _clean(" ".join(tree.xpath("//title//text()"))))
    h1 = tree.xpath("//h1")
    if not title and h1:
        title = _clean(h1[0].text_content())
    authors = _names(ld.get("author")) or _meta_authors(tree)
    published = _date(ld.get("datePublished")) or _meta(
        tree, "article:published_time", "datePublished", "pubdate", "date", "dc.date")
    modified = _date(ld.get("dateModified")) or _meta(tree, "article:modified_time", "dateModified")
    if not published:
        published = _htmldate(tree, url)
    canonical = tree.xpath('//link[@rel="canonical"]/@href')
    lang = tree.get("lang") or _meta(tree, "og:locale", "language", "content-language")
    return {
        "title": _strip_site_suffix(title, site_name),
        "authors": list(dict.fromkeys(authors)),
        "published": published,
        "modified": modified,
        "language": (lang or "").replace("_", "-").split("-")[0].lower() or None,
        "canonical_url": urljoin(url or "", canonical[0].strip()) if canonical else url,
        "og_type": _meta(tree, "og:type"),
        "ld_type": _ld_type(ld) if ld else None,
    }


def _meta_authors(tree) -> list[str]:
    value = _meta(tree, "author", "article:author", "dc.creator", "parsely-author")
    if not value or value.startswith("http"):
        return []
    return [a.strip() for a in re.split(r",| and ", value) if a.strip()]


def _htmldate(tree, url: str | None) -> str | None:
    try:
        from htmldate import find_date

        return find_date(tree, url=url, original_date=True, extensive_search=False)
    except Exception as exc:  # htmldate raises assorted errors on odd pages
        logger.debug("presskeep: htmldate failed on %s: %s", url, exc)
        return None
