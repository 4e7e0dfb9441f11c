"""Main entry point: HTML → Extraction (body paragraphs + metadata + page type)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import lxml.html
from readability import Document

from pipelines.clean import boilerplate, metadata
from pipelines.clean.classify import page_type
from pipelines.clean.html import decode_html, parse_html

_WS = re.compile(r"\s+")
BLOCK_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "dd", "dt",
              "figcaption")


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

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def word_count(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)

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


def _blocks(summary_html: str) -> list[str]:
    tree = lxml.html.fromstring(summary_html)
    out = []
    for el in tree.iter(*BLOCK_TAGS):
        if any(anc.tag in BLOCK_TAGS for anc in el.iterancestors()):
            continue
        text = _WS.sub(" ", el.text_content()).strip()
        if text:
            out.append(text)
    return out


def body_paragraphs(html: str) -> list[str]:
    """The article body as paragraphs, boilerplate removed."""
    cleaned = boilerplate.strip_boilerplate_elements(parse_html(html))
    summary = Document(lxml.html.tostring(cleaned, encoding="unicode")).summary(html_partial=True)
    return boilerplate.filter_paragraphs(_blocks(summary))


def extract(body: bytes | str, url: str | None = None, *, encoding: str | None = None) -> Extraction:
    html = decode_html(body, encoding) if isinstance(body, bytes) else body
    tree = parse_html(html)
    meta = metadata.extract_metadata(tree, html, url)
    og_type, ld_type = meta.pop("og_type"), meta.pop("ld_type")
    paragraphs = body_paragraphs(html) if tree is not None and len(tree) else []
    doc = Extraction(url=url, site=site_of(meta.get("canonical_url") or url), paragraphs=paragraphs,
                     **meta)
    doc.page_type = page_type(tree, url, doc.word_count, og_type, ld_type)
    return doc
