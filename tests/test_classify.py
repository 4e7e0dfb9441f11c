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


BRIEF = ("Trains on the northern line were suspended for about two hours on Monday morning after "
         "a power failure near the central station, the operator said. Around 40,000 commuters "
         "were affected. Services resumed shortly after 9 a.m., and the cause is being "
         "investigated by the operator and the city.")


def test_brief_inside_a_headed_article_element_is_an_article():
    """48 words in ``<article>`` under its headline, no declared type, a URL that says nothing."""
    assert len(BRIEF.split()) == 48
    html = page(["<article><h1>Power cut stops northern line trains</h1>"
                 f"<p class='byline'>By Jane Doe</p><p>{BRIEF}</p></article>"])
    doc = extract(html, "https://news.example/n/48213")
    assert doc.word_count == 48
    assert doc.page_type == "article"


def test_listing_of_article_cards_with_headlines_stays_a_hub():
    """Ten ``<article>`` cards, each a linked headline and a teaser: a listing, not a brief."""
    rng = random.Random(5)
    cards = [f"<article class='card'><h2><a href='/n/{4000 + i}'>{sentence(rng, 8)}</a></h2>"
             f"<p>{sentence(rng, 14)}</p></article>" for i in range(10)]
    doc = extract(page(["<h1>Politics</h1>", *cards]), "https://news.example/politics")
    assert doc.page_type == "hub"


def test_short_page_declared_a_website_is_not_a_brief():
    """An "About us" page in ``<article>`` with a heading, declared og:type website."""
    html = page([f"<article><h1>About Bench News</h1><p>{BRIEF}</p></article>"]).replace(
        "<head>", '<head><meta property="og:type" content="website">')
    assert extract(html, "https://news.example/about").page_type == "hub"


def test_benchmark_site_hubs_are_not_articles_and_its_articles_are():
    """Every kind of hub of the generated site (home, sections, subsections, paginated, tag,
    static pages) and its articles, cleaned as the crawl cleans them."""
    from sample.large_site import sample_pages

    for path, html in sample_pages(60, n=1500, per_kind=15):
        doc = extract(html, "http://bench.test" + path, skip_known_hubs=True)
        assert (doc.page_type == "article") == ("/story-" in path), path
