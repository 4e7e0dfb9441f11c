"""Metadata: JSON-LD first, then <meta> tags, then the document itself (h1, bylines, htmldate).

Measured on naeb-dev (bench/eval_extract.py): the visible <h1> matches the editorial title
more often than og:title or <title>, so a multi-word h1 wins; site-name affixes are stripped
from the fallbacks.
"""

from __future__ import annotations

import html as htmllib
import logging
import re
from typing import Any
from urllib.parse import urljoin

from pipelines.clean import dates, people
from pipelines.clean.html import meta_values, squash, tagged
from pipelines.clean.jsonld import ld_article, ld_type
from pipelines.clean.layout import headline_path
from pipelines.textunits import units

logger = logging.getLogger(__name__)
_TITLE_SEP = re.compile(r"\s+[|–—:·•-]\s+|\s*[|»]\s*")


def clean_text(text: Any) -> str | None:
    if not isinstance(text, str):
        return None
    text = squash(htmllib.unescape(text))
    return text or None


def meta(tree, *keys: str) -> str | None:
    for key in keys:
        for attr in ("property", "name", "itemprop", "http-equiv"):
            found = meta_values(tree, attr, key)
            if found and clean_text(found[0]):
                return clean_text(found[0])
    return None


def _same(a: str | None, b: str | None) -> bool:
    return bool(a and b) and a.casefold().replace(" ", "") == b.casefold().replace(" ", "")


def strip_site_affix(title: str | None, site_name: str | None) -> str | None:
    """'Story - Site' / 'Site | Story' → 'Story'; a short trailing part counts as the site."""
    if not title:
        return title
    parts = [p for p in _TITLE_SEP.split(title) if p.strip()]
    if len(parts) < 2:
        return title
    if site_name and _same(parts[-1], site_name):
        return _TITLE_SEP.split(title)[0] if len(parts) == 2 else title[: title.rfind(parts[-1])
                                                                          ].rstrip(" |–—:·•-»")
    if site_name and _same(parts[0], site_name):
        return title[len(parts[0]):].lstrip(" |–—:·•-»")
    if units(parts[-1]) <= 4 and units(parts[0]) >= 3:
        return title[: title.rfind(parts[-1])].rstrip(" |–—:·•-»")
    return title


def find_title(tree, ld: dict, site_name: str | None) -> str | None:
    for h1 in tagged(tree, "h1"):
        text = clean_text(h1.text_content())
        if text and units(text) >= 3 and not _same(text, site_name) and len(text) < 300:
            return text
    title = (clean_text(ld.get("headline")) or meta(tree, "og:title", "twitter:title")
             or clean_text(" ".join(tree.xpath("//title//text()"))))
    return strip_site_affix(title, site_name)


def find_language(tree) -> str | None:
    lang = (tree.get("lang") or tree.get("xml:lang")
            or meta(tree, "og:locale", "language", "content-language", "dc.language"))
    return (lang or "").replace("_", "-").split("-")[0].strip().lower() or None


def _empty(url: str | None) -> dict:
    return {"title": None, "authors": [], "published": None, "modified": None,
            "language": None, "canonical_url": url, "og_type": None, "ld_type": None}


def canonical_url(tree, url: str | None) -> str | None:
    canonical = [href for link in tagged(tree, "link")  # //link[@rel="canonical"]/@href
                 if link.get("rel") == "canonical" and (href := link.get("href")) is not None]
    return urljoin(url or "", canonical[0].strip()) if canonical else url


def type_hints(tree, ld: dict | None = None) -> tuple[str | None, str | None]:
    """(og:type, JSON-LD type): what the page declares itself to be."""
    ld = ld_article(tree) if ld is None else ld
    return meta(tree, "og:type"), (ld_type(ld) if ld else None)


def extract_metadata(tree, html: str, url: str | None) -> dict:
    """Title, authors, dates, language, canonical URL plus type hints (og_type, ld_type)."""
    if tree is None:
        return _empty(url)
    ld = ld_article(tree)
    site_name = meta(tree, "og:site_name", "application-name")
    page = headline_path(tree)
    og, declared = type_hints(tree, ld)
    return {
        "title": find_title(tree, ld, site_name),
        "authors": people.find_authors(tree, ld, page),
        "published": dates.published(tree, ld, url, page),
        "modified": dates.modified(tree, ld),
        "language": find_language(tree),
        "canonical_url": canonical_url(tree, url),
        "og_type": og,
        "ld_type": declared,
    }
