"""Distributed crawling on a real redis-server: workers share one queue, write their own shards.

Each test starts its own redis-server (Debian package) on a free loopback port
and runs real `presskeep crawl --redis` worker processes against a sample site
whose pages answer after a short delay (so the crawl lasts long enough for two
workers to share it, and concurrency can be observed at the server).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import ROOT, TEST_SETTINGS, crawl, presskeep, query
from sample.daemons import RedisServer, free_port, redis_available
from tests.slowsite import slow_site as _slow_site

pytestmark = pytest.mark.skipif(not redis_available(), reason="redis-server is not installed")

N_ARTICLES = 90
# learned site boilerplate depends on page order, which differs between one process and two
# workers; the merged rows are compared exactly with a single crawl's, so it is off here
NO_MODEL = "PRESSKEEP_SITE_MODEL_ENABLED=False"
WORKER_SETTINGS = (*TEST_SETTINGS, NO_MODEL, "PRESSKEEP_REDIS_IDLE_TIMEOUT=3", "PRESSKEEP_REDIS_TICK=0.2",
                   "PRESSKEEP_REDIS_WORKER_TTL=2", "CONCURRENT_REQUESTS_PER_DOMAIN=2",
                   "DOWNLOAD_DELAY=0.01", "DOWNLOAD_DELAY_JITTER=0")


def slow_site(delay: float):
    return _slow_site(delay, N_ARTICLES)


@pytest.fixture(scope="module")
def site():
    server = slow_site(0.03)
    yield server
    server.stop()


def start_worker(redis_url: str, out: Path, worker: str, *urls: str, extra=()) -> subprocess.Popen:
    settings = [x for s in (*WORKER_SETTINGS, *extra) for x in ("-s", s)]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out.mkdir(parents=True, exist_ok=True)
    log = open(out / f"{worker}-{time.monotonic_ns()}.log", "w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "crawl", *urls, "--redis", redis_url,
         "--worker-id", worker, "--out", str(out), *settings],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log, text=True)
    proc.log = log
    return proc


def wait_for(condition, timeout: float = 60.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def finish(procs: list[subprocess.Popen], timeout: float = 120) -> list[tuple[int, str]]:
    results = []
    for proc in procs:
        proc.wait(timeout=timeout)
        proc.log.seek(0)
        results.append((proc.returncode, proc.log.read()))
        proc.log.close()
    return results


def page_urls(db: Path) -> list[str]:
    return [r["url"] for r in query(db, "SELECT url FROM captures WHERE status IS NOT NULL "
                                        "AND url NOT LIKE '%/robots.txt'")]


def articles(db: Path) -> set[tuple[str, str]]:
    return {(r["url"], r["text_hash"]) for r in query(db, "SELECT url, text_hash FROM articles")}


def assert_rows_point_at_records(out: Path) -> None:
    """Every row's (warc_file, offset) holds a response record for that row's URL."""
    rows = query(out / "presskeep.db", "SELECT url, warc_file, warc_offset FROM captures "
                 "WHERE warc_file IS NOT NULL UNION ALL SELECT url, warc_file, warc_offset "
                 "FROM articles")
    assert rows
    for row in rows:
        with open(out / row["warc_file"], "rb") as fh:
            fh.seek(row["warc_offset"])
            record = next(iter(ArchiveIterator(fh)))
            assert record.rec_headers.get_header("WARC-Target-URI") == row["url"]


@pytest.fixture(scope="module")
def baseline(site, tmp_path_factory) -> Path:
    """A single-process crawl of the same site."""
    out = tmp_path_factory.mktemp("single")
    crawl(site.base_url + "/", out, "-s", NO_MODEL)
    return out


@pytest.fixture(scope="module")
def cluster(site, tmp_path_factory):
    """Two workers started empty, seeded with `presskeep enqueue`, then merged."""
    tmp = tmp_path_factory.mktemp("cluster")
    site.max_active = 0
    site.starts.clear()
    with RedisServer(tmp / "redis") as server:
        client = redis.Redis.from_url(server.url)
        # started empty: they wait (up to the idle timeout) for `enqueue`
        workers = [start_worker(server.url, tmp / "out", f"w{i}",
                                extra=["PRESSKEEP_REDIS_IDLE_TIMEOUT=8"]) for i in range(2)]
        wait_for(lambda: len(list(client.scan_iter("presskeep:worker:*"))) == 2, what="workers")
        seeded = presskeep("enqueue", site.base_url + "/", "--redis", server.url, check=True)
        results = finish(workers)
        leftover = sorted(k.decode() for k in client.scan_iter("presskeep:*"))
    merged = presskeep("merge", str(tmp / "out" / "shards"), "--out", str(tmp / "merged"))
    return {"tmp": tmp, "results": results, "seeded": seeded, "merged": merged,
            "leftover": leftover, "max_active": site.max_active, "starts": list(site.starts),
            "shards": [tmp / "out" / "shards" / f"w{i}" / "presskeep.db" for i in range(2)]}


def test_workers_share_the_crawl_and_each_page_is_fetched_once(cluster, baseline):
    for code, err in cluster["results"]:
        assert code == 0, err
        assert "Traceback" not in err
    assert "1 seed URL(s) queued" in cluster["seeded"].stderr
    per_worker = [page_urls(db) for db in cluster["shards"]]
    assert all(len(urls) > 5 for urls in per_worker), [len(u) for u in per_worker]
    everything = per_worker[0] + per_worker[1]
    assert len(everything) == len(set(everything)), "a page was fetched twice"
    assert set(everything) == set(page_urls(baseline / "presskeep.db"))
    assert cluster["leftover"] == [], "the last worker out clears the crawl from Redis"


def test_merged_database_equals_a_single_process_crawl(cluster, baseline):
    merged = cluster["tmp"] / "merged"
    assert cluster["merged"].returncode == 0, cluster["merged"].stderr
    assert articles(merged / "presskeep.db") == articles(baseline / "presskeep.db")
    assert len(list((merged / "warc").glob("*.warc.gz"))) == 2
    assert_rows_point_at_records(merged)
    check = subprocess.run([str(Path(sys.executable).parent / "warcio"), "check",
                            *map(str, (merged / "warc").glob("*.warc.gz"))],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_merge_again_adds_nothing(cluster):
    merged = cluster["tmp"] / "merged"
    before = query(merged / "presskeep.db", "SELECT (SELECT count(*) FROM captures) c, "
                   "(SELECT count(*) FROM articles) a, (SELECT count(*) FROM runs) r")[0]
    again = presskeep("merge", str(cluster["tmp"] / "out" / "shards"), "--out", str(merged),
                      check=True)
    after = query(merged / "presskeep.db", "SELECT (SELECT count(*) FROM captures) c, "
                  "(SELECT count(*) FROM articles) a, (SELECT count(*) FROM runs) r")[0]
    assert tuple(before) == tuple(after), again.stderr


def test_politeness_is_cluster_wide(cluster):
    # CONCURRENT_REQUESTS_PER_DOMAIN=2 for the cluster: never 3 or 4 at the server at once
    assert cluster["max_active"] <= 2
    starts = sorted(cluster["starts"])
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    # DOWNLOAD_DELAY=0.01 between starts by any worker (Redis clock; some jitter here)
    assert sum(g < 0.004 for g in gaps) <= len(gaps) * 0.1, sorted(gaps)[:10]


def test_killed_worker_loses_nothing(site, baseline, tmp_path):
    with RedisServer(tmp_path / "redis") as server:
        client = redis.Redis.from_url(server.url)
        out = tmp_path / "out"
        victim = start_worker(server.url, out, "victim", site.base_url + "/")
        wait_for(lambda: client.hlen("presskeep:inflight:victim") > 0
                 and client.scard("presskeep:dupefilter") > 30, what="the victim at work")
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        victim.log.close()
        stranded = client.hlen("presskeep:inflight:victim")
        assert stranded > 0
        # the victim comes back under the same id: it recovers its shard and re-queues its leases
        workers = [start_worker(server.url, out, "victim"), start_worker(server.url, out, "helper")]
        results = finish(workers)
    for code, err in results:
        assert code == 0, err
    assert "in-flight requests of an earlier run of worker victim are back" in results[0][1] \
        or "worker victim is gone" in results[1][1]
    assert not list(out.glob("shards/*/warc/*.open")), "the restarted victim finished its WARC"
    merged = tmp_path / "merged"
    presskeep("merge", str(out / "shards"), "--out", str(merged), check=True)
    assert articles(merged / "presskeep.db") >= articles(baseline / "presskeep.db")
    assert {u for u, _ in articles(merged / "presskeep.db")} == \
           {u for u, _ in articles(baseline / "presskeep.db")}
    assert_rows_point_at_records(merged)


def test_redis_unreachable_at_start(site, tmp_path):
    url = f"redis://127.0.0.1:{free_port()}/0"
    for args in (("crawl", site.base_url + "/", "--redis", url, "--out", str(tmp_path)),
                 ("enqueue", site.base_url + "/", "--redis", url)):
        proc = presskeep(*args)
        assert proc.returncode != 0
        assert proc.stderr.startswith("presskeep: error: cannot reach Redis at"), proc.stderr
        assert "Traceback" not in proc.stderr


def test_redis_lost_mid_crawl(tmp_path):
    slow = slow_site(0.1)
    try:
        server = RedisServer(tmp_path / "redis").start()
        client = redis.Redis.from_url(server.url)
        worker = start_worker(server.url, tmp_path / "out", "w0", slow.base_url + "/")
        wait_for(lambda: client.scard("presskeep:dupefilter") > 20, what="crawl under way")
        server.stop()
        code, err = finish([worker], timeout=60)[0]
    finally:
        slow.stop()
    assert code != 0
    assert "lost Redis" in err and "resume" in err, err
    assert "Traceback" not in err, err
    shard = tmp_path / "out" / "shards" / "w0"
    assert not list((shard / "warc").glob("*.open")), "WARC files are closed"
    assert query(shard / "presskeep.db", "SELECT outcome FROM runs")[0]["outcome"] == "redis_lost"
    assert page_urls(shard / "presskeep.db")
    assert_rows_point_at_records(shard)


def test_merge_bad_input(tmp_path):
    proc = presskeep("merge", str(tmp_path), "--out", str(tmp_path / "merged"))
    assert proc.returncode == 1
    assert proc.stderr.startswith("presskeep: error: no shard"), proc.stderr


def test_crawl_without_urls_needs_redis(tmp_path):
    proc = presskeep("crawl", "--out", str(tmp_path))
    assert proc.returncode == 2
    assert proc.stderr.startswith("presskeep: error: give at least one URL"), proc.stderr


def test_merge_sums_learned_site_models(tmp_path):
    from archive.db import Store
    from archive.sitemodels import save_model_json
    from pipelines.clean.sitemodel import SiteModel

    for i, pages in enumerate((3, 5)):
        store = Store.open(tmp_path / "shards" / f"w{i}")
        store.finish_run(store.start_run("crawl", {"worker": i}), {}, "finished")
        model = SiteModel(site="news.test", pages=pages, blocks={"k": [pages, pages]})
        save_model_json(store.db, "news.test", pages, model.to_json())
        store.close()
    presskeep("merge", str(tmp_path / "shards"), "--out", str(tmp_path / "m"), check=True)
    presskeep("merge", str(tmp_path / "shards"), "--out", str(tmp_path / "m"), check=True)
    row = query(tmp_path / "m" / "presskeep.db", "SELECT pages, model FROM sites")[0]
    merged = SiteModel.from_json(row["model"])
    assert (row["pages"], merged.pages, merged.blocks["k"]) == (8, 8, [8, 8])


def test_merge_keeps_each_row_once_error_lines_included(tmp_path):
    """Captures with a WARC record and error lines without one (same URL and time = same
    line), across two shards with an overlap, merged twice: each row once."""
    from archive.db import Store

    def capture(i: int, record: bool) -> dict:
        return {"url": f"https://news.test/{i}", "status": 200 if record else None,
                "fetched_at": f"2026-11-27T00:00:{i:02d}Z", "record_type": "response",
                "warc_record_id": f"<urn:uuid:{i:08d}>" if record else None,
                "error": None if record else "DNSLookupError"}

    for w, ids in enumerate((range(0, 30), range(20, 50))):
        store = Store.open(tmp_path / "shards" / f"w{w}")
        run = store.start_run("crawl", {"worker": w})
        for i in ids:
            store.add_capture({"run_id": run, **capture(i, record=i % 5 != 0)})
        store.flush()
        store.finish_run(run, {}, "finished")
        store.close()
    for _ in range(2):
        presskeep("merge", str(tmp_path / "shards"), "--out", str(tmp_path / "m"), check=True)
    rows = query(tmp_path / "m" / "presskeep.db",
                 "SELECT url, warc_record_id, error FROM captures ORDER BY url")
    assert len(rows) == 50
    assert len({r["url"] for r in rows}) == 50
    assert sum(r["error"] is not None for r in rows) == 10
