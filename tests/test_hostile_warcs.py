"""Hostile WARC records: each bad or URI-less record is reported in one line (file and
offset) and skipped; the rest of its file and the other files are read; the exit status
(4) says records were skipped."""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.conftest import presskeep, query
from sample.articles import paragraphs
from tests.replay_warcs import HTML, article_html

BASE = "http://127.0.0.1:9/hostile"
SKIPPED = 4
FAST = ("-s", "PRESSKEEP_CLEAN_WORKERS=0", "-s", "PRESSKEEP_PROGRESS_INTERVAL=0")


def response(writer: WARCWriter, url: str, n: int, headers: list[tuple[str, str]]):
    body = article_html(f"Story {n}", " ".join(paragraphs(f"story-{n}")))
    http = StatusAndHeaders("200 OK", [("Content-Type", HTML), *headers], protocol="HTTP/1.1")
    return writer.create_warc_record(url, "response", payload=BytesIO(body), length=len(body),
                                     http_headers=http)


def write_warc(path: Path, records: list[tuple[str, int]], gzip: bool = True,
               headers: list[tuple[str, str]] = ()) -> list[int]:
    """Articles at (url, n) with extra HTTP ``headers``; an empty url makes a record without
    WARC-Target-URI. Returns each record's offset."""
    offsets = []
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gzip, warc_version="1.1")
        for url, n in records:
            record = response(writer, url or f"{BASE}/placeholder", n, list(headers))
            if not url:
                record.rec_headers.remove_header("WARC-Target-URI")
            offsets.append(fh.tell())
            writer.write_record(record)
    return offsets


@pytest.fixture
def hostile(tmp_path) -> tuple[list[Path], list[str], list[str]]:
    """(files, reported spots, good URLs): a URI-less record first in a gzip WARC, one in
    the middle of an uncompressed WARC, then a good WARC."""
    first, middle, good = tmp_path / "a.warc.gz", tmp_path / "b.warc", tmp_path / "c.warc.gz"
    urls = [f"{BASE}/{i}" for i in range(1, 7)]
    a = write_warc(first, [("", 0), (urls[0], 1), (urls[1], 2)])
    b = write_warc(middle, [(urls[2], 3), ("", 0), (urls[3], 4)], gzip=False)
    write_warc(good, [(urls[4], 5), (urls[5], 6)])
    spots = [f"{first}: record skipped at offset {a[0]}: response record without WARC-Target-URI",
             f"{middle}: record skipped at offset {b[1]}: response record without WARC-Target-URI"]
    return [first, middle, good], spots, urls


def test_replay_skips_uri_less_records_and_replays_the_rest(hostile, tmp_path):
    files, spots, urls = hostile
    out = tmp_path / "out"
    proc = presskeep("replay", *map(str, files), "--out", str(out), *FAST)
    assert proc.returncode == SKIPPED and "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.splitlines()
    for spot in spots:
        assert f"presskeep: warning: {spot}" in lines, proc.stderr
    assert lines[-1].startswith("presskeep: error: finished, but skipped: record without "
                                "WARC-Target-URI (2)")
    stored = {r["url"] for r in query(out / "presskeep.db", "SELECT url FROM articles")}
    assert stored == set(urls)
    stats = json.loads(query(out / "presskeep.db", "SELECT stats FROM runs")[0]["stats"])
    assert stats["presskeep/replay/skipped"] == 2


def test_extract_skips_uri_less_records_and_extracts_the_rest(hostile):
    files, spots, urls = hostile
    proc = presskeep("extract", *map(str, files))
    assert proc.returncode == SKIPPED and "Traceback" not in proc.stderr, proc.stderr
    for spot in spots:
        assert f"presskeep: warning: {spot}" in proc.stderr.splitlines()
    assert [json.loads(line)["url"] for line in proc.stdout.splitlines()] == urls


def test_check_reports_and_index_leaves_out_a_uri_less_record(hostile, tmp_path):
    files, spots, urls = hostile
    (tmp_path / "arch" / "warc").mkdir(parents=True)
    files[0].rename(tmp_path / "arch" / "warc" / files[0].name)
    proc = presskeep("check", "--out", str(tmp_path / "arch"))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    problems = [line for line in proc.stderr.splitlines() if line.startswith("  ")]
    assert len(problems) == 1, problems  # its payload digest checks
    assert problems[0].startswith(f"  {files[0].name}: offset 0 <urn:uuid:")
    assert problems[0].endswith(">: response record without WARC-Target-URI")
    proc = presskeep("index", "--out", str(tmp_path / "arch"))
    assert proc.returncode == 0, proc.stderr
    lines = (tmp_path / "arch" / "index.cdxj").read_text().splitlines()
    assert [json.loads(line.split(" ", 2)[2])["url"] for line in lines] == urls[:2]


def test_a_header_block_that_never_ends_is_passed_over(tmp_path):
    """A record whose WARC header block never ends (a 64 MiB "line" of zeros, as a bomb
    would be) is an unreadable stretch; the scan resyncs and reads the next record."""
    import zlib

    bomb = zlib.compressobj(9, zlib.DEFLATED, 31)
    member = bomb.compress(b"WARC/1.1\r\nWARC-Type: response\r\nX: " + b"\0" * (64 << 20))
    warc = tmp_path / "long-line.warc.gz"
    offsets = write_warc(tmp_path / "good.warc.gz", [(f"{BASE}/after", 1)])
    warc.write_bytes(member + bomb.flush() + (tmp_path / "good.warc.gz").read_bytes())
    proc = presskeep("extract", str(warc))
    assert proc.returncode == SKIPPED, proc.stderr
    assert f"{warc}: unreadable at offset 0: ArchiveLoadFailed: header lines longer" in proc.stderr
    assert [json.loads(line)["url"] for line in proc.stdout.splitlines()] == [f"{BASE}/after"]
    assert offsets == [0]
