"""The foundation end to end: crawl the sample site, then check the WARC and the rows."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.reader import read_record_at
from sample.site import article_path, build_site, make_articles, seed_article
from tests.conftest import query


def warc_files(out: Path) -> list[Path]:
    return sorted((out / "warc").glob("*.warc.gz"))


def records(out: Path) -> list:
    found = []
    for path in warc_files(out):
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                raw = rec.raw_stream.read() if rec.rec_type == "response" else b""
                found.append((rec.rec_type, rec.rec_headers, rec.http_headers, raw))
    return found


def test_warc_files_named_and_closed(crawled):
    files = warc_files(crawled)
    assert files, "no WARC written"
    assert not list((crawled / "warc").glob("*.open"))
    for path in files:
        assert path.name.startswith("presskeep-") and path.name.endswith(".warc.gz")


def test_warcinfo_first_then_response_request_pairs(crawled):
    for path in warc_files(crawled):
        with open(path, "rb") as fh:
            recs = [(r.rec_type, r.rec_headers) for r in ArchiveIterator(fh)]
        assert recs[0][0] == "warcinfo"
        assert recs[0][1].get_header("WARC-Filename") == path.name
        pairs = recs[1:]
        assert len(pairs) % 2 == 0
        for (rtype, resp), (qtype, req) in zip(pairs[::2], pairs[1::2]):
            assert (rtype, qtype) == ("response", "request")
            assert req.get_header("WARC-Concurrent-To") == resp.get_header("WARC-Record-ID")
            assert req.get_header("WARC-Target-URI") == resp.get_header("WARC-Target-URI")
            assert resp.get_header("WARC-Payload-Digest", "").startswith("sha1:")
            assert resp.protocol == "WARC/1.1"


def test_payload_is_what_the_server_sent(crawled, news_site):
    site = build_site()
    seen = 0
    for rtype, rec_headers, http, raw in records(crawled):
        if rtype != "response":
            continue
        path = "/" + rec_headers.get_header("WARC-Target-URI").split("/", 3)[3]
        page = site.get(path.split("?")[0])
        if page is None or http.get_statuscode() != "200":
            continue
        url = rec_headers.get_header("WARC-Target-URI")
        host = news_site.assets_url if url.startswith(news_site.assets_url) else news_site.base_url
        expected = page.body.replace(b"{BASE}", host.encode()).replace(
            b"{ASSETS}", news_site.assets_url.encode())
        if "html" in page.content_type:  # captured before decompression
            assert http.get_header("Content-Encoding") == "gzip"
            raw = gzip.decompress(raw)
        assert raw == expected, path
        seen += 1
    assert seen >= 40


def test_non_html_archived_too(crawled):
    types = {r["content_type"] for r in query(crawled / "presskeep.db", "SELECT content_type FROM captures")}
    assert "application/pdf" in types and "image/png" in types


def test_robots_txt_obeyed_and_archived(crawled):
    urls = {r["url"] for r in query(crawled / "presskeep.db", "SELECT url FROM captures")}
    assert any(u.endswith("/robots.txt") for u in urls)
    assert not any("/private/" in u for u in urls)


def test_warcio_check_passes(crawled):
    files = [str(p) for p in warc_files(crawled)]
    proc = subprocess.run([sys.executable, "-m", "warcio.cli", "check", "-v", *files],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_cdxj_indexer_indexes(crawled):
    proc = subprocess.run([sys.executable, "-m", "cdxj_indexer.main", *map(str, warc_files(crawled))],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    entries = [json.loads(ln.split(" ", 2)[2]) for ln in lines]
    assert any(e.get("mime", "").startswith("text/html") and e.get("status") == "200" for e in entries)
    assert len(lines) >= 45


def test_every_row_resolves_to_its_record(crawled):
    db = crawled / "presskeep.db"
    rows = query(db, "SELECT url, warc_file, warc_offset, warc_record_id FROM captures "
                     "WHERE warc_file IS NOT NULL")
    rows += query(db, "SELECT url, warc_file, warc_offset, warc_record_id FROM articles")
    assert len(rows) > 40
    for row in rows:
        assert not Path(row["warc_file"]).is_absolute()
        rec = read_record_at(crawled / row["warc_file"], row["warc_offset"])
        assert rec is not None and rec.url == row["url"]
        assert rec.record_id == row["warc_record_id"]


def test_articles_and_hubs_told_apart(crawled):
    db = crawled / "presskeep.db"
    urls = {r["url"] for r in query(db, "SELECT url FROM articles")}
    expected = {article_path(a) for a in make_articles()}
    assert {"/" + u.split("/", 3)[3] for u in urls} == expected
    assert query(db, "SELECT count(*) AS n FROM runs WHERE outcome = 'finished'")[0]["n"] == 1


def test_seed_like_article_is_clean(crawled):
    seed = seed_article()
    row = query(crawled / "presskeep.db", "SELECT * FROM articles WHERE url LIKE ?",
                ("%" + article_path(seed),))[0]
    assert row["title"] == seed.title
    assert json.loads(row["authors"]) == [seed.author]
    assert row["published"].startswith(seed.published.strftime("%Y-%m-%d"))
    assert row["language"] == "en"
    for needle in ("Audio By Carbonatix", "Latest Stories", "minutes -", "Sample News"):
        assert needle not in row["text"]
    assert row["text"] == "\n\n".join(seed.paragraphs)


def test_fts_search_finds_articles(crawled):
    seed = seed_article()
    word = seed.title.split()[-1]
    hits = query(crawled / "presskeep.db",
                 "SELECT a.title FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid "
                 "WHERE articles_fts MATCH ?", (word,))
    assert hits


def test_wal_mode_and_schema_version(crawled):
    assert query(crawled / "presskeep.db", "PRAGMA journal_mode")[0][0] == "wal"
    assert query(crawled / "presskeep.db", "PRAGMA user_version")[0][0] >= 1
