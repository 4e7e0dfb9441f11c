"""Crash safety: SIGKILL the real crawler at random moments, SIGTERM it to pause, then resume.

After every kill the next run must find the archive whole: WARC files that pass
`warcio check`, no `.open` file left once a run finished, every row pointing at
a record with its WARC-Record-ID, no duplicate article rows, every article of
the site present.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive.check import check_archive
from sample.server import SiteHandler, SiteServer
from sample.site import article_path, build_site, make_articles
from tests.conftest import ROOT, TEST_SETTINGS, query

N_ARTICLES = 200
KILLS = 10
SEED = 20261126
SLOW = ("CONCURRENT_REQUESTS_PER_DOMAIN=4", "PRESSKEEP_FLUSH_INTERVAL=0.5",
        "PRESSKEEP_DB_BATCH_SIZE=20")


class SlowHandler(SiteHandler):
    def do_GET(self):  # noqa: N802
        time.sleep(0.04)
        super().do_GET()


@pytest.fixture(scope="module")
def big_site():
    server = SiteServer(build_site(N_ARTICLES), handler=SlowHandler).start()
    yield server
    server.stop()


def start_crawl(url: str, out: Path, *extra: str) -> subprocess.Popen:
    settings = [x for s in (*TEST_SETTINGS, *SLOW) for x in ("-s", s)]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "crawler.cli", "crawl", url, "--out", str(out),
                             *settings, *extra], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_for_captures(out: Path, at_least: int, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if query(out / "presskeep.db", "SELECT count(*) FROM captures")[0][0] >= at_least:
                return
        except Exception:  # not created yet, or mid-migration
            pass
        time.sleep(0.1)
    raise AssertionError(f"fewer than {at_least} captures after {timeout}s")


def wait_for_open_warc(out: Path, proc: subprocess.Popen, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        if list(out.glob("warc/*.open")):
            return
        time.sleep(0.05)


def warcio_check(out: Path) -> None:
    files = [str(p) for p in sorted((out / "warc").glob("*.warc.gz"))]
    assert files
    proc = subprocess.run([sys.executable, "-m", "warcio.cli", "check", *files],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def assert_archive_whole(out: Path) -> None:
    assert not list((out / "warc").glob("*.open")), "an .open WARC survived a finished run"
    warcio_check(out)
    report = check_archive(out)
    assert report.ok, "\n".join(report.problems[:20])
    db = out / "presskeep.db"
    dupes = query(db, "SELECT url, text_hash, count(*) AS n FROM articles "
                      "GROUP BY url, text_hash HAVING n > 1")
    assert not dupes, [tuple(d) for d in dupes[:5]]
    urls = {r[0].split("/", 3)[3] for r in query(db, "SELECT url FROM articles")}
    expected = {article_path(a).lstrip("/") for a in make_articles(N_ARTICLES)}
    assert expected <= urls, f"{len(expected - urls)} articles missing"


def test_sigkill_at_random_moments_loses_and_duplicates_nothing(big_site, tmp_path):
    rng = random.Random(SEED)
    out = tmp_path / "out"
    url = big_site.base_url + "/"
    moments = []
    for i in range(KILLS * 2):  # until KILLS kills landed (a run may finish first)
        if len(moments) >= KILLS:
            break
        proc = start_crawl(url, out)
        if i % 2:  # odd kills land while a WARC file is being written; even ones anywhere
            wait_for_open_warc(out, proc)
        moment = rng.uniform(0.0, 1.5) if i % 2 else rng.uniform(0.3, 3.0)
        try:
            proc.wait(timeout=moment)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            moments.append(round(moment, 2))
        if (out / "warc").is_dir():  # what a killed run left must already be readable up to the tail
            assert check_archive_rows_only(out)
    assert len(moments) >= KILLS, moments
    final = start_crawl(url, out)
    _, err = final.communicate(timeout=120)
    assert final.returncode == 0, err[-3000:]
    assert_archive_whole(out)
    runs = query(out / "presskeep.db", "SELECT outcome FROM runs ORDER BY id")
    assert runs[-1]["outcome"] == "finished"
    # killed runs are closed as 'interrupted' by the next run; none stays 'running'
    assert {r["outcome"] for r in runs[:-1]} <= {"interrupted", "finished", "shutdown"}


def check_archive_rows_only(out: Path) -> bool:
    """Between kills: every row already committed points at a whole record (tails may be torn)."""
    report = check_archive(out)
    row_problems = [p for p in report.problems if " row " in p]
    assert not row_problems, row_problems[:10]
    return True


def test_sigterm_pauses_and_the_next_run_resumes(big_site, tmp_path):
    out = tmp_path / "out"
    url = big_site.base_url + "/"
    first = start_crawl(url, out)
    wait_for_captures(out, 60)
    first.send_signal(signal.SIGTERM)
    _, err = first.communicate(timeout=60)
    state = json.loads((out / "job" / "presskeep-job.json").read_text())
    assert state["state"] == "paused", err[-2000:]
    assert (out / "job" / "spider.state").exists()
    db = out / "presskeep.db"
    assert query(db, "SELECT outcome FROM runs")[0]["outcome"] == "shutdown"
    fetched_before = query(db, "SELECT count(*) FROM captures")[0][0]
    assert 0 < fetched_before < N_ARTICLES

    second = start_crawl(url, out)
    _, err = second.communicate(timeout=120)
    assert second.returncode == 0, err[-3000:]
    assert "resuming the paused crawl" in err
    assert not (out / "job").exists(), "a finished crawl leaves no job to resume"
    assert_archive_whole(out)
    # resumed, not restarted: no article page was fetched twice
    twice = query(db, "SELECT url, count(*) AS n FROM captures WHERE url LIKE '%.html' "
                      "GROUP BY url HAVING n > 1")
    assert not twice, [tuple(t) for t in twice[:5]]
