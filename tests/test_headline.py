"""The headline, not the <title>: site names stripped, the sources' agreement preferred,
never repeated as the first line of the text."""

from __future__ import annotations

import pytest

from pipelines.clean import extract
from pipelines.clean.headline import choose, host_name, strip_site

BODY = "".join(f"<p>{s}</p>" for s in (
    "The council voted on Tuesday to extend the bus program for another year, after residents "
    "packed the hall to argue that the service had changed their neighbourhood for the better.",
    "Officials said the budget would grow by four percent, most of it for staff, and that a "
    "review of the scheme would be published in the spring before the next vote on its future.",
    "Critics on the council said the money could have been spent on roads instead, but the "
    "motion passed by eleven votes to three after a debate that lasted well into the evening."))


def page(head: str, top: str = "") -> bytes:
    return (f"<html><head>{head}</head><body><header><h1 class='logo'>Example</h1></header>"
            f"<main>{top}{BODY}</main></body></html>").encode()


@pytest.mark.parametrize("title, sites, want", [
    ("Council extends the bus program – Regional Blog", set(), "Council extends the bus program"),
    ("PolitiFact | Council extends the bus program", {"politifact"}, "Council extends the bus program"),
    ("武汉公布十年计划 保护沿江地区_本地_江城晚报", {"江城晚报"}, "武汉公布十年计划 保护沿江地区"),
    ("川崎市、洪水対策で計画を発表｜川崎日報", {"川崎日報"}, "川崎市、洪水対策で計画を発表"),
    ("Space: the final frontier", {"space"}, "Space: the final frontier"),
    ("The Voice: Dan + Shay Bring Bigger Houses to Show Finale", set(),
     "The Voice: Dan + Shay Bring Bigger Houses to Show Finale"),
])
def test_site_name_parts_are_stripped(title, sites, want):
    assert strip_site(title, sites) == want


def test_host_name():
    assert host_name("https://www.thesun.co.uk/a/b") == "thesun"
    assert host_name("https://edition.cnn.com/x") == "cnn"
    assert host_name("http://localhost:8080/") is None


def test_headline_without_h1_loses_the_site_name_and_is_not_the_first_line():
    """A template with the headline in an <h2> and ``<title>Headline – Regional Blog</title>``."""
    doc = extract(page("<title>Council extends the bus program – Regional Blog</title>",
                       "<h2>Council extends the bus program</h2>"), "https://blog.example/p/1")
    assert doc.title == "Council extends the bus program"
    assert doc.paragraphs[0].startswith("The council voted on Tuesday")


def test_site_name_from_json_ld_publisher_and_the_host():
    head = ('<meta property="og:title" content="PolitiFact - Council extends the bus program">'
            '<meta property="og:site_name" content="@politifact">')
    doc = extract(page(head), "https://www.politifact.com/article/2026/mar/10/bus/")
    assert doc.title == "Council extends the bus program"
    ld = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": '
          '"Council extends the bus program | The Metro Daily Evening Gazette", "publisher": '
          '{"@type": "Organization", "name": "The Metro Daily Evening Gazette"}}</script>')
    assert extract(page(ld), "https://example.org/n/1").title == "Council extends the bus program"


def test_the_h1_the_metadata_agrees_on_wins_over_an_earlier_h1():
    """A menu's <h1> comes first; the second <h1> is the first part of og:title."""
    head = '<meta property="og:title" content="Council extends the bus program - City Guide - Example">'
    doc = extract(page(head, "<h1>Council extends the bus program</h1>"), "https://example.org/g/1")
    assert doc.title == "Council extends the bus program"


def test_kicker_and_media_tag_in_the_h1_are_not_the_headline():
    head = "<title>Council extends the bus program | Example</title>"
    top = "<h1><span>News</span> Council extends the bus program [Watch]</h1>"
    doc = extract(page(head, top), "https://example.org/n/2")
    assert doc.title == "Council extends the bus program"
    assert doc.paragraphs[0].startswith("The council voted on Tuesday")


def test_choose_prefers_agreement_then_the_first_h1():
    assert choose(["Menu of the day", "Bus program extended"], ["Bus program extended | X"],
                  {"x"}) == "Bus program extended"
    assert choose(["Bus program extended again"], ["Something else entirely | X"], {"x"}) == \
        "Bus program extended again"
    assert choose([], [None, "Bus program extended - Example", None], {"example"}) == \
        "Bus program extended"
