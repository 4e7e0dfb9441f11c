"""The article body: readability and trafilatura on one pruned tree, then a choice and filter."""

from __future__ import annotations

import copy
import logging

import lxml.html
import trafilatura
from trafilatura.settings import Extractor

from pipelines.clean import boilerplate, lists, liveblog
from pipelines.clean.html import parse_html
from pipelines.clean.html import squash as _norm
from pipelines.clean.readable import readability_html
from pipelines.textunits import tokens, units_of

logger = logging.getLogger(__name__)
PRECISION = True
BLOCK_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "dd", "dt",
              "figcaption")


def html_blocks(fragment: str) -> list[str]:
    """Text of the outermost block elements of an HTML fragment, one paragraph each."""
    if not fragment.strip():
        return []
    tree = lxml.html.fromstring(fragment)
    out = []
    for el in tree.iter(*BLOCK_TAGS):
        if any(anc.tag in BLOCK_TAGS for anc in el.iterancestors()):
            continue
        text = _norm(el.text_content())
        if text:
            out.append(text)
    return out


def readability_paragraphs(tree: lxml.html.HtmlElement, url: str | None) -> list[str]:
    return html_blocks(readability_html(tree, url))


#: trafilatura's options, built once: Extractor() reads its config file's values each time
#: (~0.3 ms); per page only the URL changes (as trafilatura's own CLI does it)
_OPTIONS = {precision: Extractor(output_format="python", fast=True, precision=precision,
                                 comments=False, with_metadata=False)
            for precision in (True, False)}


def _options(url: str | None, precision: bool) -> Extractor:
    options = copy.copy(_OPTIONS[precision])
    options.url = url
    options.source = url and url.encode("utf-8", "replace").decode("utf-8")
    return options


def trafilatura_paragraphs(tree: lxml.html.HtmlElement, url: str | None,
                           precision: bool | None = None) -> list[str]:
    """trafilatura's core extractor (fast mode) on our pruned tree."""
    precision = PRECISION if precision is None else precision
    try:
        doc = trafilatura.bare_extraction(tree, url=url, options=_options(url, precision))
    except (ValueError, TypeError) as exc:
        logger.debug("presskeep: trafilatura failed on %s: %s", url, exc)
        return []
    text = (doc.text if doc is not None else "") or ""
    return [p for p in (_norm(line) for line in text.split("\n")) if p]


#: readability's text replaces trafilatura's when it is this much longer and covers it
LONGER_RATIO = 1.3
MIN_COVER = 0.8


def _chars(paragraphs: list[str]) -> int:
    return sum(len(p) for p in paragraphs)


def _cover(inner: list[str], outer: list[str]) -> float:
    """Share of ``inner``'s distinct words (characters in scripts written without spaces)
    that also occur in ``outer``."""
    words = set(tokens(" ".join(inner), lower=False))
    return len(words & set(tokens(" ".join(outer), lower=False))) / max(1, len(words))


def choose(traf: list[str], read: list[str]) -> list[str]:
    """trafilatura's paragraphs unless readability found clearly more of the same article."""
    if not traf:
        return read
    if _chars(read) > LONGER_RATIO * _chars(traf) and _cover(traf, read) > MIN_COVER:
        return read
    return traf


#: readability runs only when trafilatura's text is outside this share of the page's <p> text
#: (too little: it may have cut the article short; too much: the text is not in <p>s)
SECOND_OPINION = (0.7, 1.2)


def needs_second_opinion(traf: list[str], tree: lxml.html.HtmlElement) -> bool:
    """Cheap test of whether trafilatura's paragraphs could be incomplete."""
    p_text = sum(len(p.text_content()) for p in tree.iter("p"))
    share = _chars(traf) / max(p_text, 1)
    return not traf or not SECOND_OPINION[0] <= share <= SECOND_OPINION[1]


def body_paragraphs(tree: lxml.html.HtmlElement, url: str | None = None) -> list[str]:
    """The article body of a pruned tree as paragraphs, generic boilerplate removed.

    trafilatura (precision mode) alone when its text looks complete; otherwise readability
    is asked, and if readability does not win either, trafilatura in balanced mode. On a live
    blog (see :mod:`pipelines.clean.liveblog`) the updates are dropped, leaving its summary.
    """
    updates = liveblog.take(tree)
    return liveblog.drop_updates(_candidates(tree, url), updates)


def _candidates(tree: lxml.html.HtmlElement, url: str | None) -> list[str]:
    traf = lists.recover(tree, trafilatura_paragraphs(tree, url), url)
    kept = boilerplate.filter_paragraphs(traf)
    if not needs_second_opinion(traf, tree):
        return kept
    # generic line rules on both candidates, then the choice between them
    best = choose(kept, boilerplate.filter_paragraphs(readability_paragraphs(tree, url)))
    if best and best == kept:
        balanced = boilerplate.filter_paragraphs(trafilatura_paragraphs(tree, url, False))
        best = choose(best, balanced)
    return best


#: a body shorter than this (words) is checked against trafilatura on the unpruned page
STUB_WORDS = 150
#: ... which replaces it when it finds this many times more text, and at least STUB_WORDS
STUB_RATIO = 3.0
#: below this many words our text need not be covered by the replacement (a caption, a stub)
STUB_COVER_WORDS = 40


def stub_fallback(paragraphs: list[str], html: str, url: str | None) -> list[str]:
    """Our paragraphs, or trafilatura's on the page as it came (not pruned) when ours are a
    stub of what it finds there.

    A guard against pruning that took the article away with its wrapper (a section whose
    class names furniture, each under the 35 % guard; markup that hides it) and against a
    pick of one block (a caption, a header) where the page holds a long text: when ours has
    fewer than STUB_WORDS words, trafilatura runs on a fresh parse of the page, and its text
    wins when it is STUB_RATIO times longer, at least STUB_WORDS, and holds MIN_COVER of our
    words (the same article, more of it) unless ours is shorter than STUB_COVER_WORDS.
    """
    mine = units_of(paragraphs)
    if mine >= STUB_WORDS:
        return paragraphs
    tree = parse_html(html)
    if tree is None or not len(tree):
        return paragraphs
    theirs = boilerplate.filter_paragraphs(trafilatura_paragraphs(tree, url))
    found = units_of(theirs)
    if found < max(STUB_WORDS, STUB_RATIO * mine):
        return paragraphs
    if mine >= STUB_COVER_WORDS and _cover(paragraphs, theirs) < MIN_COVER:
        return paragraphs
    return theirs
