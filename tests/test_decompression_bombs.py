"""Decompression bombs: replay, extract and serve read at most DOWNLOAD_MAXSIZE (64 MiB) of
a body, cut and mark the rest, keep going, and stay under 500 MB peak RSS.

The bombs (tests/bombs.py) inflate to 1 GiB each: a record whose own gzip member does,
and HTTP payloads coded gzip and br. Peak RSS is the largest process's own (tests/running.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archive.decode import MAX_BODY_SIZE
from tests.bombs import (BR_BOMB, GOOD, GZIP_BOMB, PAGE_START, RECORD_BOMB, body_bombs_warc,
                         record_bomb_warc)
from tests.conftest import query
from tests.running import get, measured, serving

RSS_LIMIT_MB = 500
SKIPPED = 4
BOMBS = (RECORD_BOMB, GZIP_BOMB, BR_BOMB)
FAST = ("-s", "PRESSKEEP_CLEAN_WORKERS=0", "-s", "PRESSKEEP_PROGRESS_INTERVAL=0")


@pytest.fixture(scope="module")
def bombs(tmp_path_factory) -> list[Path]:
    base = tmp_path_factory.mktemp("bombs")
    record_bomb_warc(base / "record.warc.gz")
    body_bombs_warc(base / "bodies.warc.gz")
    return [base / "record.warc.gz", base / "bodies.warc.gz"]


@pytest.fixture(scope="module")
def replayed(bombs, tmp_path_factory):
    out = tmp_path_factory.mktemp("bombs-replayed")
    run = measured("replay", *map(str, bombs), "--out", str(out / "archive"), *FAST, tmp=out)
    return out / "archive", run


def test_replay_cuts_each_bomb_and_keeps_going(replayed):
    out, run = replayed
    print(f"replay of three 1 GiB bombs: peak RSS {run.peak_rss_mb:.0f} MB")
    assert run.returncode == SKIPPED and "Traceback" not in run.stderr, run.stderr
    assert run.peak_rss_mb < RSS_LIMIT_MB, f"replay peaked at {run.peak_rss_mb:.0f} MB"
    for url in BOMBS:
        assert f"({url}): body cut at {MAX_BODY_SIZE} bytes" in run.stderr
    rows = query(out / "presskeep.db", "SELECT url, truncated, length FROM captures")
    marked = {r["url"]: (r["truncated"], r["length"]) for r in rows}
    assert {url: marked[url] for url in BOMBS} == {url: ("length", MAX_BODY_SIZE) for url in BOMBS}
    assert {r["url"] for r in query(out / "presskeep.db", "SELECT url FROM articles")} == set(GOOD)
    stats = json.loads(query(out / "presskeep.db", "SELECT stats FROM runs")[0]["stats"])
    assert stats["presskeep/replay/truncated"] == 3


def test_extract_cuts_each_bomb_and_keeps_going(bombs, tmp_path):
    run = measured("extract", *map(str, bombs), tmp=tmp_path)
    print(f"extract of three 1 GiB bombs: peak RSS {run.peak_rss_mb:.0f} MB")
    assert run.returncode == SKIPPED and "Traceback" not in run.stderr, run.stderr
    assert run.peak_rss_mb < RSS_LIMIT_MB, f"extract peaked at {run.peak_rss_mb:.0f} MB"
    assert [json.loads(line)["url"] for line in run.stdout.splitlines()] == GOOD
    cut = [line for line in run.stderr.splitlines() if "a decompression bomb" in line]
    assert len(cut) == 4  # one warning a bomb, and the last line names the first
    assert f"{bombs[0]}: record at offset 0: body over {MAX_BODY_SIZE} bytes" in cut[0]


def test_serve_cuts_the_original_of_each_bomb(replayed, tmp_path):
    out, _ = replayed
    ids = {r["url"]: r["id"] for r in query(out / "presskeep.db", "SELECT id, url FROM captures")}
    with serving(out, tmp_path / "serve.log") as server:
        for url in BOMBS:
            status, headers, body = get(f"{server.url}original/capture/{ids[url]}")
            assert status == 200 and headers.get("X-Presskeep-Truncated") == "length"
            assert len(body) == MAX_BODY_SIZE and body.startswith(PAGE_START)
    print(f"serve of three 1 GiB bombs: peak RSS {server.peak_rss_mb:.0f} MB")
    assert server.peak_rss_mb < RSS_LIMIT_MB, f"serve peaked at {server.peak_rss_mb:.0f} MB"
    assert server.log.read_text().count("body cut at") == 3
