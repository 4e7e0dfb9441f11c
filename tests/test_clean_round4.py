"""Round-4 generic cleaning rules (docs/cleaning.md "Round 4"), on fixture pages written for them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.clean import extract
from pipelines.clean.boilerplate import filter_paragraphs, is_boilerplate_line, is_tail_heading
from pipelines.clean.liveblog import drop_updates

FIXTURES = Path(__file__).parent / "fixtures" / "clean_round4"


def _page(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_text_after_a_lead_figure_is_a_paragraph():
    doc = extract(_page("figure_tail.html"), "https://example.org/news/council")
    assert doc.paragraphs[0].startswith("The council voted on Tuesday")
    assert len(doc.paragraphs) == 4


def test_captions_credits_and_promo_lines_are_dropped():
    doc = extract(_page("captions.html"), "https://example.org/news/council")
    text = doc.text
    for gone in ("Residents at the council meeting", "Getty Images", "CLICKING HERE",
                 "(MORE:", "Scroll through the gallery"):
        assert gone not in text
    assert len(doc.paragraphs) == 4
    assert doc.paragraphs[-1].startswith("The mayor thanked volunteers")


def test_live_blog_keeps_its_summary_not_its_updates():
    doc = extract(_page("liveblog.html"), "https://example.org/live/war")
    expected = json.loads((FIXTURES / "liveblog.expected.json").read_text())
    assert doc.paragraphs == expected


def test_live_blog_rule_never_empties_a_page():
    paras = ["Negotiators returned to the capital on Thursday evening for new talks."]
    assert drop_updates(paras, paras[0]) == paras
    assert drop_updates(paras, "") == paras


@pytest.mark.parametrize("line, drop", [
    ("The dress sold at auction in Paris. (Valerie Macon / AFP / Getty Images)", True),
    ("Protesters gather outside the Capitol on Feb. 8, 2019. (AP)", True),
    ("Officials said the figure came from Reuters (Reuters)", True),
    ("Digital records are discussed as the electronic patient file (ePA)", False),
    ("The archive system (PACS) stores the images (Picture Archiving)", False),
    ("Get Motor Cycle Monthly delivered every month. Click here for more information.", True),
    ("(MORE: Iceland Volcano Eruption: What We Know)", True),
    ("Read more on noughties stars", True),
    ("Most read in Music", True),
    ("Scroll through the gallery below to see photos of the family today!", True),
    ("Read more books, the mayor urged the pupils during her visit on Friday morning.", False),
])
def test_round4_line_rules(line, drop):
    assert is_boilerplate_line(line) is drop


def test_reference_list_heading_cuts_the_tail():
    body = ["A long paragraph of article text that carries most of the page. " * 5,
            "Another paragraph with more of the article in it for the reader. " * 3]
    assert is_tail_heading("References:") and is_tail_heading("Our Sources")
    assert filter_paragraphs(body + ["References:", "https://example.org/paper"]) == body


def test_long_closing_bio_is_dropped():
    bio = ("Emma Doe is the Senior Entertainment Editor at Example, where she shapes TV, movie "
           "and music coverage, writes celebrity profiles and edits stories across the site. " * 4)
    body = ["The interview ran for an hour and covered the actor's career so far. " * 5]
    assert len(bio) > 400
    assert filter_paragraphs(body + [bio.strip()]) == body
