"""In-article lists dropped by trafilatura's precision mode are recovered (docs/cleaning.md,
"In-article list recovery")."""

from __future__ import annotations

from pathlib import Path

from pipelines.clean import extract

FIXTURES = Path(__file__).parent / "fixtures" / "clean_lists"


def _doc():
    return extract((FIXTURES / "deals.html").read_bytes(), "https://www.example.org/shopping/winter-sales")


def test_link_list_between_paragraphs_is_recovered_in_place():
    paragraphs = _doc().paragraphs
    first = next(i for i, p in enumerate(paragraphs) if p.startswith("We went through"))
    assert paragraphs[first + 1] == "Kitchen offers worth a look"
    assert "Forty per cent off the steel kettle" in paragraphs[first + 2]
    assert "Thirty dollars off the compact blender" in paragraphs[first + 4]
    assert "chef's knife set" in paragraphs[first + 6]
    assert paragraphs[first + 7].startswith("Prices change quickly")


def test_precision_mode_alone_drops_the_list(monkeypatch):
    from pipelines.clean import lists

    monkeypatch.setattr(lists, "recover", lambda tree, paragraphs, url=None: paragraphs)
    assert "Forty per cent off the steel kettle" not in _doc().text


def test_list_after_the_last_paragraph_and_short_link_lists_are_not_recovered():
    text = _doc().text
    assert "Twelve garden tools" not in text
    assert "Sale" not in text.split("\n")
    assert "- Deals" not in text
    assert "Kitchen" not in text.split("\n")
    assert "News" not in text.split("\n")


def test_one_offer_list_between_paragraphs_is_recovered_a_related_story_is_not():
    doc = extract((FIXTURES / "one_offer.html").read_bytes(), "https://www.example.org/shopping/boxing-day")
    assert "- Up to 70 per cent off bedlinen, towels and homewares" in doc.paragraphs
    assert "How to tell a real sale" not in doc.text
