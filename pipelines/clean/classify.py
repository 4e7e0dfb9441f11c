"""Article or not: structured data first, then text density and URL shape."""

from __future__ import annotations

import re
from typing import Callable
from urllib.parse import urljoin, urlsplit

ARTICLE_TYPES = {"article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
                 "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "report",
                 "scholarlyarticle", "techarticle", "liveblogposting"}
#: declared page types that are not stories (og:type website, JSON-LD WebPage, AboutPage, ...)
NOT_ARTICLE_TYPES = {"website", "webpage", "aboutpage", "contactpage", "collectionpage",
                     "searchresultspage", "profilepage", "faqpage", "checkoutpage"}
_DATE_PATH = re.compile(r"/(19|20)\d\d[/-]\d{1,2}([/-]\d{1,2})?/")
_HUB_PATH = re.compile(r"/(tag|tags|category|categories|section|topics?|author|page|search)(/|$)", re.I)
#: lengths in words as :func:`pipelines.textunits.units` counts them (scripts written
#: without spaces by characters)
MIN_ARTICLE_WORDS = 120
#: a page marked as an article (declared type, or one headed <article>) with this many words
#: is one: a brief
MIN_BRIEF_WORDS = 40
#: a page whose headings link to this many other stories of its site, at least one every
#: TEASER_WORDS words of text, is a listing (section front), not an article
MIN_TEASERS = 10
TEASER_WORDS = 100
#: characters no text is made of: C0 controls but tab, LF, FF and CR; DEL and the C1
#: controls; U+FFFD, which stands for bytes the charset could not decode
_GARBAGE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")
#: a page whose sample is more than this share garbage is binary, not text. Random bytes
#: decode to 11-14 % garbage in a single-byte charset, 21-56 % in a multibyte one; the 287
#: benchmark pages (18 languages) to 0.05 % at most, a cp1252 page labelled utf-8 to 0.6 %
MAX_GARBAGE_SHARE = 0.05
#: characters sampled at the start, the middle and the end of a page
SAMPLE_SPAN = 2048


def url_looks_like_article(url: str | None) -> bool:
    if not url:
        return False
    path = urlsplit(url).path
    if _HUB_PATH.search(path):
        return False
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return bool(_DATE_PATH.search(path)) or last.count("-") >= 3 or last.endswith((".html", ".htm"))


def looks_binary(text: str) -> bool:
    """Whether a decoded page is binary (or decoded so wrongly that it is unreadable): more
    than MAX_GARBAGE_SHARE of a sample of it is control characters and U+FFFD."""
    span = SAMPLE_SPAN
    if len(text) > 3 * span:
        middle = (len(text) - span) // 2
        text = text[:span] + text[middle:middle + span] + text[-span:]
    return len(_GARBAGE.findall(text)) > MAX_GARBAGE_SHARE * len(text)


def _declared_article(og_type: str | None, ld_type: str | None) -> bool:
    return bool(ld_type and ld_type.lower() in ARTICLE_TYPES
                or og_type and og_type.lower() == "article")


def _hub_url(url: str | None) -> bool:
    path = urlsplit(url or "").path
    return bool(_HUB_PATH.search(path)) or path in ("", "/")


def hub_whatever_the_body(url: str | None,
                          hints: Callable[[], tuple[str | None, str | None]]) -> bool:
    """A page :func:`page_type` calls a hub whatever its body holds (unless the body is empty):
    a hub path (tag, section, page, ...) or the site root, and no article type declared.

    ``hints()`` gives the page's (og:type, JSON-LD type); it is asked only for a hub URL, so
    an article's JSON-LD is not parsed for this.
    """
    return _hub_url(url) and not _declared_article(*hints())


def teaser_links(tree, url: str | None) -> int:
    """How many other stories of the page's site its headings (h1-h4) link to.

    A section front is a column of teasers: a headline linking to a story, a summary.
    Only links to URLs that look like articles count (not tags, authors, sections), each
    story once, and only the first link of a heading.
    """
    base = url or ""
    host = urlsplit(base).netloc
    self_url = base.split("#", 1)[0]
    stories: set[str] = set()
    for heading in tree.iter("h1", "h2", "h3", "h4"):
        link = next(heading.iter("a"), None)
        href = link.get("href") if link is not None else None
        if not href:
            continue
        target = urljoin(base, href).split("#", 1)[0]
        if (urlsplit(target).netloc in ("", host) and target != self_url
                and url_looks_like_article(target)):
            stories.add(target)
    return len(stories)


def headed_article(tree) -> bool:
    """Whether the page holds one story under its own headline: exactly one ``<article>``
    whose first heading (h1-h3) is not a link. A teaser card's headline links to its story,
    so a listing of ``<article>`` cards has none; a story page's related-story cards do not
    count against it."""
    headed = 0
    for el in tree.iter("article"):
        heading = next(el.iter("h1", "h2", "h3"), None)
        if heading is None or any(a.get("href") for a in heading.iter("a")):
            continue
        if any(anc.tag == "article" for anc in el.iterancestors()):
            continue
        headed += 1
        if headed > 1:
            return False
    return headed == 1


def page_type(tree, url: str | None, word_count: int, og_type: str | None,
              ld_type: str | None) -> str:
    """'article', 'hub' (listing/section/home) or 'other' (no real text); 'binary'
    (:func:`looks_binary`) is decided before, by :func:`~pipelines.clean.extract.extract`.

    ``tree`` is the pruned tree the body came from; ``word_count`` the length of the body
    text (:func:`pipelines.textunits.units`)."""
    if _declared_article(og_type, ld_type):
        return "article" if word_count >= MIN_BRIEF_WORDS else "other"
    if tree is None or word_count == 0:
        return "other"
    if _hub_url(url):
        return "hub"
    declared_other = any(t and t.lower() in NOT_ARTICLE_TYPES for t in (og_type, ld_type))
    if word_count >= MIN_BRIEF_WORDS and not declared_other and headed_article(tree):
        return "article"
    if word_count >= MIN_ARTICLE_WORDS // 2 and url_looks_like_article(url):
        return "article"
    if word_count < 3 * MIN_ARTICLE_WORDS:
        return "hub"
    teasers = teaser_links(tree, url)
    listing = teasers >= MIN_TEASERS and teasers * TEASER_WORDS >= word_count
    return "hub" if listing else "article"
