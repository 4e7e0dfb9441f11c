"""Main entry point: HTML → Extraction (body paragraphs + metadata + page type)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from typing import TYPE_CHECKING

from pipelines.clean import boilerplate, metadata
from pipelines.clean.body import body_paragraphs, stub_fallback
from pipelines.clean.classify import hub_whatever_the_body, looks_binary, page_type
from pipelines.clean.html import decode_html, parse_html
from pipelines.clean.language import page_language
from pipelines.textunits import units, units_of

if TYPE_CHECKING:
    from pipelines.clean.sitemodel import SiteModel

@dataclass
class Extraction:
    url: str | None = None
    canonical_url: str | None = None
    site: str | None = None
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    modified: str | None = None
    language: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    page_type: str = "other"
    #: the page's ``<title>`` as it stands, from which a site model learns the site's affix
    page_title: str | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def word_count(self) -> int:
        """Length of the text in words, scripts written without spaces counted by
        characters (:func:`pipelines.textunits.units`)."""
        return units_of(self.paragraphs)

    @property
    def is_article(self) -> bool:
        return self.page_type == "article"

    def as_dict(self) -> dict:
        return {"url": self.url, "canonical_url": self.canonical_url, "site": self.site,
                "title": self.title, "authors": self.authors, "published": self.published,
                "modified": self.modified, "language": self.language, "text": self.text,
                "word_count": self.word_count, "page_type": self.page_type}


def site_of(url: str | None) -> str | None:
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host or None


def _same(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


#: a headline copy is dropped when only this many short lines (a section label, a kicker) of at
#: most LABEL_WORDS words each come before it
MAX_LABELS = 2
LABEL_WORDS = 4


def drop_title(paragraphs: list[str], title: str | None, *variants: str) -> list[str]:
    """The body without a leading copy of the headline (metadata carries the title), nor the
    section label or kicker above it ("Politics", "News"). ``variants``: other forms the
    page shows the headline in (its ``<h1>`` with a kicker or a "[Watch]" tag)."""
    titles = [t for t in (title, *variants) if t]
    if not paragraphs or not titles:
        return paragraphs
    for index, para in enumerate(paragraphs[:MAX_LABELS + 1]):
        joined = " ".join(paragraphs[:index + 1])
        if any(_same(para, t) or _same(joined, t) for t in titles):
            return paragraphs[index + 1:]
        if units(para) > LABEL_WORDS:
            break
    return paragraphs


# an opening line that is only a byline: "By Jane Doe", "posted on by Jane Doe"
_BYLINE = re.compile(r"^(?i:((posted|published|written|updated)( on)?\s+)?by)\s+"
                     r"([A-Z][\w.'’-]*,?\s*((?i:and)\s+|&\s+)?){1,8}$")
BYLINE_WORDS = 10


def drop_byline(paragraphs: list[str]) -> list[str]:
    """The body without an opening byline line (metadata carries the authors)."""
    if paragraphs and units(paragraphs[0]) <= BYLINE_WORDS and _BYLINE.match(paragraphs[0]):
        return paragraphs[1:]
    return paragraphs


def extract(body: bytes | str, url: str | None = None, *, encoding: str | None = None,
            site_model: "SiteModel | None" = None, skip_known_hubs: bool = False,
            content_type: str | None = None) -> Extraction:
    """Clean one page: metadata from the whole document, body from the pruned tree.

    ``site_model`` (a learned :class:`pipelines.clean.sitemodel.SiteModel` for the page's
    site) removes the text blocks that recur across that site's pages. ``skip_known_hubs``
    (the crawl's choice: it keeps articles only) skips the body and the metadata of a page
    that is a hub whatever its body says (:func:`pipelines.clean.classify.hub_whatever_the_body`):
    no paragraphs, no title, dates or authors, page type 'hub'. Bytes are decoded by
    :func:`pipelines.clean.html.decode`: ``content_type`` is the response's Content-Type
    header (``encoding`` stands for one naming it).
    """
    html = decode_html(body, encoding, content_type) if isinstance(body, bytes) else body
    return extract_parsed(parse_html(html), html, url, site_model=site_model,
                          skip_known_hubs=skip_known_hubs)


def extract_parsed(tree, html: str, url: str | None = None, *,
                   site_model: "SiteModel | None" = None,
                   skip_known_hubs: bool = False) -> Extraction:
    """:func:`extract` of a page already decoded (``html``) and parsed (``tree``, from
    :func:`~pipelines.clean.html.parse_html`; cleaning prunes it). A binary body
    (:func:`~pipelines.clean.classify.looks_binary`) is not cleaned: page type 'binary'."""
    if looks_binary(html):
        return Extraction(url=url, site=site_of(url), page_type="binary")
    if skip_known_hubs and tree is not None and hub_whatever_the_body(
            url, lambda: metadata.type_hints(tree)):
        canonical = metadata.canonical_url(tree, url)  # a hub is not stored: no metadata either
        return Extraction(url=url, site=site_of(canonical or url), canonical_url=canonical,
                          page_type="hub")
    meta = metadata.extract_metadata(tree, html, url)
    og_type, ld_type = meta.pop("og_type"), meta.pop("ld_type")
    headlines = meta.pop("headlines")
    paragraphs: list[str] = []
    if tree is not None and len(tree):
        paragraphs = stub_fallback(body_paragraphs(boilerplate.prune(tree), url), html, url)
    if site_model is not None:
        meta["title"] = site_model.clean_title(meta.get("title"))
    paragraphs = drop_byline(drop_title(paragraphs, meta.get("title"), *headlines))
    if site_model is not None:
        paragraphs = site_model.filter(paragraphs)
    doc = Extraction(url=url, site=site_of(meta.get("canonical_url") or url), paragraphs=paragraphs,
                     **meta)
    doc.language = page_language(doc.title, doc.text, doc.language)
    doc.page_type = page_type(tree, url, doc.word_count, og_type, ld_type)
    return doc
