"""One writer at a time in an archive, and recovery that never touches a live writer's file.

Every writing command (crawl, replay, reclean, merge) holds OUT's lock or refuses with one
line naming the holder and exit code 3; reading commands never take it. Recovery of
`.open` WARC files skips any file whose writer still holds its flock.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive.errors import MergeError
from archive.lock import archive_lock, read_holder
from archive.merge import merge
from archive.recovery import finish_open_files
from archive.warc import Exchange, WarcFileWriter
from tests.conftest import ROOT, TEST_SETTINGS, presskeep, query
from tests.slowsite import slow_site

SETTINGS = [x for s in TEST_SETTINGS for x in ("-s", s)]
BUSY = re.compile(r"^presskeep: error: (?P<dir>.+) is in use by `presskeep (?P<cmd>\w+)` "
                  r"\(pid (?P<pid>\d+)\) since \d\d:\d\d:\d\d; wait for it or stop it$")


@pytest.fixture(scope="module")
def slow():
    server = slow_site(0.5, articles=90)
    yield server
    server.stop()


def start(*args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "crawler.cli", *args], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_for(condition, proc: subprocess.Popen, what: str, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return
        if proc.poll() is not None:
            raise AssertionError(f"ended before {what}: {proc.stderr.read()[-2000:]}")
        time.sleep(0.05)
    raise AssertionError(f"no {what} after {timeout}s")


def busy_line(stderr: str, out: Path, command: str, pid: int) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    match = BUSY.match(lines[0])
    assert match, lines[0]
    assert (match["dir"], match["cmd"], int(match["pid"])) == (str(out), command, pid)


def stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)  # a graceful stop: the crawl pauses
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err[-3000:]
    return err


def test_replay_refuses_while_a_crawl_writes_into_the_archive(slow, crawled, tmp_path):
    out = tmp_path / "live"
    crawl = start("crawl", slow.base_url + "/", "--out", str(out), *SETTINGS,
                  "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2")
    try:
        wait_for(lambda: list(out.glob("warc/*.warc.gz.open")), crawl, "open WARC")
        live = list(out.glob("warc/*.warc.gz.open"))
        proc = presskeep("replay", str(crawled / "warc"), "--out", str(out))
        assert proc.returncode == 3, proc.stderr
        busy_line(proc.stderr, out, "crawl", crawl.pid)
        assert all(p.exists() for p in live), "replay touched the crawl's live WARC"
    finally:
        stop(crawl)
    kept = {p.name for p in out.glob("warc/*.warc.gz")}
    assert {p.name[: -len(".open")] for p in live} <= kept
    responses = query(out / "presskeep.db", "SELECT count(*) FROM captures WHERE warc_file "
                                            "IS NOT NULL")[0][0]
    assert responses > 0
    check = presskeep("check", "--out", str(out))
    assert check.returncode == 0, check.stderr
    assert not list(out.glob("warc/*.open"))


def test_a_second_replay_into_the_same_archive_refuses(crawled, tmp_path):
    out = tmp_path / "replayed"
    first = start("replay", str(crawled / "warc"), "--out", str(out),
                  "-s", "DOWNLOAD_DELAY=1", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
    try:
        lock = out / "crawl.lock"
        wait_for(lambda: getattr(read_holder(lock), "command", None) == "replay", first,
                 "the first replay's lock")
        proc = presskeep("replay", str(crawled / "warc"), "--out", str(out))
        assert proc.returncode == 3, proc.stderr
        busy_line(proc.stderr, out, "replay", first.pid)
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=120)
    runs = query(out / "presskeep.db", "SELECT command FROM runs")
    assert [r[0] for r in runs] == ["replay"], "the refused replay started a run"


@pytest.mark.parametrize("verb", ["crawl", "replay", "reclean", "merge"])
def test_every_writing_command_refuses_a_held_archive(verb, crawled, tmp_path):
    out = tmp_path / "archive"
    shutil.copytree(crawled, out)
    args = {"crawl": ["crawl", "http://127.0.0.1:9/", *SETTINGS],
            "replay": ["replay", str(crawled / "warc")],
            "reclean": ["reclean"],
            "merge": ["merge", str(crawled)]}[verb]
    before = query(out / "presskeep.db", "SELECT count(*) FROM runs")[0][0]
    with archive_lock(out, "crawl"):
        proc = presskeep(*args, "--out", str(out))
    assert proc.returncode == 3, proc.stderr
    busy_line(proc.stderr, out, "crawl", os.getpid())
    assert query(out / "presskeep.db", "SELECT count(*) FROM runs")[0][0] == before
    assert read_holder(out / "crawl.lock") is None  # released: the file names nobody


def test_reading_commands_work_beside_a_held_lock(crawled, tmp_path):
    with archive_lock(crawled, "crawl"):
        assert presskeep("check", "--out", str(crawled)).returncode == 0
        proc = presskeep("export", "--out", str(crawled), "-o", str(tmp_path / "a.jsonl"))
        assert proc.returncode == 0, proc.stderr
        assert presskeep("index", "--out", str(crawled), "-o",
                         str(tmp_path / "i.cdxj")).returncode == 0


def test_a_stale_lock_is_taken_over_and_said_so(crawled, tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # its pid names a process that is gone, as after a kill -9
    out = tmp_path / "stale"
    out.mkdir()
    (out / "crawl.lock").write_text(json.dumps(
        {"pid": dead.pid, "command": "crawl", "since": "2026-11-30T10:02:11+00:00"}))
    proc = presskeep("replay", str(crawled / "warc"), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    said = [line for line in proc.stderr.splitlines() if "took over the lock" in line]
    assert said == [f"presskeep: took over the lock of {out}: `presskeep crawl` (pid {dead.pid}) "
                    "since 2026-11-30 10:02:11 never released it (killed or crashed)"]
    assert read_holder(out / "crawl.lock") is None


def exchange(n: int) -> Exchange:
    return Exchange(url=f"http://example.test/{n}", status=200, reason="OK", protocol="HTTP/1.1",
                    headers=[("Content-Type", "text/html")], body=b"<p>%d</p>" % n)


def test_recovery_leaves_a_live_writers_open_file_alone(tmp_path):
    writer = WarcFileWriter(tmp_path / "warc", info={"software": "test"})
    writer.write_exchange(exchange(1))
    writer.flush()
    live = tmp_path / "warc" / (writer.current_file + ".open")
    size = live.stat().st_size
    assert finish_open_files(tmp_path / "warc") == []
    assert live.stat().st_size == size
    writer.write_exchange(exchange(2))
    writer.close()
    assert not live.exists() and live.with_name(live.name[: -len(".open")]).is_file()


def test_merge_recover_refuses_a_shard_whose_writer_is_alive(crawled, tmp_path):
    shard = tmp_path / "shards" / "w1"
    shutil.copytree(crawled, shard)
    writer = WarcFileWriter(shard / "warc", worker="w1", info={"software": "test"})
    writer.write_exchange(exchange(1))
    writer.flush()
    live = shard / "warc" / (writer.current_file + ".open")
    with pytest.raises(MergeError, match="being written by a live process"):
        merge([shard], tmp_path / "merged", recover=True)
    assert live.exists()
    writer.close()
