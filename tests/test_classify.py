"""Article or listing, for pages that declare no type and whose URL says nothing."""

from __future__ import annotations

import random

import pytest

from pipelines.clean import extract

WORDS = ("council budget river school market vote rain bridge court season hospital farm "
         "harbour election museum league rail festival report housing").split()


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def page(blocks: list[str]) -> str:
    return ("<html><head><title>Politics | Bench News</title></head><body>"
            "<header><nav><a href='/'>Home</a> <a href='/politics/'>Politics</a></nav></header>"
            f"<main>{''.join(blocks)}</main><footer>(c) Bench News</footer></body></html>")


def teasers(n: int, words: int, rng: random.Random) -> list[str]:
    """A section front's column: headline linking to a dated story, a summary paragraph."""
    return [f"<article><h3><a href='/politics/2026/03/story-{i}.html'>{sentence(rng, 8)}</a></h3>"
            f"<p>{sentence(rng, words)}</p></article>" for i in range(n)]


def article(paragraphs: int, rng: random.Random, subheads: int = 0) -> list[str]:
    body = [f"<h1>{sentence(rng, 9)}</h1>"]
    for i in range(paragraphs):
        body.append(f"<p>{sentence(rng, 30)} {sentence(rng, 25)}</p>")
        if i < subheads:  # a linked subhead pointing at another story
            body.append(f"<h2><a href='/world/2025/11/story-{i}.html'>{sentence(rng, 6)}</a></h2>")
    return body


@pytest.mark.parametrize("url", ["https://news.example/politics/", "https://news.example/latest"])
def test_section_front_is_a_listing(url):
    """30 teasers with summaries (~700 words, no declared type, no article-like URL): a hub."""
    doc = extract(page(teasers(30, 14, random.Random(1))), url)
    assert doc.word_count >= 3 * 120
    assert doc.page_type == "hub"


def test_undeclared_article_at_a_plain_url_stays_an_article():
    """A long story at a URL that says nothing, with a few linked subheads: an article."""
    doc = extract(page(article(12, random.Random(2), subheads=3)), "https://news.example/p/48213")
    assert doc.page_type == "article"


def test_long_article_with_many_linked_subheads_stays_an_article():
    """Ten linked subheads, but ~170 words of text for each: still an article."""
    doc = extract(page(article(30, random.Random(3), subheads=10)), "https://news.example/p/48214")
    assert doc.word_count > 10 * 100
    assert doc.page_type == "article"


def test_declared_article_is_an_article_whatever_its_headings():
    head = '<meta property="og:type" content="article">'
    html = page(teasers(30, 14, random.Random(4))).replace("<head>", "<head>" + head)
    assert extract(html, "https://news.example/politics/").page_type == "article"
