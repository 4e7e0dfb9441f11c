"""Incremental recrawls into the same --out: conditional GET, revisit records, article versions."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.reader import (IDENTICAL, NOT_MODIFIED, payload_digest, read_latest_response,
                            read_raw)
from archive.db import connect
from sample.server import SiteHandler, SiteServer
from sample.site import article_path, build_site, make_articles, render_sitemap
from tests.conftest import crawl, query

#: served without honouring conditional requests: a recrawl gets the same 200 again
NO_VALIDATION = {"/about.html"}
ARTICLES = make_articles()
CHANGED = ARTICLES[20]  # in /sitemap.xml only (the news sitemap lists the first 10)


class StubbornHandler(SiteHandler):
    def _not_modified(self, tag, page):
        return page.path not in NO_VALIDATION and super()._not_modified(tag, page)


def warc_records(out: Path) -> list[tuple[str, object]]:
    found = []
    for path in sorted((out / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            found += [(path.name, r.rec_headers) for r in ArchiveIterator(fh)]
    return found


@pytest.fixture(scope="module")
def recrawled(tmp_path_factory):
    """Three crawls into one --out: first, unchanged, then with one article edited."""
    server = SiteServer(build_site(), handler=StubbornHandler).start()
    out = tmp_path_factory.mktemp("incremental")
    try:
        crawl(server.base_url + "/", out)
        crawl(server.base_url + "/", out)
        edit_article(server)
        crawl(server.base_url + "/", out)
    finally:
        server.stop()
    return out


def edit_article(server: SiteServer) -> None:
    path = article_path(CHANGED)
    later = datetime.now(timezone.utc) + timedelta(minutes=1)
    page = server.pages[path]
    body = page.body.replace(b"</h1>", b"</h1><p>Update: the minister resigned on Friday "
                                       b"after the vote.</p>", 1)
    server.pages[path] = replace(page, body=body, last_modified=later)
    dates = [(article_path(a), later if a is CHANGED else a.published) for a in ARTICLES]
    sitemap = server.pages["/sitemap.xml"]
    server.pages["/sitemap.xml"] = replace(sitemap, body=render_sitemap(dates).encode(),
                                           last_modified=later)


def test_unchanged_recrawl_writes_only_revisits(recrawled):
    db = recrawled / "presskeep.db"
    rows = query(db, "SELECT record_type, status, url FROM captures WHERE run_id = 2")
    assert rows, "the second crawl fetched nothing"
    assert {r["record_type"] for r in rows} == {"revisit"}
    assert {r["status"] for r in rows} == {200, 304}
    assert query(db, "SELECT count(*) AS n FROM articles WHERE run_id = 2")[0]["n"] == 0
    assert not any("/private/" in r["url"] for r in rows), "robots.txt lost on a 304"


def test_revisit_profiles(recrawled):
    db = recrawled / "presskeep.db"
    about = query(db, "SELECT status, record_type FROM captures WHERE url LIKE '%/about.html' "
                      "ORDER BY id")
    assert [(r["status"], r["record_type"]) for r in about][:2] == [(200, "response"),
                                                                    (200, "revisit")]
    profiles, answers = {}, {}
    for _name, headers in warc_records(recrawled):
        if headers.get_header("WARC-Type") == "revisit":
            url = headers.get_header("WARC-Target-URI")
            profiles[url.rsplit("/", 1)[-1]] = headers.get_header("WARC-Profile")
            answers[url.rsplit("/", 1)[-1]] = headers.get_header("WARC-Presskeep-Answer")
            assert headers.get_header("WARC-Refers-To-Target-URI") == url
            assert headers.get_header("WARC-Refers-To-Date")
            assert headers.get_header("WARC-Refers-To", "").startswith("<urn:uuid:")
    assert profiles["about.html"] == IDENTICAL and answers["about.html"] is None
    # the home page answered 304: written as the stored 200 (it replays), the answer noted
    assert profiles[""] == IDENTICAL and answers[""] == "304"
    assert NOT_MODIFIED not in profiles.values()


def test_second_crawl_sends_validators(recrawled):
    rec = [h for _n, h in warc_records(recrawled) if h.get_header("WARC-Type") == "request"]
    db = recrawled / "presskeep.db"
    run2 = query(db, "SELECT warc_record_id FROM captures WHERE run_id = 2 AND status = 304")
    assert run2
    ids = {r["warc_record_id"] for r in run2}
    conditional = [h for h in rec if h.get_header("WARC-Concurrent-To") in ids]
    assert conditional
    stats = query(db, "SELECT stats FROM runs WHERE id = 2")[0]["stats"]
    assert '"presskeep/incremental/conditional"' in stats
    assert '"presskeep/incremental/not_modified"' in stats


def test_sitemap_lastmod_skips_unchanged_articles(recrawled):
    stats = query(recrawled / "presskeep.db", "SELECT stats FROM runs WHERE id = 2")[0]["stats"]
    assert '"presskeep/discovery/skipped_unchanged"' in stats


def test_revisits_resolve_to_their_original(recrawled):
    db = connect(recrawled / "presskeep.db")
    rows = list(db.query("SELECT url, payload_digest, warc_file, warc_offset, warc_record_id "
                         "FROM captures WHERE record_type = 'revisit'"))
    assert rows
    for row in rows:
        original = read_latest_response(recrawled, db, row["url"], row["payload_digest"])
        assert original.url == row["url"]
        assert payload_digest(original.payload) == row["payload_digest"]
        assert original.record_id != row["warc_record_id"]
    db.conn.close()


def test_changed_article_gets_a_new_version(recrawled):
    db = recrawled / "presskeep.db"
    url_like = "%" + article_path(CHANGED)
    versions = query(db, "SELECT version, run_id, text, warc_file, warc_offset FROM articles "
                         "WHERE url LIKE ? ORDER BY version", (url_like,))
    assert [(v["version"], v["run_id"]) for v in versions] == [(1, 1), (2, 3)]
    assert "minister resigned" in versions[1]["text"]
    assert "minister resigned" not in versions[0]["text"]
    latest = query(db, "SELECT text FROM latest_articles WHERE url LIKE ?", (url_like,))
    assert len(latest) == 1 and "minister resigned" in latest[0]["text"]
    new = read_raw(recrawled / versions[1]["warc_file"], versions[1]["warc_offset"])
    assert new.status == 200
    others = query(db, "SELECT count(*) AS n FROM articles WHERE run_id = 3")[0]["n"]
    assert others == 1


def test_no_duplicate_article_rows(recrawled):
    dupes = query(recrawled / "presskeep.db", "SELECT url, text_hash, count(*) AS n FROM articles "
                                              "GROUP BY url, text_hash HAVING n > 1")
    assert not dupes
    n = query(recrawled / "presskeep.db", "SELECT count(*) AS n FROM latest_articles")[0]["n"]
    assert n == len(ARTICLES)


def test_warcio_check_and_presskeep_check_pass(recrawled):
    files = [str(p) for p in sorted((recrawled / "warc").glob("*.warc.gz"))]
    proc = subprocess.run([sys.executable, "-m", "warcio.cli", "check", *files],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    from tests.conftest import presskeep

    proc = presskeep("check", "--out", str(recrawled))
    assert proc.returncode == 0, proc.stderr
    assert "ok" in proc.stderr
