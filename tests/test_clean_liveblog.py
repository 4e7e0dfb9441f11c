"""Live blogs (docs/cleaning.md, "The method", step 5): the paragraphs that repeat an update the
page's JSON-LD declares are dropped, the live blog's summary stays."""

from __future__ import annotations

import json
from pathlib import Path

from pipelines.clean import extract
from pipelines.clean.liveblog import drop_updates

FIXTURES = Path(__file__).parent / "fixtures" / "clean_liveblog"


def test_live_blog_keeps_its_summary_not_its_updates():
    doc = extract((FIXTURES / "liveblog.html").read_bytes(), "https://example.org/live/war")
    expected = json.loads((FIXTURES / "liveblog.expected.json").read_text())
    assert doc.paragraphs == expected


def test_live_blog_rule_never_empties_a_page():
    paras = ["Negotiators returned to the capital on Thursday evening for new talks."]
    assert drop_updates(paras, paras[0]) == paras
    assert drop_updates(paras, "") == paras
