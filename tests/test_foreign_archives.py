"""Archives other tools write, as inputs of replay, extract and check: ARC (.arc, .arc.gz),
WACZ (presskeep's own and py-wacz's, read straight from the zip), wget 1.14 and Common
Crawl WARCs (WARC/1.0, ``application/http; msgtype=response``, chunked bodies, angle
brackets, spaces in URIs), directories; the same files in any order give the same rows."""

from __future__ import annotations

import gzip
import io
import json
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from sample import foreign_warcs as fw
from tests.conftest import crawl, presskeep, query
from tests.serving import ServeProcess, http

FAST = ("-s", "PRESSKEEP_CLEAN_WORKERS=0", "-s", "PRESSKEEP_PROGRESS_INTERVAL=0",
        "-s", "PRESSKEEP_SITE_MODEL_ENABLED=False")
PAGES = [(f"http://foreign.test/story-{i}.html", fw.page(i)) for i in range(1, 5)]
URLS = [url for url, _ in PAGES]


def replay(*args: str) -> subprocess.CompletedProcess:
    return presskeep("replay", *args, *FAST)


def article_urls(out: Path) -> set[str]:
    return {r["url"] for r in query(out / "presskeep.db", "SELECT url FROM articles")}


def extracted(proc: subprocess.CompletedProcess) -> list[dict]:
    return [json.loads(line) for line in proc.stdout.splitlines()]


# -- ARC -----------------------------------------------------------------------------------
def test_arc_files_are_inputs_of_replay_extract_and_check(tmp_path):
    fw.arc_file(tmp_path / "old.arc", PAGES[:2])
    fw.arc_file(tmp_path / "old2.arc.gz", PAGES[2:])
    out = tmp_path / "out"
    proc = replay(str(tmp_path / "old.arc"), str(tmp_path / "old2.arc.gz"), "--out", str(out))
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert article_urls(out) == set(URLS)
    rows = query(out / "presskeep.db", "SELECT url, warc_file, warc_offset, fetched_at, status "
                                       "FROM captures ORDER BY url")
    assert [r["status"] for r in rows] == [200] * 4
    assert rows[0]["warc_file"].endswith("old.arc")
    assert rows[0]["fetched_at"].startswith("2014-02-16")
    arcs = (str(tmp_path / "old.arc"), str(tmp_path / "old2.arc.gz"))
    pages = extracted(presskeep("extract", *arcs))
    assert sorted(p["url"] for p in pages) == URLS  # the URL, not null
    checked = presskeep("check", *arcs)
    assert checked.returncode == 0, checked.stderr
    assert "2 WARC/ARC files, 6 records" in checked.stderr


def test_check_reads_warc_and_arc_files_of_an_archive_alike(tmp_path):
    warc = tmp_path / "arch" / "warc"
    warc.mkdir(parents=True)
    fw.write(warc / "a.warc", [fw.response(URLS[0], PAGES[0][1], "2021-01-01T00:00:00Z")])
    fw.write(warc / "b.warc.gz", [fw.response(URLS[1], PAGES[1][1], "2021-01-01T00:00:00Z")])
    fw.arc_file(warc / "c.arc", PAGES[2:3])
    fw.arc_file(warc / "d.arc.gz", PAGES[3:])
    proc = presskeep("check", "--out", str(tmp_path / "arch"))
    assert proc.returncode == 0 and "ok: 4 WARC/ARC files, 6 records" in proc.stderr, proc.stderr


# -- WACZ ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def presskeep_wacz(news_site, tmp_path_factory) -> tuple[Path, Path]:
    """(a crawl of the sample site, the WACZ `presskeep wacz` made of it)."""
    base = tmp_path_factory.mktemp("wacz-in")
    crawl(news_site.base_url + "/", base / "crawl", "--max-pages", "15")
    presskeep("wacz", "--out", str(base / "crawl"), "-o", str(base / "site.wacz"), check=True)
    return base / "crawl", base / "site.wacz"


def test_presskeeps_own_wacz_replays_into_the_crawls_articles(presskeep_wacz, tmp_path):
    crawled, wacz = presskeep_wacz
    with zipfile.ZipFile(wacz) as zf:  # WACZ writers store gzip WARCs: read in place
        members = [i for i in zf.infolist() if i.filename.startswith("archive/")]
    assert members and all(i.compress_type == zipfile.ZIP_STORED for i in members)
    out = tmp_path / "out"
    proc = replay(str(wacz), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert article_urls(out) == article_urls(crawled)
    names = {r[0] for r in query(out / "presskeep.db", "SELECT DISTINCT warc_file FROM captures")}
    assert names == {f"{wacz.resolve()}#{m.filename}" for m in members}
    pages = extracted(presskeep("extract", str(wacz)))
    assert {p["url"] for p in pages} >= article_urls(crawled)
    assert all(p["path"].startswith(f"{wacz}#archive/") for p in pages)
    assert presskeep("check", str(wacz)).returncode == 0


def test_rows_into_a_wacz_are_served_and_checked(presskeep_wacz, tmp_path):
    _, wacz = presskeep_wacz
    out = tmp_path / "out"
    replay(str(wacz), "--out", str(out))
    capture, = query(out / "presskeep.db", "SELECT id, url, warc_file FROM captures LIMIT 1")
    article, = query(out / "presskeep.db", "SELECT id, title FROM articles LIMIT 1")
    with ServeProcess(out) as ui:
        status, _, raw = http(ui.port, f"/record/capture/{capture['id']}")
        assert status == 200
        record = next(iter(ArchiveIterator(io.BytesIO(raw))))
        assert record.rec_headers.get_header("WARC-Target-URI") == capture["url"]
        status, _, page = http(ui.port, f"/original/article/{article['id']}")
        assert status == 200 and article["title"].encode() in page
    assert presskeep("check", "--out", str(out)).returncode == 0


def test_a_wacz_py_wacz_made_of_foreign_warcs(tmp_path):
    fw.wget114_warc(tmp_path / "wget.warc.gz", PAGES[:2])
    fw.common_crawl_warc(tmp_path / "cc.warc", PAGES[2:])  # uncompressed: deflated in the zip
    wacz = tmp_path / "foreign.wacz"
    made = subprocess.run([str(Path(sys.executable).parent / "wacz"), "create", "-o", str(wacz),
                           str(tmp_path / "wget.warc.gz"), str(tmp_path / "cc.warc")],
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stdout + made.stderr
    hand = tmp_path / "by-hand.wacz"
    fw.wacz_by_hand(hand, [tmp_path / "cc.warc"])
    with zipfile.ZipFile(hand) as zf:
        assert zf.getinfo("archive/cc.warc").compress_type == zipfile.ZIP_DEFLATED
    for package in (wacz, hand):
        out = tmp_path / f"out-{package.stem}"
        proc = replay(str(package), "--out", str(out))
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
        assert article_urls(out) == set(URLS if package == wacz else URLS[2:])
        assert sorted(p["url"] for p in extracted(presskeep("extract", str(package)))) == \
            sorted(URLS if package == wacz else URLS[2:])


# -- other writers --------------------------------------------------------------------------
def test_wget_common_crawl_and_spaces_in_uris(tmp_path):
    fw.wget114_warc(tmp_path / "wget.warc", PAGES[:2])
    fw.common_crawl_warc(tmp_path / "cc.warc.gz", PAGES[2:])
    spaced = "http://foreign.test/a%20b/story.html"
    fw.spaces_warc(tmp_path / "spaces.warc.gz", spaced, fw.page(9))
    out = tmp_path / "out"
    proc = replay(str(tmp_path), "--out", str(out))  # a directory of them
    assert proc.returncode == 0, proc.stderr
    assert article_urls(out) == set(URLS) | {spaced}
    rows = query(out / "presskeep.db", "SELECT url, text FROM articles")
    texts = {r["url"]: r["text"] for r in rows}
    assert "0\r\n" not in texts[URLS[0]] and len(texts[URLS[0]]) > 500  # de-chunked
    assert "Replacing spaces" not in proc.stderr  # warcio's own warning: one presskeep line
    assert f"{tmp_path / 'spaces.warc.gz'}: noted at offset 0: spaces in WARC-Target-URI" \
        in proc.stderr


def test_a_record_not_followed_by_its_blank_lines_is_one_line_a_file(tmp_path):
    short = []
    for url, body in PAGES[:3]:  # each record's Content-Length 3 bytes short
        rec = fw.response(url, body, "2019-05-05T05:05:05Z", digests=False)
        size = len(rec.split(b"\r\n\r\n", 1)[1]) - 4
        short.append(rec.replace(b"Content-Length: %d" % size, b"Content-Length: %d" % (size - 3)))
    fw.write(tmp_path / "short.warc", short)
    proc = replay(str(tmp_path / "short.warc"), "--out", str(tmp_path / "out"))
    assert "Record not followed by newline" not in proc.stderr and "Offset:" not in proc.stderr
    notes = [line for line in proc.stderr.splitlines() if "not followed by a blank line" in line]
    assert notes == [f"presskeep: warning: {tmp_path / 'short.warc'}: noted: 3 records: record "
                     "not followed by a blank line (Content-Length may be wrong) (first at offset "
                     "0)"], proc.stderr
    assert article_urls(tmp_path / "out") == set(URLS[:3])


def test_extract_takes_a_directory(tmp_path):
    fw.wget114_warc(tmp_path / "a.warc.gz", PAGES[:1])
    fw.arc_file(tmp_path / "b.arc", PAGES[1:2])
    (tmp_path / "saved.html.gz").write_bytes(gzip.compress(PAGES[2][1]))
    proc = presskeep("extract", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    rows = extracted(proc)
    assert {r["url"] for r in rows} == {URLS[0], URLS[1], None}
    assert {r["title"] for r in rows} == {"Foreign story 1", "Foreign story 2", "Foreign story 3"}


# -- one order --------------------------------------------------------------------------------
def whole_gzip_warc(path: Path) -> None:
    """A WARC gzipped as a whole (one member, several records: not replayable by offset)."""
    path.write_bytes(gzip.compress(b"".join(
        fw.response(u, b, "2018-08-08T08:08:08Z") for u, b in PAGES[:2])))


def test_the_same_files_in_any_order_give_the_same_rows(tmp_path):
    files = tmp_path / "in"
    files.mkdir()
    whole_gzip_warc(files / "a-whole.warc.gz")
    fw.corrupt_member_warc(files / "b-corrupt.warc.gz", PAGES[1:4])
    fw.arc_file(files / "c.arc", PAGES[:2])
    fw.html_named_warc(files / "d-page.warc.gz")
    body = fw.page(5)
    fw.write(files / "e-revisits.warc", [
        fw.revisit(URLS[0], "2024-01-02T00:00:00Z", URLS[0], "2014-02-16T05:02:21Z",
                   fw.payload_digest_of(PAGES[0][1])),
        fw.response("http://foreign.test/five.html", body, "2024-01-01T00:00:00Z")])
    fw.common_crawl_warc(files / "f-cc.warc.gz", PAGES)
    names = sorted(str(p) for p in files.iterdir())
    seen = []
    for n, order in enumerate((names, names[::-1])):
        out = tmp_path / f"out{n}"
        proc = replay(*order, "--out", str(out))
        assert proc.returncode == 4 and "Traceback" not in proc.stderr, proc.stderr
        db = sqlite3.connect(out / "presskeep.db")
        seen.append((
            sorted(db.execute("SELECT url, payload_digest, text FROM articles"), key=repr),
            sorted(db.execute("SELECT url, payload_digest, record_type, status, warc_file, "
                              "warc_offset FROM captures"), key=repr)))
        db.close()
    assert seen[0] == seen[1]
    assert len(seen[0][1]) >= 10  # the ARC's, CC's, the revisit's and the corrupt file's good ones
