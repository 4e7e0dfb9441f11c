"""One crawl of the fault server (tests/faults.py); each test checks one fault's outcome.

The outcome of each fault is read back from the ``captures`` rows and from the
WARC files (re-read with warcio), as docs/reliability.md's table states it.
The crawler runs in a subprocess whose peak RSS (its largest process's) is sampled from /proc.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.retry import retry_after
from tests.conftest import ROOT, TEST_SETTINGS, query
from tests.running import wait_measured
from tests.faults import BODIES, CYRILLIC_TITLE

# small limits keep the suite fast; the faults are scaled to exceed them
FAULT_SETTINGS = ("DOWNLOAD_TIMEOUT=4", "RETRY_TIMES=1", "PRESSKEEP_MAX_RESPONSE_SIZE=1048576",
                  "DOWNLOAD_MAXSIZE=16777216",
                  # clean in a worker process, as by default: hostile HTML must not stall the
                  # reactor (and the short download timeout with it)
                  "PRESSKEEP_CLEAN_WORKERS=1")
RSS_LIMIT_MB = 350


@dataclass
class Run:
    out: Path
    base: str
    returncode: int
    stderr: str
    seconds: float
    peak_rss_mb: float

    @property
    def db(self) -> Path:
        return self.out / "presskeep.db"

    def rows(self, path: str) -> list:
        return query(self.db, "SELECT * FROM captures WHERE url = ? ORDER BY id", [self.base + path])

    def stats(self) -> dict:
        return json.loads(query(self.db, "SELECT stats FROM runs ORDER BY id DESC")[0]["stats"])


def measured_crawl(url: str, out: Path, *extra: str, timeout: float = 120) -> Run:
    """Run `presskeep crawl` in a subprocess; return its outcome and peak RSS."""
    settings = [x for s in TEST_SETTINGS + FAULT_SETTINGS for x in ("-s", s)]
    args = [sys.executable, "-m", "crawler.cli", "crawl", url, "--out", str(out), *settings, *extra]
    err_path = out.parent / (out.name + ".stderr")
    started = time.monotonic()
    with open(err_path, "w") as err:
        proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err,
                                env=dict(os.environ, PYTHONPATH=str(ROOT)))
        try:
            code, peak = wait_measured(proc, timeout)
        except AssertionError:
            raise AssertionError(f"crawl of {url} still running after {timeout} s") from None
    return Run(out, url.rstrip("/"), code, err_path.read_text(), time.monotonic() - started, peak)


def warc_responses(out: Path) -> dict[str, list]:
    """URL -> [(WARC headers, payload bytes), ...] for every response record."""
    found: dict[str, list] = {}
    for path in sorted((out / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type == "response":
                    uri = rec.rec_headers.get_header("WARC-Target-URI")
                    found.setdefault(uri, []).append((rec.rec_headers, rec.raw_stream.read()))
    return found


@pytest.fixture(scope="module")
def run(faults, tmp_path_factory) -> Run:
    return measured_crawl(faults.base_url + "/", tmp_path_factory.mktemp("faults") / "out")


@pytest.fixture(scope="module")
def warc(run) -> dict[str, list]:
    return warc_responses(run.out)


# -- the crawl as a whole ---------------------------------------------------------------------
def test_fault_crawl_finishes_cleanly(run):
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stats()["finish_reason"] == "finished"
    assert run.seconds < 60


def test_peak_rss_stays_bounded(run):
    # 256 MB gzip bomb, 5 MB body, 50k-deep HTML, traps: the crawler stays small
    print(f"fault crawl: {run.seconds:.1f} s, peak RSS {run.peak_rss_mb:.0f} MB")
    assert run.peak_rss_mb < RSS_LIMIT_MB


def test_warc_files_pass_warcio_check(run):
    files = sorted(str(p) for p in (run.out / "warc").glob("*.warc.gz"))
    proc = subprocess.run([str(Path(sys.executable).parent / "warcio"), "check", *files],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# -- server errors and retries ----------------------------------------------------------------
def test_500_is_retried_then_recorded(run, warc):
    assert [r["status"] for r in run.rows("/status/500")] == [500, 500]  # RETRY_TIMES=1
    assert len(warc[run.base + "/status/500"]) == 2
    assert f"HTTP 500 (archived, not followed): {run.base}/status/500" in run.stderr


@pytest.mark.parametrize("status", [503, 429])
def test_busy_answer_is_retried_and_the_retry_archived(run, warc, status):
    path = f"/flaky/{status}"
    assert [r["status"] for r in run.rows(path)] == [status, 200]
    codes = [h.get_header("WARC-Target-URI") for h, _ in warc[run.base + path]]
    assert len(codes) == 2
    assert query(run.db, "SELECT 1 FROM articles WHERE url = ?", [run.base + path])
    busy, ok = (datetime.fromisoformat(r["fetched_at"].replace("Z", "+00:00"))
                for r in run.rows(path))
    assert (ok - busy).total_seconds() >= 0.9  # the retry waited for "Retry-After: 1"


def test_retry_after_values():
    now = datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)
    assert retry_after(b"120") == 120.0
    assert retry_after("Fri, 27 Nov 2026 03:00:30 GMT", now) == 30.0
    assert retry_after("Fri, 27 Nov 2026 02:00:00 GMT", now) == 0.0  # already past
    assert retry_after(b"soon") is None and retry_after(None) is None


# -- broken transfers ---------------------------------------------------------------------------
@pytest.mark.parametrize("path,received", [("/reset", 20012), ("/truncated", 10012)])
def test_body_cut_short_is_archived_as_truncated(run, warc, path, received):
    rows = run.rows(path)
    assert len(rows) == 1 and rows[0]["status"] == 200
    assert rows[0]["truncated"] == "disconnect" and rows[0]["length"] == received
    (headers, payload), = warc[run.base + path]
    assert headers.get_header("WARC-Truncated") == "disconnect"
    assert payload.endswith(b"x" * 100 if path == "/reset" else b"y" * 100)


@pytest.mark.parametrize("path", ["/timeout", "/drip"])
def test_timeouts_are_recorded_as_errors(run, warc, path):
    rows = run.rows(path)
    assert len(rows) == 2  # first try + one retry
    assert all(r["status"] is None and r["error"].startswith("DownloadTimeoutError") for r in rows)
    assert run.base + path not in warc
    assert f"fetch failed: {run.base}{path}: DownloadTimeoutError" in run.stderr


def test_body_over_size_limit_is_cut_and_marked(run, warc):
    row, = run.rows("/big")
    assert row["truncated"] == "length"
    assert 1048576 < row["length"] < 1048576 + 256 * 1024 < 5 * 1024 * 1024
    (headers, payload), = warc[run.base + "/big"]
    assert headers.get_header("WARC-Truncated") == "length"
    assert len(payload) == row["length"]


def test_gzip_bomb_is_archived_compressed_and_not_inflated(run, warc):
    row, = run.rows("/bomb")
    assert row["status"] == 200 and row["length"] < 1024 * 1024  # the bytes on the wire
    (headers, payload), = warc[run.base + "/bomb"]
    assert payload[:2] == b"\x1f\x8b"
    assert "exceeded DOWNLOAD_MAXSIZE" in run.stderr
    assert f"fetch failed: {run.base}/bomb" in run.stderr


# -- redirects and traps --------------------------------------------------------------------------
def test_redirect_loop_stops(run):
    for path in ("/redirect/loop", "/redirect/a", "/redirect/b"):
        assert [r["status"] for r in run.rows(path)] == [302], path


def test_redirect_chain_stops_at_the_limit(run):
    hops = query(run.db, "SELECT url, status FROM captures WHERE url LIKE ?",
                 [run.base + "/chain/%"])
    assert sorted(int(r["url"].rsplit("/", 1)[1]) for r in hops) == list(range(21))
    assert {r["status"] for r in hops} == {302}
    assert f"fetch failed: {run.base}/chain/20: IgnoreRequest: max redirections reached" \
        in run.stderr


@pytest.mark.parametrize("like,branches", [("/months/%", 1), ("/calendar/%", 2),
                                           ("/list?page=%", 2)])
def test_calendar_and_pagination_traps_are_cut(run, like, branches):
    """Cut after 50 barren pages in a row (PRESSKEEP_TRAP_CUT). Slack: the pages already
    linked, and so requested, when the 50th was judged are still fetched: at most one for
    each branch of the chain (the calendar is walked both ways; the pager links N+1 and
    N+2), whichever of them the downloader answers first."""
    n = query(run.db, "SELECT count(*) AS n FROM captures WHERE url LIKE ?", [run.base + like])
    assert 50 <= n[0]["n"] <= 50 + branches, like
    pattern = run.base + like.replace("%", "#/#/" if like.endswith("/%") else "#")
    assert run.stats()[f"presskeep/trap/cut/{pattern}"] >= 1
    assert run.stderr.count(f"crawl trap cut: 50 pages of URL pattern {pattern} ") == 1


def test_every_trap_is_reported_once(run):
    assert run.stats()["presskeep/trap/patterns"] == 3
    assert run.stderr.count("crawl trap cut") == 3


def test_pattern_cap_stops_a_trap_too(faults, tmp_path):
    out = tmp_path / "capped"
    result = measured_crawl(faults.base_url + "/calendar/2026/11/", out,
                            "-s", "PRESSKEEP_TRAP_CUT=0", "-s", "PRESSKEEP_MAX_PER_PATTERN=10",
                            "-s", "PRESSKEEP_DISCOVERY=False")
    assert result.returncode == 0, result.stderr
    months = query(out / "presskeep.db", "SELECT url FROM captures WHERE url LIKE '%/calendar/%'")
    assert len(months) == 10
    assert result.stats()["presskeep/links/pattern_capped"] > 0
    assert result.stderr.count("reached PRESSKEEP_MAX_PER_PATTERN") == 1


def test_depth_limit_stops_a_trap_too(faults, tmp_path):
    out = tmp_path / "depth"
    result = measured_crawl(faults.base_url + "/calendar/2026/11/", out, "--depth", "3",
                            "-s", "PRESSKEEP_MAX_PER_PATTERN=0", "-s", "PRESSKEEP_TRAP_CUT=0",
                            "-s", "PRESSKEEP_DISCOVERY=False")
    assert result.returncode == 0, result.stderr
    months = query(out / "presskeep.db",
                   "SELECT url FROM captures WHERE url LIKE '%/calendar/%' AND status = 200")
    assert len(months) == 7  # the seed, then 2 new months per level for 3 levels


# -- hostile content ----------------------------------------------------------------------------
@pytest.mark.parametrize("path", sorted(BODIES))
def test_hostile_bodies_are_archived_byte_exact(run, warc, path):
    row, = run.rows(path)
    assert row["status"] == 200 and row["error"] is None
    (headers, payload), = warc[run.base + path]
    assert payload == BODIES[path]


def article(run, path: str):
    rows = query(run.db, "SELECT * FROM articles WHERE url = ?", [run.base + path])
    return rows[0] if rows else None


def test_charsets_decode_without_crashing(run):
    assert article(run, "/charset/missing")["title"] == CYRILLIC_TITLE  # from <meta charset>
    assert "\u00fcber" in article(run, "/charset/mixed")["title"]  # the stray byte is replaced
    wrong = article(run, "/charset/wrong")  # the header wins, as in browsers: U+FFFD
    assert wrong is not None and "Caf" in wrong["title"]


def test_nul_bytes_and_deep_nesting(run):
    nul = article(run, "/html/nul")
    assert nul is not None and "\x00" not in nul["text"] and nul["word_count"] > 100
    assert "cleaning failed" not in run.stderr


@pytest.mark.parametrize("path", ["/binary", "/binary/large"])
def test_binary_served_as_html_is_archived_not_extracted(run, path):
    assert article(run, path) is None
    assert run.stats()["presskeep/clean/dropped/binary"] == 2


def test_same_article_under_many_urls_is_stored_once(run):
    urls = ["/story/one", "/story/one?utm_source=feed", "/amp/story/one", "/print/story/one",
            "/mirror/story-one"]
    for path in urls:
        assert [r["status"] for r in run.rows(path)] == [200], path
    rows = query(run.db, "SELECT url FROM articles WHERE title = 'Harbour budget approved'")
    assert len(rows) == 1
    # stored under the canonical URL, unless the copy without a canonical link came first
    assert rows[0]["url"] in (run.base + "/story/one", run.base + "/mirror/story-one")
    assert run.stats()["presskeep/articles/duplicates"] == 4


def test_robots_txt_is_obeyed(run):
    row, = run.rows("/private/secret")
    assert row["status"] is None and "Forbidden by robots.txt" in row["error"]


@pytest.mark.parametrize("batch", [1, 200])  # rows already written, or still buffered
@pytest.mark.parametrize("order", [("amp", "canonical", "mirror"), ("canonical", "amp", "mirror"),
                                   ("mirror", "amp", "canonical")])
def test_store_keeps_one_row_under_the_canonical_url(tmp_path, order, batch):
    from archive.db import Store

    canon = "http://n.example/story/one"
    urls = {"canonical": (canon, canon), "amp": ("http://n.example/amp/story/one", canon),
            "mirror": ("http://n.example/mirror", "http://n.example/mirror")}
    store = Store.open(tmp_path, batch)
    kept = [store.add_unique_article({"url": urls[k][0], "canonical_url": urls[k][1],
                                      "text_hash": "h1", "warc_offset": n, "title": "T"})
            for n, k in enumerate(order)]
    store.close()
    assert kept == [True, False, False]
    rows = query(tmp_path / "presskeep.db", "SELECT url, warc_offset FROM articles")
    assert len(rows) == 1
    # the canonical URL wins unless the copy without a canonical link was stored first
    expected = urls["mirror"][0] if order[0] == "mirror" else canon
    assert rows[0]["url"] == expected
    assert rows[0]["warc_offset"] == order.index("canonical" if expected == canon else "mirror")
