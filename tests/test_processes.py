"""`presskeep crawl --processes N`: one crawl over N local processes with a partitioned frontier.

Real crawls of a slow sample site (each answer after a delay, so both processes get work
and the concurrency at the server can be observed), compared with a single-process crawl.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.partition import owner
from tests.conftest import ROOT, TEST_SETTINGS, crawl, presskeep, query
from tests.slowsite import slow_site
from tests.test_distributed import articles, assert_rows_point_at_records, page_urls

# learned boilerplate depends on page order: off, so rows compare exactly with one process
NO_MODEL = "PRESSKEEP_SITE_MODEL_ENABLED=False"


@pytest.fixture(scope="module")
def site():
    server = slow_site(0.02, articles=60)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def single(site, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("single")
    crawl(site.base_url + "/", out, "-s", NO_MODEL)
    return out


@pytest.fixture(scope="module")
def parts(site, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("parts")
    site.max_active = 0
    proc = crawl(site.base_url + "/", out, "--processes", "2", "-s", NO_MODEL,
                 "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4")
    return {"out": out, "proc": proc, "max_active": site.max_active}


def test_two_processes_archive_what_one_does(parts, single):
    out, err = parts["out"], parts["proc"].stderr
    assert "Traceback" not in err
    assert "presskeep: 2 crawl processes:" in err and "(finished)" in err
    assert set(page_urls(out / "presskeep.db")) == set(page_urls(single / "presskeep.db"))
    assert articles(out / "presskeep.db") == articles(single / "presskeep.db")
    assert_rows_point_at_records(out)
    check = subprocess.run([str(Path(sys.executable).parent / "warcio"), "check",
                            *map(str, (out / "warc").glob("*.warc.gz"))],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_each_process_fetches_only_the_urls_it_owns(parts):
    shards = [parts["out"] / "shards" / f"part-{i}" / "presskeep.db" for i in range(2)]
    per_part = [page_urls(db) for db in shards]
    assert all(len(urls) > 10 for urls in per_part), [len(u) for u in per_part]
    for index, urls in enumerate(per_part):
        assert all(owner(u, 2) == index for u in urls)
    everything = per_part[0] + per_part[1]
    assert len(everything) == len(set(everything)), "a page was fetched twice"
    stats = [query(db, "SELECT stats FROM runs")[0]["stats"] for db in shards]
    assert all('"presskeep/partition/forwarded"' in s for s in stats)


def test_per_host_limit_is_shared_between_processes(parts):
    # CONCURRENT_REQUESTS_PER_DOMAIN=4 for the crawl: 2 a process, never more than 4 at once
    assert 2 <= parts["max_active"] <= 4


def test_per_host_limit_holds_in_one_process(site, tmp_path):
    # Scrapy 2.19 alone sent every queued request at once (crawler/downloader.py)
    site.max_active = 0
    crawl(site.base_url + "/", tmp_path, "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2", "-s", NO_MODEL)
    assert site.max_active == 2


def test_processes_and_redis_do_not_mix(tmp_path):
    proc = presskeep("crawl", "http://127.0.0.1:9/", "--out", str(tmp_path), "--processes", "2",
                     "--redis", "redis://127.0.0.1:9/0")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "presskeep: error: --processes and --redis do not go together (with Redis, start more "
        "workers)"]
    proc = crawl("http://127.0.0.1:9/", tmp_path / "unreachable", "--processes", "2",
                 "-s", "RETRY_TIMES=0", check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == ("presskeep: error: nothing was archived "
                                                    "(see the errors above)")
    proc = presskeep("crawl", "http://127.0.0.1:9/", "--out", str(tmp_path), "--partition", "0/2")
    assert proc.returncode == 2 and proc.stderr.startswith("presskeep: error: --partition is for")
    assert "Traceback" not in proc.stderr


def test_ctrl_c_stops_every_process_and_keeps_what_was_fetched(tmp_path):
    server = slow_site(0.15, articles=60)
    try:
        out = tmp_path / "out"
        # a graceful stop downloads what already sits in the downloader's queue (up to
        # CONCURRENT_REQUESTS a process, one at a time under the per-host limit): keep it short
        settings = [x for s in (*TEST_SETTINGS, NO_MODEL, "CONCURRENT_REQUESTS_PER_DOMAIN=2",
                                "CONCURRENT_REQUESTS=2") for x in ("-s", s)]
        argv = [sys.executable, "-m", "crawler.cli", "crawl", server.base_url + "/", "--out",
                str(out), "--processes", "2", *settings]
        proc = subprocess.Popen(argv, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while len(server.starts) < 15 and time.monotonic() < deadline:
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "Traceback" not in err and "(shutdown)" in err
        first = set(page_urls(out / "presskeep.db"))
        assert 5 < len(first) < 60, (len(first), err)
        assert not list(out.rglob("*.warc.gz.open"))
        # the same command again resumes both processes' queues; nothing is fetched twice
        again = subprocess.run(argv, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                               capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stderr
        urls = page_urls(out / "presskeep.db")
        assert len(urls) == len(set(urls)) and first <= set(urls)
        assert len(set(urls)) >= 60
    finally:
        server.stop()
