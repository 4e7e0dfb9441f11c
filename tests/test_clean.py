"""Cleaning on fixture pages: the seed-like page's text is exactly its paragraphs; metadata."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from pipelines.clean import Extraction, extract

FIXTURES = Path(__file__).parent / "fixtures" / "clean"


def _fixture(name: str) -> tuple[bytes, dict]:
    expected = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return (FIXTURES / f"{name}.html").read_bytes(), expected


def _without_telling_classes(html: bytes) -> bytes:
    """The seed page with neutral class names: only the generic line rules can help."""
    return html.replace(b"tts-wrap", b"box-a").replace(b"tts-controls", b"box-b").replace(
        b"latest-block-plain", b"box-c").replace(b"ad-slot", b"box-d")


@pytest.mark.parametrize("variant", ["as-published", "neutral-classes"])
def test_seed_page_text_is_exactly_its_paragraphs(variant):
    html, expected = _fixture("seed_ghana")
    if variant == "neutral-classes":
        html = _without_telling_classes(html)
    doc = extract(html, expected["url"])
    assert doc.paragraphs == expected["paragraphs"]
    assert "Carbonatix" not in doc.text and "minutes -" not in doc.text


@pytest.mark.parametrize("name", ["seed_ghana", "meta_tags"])
def test_metadata(name):
    html, expected = _fixture(name)
    doc = extract(html, expected["url"])
    assert doc.title == expected["title"]
    assert doc.authors == expected["authors"]
    assert (doc.published or "")[:10] == expected["published"]
    assert (doc.modified or "")[:10] == expected["modified"]
    assert doc.language == expected["language"]
    assert doc.canonical_url == expected["canonical_url"]
    assert doc.page_type == expected["page_type"]


def test_extraction_pickles_and_serialises():
    html, expected = _fixture("seed_ghana")
    doc = extract(html, expected["url"])
    again = pickle.loads(pickle.dumps(doc))
    assert isinstance(again, Extraction) and again.as_dict() == doc.as_dict()
    assert doc.text == "\n\n".join(doc.paragraphs) and doc.is_article


@pytest.mark.parametrize("body", [b"", b"   ", b"\x00\x00", b"<html></html>", b"not html at all"])
def test_degenerate_input(body):
    doc = extract(body, "https://x.test/")
    assert doc.paragraphs == [] or isinstance(doc.paragraphs, list)
    assert doc.page_type in {"article", "hub", "other"}


@pytest.mark.parametrize("raw, names", [
    ("By Jane Doe and John Roe, Reuters", ["Jane Doe", "John Roe"]),
    ("Chris E. Hayner, Tom Caswell", ["Chris E. Hayner", "Tom Caswell"]),
    ("Najib Jobain, Associated Press", ["Najib Jobain"]),
    ("December 22, 2023 3:00 AM", []),
    ("https://example.test/staff/jane", []),
])
def test_author_names(raw, names):
    from pipelines.clean.people import split_names

    assert split_names(raw) == names


@pytest.mark.parametrize("raw, iso", [
    ("2026-11-24T09:12:00Z", "2026-11-24T09:12:00+00:00"),
    ("12/20/2023 20:41:43", "2023-12-20T20:41:43"),
    ("2023-12-20", "2023-12-20"),
    ("yesterday", None),
])
def test_dates_normalised(raw, iso):
    from pipelines.clean.dates import normalize

    assert normalize(raw) == iso


def test_url_date():
    from pipelines.clean.dates import url_date

    assert url_date("https://x.test/news/2023/12/19/story") == "2023-12-19"
    assert url_date("https://x.test/2023-12-19/story") == "2023-12-19"
    assert url_date("https://x.test/2023/13/40/story") is None


def test_meta_index_and_element_class():
    from pipelines.clean.html import meta_values, parse_html

    tree = parse_html('<html><head><meta property="og:title" content="A &amp; B">'
                      '<meta name="author" content="Jane Doe"><meta name="author" content="X">'
                      '</head><body><form><input name="q"></form><p>Hi <b>there</b></p></body></html>')
    assert meta_values(tree, "property", "og:title") == ["A & B"]
    assert meta_values(tree, "name", "author") == ["Jane Doe", "X"]
    assert meta_values(tree, "name", "missing") == []
    other = parse_html('<html><head><meta name="author" content="Other"></head></html>')
    assert meta_values(other, "name", "author") == ["Other"]
    assert tree.find(".//p").text_content() == "Hi there"
    tree.find(".//form").drop_tree()
    assert tree.find(".//form") is None


def test_body_is_trafilatura_text_and_empty_stays_empty():
    from pipelines.clean.body import body_paragraphs
    from pipelines.clean.html import parse_html

    one = "The council approved the budget after a long debate about the new library. " * 3
    two = "Opponents said the money should go to road repairs before any new building. " * 3
    tree = parse_html(f"<html><body><div><p>{one}</p><p>{two}</p></div></body></html>")
    assert body_paragraphs(tree) == [one.strip(), two.strip()]
    assert body_paragraphs(parse_html("<html><body><div></div></body></html>")) == []


_HUB_PAGE = ("<html><head><title>Council</title>{meta}</head><body><h1>Council news today</h1>"
             + "".join(f"<p>Story {i}: the council met again on the harbour budget and the "
                       f"railway, officials said in a statement to reporters.</p>" for i in range(12))
             + "</body></html>")


@pytest.mark.parametrize("url, meta, skipped", [
    ("https://x.test/tag/council", "", True),
    ("https://x.test/", "", True),
    ("https://x.test/tag/council", '<meta property="og:type" content="article">', False),
    ("https://x.test/news/council-meets-on-the-budget", "", False),
])
def test_skip_known_hubs(url, meta, skipped):
    """The crawl's option: a page that is a hub whatever its body says gets no body and no
    metadata (the crawl stores no hub), only its site and canonical URL."""
    html = _HUB_PAGE.format(meta=meta).encode()
    full = extract(html, url)
    fast = extract(html, url, skip_known_hubs=True)
    assert full.paragraphs
    if skipped:
        assert full.page_type == fast.page_type == "hub" and fast.paragraphs == []
        assert full.title and fast.title is None
        assert (fast.site, fast.canonical_url) == (full.site, full.canonical_url)
    else:
        assert fast.as_dict() == full.as_dict()
