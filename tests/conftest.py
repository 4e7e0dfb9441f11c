"""Shared fixtures: the sample news site on a free loopback port, and a CLI runner.

Crawls run the real `presskeep` command in a subprocess (Twisted's reactor
cannot be restarted inside one pytest process).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from sample.site import build_site
from sample.server import serve
from tests.faults import serve_faults

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
# fast, deterministic test crawls: no throttling delay, no progress lines
TEST_SETTINGS = ("AUTOTHROTTLE_ENABLED=False", "PRESSKEEP_PROGRESS_INTERVAL=0",
                 "PRESSKEEP_CLEAN_WORKERS=0")


@pytest.fixture(scope="module")
def faults():
    """The fault server (tests/faults.py): one per test module, its counters start fresh."""
    server = serve_faults()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def news_site():
    server = serve(build_site)
    yield server
    server.stop()


def presskeep(*args: str, check: bool = False, timeout: float = 300, **kw) -> subprocess.CompletedProcess:
    """Run the real CLI; returns the completed process (text mode)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "crawler.cli", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=kw.pop("cwd", ROOT), env=env, **kw)
    if check and proc.returncode != 0:
        raise AssertionError(f"presskeep {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


def crawl(url: str, out: Path, *extra: str, check: bool = True) -> subprocess.CompletedProcess:
    settings = [x for s in TEST_SETTINGS for x in ("-s", s)]
    return presskeep("crawl", url, "--out", str(out), *settings, *extra, check=check)


def query(db: Path, sql: str, params=()) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="session")
def crawled(news_site, tmp_path_factory) -> Path:
    """One crawl of the sample site shared by the read-only tests."""
    out = tmp_path_factory.mktemp("crawl")
    crawl(news_site.base_url + "/", out)
    return out
