"""Element rules of the prune step (docs/cleaning.md, "The method", step 1): text after a lead
figure becomes a paragraph, a card inside running text goes and the sentence stays, a
labelled paragraph of related links goes; on fixture pages written for them."""

from __future__ import annotations

from pathlib import Path

from pipelines.clean import extract

FIXTURES = Path(__file__).parent / "fixtures" / "clean_prune_rules"


def _page(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_text_after_a_lead_figure_is_a_paragraph():
    doc = extract(_page("figure_tail.html"), "https://example.org/news/council")
    assert doc.paragraphs[0].startswith("The council voted on Tuesday")
    assert len(doc.paragraphs) == 4


def test_card_inside_a_sentence_goes_the_sentence_stays():
    doc = extract(_page("card.html"), "https://example.org/news/threat")
    assert doc.paragraphs[0] == ("A man pleaded guilty on Monday to charges he threatened to kill "
                                 "Rep. Jane Roe (D-Minn.), the Justice Department said in a "
                                 "statement.")
    # an inline image, and links without an image, are not a card
    assert "left a recorded message with his name" in doc.text
    assert len(doc.paragraphs) == 4


def test_read_more_paragraph_of_links_is_dropped_a_labelled_sentence_stays():
    doc = extract(_page("read_more.html"), "https://example.org/news/bus")
    assert "Why the roads budget" not in doc.text and "five charts" not in doc.text
    assert any(p.startswith("More on this story: the council's budget") for p in doc.paragraphs)
    assert len(doc.paragraphs) == 5
