"""Learned site boilerplate end to end: learn while crawling, store it, reclean, extract --out."""

from __future__ import annotations

import gzip
import json

from sample.site import DESK_LINE, article_path, build_site, make_articles
from tests.conftest import crawl, presskeep, query


def _texts(out):
    return query(out / "presskeep.db", "SELECT url, text FROM articles")


def _expected():
    return {article_path(a): "\n\n".join(a.paragraphs) for a in make_articles()}


def test_learn_while_crawling_then_reclean(news_site, tmp_path):
    crawl(news_site.base_url + "/", tmp_path)
    sites = query(tmp_path / "presskeep.db", "SELECT site, pages, model FROM sites")
    assert len(sites) == 1 and sites[0]["pages"] >= 30
    with_line = [r["url"] for r in _texts(tmp_path) if DESK_LINE in r["text"]]
    # cold start: the first pages that carry the line keep it, later ones lose it
    assert 1 <= len(with_line) < 24

    proc = presskeep("reclean", "--out", str(tmp_path), check=True)
    assert "36 rows" in proc.stderr
    expected = _expected()
    for row in _texts(tmp_path):
        assert row["text"] == expected["/" + row["url"].split("/", 3)[3]]
    hits = query(tmp_path / "presskeep.db",
                 "SELECT count(*) AS n FROM articles_fts WHERE articles_fts MATCH ?", ('"night team"',))
    assert hits[0]["n"] == 0
    assert query(tmp_path / "presskeep.db", "SELECT max(version) AS v FROM articles")[0]["v"] == 1


def test_extract_reuses_the_learned_model(news_site, tmp_path):
    out = tmp_path / "archive"
    crawl(news_site.base_url + "/", out)
    page = next(a for a in make_articles() if a.template == "wire")
    saved = tmp_path / "page.html.gz"
    body = build_site()[article_path(page)].body
    saved.write_bytes(gzip.compress(body))
    url = news_site.base_url + article_path(page)
    plain = json.loads(presskeep("extract", str(saved), "--url", url, check=True).stdout)
    assert DESK_LINE in plain["text"]
    learned = json.loads(presskeep("extract", str(saved), "--url", url, "--out", str(out),
                                   check=True).stdout)
    assert learned["text"] == "\n\n".join(page.paragraphs)


def test_reclean_errors(tmp_path):
    proc = presskeep("reclean", "--out", str(tmp_path / "none"))
    assert proc.returncode == 1 and proc.stderr.startswith("presskeep: error: no archive database")
