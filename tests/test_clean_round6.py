"""Round-6 generic cleaning rules (docs/cleaning.md "Round 6"), on fixture pages written for
them."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.clean import extract
from pipelines.clean.extract import drop_byline, drop_title
from pipelines.clean.boilerplate import drop_citations, filter_paragraphs, is_boilerplate_line

FIXTURES = Path(__file__).parent / "fixtures" / "clean_round6"


def _page(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_reference_list_and_its_heading_are_dropped_wherever_they_stand():
    doc = extract(_page("sources.html"), "https://example.org/factcheck/bridge")
    assert doc.paragraphs[-1] == "We rate the claim False."
    assert len(doc.paragraphs) == 4
    assert "Our Sources" not in doc.text and "accessed" not in doc.text


def test_reference_list_in_the_middle_of_the_text_goes_too():
    body = ["The article opens with a paragraph that sets out the claim being checked. " * 2]
    cites = ["Interview with Jane Roe, spokesperson, Dec. 14, 2023",
             "U.S. Census Bureau, Population estimates, accessed May 2, 2023",
             "The Daily Example, Governor defends bridge plan, Nov. 3, 2023"]
    more = ["The article goes on after the list, as it does when a page's blocks are out of order."]
    assert filter_paragraphs(body + ["Sources"] + cites + more) == body + more


def test_dated_lines_that_are_not_a_reference_list_stay():
    tweets = ["Yes this is real and the state spent half a million dollars on it.",
              "— Jane Roe (@janeroe) November 18, 2019",
              "Oh, no. It seems like the rest of the campaigns are just as bad.",
              "— John Doe (@johndoe) November 18, 2019"]
    assert drop_citations(tweets) == tweets
    dated = ["Diana wore the dress in Florence, Italy, on April 23, 1985.",
             "The dress sold for 11 times the estimate.",
             "Officials in Washington, D.C., confirmed the sale on Dec. 14, 2023",
             "Two lines with dates, one apart, are not a list."]
    assert drop_citations(dated) == dated
    # two citation-like lines are not yet a list (MIN_CITATIONS = 3)
    two = ["Reuters, Court rules on appeal, March 15, 2010", "AP, Senate vote, May 4, 2011"]
    assert drop_citations(two) == two


@pytest.mark.parametrize("line, drop", [
    ("This story was originally published December 22, 2023, 11:09 AM.", True),
    ("This piece originally appeared in The Ripon Society", True),
    ("Editor’s note: This continues a series where we review the top 20 drivers.", True),
    ("This story contains spoilers for Monarch and the Toho Godzilla franchise.", True),
    ("Associated Press researcher Randy Herschaft in New York contributed.", True),
    ("PolitiFact Researcher Caryn Baird contributed to this report.", True),
    ("This story was the most read on the site for a week after the vote.", False),
    ("Editors noted that the first version of the story had been published too early.", False),
    ("Most of the money came from donors in the state, and the rest was contributed.", False),
])
def test_round6_article_note_lines(line, drop):
    assert is_boilerplate_line(line) is drop


@pytest.mark.parametrize("line, drop", [
    ("Want to keep up with breaking news? Subscribe to our email newsletter.", True),
    ("What do you think about these couples? Let us know in the comments and SHARE this article!",
     True),
    ("* Follow Mirror Celebs on Snapchat, Instagram , Twitter , Facebook , YouTube and Threads.",
     True),
    ("Listen to Short Wave on Spotify, Apple Podcasts and Google Podcasts.", True),
    ("© GamesRadar+. Not to be reproduced without permission", True),
    ("Recommended by Our Editors", True),
    ("You might be interested in", True),
    ("The council said residents could subscribe to the city's newsletter for updates on works.",
     False),
    ("Residents who want to follow the works can sign up at the library.", False),
    ("She let us know in the end that the comments had hurt her.", False),
    ("You might be interested in the history of the bridge, which opened in 1962.", False),
    ("Listen to the full interview below, in which the mayor explains her plan.", False),
])
def test_round6_promo_lines(line, drop):
    assert is_boilerplate_line(line) is drop


def test_headline_copy_goes_with_the_section_label_above_it():
    # the page's <h1> holds its kicker ("<h1><div>Politics</div> Council extends …</h1>"); the
    # <title> ("Council extends the bus program - Example News") says which part is the headline
    doc = extract(_page("kicker.html"), "https://example.org/politics/bus")
    assert doc.title == "Council extends the bus program"
    lead = doc.paragraphs[0]
    assert lead.startswith("The council voted on Tuesday")
    assert drop_title(["Politics", "Council extends the bus program", lead], doc.title) == [lead]
    assert drop_title(["Politics Council extends the bus program", lead], doc.title,
                      "Politics Council extends the bus program") == [lead]


def test_headline_copy_after_article_text_or_a_long_line_stays():
    title = "Council extends the bus program"
    lead = "The council voted on Tuesday to extend the program for another year."
    assert drop_title(["Politics", title, lead], title) == [lead]
    assert drop_title(["News", "Council extends the bus program", lead],
                      "News Council extends the bus program") == [lead]
    assert drop_title([lead, title, lead], title) == [lead, title, lead]
    assert drop_title(["A kicker line of more than four words", title, lead], title) == \
        ["A kicker line of more than four words", title, lead]
    assert drop_title(["One", "Two", "Three", title, lead], title) == \
        ["One", "Two", "Three", title, lead]


def test_read_more_paragraph_of_links_is_dropped_a_labelled_sentence_stays():
    doc = extract(_page("read_more.html"), "https://example.org/news/bus")
    assert "Why the roads budget" not in doc.text and "five charts" not in doc.text
    assert any(p.startswith("More on this story: the council's budget") for p in doc.paragraphs)
    assert len(doc.paragraphs) == 5


def test_card_inside_a_sentence_goes_the_sentence_stays():
    doc = extract(_page("card.html"), "https://example.org/news/threat")
    assert doc.paragraphs[0] == ("A man pleaded guilty on Monday to charges he threatened to kill "
                                 "Rep. Jane Roe (D-Minn.), the Justice Department said in a "
                                 "statement.")
    # an inline image, and links without an image, are not a card
    assert "left a recorded message with his name" in doc.text
    assert len(doc.paragraphs) == 4


def test_opening_byline_line_is_dropped():
    lead = "The festival opened on Friday."
    assert drop_byline(["posted on by Jane Doe", lead]) == [lead]
    assert drop_byline(["By Jane Doe and John Roe", lead]) == [lead]
    assert drop_byline(["by MrAJCosplay,", lead]) == [lead]


def test_opening_sentence_that_starts_with_by_stays():
    doc = extract(_page("byline.html"), "https://example.org/news/festival")
    assert doc.paragraphs[0].startswith("By the end of its first night")
    assert len(doc.paragraphs) == 3
    lead = "The festival opened on Friday."
    for line in ("By the end of the day, nothing changed.", "By Friday, the council had voted."):
        assert drop_byline([line, lead]) == [line, lead]
    assert drop_byline([lead, "By Jane Doe"]) == [lead, "By Jane Doe"]


@pytest.mark.parametrize("line, drop", [
    ("Join our Space Forums to keep talking space on the latest missions and more!", True),
    ("Tell us what YOU think...", True),
    ("[button link=”http://example.org/submit/” type=”big”] Send us YOUR review[/button]", True),
    ("Join the crowds at the river on Friday for the parade, the organisers said.", False),
    ("Tell us what you think about the plan, the mayor said to the residents.", False),
    ("[Editor's note: the figures were corrected on Friday.]", False),
])
def test_round6_promo_lines_two(line, drop):
    assert is_boilerplate_line(line) is drop


def test_one_offer_list_between_paragraphs_is_recovered_a_related_story_is_not():
    doc = extract(_page("one_offer.html"), "https://www.example.org/shopping/boxing-day")
    assert "- Up to 70 per cent off bedlinen, towels and homewares" in doc.paragraphs
    assert "How to tell a real sale" not in doc.text
