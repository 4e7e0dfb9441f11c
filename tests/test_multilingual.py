"""Articles, briefs and hubs in seven languages (sample/multilingual.py): the class, the
length unit, the language and the headline, by extract() and through a real crawl."""

from __future__ import annotations

import json

import pytest

from pipelines.clean import extract
from pipelines.textunits import tokens, units, units_of
from tests.conftest import crawl, query
from sample.multilingual import ENGLISH, LANGS, STORIES, pages, paths, site_pages

BASE = "http://news.test"


def _extract(lang: str, kind: str):
    path = paths(lang)[kind]
    return extract(pages()[path].replace("{BASE}", BASE).encode("utf-8"), BASE + path)


def test_units_count_words_and_characters():
    assert units("The council met on Tuesday — again.") == 6  # the dash is no word
    assert units("東京都は二十日、新しい防災計画を発表した。") == 10  # Japanese: 19 characters / 2
    assert units("北京市政府周三宣布") == 6  # Chinese (no kana): 9 characters / 1.5
    assert units("서울시는 20일 발표했다") == 6  # Korean: 9 syllables / 2, and "20"
    assert units("กรุงเทพมหานคร") == 3  # Thai: 13 code points / 5
    assert units("Tokyo 東京") == 2
    assert units("") == 0 and units(" — ") == 0


def test_tokens_are_characters_where_there_are_no_spaces():
    assert tokens("Tokyo 東京都 Seoul 서울시") == ["tokyo", "東", "京", "都", "seoul", "서울시"]


@pytest.mark.parametrize("lang", LANGS)
def test_the_unit_measures_the_story_like_english_words(lang):
    """The same story counts 0.85-1.2 times its English word count in every language (by
    spaces, Japanese counted 7 words, Chinese 7, Thai 39, Korean 165 of English's 246)."""
    english = sum(len(p.split()) for p in ENGLISH["article"])
    assert 0.8 * english <= units_of(STORIES[lang].paragraphs) <= 1.2 * english


@pytest.mark.parametrize("lang", LANGS)
def test_article_is_an_article_with_its_language_and_headline(lang):
    doc = _extract(lang, "article")
    story = STORIES[lang]
    assert doc.page_type == "article"
    assert doc.language == lang  # three of the pages declare lang="en"
    assert doc.title == story.headline
    assert doc.paragraphs == story.paragraphs  # no headline, kicker or date line in the text
    assert doc.word_count == units_of(story.paragraphs)


@pytest.mark.parametrize("lang", LANGS)
def test_brief_in_an_article_element_is_an_article(lang):
    """40-90 words in ``<article>`` under a headline, no declared type, a URL that says nothing."""
    doc = _extract(lang, "brief")
    assert doc.page_type == "article"
    assert doc.language == lang
    assert doc.title == STORIES[lang].brief_headline
    assert doc.paragraphs == STORIES[lang].brief


@pytest.mark.parametrize("lang", LANGS)
def test_section_front_of_teaser_cards_is_not_an_article(lang):
    assert _extract(lang, "hub").page_type == "hub"


@pytest.fixture(scope="module")
def crawled_site(tmp_path_factory):
    from sample.server import serve

    server = serve(site_pages)
    out = tmp_path_factory.mktemp("multilingual")
    try:
        crawl(server.base_url + "/", out)
    finally:
        server.stop()
    return out


def test_crawl_keeps_every_article_and_brief_and_no_hub(crawled_site):
    rows = query(crawled_site / "presskeep.db", "SELECT url, title, language, word_count FROM articles")
    got = {r["url"].split("/", 3)[3]: r for r in rows}
    want = {paths(lang)[kind].lstrip("/"): (lang, kind) for lang in LANGS
            for kind in ("article", "brief")}
    assert sorted(got) == sorted(want)
    for path, (lang, kind) in want.items():
        story = STORIES[lang]
        assert got[path]["language"] == lang
        assert got[path]["title"] == (story.headline if kind == "article" else story.brief_headline)
        text = story.paragraphs if kind == "article" else story.brief
        assert got[path]["word_count"] == units_of(text)


def test_export_min_words_counts_in_the_unit_and_the_card_lists_every_language(crawled_site,
                                                                               tmp_path):
    """--min-words compares word_count, the script-aware unit: 100 keeps the seven articles
    (209-289 units) in every script and drops the briefs (51-81), Japanese and Thai ones too."""
    from click.testing import CliRunner

    from crawler.cli import main
    from tests.test_dataset_card import front_matter

    out = tmp_path / "a.jsonl"
    res = CliRunner().invoke(main, ["export", "--out", str(crawled_site), "-o", str(out),
                                    "--min-words", "100"])
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(r["url"].split("/", 3)[3] for r in rows) == \
        sorted(paths(lang)["article"].lstrip("/") for lang in LANGS)
    for row in rows:
        assert row["word_count"] == units_of(STORIES[row["language"]].paragraphs)
    meta, body = front_matter(tmp_path / "README.md")
    assert meta["language"] == sorted(LANGS)
    assert "at least 100 words by word_count (--min-words)" in body
