"""Slips a user makes at the command line: one line each, and nothing left behind.

Parser-level errors are one `presskeep: error:` line and exit 2 (not click's usage
block); a crawl whose only seed is unreachable removes the empty archive it created;
`presskeep schedule` checks its crawl command before it schedules anything, says when
the next run is, and a SIGTERM stops its running crawl within 5 s, paused and resumable.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive.lock import read_holder
from tests.conftest import ROOT, TEST_SETTINGS, crawl, presskeep, query
from tests.slowsite import slow_site

SETTINGS = [x for s in TEST_SETTINGS for x in ("-s", s)]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def one_error_line(proc: subprocess.CompletedProcess, code: int, *needles: str) -> None:
    assert proc.returncode == code, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("presskeep: error: "), proc.stderr
    assert all(n in lines[0] for n in needles), lines[0]


@pytest.mark.parametrize("args,needle", [
    (["--out", "{file}"], "Directory"),
    (["--max-pages", "-1"], "--max-pages"),
    (["--no-such-option"], "No such option"),
])
def test_parser_errors_are_one_line_and_exit_2(args, needle, tmp_path):
    (tmp_path / "afile").write_text("not a directory")
    args = [a.replace("{file}", str(tmp_path / "afile")) for a in args]
    proc = presskeep("crawl", "http://127.0.0.1:9/", *args)
    one_error_line(proc, 2, needle, "presskeep crawl --help")
    assert "Usage:" not in proc.stderr


def test_unknown_verb_is_one_line():
    one_error_line(presskeep("crawll", "http://127.0.0.1:9/"), 2, "No such command 'crawll'")


def test_unreachable_seed_keeps_what_was_there_before(crawled, tmp_path):
    seed = f"http://127.0.0.1:{closed_port()}/"
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    proc = crawl(seed, mine, "-s", "RETRY_TIMES=0", check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1] == (
        f"presskeep: error: nothing was archived (see the errors above); nothing was kept in {mine}")
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]
    # an archive that was there before keeps everything, and records the failed attempt
    archive = tmp_path / "archive"
    shutil.copytree(crawled, archive)
    before = sorted(p.name for p in archive.iterdir())
    proc = crawl(seed, archive, "-s", "RETRY_TIMES=0", check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1] == (
        "presskeep: error: nothing was archived (see the errors above)")
    assert set(before) <= {p.name for p in archive.iterdir()}
    rows = query(archive / "presskeep.db", "SELECT error FROM captures WHERE url = ?", [seed])
    assert rows and "ConnectionRefusedError" in rows[0][0]


@pytest.mark.parametrize("crawl_args,needle,code", [
    (["ftp://example.org/"], "not an http(s) URL", 2),
    (["http://127.0.0.1:9/", "--bogus"], "No such option", 2),
    (["http://127.0.0.1:9/", "--max-pages", "-3"], "--max-pages", 2),
    (["http://127.0.0.1:9/", "-s", "NOVALUE"], "-s takes NAME=VALUE", 2),
    ([], "give at least one URL", 2),
])
def test_schedule_checks_its_crawl_command_first(crawl_args, needle, code, tmp_path):
    out = tmp_path / "out"
    proc = presskeep("schedule", "--cron", "* * * * * *", "--now", "--max-runs", "1", "--",
                     "crawl", *crawl_args, "--out", str(out), timeout=60)
    one_error_line(proc, code, needle)
    assert not out.exists()


def start_schedule(*args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "crawler.cli", "schedule", *args], cwd=ROOT,
                            env=env, stderr=subprocess.PIPE, text=True, start_new_session=True)


def test_schedule_says_when_the_next_run_is(tmp_path):
    proc = start_schedule("--cron", "0 0 1 1 *", "--", "crawl", "http://127.0.0.1:9/",
                          "--out", str(tmp_path))
    try:
        line = proc.stderr.readline()
        assert line.startswith("presskeep: schedule: next run at ") and "-01-01 00:00:00" in line
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert proc.returncode == 0


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def articles(out: Path) -> int:
    try:
        return query(out / "presskeep.db", "SELECT count(*) FROM articles")[0][0]
    except sqlite3.Error:  # not created yet
        return 0


def test_sigterm_stops_a_scheduled_crawl_within_5s_paused(tmp_path):
    server = slow_site(3.0, articles=40)  # each answer takes 3 s: a pause used to wait 12+ s
    out = tmp_path / "out"
    args = ["crawl", server.base_url + "/", "--out", str(out), *SETTINGS,
            "-s", "PRESSKEEP_CLEAN_WORKERS=1", "-s", "PRESSKEEP_FLUSH_INTERVAL=0.5"]
    sched = start_schedule("--cron", "0 0 1 1 *", "--now", "--", *args)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            holder = read_holder(out / "crawl.lock")
            if holder and holder.command == "crawl" and articles(out) >= 2:
                break
            assert sched.poll() is None, sched.stderr.read()
            time.sleep(0.2)
        else:
            raise AssertionError("the scheduled crawl never got going")
        crawl_group = os.getpgid(holder.pid)
        stopped = time.monotonic()
        sched.send_signal(signal.SIGTERM)
        sched.wait(timeout=5)
        while group_alive(crawl_group) and time.monotonic() - stopped < 5:
            time.sleep(0.05)
        took = time.monotonic() - stopped
        assert not group_alive(crawl_group) and took < 5, f"still running after {took:.1f}s"
        assert sched.returncode == 0, sched.stderr.read()
        check = presskeep("check", "--out", str(out))
        assert check.returncode == 0, check.stderr
        state = json.loads((out / "job" / "presskeep-job.json").read_text())
        assert state["state"] == "paused"
        # the requests queued or in flight at the stop went back to the job: resuming (on a
        # fast site now) archives every article
        server.delay = 0
        resumed = presskeep(*args)
        assert resumed.returncode == 0 and "resuming the paused crawl" in resumed.stderr, \
            resumed.stderr[-3000:]
    finally:
        if sched.poll() is None:  # it did not stop: leave nothing running
            holder = read_holder(out / "crawl.lock")
            for pid in (sched.pid, holder.pid if holder else None):
                with contextlib.suppress(ProcessLookupError, TypeError):
                    os.killpg(os.getpgid(pid), signal.SIGKILL)
            sched.wait()
        server.stop()
    urls = query(out / "presskeep.db", "SELECT count(DISTINCT url) FROM articles")[0][0]
    assert urls == 40
    assert presskeep("check", "--out", str(out)).returncode == 0
