"""Article or not: structured data first, then text density and URL shape."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

ARTICLE_TYPES = {"article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
                 "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "report",
                 "scholarlyarticle", "techarticle", "liveblogposting"}
_DATE_PATH = re.compile(r"/(19|20)\d\d[/-]\d{1,2}([/-]\d{1,2})?/")
_HUB_PATH = re.compile(r"/(tag|tags|category|categories|section|topics?|author|page|search)(/|$)", re.I)
MIN_ARTICLE_WORDS = 120


def url_looks_like_article(url: str | None) -> bool:
    if not url:
        return False
    path = urlsplit(url).path
    if _HUB_PATH.search(path):
        return False
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return bool(_DATE_PATH.search(path)) or last.count("-") >= 3 or last.endswith((".html", ".htm"))


def _declared_article(og_type: str | None, ld_type: str | None) -> bool:
    return bool(ld_type and ld_type.lower() in ARTICLE_TYPES
                or og_type and og_type.lower() == "article")


def _hub_url(url: str | None) -> bool:
    path = urlsplit(url or "").path
    return bool(_HUB_PATH.search(path)) or path in ("", "/")


def hub_whatever_the_body(url: str | None, og_type: str | None, ld_type: str | None) -> bool:
    """A page :func:`page_type` calls a hub whatever its body holds (unless the body is empty):
    no article type declared, and a hub path (tag, section, page, ...) or the site root."""
    return not _declared_article(og_type, ld_type) and _hub_url(url)


def page_type(tree, url: str | None, word_count: int, og_type: str | None,
              ld_type: str | None) -> str:
    """'article', 'hub' (listing/section/home) or 'other' (no real text)."""
    if _declared_article(og_type, ld_type):
        return "article" if word_count >= 30 else "other"
    if tree is None or word_count == 0:
        return "other"
    if _hub_url(url):
        return "hub"
    if word_count >= MIN_ARTICLE_WORDS // 2 and url_looks_like_article(url):
        return "article"
    return "article" if word_count >= 3 * MIN_ARTICLE_WORDS else "hub"
