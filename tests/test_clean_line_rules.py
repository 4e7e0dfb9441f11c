"""Line rules of the cleaning (docs/cleaning.md, "The method", step 4): single lines that are
page furniture (agency-credit captions, promo prompts, notes about the article), reference
lists and tail headings, closing bios, a leading headline copy and byline; on fixture pages
written for them."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.clean import extract
from pipelines.clean.extract import drop_byline, drop_title
from pipelines.clean.boilerplate import (drop_citations, filter_paragraphs, is_boilerplate_line,
                                         is_tail_heading)

FIXTURES = Path(__file__).parent / "fixtures" / "clean_line_rules"


def _page(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


#: (line, dropped?): each line as it stands alone among an article's paragraphs
LINES = [
    # player lines, relative times, tail headings, "Advertisement"
    ("Audio By Carbonatix", True),
    ("38 minutes -", True),
    ("Latest Stories", True),
    ("Black Stars name squad for AFCON qualifiers 52 minutes -", True),
    ("Listen to this article 4 min", True),
    ("Advertisement", True),
    ("He said the audio by itself proved nothing.", False),
    ("The minister declined to comment.", False),
    ("Prices rose 38 minutes after the opening bell.", False),
    # copyright notices, ad markers, "WATCH:", social follows, update stamps
    ("Copyright 2024 Nexstar Media Inc. All rights reserved.", True),
    ("Copyright law is changing fast.", False),
    ("Article continues below this ad", True),
    ("WATCH: the video", True),
    ("Watchdog groups said the plan was flawed.", False),
    ("Follow Newsbeat on Instagram, Facebook, Twitter and YouTube.", True),
    ("Updated at 1:23 p.m.", True),
    # teasers tagged with their media type
    ("China furious at Macron for Hong Kong protest jibe [INSIGHT]", True),
    ("'The Voice:' Dan + Shay Bring 'Bigger Houses' to Show Finale [Watch]", True),
    ("Lakers vs Nets: NBA make final decision on game amid China turmoil [VIDEO]", True),
    ("The ruling [Ni'matul Ukhuwah hal. 41]", False),
    ('"[We] have agreed to grant all licenses," the label said.', False),
    # a tweet's attribution stays with the tweet's text
    ("— Mike Beauvais (@MikeBeauvais) November 18, 2019", False),
    # captions ending in an agency credit; "click here", "(MORE:", "Read more on", gallery promos
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
    # notes about the article
    ("This story was originally published December 22, 2023, 11:09 AM.", True),
    ("This piece originally appeared in The Ripon Society", True),
    ("Editor’s note: This continues a series where we review the top 20 drivers.", True),
    ("This story contains spoilers for Monarch and the Toho Godzilla franchise.", True),
    ("Associated Press researcher Randy Herschaft in New York contributed.", True),
    ("PolitiFact Researcher Caryn Baird contributed to this report.", True),
    ("This story was the most read on the site for a week after the vote.", False),
    ("Editors noted that the first version of the story had been published too early.", False),
    ("Most of the money came from donors in the state, and the rest was contributed.", False),
    # newsletter, comment, social and podcast prompts; reproduction notices; recommendation headings
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
    # forum and feedback prompts, WordPress shortcodes
    ("Join our Space Forums to keep talking space on the latest missions and more!", True),
    ("Tell us what YOU think...", True),
    ("[button link=”http://example.org/submit/” type=”big”] Send us YOUR review[/button]", True),
    ("Join the crowds at the river on Friday for the parade, the organisers said.", False),
    ("Tell us what you think about the plan, the mayor said to the residents.", False),
    ("[Editor's note: the figures were corrected on Friday.]", False),
]


@pytest.mark.parametrize("line, drop", LINES)
def test_line_rule(line, drop):
    assert is_boilerplate_line(line) is drop


def test_captions_credits_and_promo_lines_are_dropped():
    doc = extract(_page("captions.html"), "https://example.org/news/council")
    text = doc.text
    for gone in ("Residents at the council meeting", "Getty Images", "CLICKING HERE",
                 "(MORE:", "Scroll through the gallery"):
        assert gone not in text
    assert len(doc.paragraphs) == 4
    assert doc.paragraphs[-1].startswith("The mayor thanked volunteers")


def test_reference_list_heading_cuts_the_tail():
    body = ["A long paragraph of article text that carries most of the page. " * 5,
            "Another paragraph with more of the article in it for the reader. " * 3]
    assert is_tail_heading("References:") and is_tail_heading("Our Sources")
    assert filter_paragraphs(body + ["References:", "https://example.org/paper"]) == body


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


def test_tail_heading_cuts_trailing_list_only_late():
    body = ["A long paragraph of real article text that goes on for a while." * 3] * 4
    assert filter_paragraphs(body + ["Related Stories", "Other headline"]) == body
    assert filter_paragraphs(["Related coverage"] + body) == body[:0] + ["Related coverage"] + body


def test_long_closing_bio_is_dropped():
    bio = ("Emma Doe is the Senior Entertainment Editor at Example, where she shapes TV, movie "
           "and music coverage, writes celebrity profiles and edits stories across the site. " * 4)
    body = ["The interview ran for an hour and covered the actor's career so far. " * 5]
    assert len(bio) > 400
    assert filter_paragraphs(body + [bio.strip()]) == body


def test_closing_author_bio_is_dropped_only_at_the_end():
    body = [f"Paragraph {i} of the story, with enough words to look like prose here." for i in
            range(6)]
    bio = "Jane Doe is a senior editor at Example News, covering courts and crime."
    assert filter_paragraphs(body + [bio]) == body
    assert filter_paragraphs([bio] + body) == [bio] + body
    assert filter_paragraphs(body + ["He was a reporter in the 1990s."]) == body + [
        "He was a reporter in the 1990s."]


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
