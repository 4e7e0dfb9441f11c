"""Guards against catastrophic picks: the article is not lost with a wrapper that looks like
furniture, nor cut to a stub where the page plainly holds it."""

from __future__ import annotations

import random

from pipelines.clean import extract

WORDS = ("council harbour budget residents debate railway teachers fuel prices region school "
         "hospital river bridge election").split()


def paragraphs(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(40)).capitalize() + "." for _ in range(n)]


def ps(texts: list[str]) -> str:
    return "".join(f"<p>{t}</p>" for t in texts)


def test_article_inside_an_unclosed_header_aside_is_kept():
    """A header ``<aside>`` the page never closes holds the whole article (and the footer):
    tag-named furniture that holds most of the page's text is not dropped."""
    text = paragraphs(10, 1)
    html = ("<html><head><title>The harbour budget | Site</title></head><body><header>"
            "<aside class='top-bar'><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
            f"<h1>The council debates the harbour budget</h1>{ps(text)}"
            "<footer><p>© 2026 Site. All rights reserved.</p></footer></body></html>")
    doc = extract(html, "https://site.example/news/2026/03/10/harbour-budget")
    assert doc.paragraphs == text
    assert doc.page_type == "article"


def test_sidebar_aside_still_goes():
    text, side = paragraphs(6, 2), paragraphs(2, 3)
    html = (f"<html><body><main><h1>The council debates the harbour budget</h1>{ps(text)}</main>"
            f"<aside><h3>Most read</h3>{ps(side)}</aside></body></html>")
    assert extract(html, "https://site.example/news/2026/03/10/harbour").paragraphs == text


def test_long_read_in_furniture_named_sections_is_not_cut_to_its_lead():
    """A long read whose sections carry a furniture word in their class (each under the
    35 % guard) lost all but its lead to pruning; trafilatura on the page as it came finds
    the whole text, and it holds ours: it wins."""
    lead = paragraphs(2, 4)
    sections = [paragraphs(5, 10 + k) for k in range(6)]
    html = ("<html><head><title>A long read about the harbour | Site</title></head><body>"
            "<nav><a href='/'>Home</a></nav><main><h1>A long read about the harbour</h1>"
            + ps(lead) + "".join(f"<div class='article-share-section'>{ps(s)}</div>"
                                  for s in sections) + "</main></body></html>")
    doc = extract(html, "https://site.example/longread/the-harbour-story-of-the-year")
    assert doc.paragraphs == lead + [p for s in sections for p in s]


def test_short_brief_is_not_replaced_by_the_page_around_it():
    """A 60-word brief stays itself: the page holds no longer text that contains it."""
    brief = paragraphs(1, 20)
    html = (f"<html><body><main><article><h1>Trains stopped by a power cut</h1>{ps(brief)}"
            "</article></main><footer><p>© 2026 Site.</p></footer></body></html>")
    assert extract(html, "https://site.example/n/48213").paragraphs == brief
