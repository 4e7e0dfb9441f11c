"""`presskeep replay`: a wget-made WARC of the sample site, replayed with the server stopped,
gives the same article rows as a live crawl; formats, revisits, corrupt and empty input."""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path

import pytest

from archive.reader import read_record_at
from sample.server import serve
from sample.site import build_site
from tests.conftest import crawl, presskeep, query
from tests.replay_warcs import (article_html, browsertrix_warc, heritrix_warc, no_html_warc,
                                pywb_revisit_warc)

FIELDS = ("url", "canonical_url", "site", "title", "authors", "published", "modified",
          "language", "text", "word_count", "text_hash")
# clean in-process for speed; the wget replay below keeps the default worker pool (both cores)
# learned site boilerplate depends on the order pages are seen in; rows are compared exactly
# across a live crawl and replays here, so the site model is off on both sides
NO_MODEL = ("-s", "PRESSKEEP_SITE_MODEL_ENABLED=False")
REPLAY_SETTINGS = ("-s", "PRESSKEEP_PROGRESS_INTERVAL=0", *NO_MODEL)
FAST = ("-s", "PRESSKEEP_CLEAN_WORKERS=0")


def articles(out: Path) -> dict[str, dict]:
    rows = query(out / "presskeep.db", "SELECT * FROM latest_articles")
    return {r["url"]: dict(r) for r in rows}


def replay(*args: str, check: bool = True, pool: bool = False) -> subprocess.CompletedProcess:
    return presskeep("replay", *args, *REPLAY_SETTINGS, *(() if pool else FAST), check=check)


@pytest.fixture(scope="module")
def site_archives(tmp_path_factory):
    """A live crawl and a wget WARC of one sample-site server, which is then stopped."""
    if not shutil.which("wget"):
        pytest.skip("wget is not installed")
    base = tmp_path_factory.mktemp("replay")
    server = serve(build_site)
    try:
        crawl(server.base_url + "/", base / "live", *NO_MODEL)
        subprocess.run(["wget", "--recursive", "--level=inf", "--no-verbose", "--no-directories",
                        f"--warc-file={base / 'wget' / 'site'}", "-P", str(base / "files"),
                        "--delete-after", server.base_url + "/"],
                       check=True, capture_output=True, timeout=120,
                       cwd=(base / "wget").mkdir() or base / "wget")
    finally:
        server.stop()
    return base


@pytest.fixture(scope="module")
def replayed(site_archives):
    out = site_archives / "from-wget"
    proc = replay(str(site_archives / "wget" / "site.warc.gz"), "--out", str(out), pool=True)
    return out, proc


def test_wget_warc_replays_into_the_live_crawls_rows(site_archives, replayed):
    out, proc = replayed
    live, again = articles(site_archives / "live"), articles(out)
    assert len(live) >= 30
    assert set(again) == set(live)
    for url, row in live.items():
        assert {k: again[url][k] for k in FIELDS} == {k: row[k] for k in FIELDS}, url
    assert "replayed 41 HTML records" in proc.stderr
    assert not list((out / "warc").glob("*.warc*")), "replay must not write WARC files"
    run = query(out / "presskeep.db", "SELECT command, outcome, stats FROM runs")
    assert [tuple(r)[:2] for r in run] == [("replay", "finished")]
    # each page came from the scan's cache, none was read from the file a second time
    assert '"presskeep/replay/reread"' not in run[0]["stats"]


def test_rows_point_at_the_replayed_records(site_archives, replayed):
    out, _ = replayed
    warc = str((site_archives / "wget" / "site.warc.gz").resolve())
    rows = query(out / "presskeep.db", "SELECT * FROM articles")
    assert rows and {r["warc_file"] for r in rows} == {warc}
    for row in rows[:5]:
        rec = read_record_at(row["warc_file"], row["warc_offset"])
        assert rec is not None and rec.url == row["url"]
        assert rec.record_id == row["warc_record_id"] and row["warc_length"] > 0
        assert row["fetched_at"].endswith("Z") and len(row["fetched_at"]) == 27
    captures = query(out / "presskeep.db", "SELECT COUNT(*) FROM captures WHERE warc_file = ?",
                     [warc])[0][0]
    assert captures == 41


def test_replaying_the_crawls_own_warcs_changes_nothing(site_archives, tmp_path):
    out = tmp_path / "copy"
    shutil.copytree(site_archives / "live", out)
    before = articles(out)
    proc = replay(str(out / "warc"), "--out", str(out))
    assert "0 articles' text changed compared with the database, 0 new" in proc.stderr
    assert articles(out) == before
    names = query(out / "presskeep.db", "SELECT DISTINCT warc_file FROM articles")
    assert all(r[0].startswith("warc/") for r in names)  # inside --out: relative, as crawled


def test_changed_text_is_counted(site_archives, tmp_path):
    out = tmp_path / "copy"
    shutil.copytree(site_archives / "live", out)
    url = next(iter(articles(out)))
    warc = tmp_path / "edited.warc.gz"
    heritrix_warc(warc, [(url, article_html("An edited story", "Entirely new words. " * 40))])
    proc = replay(str(warc), "--out", str(out))
    assert "1 articles' text changed compared with the database, 0 new" in proc.stderr
    assert articles(out)[url]["version"] == 2


def test_uncompressed_warc_gives_the_same_rows(site_archives, replayed, tmp_path):
    plain = tmp_path / "site.warc"
    plain.write_bytes(gzip.decompress((site_archives / "wget" / "site.warc.gz").read_bytes()))
    replay(str(plain), "--out", str(tmp_path / "out"))
    got, want = articles(tmp_path / "out"), articles(replayed[0])
    assert {u: r["text_hash"] for u, r in got.items()} == {u: r["text_hash"] for u, r in want.items()}


def test_other_tools_formats_revisits_and_encodings(tmp_path):
    one, two, three = (f"http://127.0.0.1:9/news/story-{i}.html" for i in (1, 2, 3))
    text = "The council met on Tuesday and voted to repair the harbour road. " * 12
    page, rail = article_html("Harbour road", text), article_html("Rail news", "Trains run. " * 60)
    browsertrix_warc(tmp_path / "btx.warc.gz", one, page)
    pywb_revisit_warc(tmp_path / "pywb.warc.gz", one, two, page)
    heritrix_warc(tmp_path / "h.warc", [(three, rail)], revisit_of=three)
    proc = replay(str(tmp_path / "btx.warc.gz"), str(tmp_path / "pywb.warc.gz"),
                  str(tmp_path / "h.warc"), "--out", str(tmp_path / "out"))
    rows = articles(tmp_path / "out")
    assert {one, three} <= set(rows), proc.stderr
    assert "harbour road" in rows[one]["text"].lower()  # chunked + brotli decoded
    if two in rows:  # (a store that dedups by text may keep one row for both URLs)
        assert rows[two]["text_hash"] == rows[one]["text_hash"]
    # each revisit was served with its original's payload: the decoded body, full length
    caps = query(tmp_path / "out" / "presskeep.db",
                 "SELECT url, record_type, status, length FROM captures WHERE record_type = "
                 "'revisit' ORDER BY url")
    assert [tuple(r) for r in caps] == [(two, "revisit", 200, len(page)),
                                        (three, "revisit", 200, len(rail))]


def test_truncated_and_corrupt_warcs_keep_what_is_readable(site_archives, tmp_path):
    data = (site_archives / "wget" / "site.warc.gz").read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: len(data) // 2])
    bad = bytearray(data)
    bad[len(data) // 3: len(data) // 3 + 64] = b"\0" * 64
    broken = tmp_path / "broken.warc.gz"
    broken.write_bytes(bytes(bad))
    for path, least in ((cut, 15), (broken, 35)):
        proc = replay(str(path), "--out", str(tmp_path / path.stem), check=False)
        assert proc.returncode == 4  # finished, but a stretch was passed over (reported)
        assert "unreadable at offset" in proc.stderr and "Traceback" not in proc.stderr
        assert len(articles(tmp_path / path.stem)) >= least, proc.stderr


def test_not_a_warc_fails_cleanly(tmp_path):
    junk = tmp_path / "junk.warc.gz"
    junk.write_bytes(b"this is not a WARC file\n" * 50)
    proc = replay(str(junk), "--out", str(tmp_path / "out"), check=False)
    assert proc.returncode == 1
    assert "presskeep: error: nothing readable in" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_warc_without_html_says_so(tmp_path):
    warc = tmp_path / "images.warc.gz"
    no_html_warc(warc)
    proc = replay(str(warc), "--out", str(tmp_path / "out"))
    assert "no archived HTML responses" in proc.stderr
    assert query(tmp_path / "out" / "presskeep.db", "SELECT COUNT(*) FROM articles")[0][0] == 0
