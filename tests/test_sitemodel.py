"""Learned site boilerplate on a generated fixture site: 36 pages, three templates."""

from __future__ import annotations

import io
import json
import random

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.db import connect
from crawler.reclean import reclean
from pipelines.clean import extract
from pipelines.clean.identity import text_hash
from pipelines.clean.sitemodel import SiteModel
from pipelines.sitemodels import load_site_model, save_site_model

SITE = "dailyexample.test"
WORDS = ("council budget river school market minister farmers road hospital court police "
         "election water price village teachers harvest report union bridge contract festival "
         "district rainfall clinic station railway fishermen exporters regulator").split()
REPEATED = "We will not back down, we will not back down on this promise."
SHORT_REAL = "The minister declined to comment."
TEMPLATE_BLOCKS = {
    "a": ["Daily Example Newsroom | Editorial Desk", "Got a story tip? Write to the Daily "
          "Example tips desk and our reporters will follow up."],
    "b": ["Follow Daily Example on WhatsApp for breaking updates",
          "Daily Example is independent. Support our journalism with a small monthly gift."],
    "c": ["Reporting by the Daily Example regional team",
          "Join the Daily Example readers' panel and help shape our coverage."],
}


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(9, 16))]
    cut = rng.randint(3, len(words) - 3)
    return (" ".join(words[:cut]) + ", " + " ".join(words[cut:])).capitalize() + "."


def _paragraphs(rng: random.Random, index: int) -> list[str]:
    paras = [" ".join(_sentence(rng) for _ in range(rng.randint(3, 5))) for _ in range(6)]
    if index == 7:
        paras.insert(2, REPEATED)
        paras.insert(5, REPEATED)
    if index in (4, 15, 26):
        paras.insert(3, SHORT_REAL)
    return paras


def _page(template: str, index: int, paras: list[str], title: str) -> str:
    head_block, tail_block = TEMPLATE_BLOCKS[template]
    body = "".join(f"<p>{p}</p>" for p in paras)
    latest = "".join(f'<li><a href="/n/{index}-{k}">Headline number {k} about the district'
                     f"</a> {k + 30} minutes -</li>" for k in range(6))
    wrappers = {
        "a": ('<article><div class="entry-content">', "</div></article>"),
        "b": ('<div id="story-body" class="story">', "</div>"),
        "c": ('<main><section class="post">', "</section></main>"),
    }
    open_, close = wrappers[template]
    return (f"<html lang='en'><head><title>{title} | Daily Example</title>"
            f"<meta property='og:type' content='article'></head><body>"
            f"<nav><a href='/'>Home</a><a href='/news'>News</a></nav>"
            f"{open_}<h1>{title}</h1><p>Audio By Carbonatix</p><p>{head_block}</p>{body}"
            f"<p>{tail_block}</p>{close}"
            f"<div class='sidebar-latest'><h3>Latest Stories</h3><ul>{latest}</ul></div>"
            f"<footer>© Daily Example</footer></body></html>")


@pytest.fixture(scope="module")
def site_pages() -> list[tuple[str, str, list[str]]]:
    rng = random.Random(9)
    pages = []
    for index in range(36):
        template = "abc"[index % 3]
        paras = _paragraphs(rng, index)
        url = f"https://{SITE}/2026/11/{index:02d}/story-number-{index}-about-things"
        title = " ".join(rng.choice(WORDS) for _ in range(6)).capitalize()
        pages.append((url, _page(template, index, paras, title), paras))
    return pages


@pytest.fixture(scope="module")
def model(site_pages) -> SiteModel:
    model = SiteModel(SITE)
    for url, html, _ in site_pages:
        model.observe(extract(html, url).paragraphs)
    return model


def test_cold_start_is_clean_of_seed_boilerplate(site_pages):
    url, html, paras = site_pages[0]
    got = extract(html, url).paragraphs
    assert "Audio By Carbonatix" not in got
    assert not any("minutes -" in p or p == "Latest Stories" for p in got)
    assert all(p in got for p in paras)


def test_model_learns_template_blocks(model):
    learned = {text for blocks in TEMPLATE_BLOCKS.values() for text in blocks
               if model.is_boilerplate(text)}
    assert learned == {text for blocks in TEMPLATE_BLOCKS.values() for text in blocks}
    assert model.learned() == 6


def test_filtered_text_is_exactly_the_article(site_pages, model):
    for url, html, paras in site_pages:
        assert extract(html, url, site_model=model).paragraphs == paras, url


def test_repeated_line_inside_one_article_survives(site_pages, model):
    url, html, paras = site_pages[7]
    got = extract(html, url, site_model=model).paragraphs
    assert got.count(REPEATED) == 2


def test_short_real_sentence_recurring_on_few_pages_survives(site_pages, model):
    assert not model.is_boilerplate(SHORT_REAL)
    for index in (4, 15, 26):
        url, html, _ = site_pages[index]
        assert SHORT_REAL in extract(html, url, site_model=model).paragraphs


def test_cold_model_removes_nothing():
    model = SiteModel(SITE)
    for _ in range(3):
        model.observe(["Same line", "Other"])
    assert model.filter(["Same line", "Other"]) == ["Same line", "Other"]


def test_json_roundtrip_and_sqlite(tmp_path, model):
    again = SiteModel.from_json(model.to_json())
    assert again == model
    db = connect(tmp_path / "presskeep.db")
    assert load_site_model(db, SITE).pages == 0
    save_site_model(db, SITE, model)
    save_site_model(db, SITE, model)
    assert load_site_model(db, SITE) == model
    assert db.execute("SELECT pages FROM sites WHERE site = ?", [SITE]).fetchone()[0] == 36


def _write_warc(path, pages) -> list[tuple[int, int]]:
    spans = []
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, html, _ in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                       protocol="HTTP/1.1")
            record = writer.create_warc_record(url, "response", payload=io.BytesIO(
                html.encode("utf-8")), http_headers=headers)
            start = fh.tell()
            writer.write_record(record)
            spans.append((start, fh.tell() - start))
    return spans


def test_reclean_rewrites_rows_in_place(tmp_path, site_pages):
    (tmp_path / "warc").mkdir()
    spans = _write_warc(tmp_path / "warc" / "a.warc.gz", site_pages)
    db = connect(tmp_path / "presskeep.db")
    with db.conn:
        for (url, html, _), (offset, length) in zip(site_pages, spans):
            text = extract(html, url).text  # what a cold-start crawl stored
            db["articles"].insert({"url": url, "site": SITE, "title": "x", "text": text,
                                   "text_hash": text_hash(text), "warc_file": "warc/a.warc.gz",
                                   "warc_offset": offset, "warc_length": length, "version": 1})
    stats = reclean(db, tmp_path)
    assert (stats.sites, stats.rows, stats.changed, stats.unreadable) == (1, 36, 36, 0)
    rows = list(db.query("SELECT url, text, version FROM articles ORDER BY id"))
    assert len(rows) == 36 and {r["version"] for r in rows} == {1}
    for row, (_, _, paras) in zip(rows, site_pages):
        assert row["text"] == "\n\n".join(paras)
    hits = db.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH "
                      "'WhatsApp'").fetchone()[0]
    assert hits == 0
    assert json.loads(db.execute("SELECT model FROM sites").fetchone()[0])["pages"] == 36
