"""After a recrawl answered 304, the newest capture of an article replays as the article in
pywb (WARCs) and in ReplayWeb.page (the WACZ in headless Chromium), and presskeep's own
readers still resolve it."""

from __future__ import annotations

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.reader import IDENTICAL, NOT_MODIFIED
from archive.timestamps import warc_date
from crawler.incremental import updated_headers
from tests.conftest import crawl, presskeep, query
from tests.replayers import get, pywb_missing, replayweb_missing, replayweb_text, wayback


@pytest.fixture(scope="module")
def recrawled(news_site, tmp_path_factory):
    """The sample site crawled twice into one archive (every page fetched again: 304s),
    packed as a WACZ."""
    out = tmp_path_factory.mktemp("recrawl")
    crawl(news_site.base_url + "/", out)
    crawl(news_site.base_url + "/", out, "-s", "PRESSKEEP_SKIP_UNCHANGED=False")
    presskeep("wacz", "--out", str(out), check=True)
    return out


def newest_article_revisit(out) -> dict:
    """An article whose newest capture is a revisit written for a 304."""
    rows = query(out / "presskeep.db", """
        SELECT c.url, c.fetched_at, a.title FROM captures c JOIN latest_articles a USING (url)
        WHERE c.run_id = 2 AND c.status = 304 AND c.record_type = 'revisit'
        ORDER BY c.url LIMIT 1""")
    assert rows, "the recrawl wrote no revisit for a 304 of an article"
    return dict(rows[0])


def revisit_records(out) -> list:
    found = []
    for path in sorted((out / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            found += [(r.rec_headers, r.http_headers) for r in ArchiveIterator(fh)
                      if r.rec_type == "revisit"]
    return found


def test_a_304_is_written_as_the_stored_response(recrawled):
    """identical-payload-digest, the original's 200 status line, WARC-Refers-To-*, the 304
    noted in WARC-Presskeep-Answer; the captures row says what the server answered."""
    article = newest_article_revisit(recrawled)
    record = [(w, h) for w, h in revisit_records(recrawled)
              if w.get_header("WARC-Target-URI") == article["url"]]
    assert len(record) == 1
    warc, http = record[0]
    assert warc.get_header("WARC-Profile") == IDENTICAL
    assert warc.get_header("WARC-Presskeep-Answer") == "304"
    assert warc.get_header("WARC-Refers-To-Target-URI") == article["url"]
    assert warc.get_header("WARC-Refers-To-Date") and warc.get_header("WARC-Refers-To")
    assert http.statusline == "200 OK" and http.protocol.startswith("HTTP/")
    assert http.get_header("Content-Type", "").startswith("text/html")
    assert http.get_header("ETag")
    row = query(recrawled / "presskeep.db", "SELECT status, content_type, payload_digest "
                "FROM captures WHERE url = ? ORDER BY id", [article["url"]])
    assert [r["status"] for r in row] == [200, 304]
    assert row[1]["content_type"].startswith("text/html")
    assert row[0]["payload_digest"] == row[1]["payload_digest"] == warc.get_header(
        "WARC-Payload-Digest")


def test_304_headers_update_the_stored_ones():
    """RFC 9111 4.3.4: the 304's fields replace the stored ones in place; the payload's
    framing, coding and type stay; hop-by-hop fields are not stored."""
    stored = [("Date", "old"), ("Content-Type", "text/html"), ("Content-Length", "120"),
              ("Content-Encoding", "gzip"), ("ETag", '"a"'), ("Set-Cookie", "x=1"),
              ("Set-Cookie", "y=2"), ("Vary", "Accept-Encoding")]
    answer = [("Date", "new"), ("ETag", '"b"'), ("Content-Type", "text/plain"),
              ("Content-Length", "0"), ("Connection", "close"), ("Set-Cookie", "z=3"),
              ("Cache-Control", "max-age=60")]
    assert updated_headers(stored, answer) == [
        ("Date", "new"), ("Content-Type", "text/html"), ("Content-Length", "120"),
        ("Content-Encoding", "gzip"), ("ETag", '"b"'), ("Set-Cookie", "z=3"),
        ("Vary", "Accept-Encoding"), ("Cache-Control", "max-age=60")]


def test_newest_capture_replays_in_pywb(recrawled, tmp_path):
    if (why := pywb_missing()):
        pytest.skip(why)
    article = newest_article_revisit(recrawled)
    warcs = sorted((recrawled / "warc").glob("*.warc.gz"))
    with wayback(tmp_path, warcs) as base:
        # 2099: the capture closest to it is the newest one (the recrawl's revisit)
        status, headers, body = get(f"{base}/2099mp_/{article['url']}")
    assert status == 200, (status, body[:200])
    assert article["title"].encode() in body and b"<article>" in body
    memento = headers.get("Memento-Datetime", "")
    assert memento, headers
    from email.utils import parsedate_to_datetime

    assert warc_date(parsedate_to_datetime(memento))[:19] == article["fetched_at"][:19]


def test_newest_capture_replays_in_replaywebpage(recrawled):
    if (why := replayweb_missing()):
        pytest.skip(why)
    article = newest_article_revisit(recrawled)
    text, frame = replayweb_text(recrawled / "archive.wacz", article["url"])
    assert article["title"] in text
    stamp = "".join(c for c in article["fetched_at"][:19] if c.isdigit())
    assert f"/{stamp}mp_/" in frame, frame  # the recrawl's capture, not the first one


def test_readers_resolve_the_revisit(recrawled):
    """check, replay and serve's reader still find the article behind the new revisit."""
    check = presskeep("check", "--out", str(recrawled))
    assert check.returncode == 0, check.stdout + check.stderr
    article = newest_article_revisit(recrawled)
    from archive.paths import WarcPaths
    from archive.reader.revisits import row_payload
    from archive.db import open_readonly

    conn = open_readonly(recrawled / "presskeep.db")
    try:
        name, offset = conn.execute(
            "SELECT warc_file, warc_offset FROM captures WHERE url = ? AND run_id = 2",
            [article["url"]]).fetchone()
        payload = row_payload(WarcPaths(recrawled), conn, name, offset)
    finally:
        conn.close()
    assert payload.status == 200 and article["title"].encode() in payload.body


def test_a_304_whose_original_is_gone_is_fetched_again_in_full(news_site, tmp_path):
    """The original cannot be read back (its WARC file deleted): the 304 is written as a
    server-not-modified revisit, and the page is fetched again unconditionally."""
    crawl(news_site.base_url + "/", tmp_path)
    for path in (tmp_path / "warc").glob("*.warc.gz"):
        path.unlink()
    crawl(news_site.base_url + "/", tmp_path)
    home = news_site.base_url + "/"
    rows = query(tmp_path / "presskeep.db", "SELECT run_id, status, record_type FROM captures "
                 "WHERE url = ? ORDER BY id", [home])
    assert [tuple(r) for r in rows] == [(1, 200, "response"), (2, 304, "revisit"),
                                        (2, 200, "response")]
    profiles = [w.get_header("WARC-Profile") for w, _h in revisit_records(tmp_path)
                if w.get_header("WARC-Target-URI") == home]
    assert profiles == [NOT_MODIFIED]
    stats = query(tmp_path / "presskeep.db", "SELECT stats FROM runs WHERE id = 2")[0][0]
    assert '"presskeep/incremental/original_missing"' in stats
