"""Metadata rules (authors, dates) on small hand-written pages, one test per rule."""

from __future__ import annotations

import json

import pytest

from pipelines.clean.html import parse_html
from pipelines.clean.metadata import extract_metadata
from pipelines.clean.people import split_names
from pipelines.clean.shown import parse_text_date

URL = "https://news.example.test/story"


def page(body: str, head: str = "", ld: dict | None = None, html_attrs: str = "") -> dict:
    if ld is not None:
        head += f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    html = f"<html {html_attrs}><head>{head}</head><body>{body}</body></html>"
    return extract_metadata(parse_html(html), html, URL)


H1 = "<h1>A headline of several words</h1>"
STORY = "<p>Some text of the story that follows here.</p>"


# --- authors -------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, names", [
    ("John O'Connor The Associated Press", ["John O'Connor"]),
    ("Javier Espinoza and Patricia Nilsson, Financial Times", ["Javier Espinoza",
                                                               "Patricia Nilsson"]),
    ("Chris E. Hayner, Tom Caswell", ["Chris E. Hayner", "Tom Caswell"]),
    ("AP", []),
    ("ANI", []),
    ("By", []),
    ("TC Redazione", []),
    ("The Example Telegram & Gazette", []),
    ("MrAJCosplay", ["MrAJCosplay"]),
])
def test_split_names(raw, names):
    assert split_names(raw) == names


@pytest.mark.parametrize("wrapper", [
    '<div class="page__body page__body--with-sidebar"><article>{}</article></div>',
    '<article class="article-single comments-open">{}</article>',
    '<div id="page" class="sidebar-collapsed">{}</div>',
])
def test_layout_classes_around_the_headline_are_not_furniture(wrapper):
    body = wrapper.format(f'{H1}<p class="byline">By Jane Doe</p>{STORY}')
    assert page(body)["authors"] == ["Jane Doe"]


def test_html_class_mentioning_sidebar_is_not_furniture():
    body = f'<main>{H1}<div class="byline">By Jane Doe</div>{STORY}</main>'
    assert page(body, html_attrs='class="sidebar-mode-1"')["authors"] == ["Jane Doe"]


def test_bylines_in_a_real_sidebar_are_still_ignored():
    body = (f'<article>{H1}{STORY}</article>'
            '<div class="sidebar"><p class="byline">By Sam Other</p></div>')
    assert page(body)["authors"] == []


def test_bio_block_next_to_the_headline_counts():
    body = (f'<article><header>{H1}<div class="bio"><span class="byline">By Jane Doe</span>'
            f'</div></header>{STORY}</article>')
    assert page(body)["authors"] == ["Jane Doe"]


def test_name_elements_win_over_byline_containers():
    body = (f'<article>{H1}<div class="byline-section">Jane Roe Example Telegram &amp; Gazette'
            '<span class="author">Jane Roe</span></div></article>')
    assert page(body)["authors"] == ["Jane Roe"]


def test_nested_byline_elements_keep_words_apart_and_count_each_name_once():
    body = (f'<article>{H1}<div class="byline"><p class="byline__name">By</p>'
            '<p class="byline__name">Aaron Scott</p><p class="byline__name">,</p>'
            '<p class="byline__name">Berly McCoy</p><p class="byline__name">Aaron Scott</p>'
            '<p class="byline__name">Rebecca Ramirez</p></div></article>')
    assert page(body)["authors"] == ["Aaron Scott", "Berly McCoy", "Rebecca Ramirez"]


def test_json_ld_person_name_with_affiliation():
    ld = {"@type": "NewsArticle", "author": {"@type": "Person",
                                             "name": "Jane Doe, Bleacher Report"}}
    assert page(H1, ld=ld)["authors"] == ["Jane Doe"]


def test_json_ld_person_with_only_an_affiliation_falls_back_to_the_byline():
    ld = {"@type": "NewsArticle", "author": {"@type": "Person",
                                             "name": ", The Example Telegram & Gazette"}}
    body = f'<article>{H1}<span class="author">Sarah Barnacle</span></article>'
    assert page(body, ld=ld)["authors"] == ["Sarah Barnacle"]


def test_contributors_are_not_authors():
    ld = {"@type": "NewsArticle", "author": [{"@type": "Person", "name": "Grace Dean"},
                                             {"@type": "Person", "name": "Leon Hurley"}]}
    body = (f'<article>{H1}<div class="author-byline">By <a>Grace Dean</a>'
            '<span class="author-byline__contributors">Contributions from <a>Leon Hurley</a>'
            '</span></div></article>')
    assert page(body, ld=ld)["authors"] == ["Grace Dean"]


def test_byline_text_after_contributions_from_is_dropped():
    body = (f'<article>{H1}<div class="byline">By <a>Aaron Klotz</a>Contributions from '
            '<a>Sarah Jones</a></div></article>')
    assert page(body)["authors"] == ["Aaron Klotz"]


def test_wire_agency_initials_are_not_an_author():
    ld = {"@type": "NewsArticle", "author": {"@type": "Organization", "name": "AP"}}
    assert page(f'{H1}<span class="byline">AP</span>', ld=ld)["authors"] == []


# --- dates ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, iso", [
    ("Updated on December 13, 2023 1:23 PM", "2023-12-13"),
    ("Saturday 23 December 2023 05:39, UK", "2023-12-23"),
    ("Last updated Dec. 23, 2023, 7:58 AM UTC", "2023-12-23"),
    ("Published On 9 Oct 2023", "2023-10-09"),
    ("3rd March 2024", "2024-03-03"),
    ("2 mesi ago", None),
    ("February 30, 2024", None),
])
def test_parse_text_date(text, iso):
    assert parse_text_date(text) == iso


DATES = {"@type": "NewsArticle", "datePublished": "2023-12-22T11:09:34-05:00",
         "dateModified": "2023-12-26T10:48:20-05:00"}


def test_page_showing_its_update_date_is_dated_by_it():
    body = f'<article><header>{H1}<time class="update-date">Updated December 26, 2023</time>'
    assert page(body, ld=DATES)["published"].startswith("2023-12-26")


def test_page_showing_its_publication_date_keeps_it():
    body = f'<article>{H1}<span class="date">December 22, 2023</span>{STORY}</article>'
    assert page(body, ld=DATES)["published"].startswith("2023-12-22")


def test_a_shown_date_matching_neither_candidate_changes_nothing():
    body = (f'<div class="top-date">Thursday, December 28, 2023</div><article>{H1}{STORY}'
            '</article>')
    assert page(body, ld=DATES)["published"].startswith("2023-12-22")


def test_dates_in_furniture_are_not_the_page_date():
    body = (f'<article>{H1}{STORY}</article><aside><ul class="related">'
            '<li><span class="date">December 26, 2023</span></li></ul></aside>')
    assert page(body, ld=DATES)["published"].startswith("2023-12-22")


def test_utc_timestamp_shown_as_the_local_day_before():
    ld = {"@type": "NewsArticle", "datePublished": "2023-12-23T03:22:07Z"}
    body = f'<article>{H1}<time datetime="2023-12-22T22:22:07-0500">Dec 22, 2023, 10:22 PM EST'
    assert page(body + "</time></article>", ld=ld)["published"] == "2023-12-22"


def test_utc_timestamp_without_a_shown_date_is_kept():
    ld = {"@type": "NewsArticle", "datePublished": "2023-12-23T03:22:07Z"}
    assert page(f"<article>{H1}{STORY}</article>", ld=ld)["published"].startswith("2023-12-23")
