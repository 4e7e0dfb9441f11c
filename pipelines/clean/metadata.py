"""Metadata: JSON-LD first, then <meta> tags, then the document itself (h1, bylines, htmldate).

Measured on naeb-dev (bench/eval_extract.py): the visible <h1> matches the editorial title
more often than og:title or <title>, so a multi-word h1 wins; site-name affixes are stripped
from the fallbacks.
"""

from __future__ import annotations

import html as htmllib
import logging
from typing import Any
from urllib.parse import urljoin

from pipelines.clean import dates, people
from pipelines.clean.headline import choose, host_name
from pipelines.clean.html import meta_values, squash, tagged
from pipelines.clean.jsonld import ld_article, ld_type
from pipelines.clean.layout import headline_path

logger = logging.getLogger(__name__)


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


def site_names(tree, ld: dict, url: str | None) -> set[str]:
    """Names the site goes by: og:site_name, application-name, the JSON-LD publisher's
    name, the name in the host (``thesun`` for www.thesun.co.uk)."""
    names = {meta(tree, "og:site_name"), meta(tree, "application-name"), host_name(url)}
    publisher = ld.get("publisher")
    for pub in publisher if isinstance(publisher, list) else [publisher]:
        if isinstance(pub, dict):
            names.add(clean_text(pub.get("name")))
    return {n for n in names if n}


def h1_texts(tree) -> list[str]:
    return [t for t in (clean_text(h1.text_content()) for h1 in tagged(tree, "h1")) if t]


def find_title(tree, ld: dict, url: str | None = None, h1s: list[str] | None = None) -> str | None:
    """The headline (:mod:`pipelines.clean.headline`); ``h1s``: :func:`h1_texts` when known."""
    h1s = h1_texts(tree) if h1s is None else h1s
    candidates = [clean_text(ld.get("headline")), meta(tree, "og:title"),
                  meta(tree, "twitter:title"), title_tag(tree)]
    return choose(h1s, candidates, site_names(tree, ld, url))


def title_tag(tree) -> str | None:
    """The text of ``<title>``, cleaned."""
    return clean_text(" ".join(t.text_content() for t in tagged(tree, "title")))


def find_language(tree) -> str | None:
    lang = (tree.get("lang") or tree.get("xml:lang")
            or meta(tree, "og:locale", "language", "content-language", "dc.language"))
    return (lang or "").replace("_", "-").split("-")[0].strip().lower() or None


def _empty(url: str | None) -> dict:
    return {"title": None, "page_title": None, "authors": [], "published": None, "modified": None,
            "language": None, "canonical_url": url, "og_type": None, "ld_type": None,
            "headlines": []}


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
    page = headline_path(tree)
    og, declared = type_hints(tree, ld)
    h1s = h1_texts(tree)
    return {
        "title": find_title(tree, ld, url, h1s),
        "page_title": title_tag(tree),
        "headlines": h1s[:3],
        "authors": people.find_authors(tree, ld, page),
        "published": dates.published(tree, ld, url, page),
        "modified": dates.modified(tree, ld),
        "language": find_language(tree),
        "canonical_url": canonical_url(tree, url),
        "og_type": og,
        "ld_type": declared,
    }
