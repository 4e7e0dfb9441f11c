"""A finished archive on read-only media: reading commands read it, writing commands say so.

The tests run as root, where `chmod` stops no write. The archive is made read-only for
real: each command runs in a private mount namespace (`unshare -m`) where the archive
directory is bind-mounted read-only over itself (writes fail with EROFS, as on a
read-only disk); nothing outside that one process sees the mount.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, TEST_SETTINGS, query

SETTINGS = [x for s in TEST_SETTINGS for x in ("-s", s)]
_MOUNT = 'mount --bind -o ro "$0" "$0" && exec "$@"'


def _readonly_cmd(directory: Path, *args: str) -> list[str]:
    return ["unshare", "-m", "--propagation", "private", "sh", "-c", _MOUNT, str(directory),
            *args]


def _mounts_work(tmp: Path) -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(_readonly_cmd(tmp, "sh", "-c", f"! touch {tmp}/x 2>/dev/null"),
                           capture_output=True)
    return probe.returncode == 0 and not (tmp / "x").exists()


@pytest.fixture(scope="module")
def readonly_archive(crawled, tmp_path_factory) -> Path:
    """A copy of the crawled archive (database and WARCs, as a finished archive is kept)."""
    out = tmp_path_factory.mktemp("readonly") / "archive"
    if not _mounts_work(out.parent):
        pytest.skip("needs a private read-only bind mount (unshare -m, as root): not here")
    out.mkdir()
    shutil.copy2(crawled / "presskeep.db", out / "presskeep.db")
    shutil.copytree(crawled / "warc", out / "warc")
    return out


def on_readonly(archive: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = _readonly_cmd(archive, sys.executable, "-m", "crawler.cli", *args)
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=300, **kw)


def test_reading_commands_read_a_readonly_archive(readonly_archive, tmp_path):
    out = str(readonly_archive)
    articles = query(readonly_archive / "presskeep.db", "SELECT count(*) FROM latest_articles")
    check = on_readonly(readonly_archive, "check", "--out", out)
    assert check.returncode == 0 and "presskeep: ok:" in check.stderr, check.stderr
    export = on_readonly(readonly_archive, "export", "--out", out, "-o", str(tmp_path / "a.jsonl"))
    assert export.returncode == 0, export.stderr
    assert len((tmp_path / "a.jsonl").read_text().splitlines()) == articles[0][0]
    index = on_readonly(readonly_archive, "index", "--out", out, "-o", str(tmp_path / "i.cdxj"))
    assert index.returncode == 0 and (tmp_path / "i.cdxj").stat().st_size, index.stderr
    wacz = on_readonly(readonly_archive, "wacz", "--out", out, "-o", str(tmp_path / "a.wacz"))
    assert wacz.returncode == 0 and "is a valid WACZ" in wacz.stderr, wacz.stderr
    warc = str(sorted(readonly_archive.glob("warc/*.warc.gz"))[0])
    extract = on_readonly(readonly_archive, "extract", warc, "--out", out)
    assert extract.returncode == 0 and extract.stdout.count("\n") >= 1, extract.stderr
    assert sorted(p.name for p in readonly_archive.iterdir()) == ["presskeep.db", "warc"]


def test_serve_reads_a_readonly_archive(readonly_archive):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = _readonly_cmd(readonly_archive, sys.executable, "-m", "crawler.cli", "serve",
                        "--out", str(readonly_archive), "--port", "0")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        url = re.search(r"at (http://\S+)", line)
        assert url, line + proc.stderr.read() if proc.poll() is not None else line
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url[1] + "/?q=the", timeout=10) as page:
                    body = page.read().decode()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert "/article/" in body
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.parametrize("verb", ["crawl", "replay", "reclean", "merge"])
def test_writing_commands_say_read_only_archive(verb, readonly_archive, crawled):
    args = {"crawl": ["crawl", "http://127.0.0.1:9/", *SETTINGS],
            "replay": ["replay", str(crawled / "warc")],
            "reclean": ["reclean"],
            "merge": ["merge", str(crawled)]}[verb]
    proc = on_readonly(readonly_archive, *args, "--out", str(readonly_archive))
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines() == [
        f"presskeep: error: read-only archive: {readonly_archive}"], proc.stderr


def test_crawl_into_an_empty_readonly_directory(readonly_archive, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = on_readonly(empty, "crawl", "http://127.0.0.1:9/", *SETTINGS, "--out", str(empty))
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines() == [f"presskeep: error: read-only archive: {empty}"]


@pytest.mark.parametrize("verb", ["index", "wacz"])
def test_default_output_inside_a_readonly_archive_is_one_line(verb, readonly_archive):
    proc = on_readonly(readonly_archive, verb, "--out", str(readonly_archive))
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"presskeep: error: read-only archive: {readonly_archive}; write the "), proc.stderr
