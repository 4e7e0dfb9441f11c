"""Every content coding the crawler asks for is read back by every reader.

Scrapy 2.19 sends ``Accept-Encoding: gzip, deflate, br, zstd``. The fixture site
(tests/codings.py) answers each page with one of them (deflate zlib-wrapped and raw,
x-gzip, and the chain ``gzip, br`` too); a real crawl archives the pages as received.
Then replay into a fresh archive, extract, check, index, wacz, crash recovery and
serve's /original/ view must all read them: all the articles, no traceback, exit 0.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.recovery import finish_open_files
from archive.paths import OPEN_SUFFIX
from tests.codings import serve_codings
from tests.conftest import crawl, presskeep, query
from sample.articles import paragraphs
from tests.running import get, serving

NO_MODEL = ("-s", "PRESSKEEP_SITE_MODEL_ENABLED=False")  # rows compared exactly below


@pytest.fixture(scope="module")
def coded(tmp_path_factory) -> Path:
    server = serve_codings()
    out = tmp_path_factory.mktemp("codings") / "crawl"
    try:
        crawl(server.base_url + "/", out, *NO_MODEL)
    finally:
        server.stop()
    return out


def warcs(out: Path) -> list[Path]:
    return sorted((out / "warc").glob("*.warc.gz"))


def articles(out: Path) -> dict[str, str]:
    rows = query(out / "presskeep.db", "SELECT url, text_hash FROM latest_articles")
    return {r["url"]: r["text_hash"] for r in rows}


def no_traceback(proc) -> None:
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr


def test_the_crawl_archived_every_coding_it_asked_for(coded):
    asked, got = set(), set()
    for path in warcs(coded):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "request":
                    value = record.http_headers.get_header("Accept-Encoding") or ""
                    asked |= {v.strip() for v in value.split(",") if v.strip()}
                elif record.rec_type == "response" and record.http_headers:
                    got.add(record.http_headers.get_header("Content-Encoding"))
    assert {"gzip", "deflate", "br", "zstd"} <= asked
    assert asked <= got  # a coding Scrapy starts asking for must be served (and read) here
    assert {"x-gzip", "gzip, br"} <= got


def test_replay_into_a_fresh_archive_keeps_every_article(coded, tmp_path):
    proc = presskeep("replay", str(coded / "warc"), "--out", str(tmp_path / "out"), *NO_MODEL,
                     "-s", "PRESSKEEP_CLEAN_WORKERS=0")
    no_traceback(proc)
    crawled = articles(coded)
    assert len(crawled) >= 14
    assert articles(tmp_path / "out") == crawled


def test_extract_reads_every_coding(coded):
    proc = presskeep("extract", *map(str, warcs(coded)))
    no_traceback(proc)
    extracted = {json.loads(line)["url"] for line in proc.stdout.splitlines()}
    assert set(articles(coded)) <= extracted


def test_check_index_and_wacz_read_every_coding(coded, tmp_path):
    out = tmp_path / "copy"
    shutil.copytree(coded, out)
    for args in (["check"], ["index"], ["wacz"]):
        no_traceback(presskeep(*args, "--out", str(out)))
    records = sum(1 for p in warcs(out) for r in ArchiveIterator(open(p, "rb"))
                  if r.rec_type == "response")
    assert len((out / "index.cdxj").read_text().splitlines()) == records


def test_crash_recovery_keeps_the_records_of_every_coding(coded, tmp_path):
    (tmp_path / "warc").mkdir()
    source = warcs(coded)[0]
    shutil.copy(source, tmp_path / "warc" / (source.name + OPEN_SUFFIX))
    assert finish_open_files(tmp_path / "warc") == [(source.name, 0)]  # nothing cut


def test_serve_shows_every_original_decoded(coded, tmp_path):
    rows = query(coded / "presskeep.db", "SELECT c.id, a.title FROM captures c JOIN "
                 "latest_articles a ON a.warc_record_id = c.warc_record_id")
    assert len(rows) >= 14
    with serving(coded, tmp_path / "serve.log") as server:
        for capture_id, title in rows:
            status, headers, body = get(f"{server.url}original/capture/{capture_id}")
            assert status == 200 and "Content-Encoding" not in headers
            assert body.startswith(b"<!DOCTYPE html>") and title.encode() in body


# -- the one decoding function (archive/decode.py), on real compressors' output -----------
PAGE = ("<!DOCTYPE html><html><body>" + "".join(f"<p>{p}</p>" for p in paragraphs("page", 40))
        + "</body></html>").encode()


def _raw_deflate(data: bytes) -> bytes:
    import zlib

    packer = zlib.compressobj(wbits=-15)
    return packer.compress(data) + packer.flush()


def _coded(coding: str, data: bytes) -> bytes:
    from tests.codings import CODINGS

    encode = {"deflate-raw": _raw_deflate}.get(coding)
    if encode is None:
        encode = next(e for name, _, e in CODINGS if name == coding)
    return encode(data)


@pytest.mark.parametrize("coding", ["gzip", "x-gzip", "deflate", "deflate-raw", "br", "zstd",
                                    "gzip, br"])
def test_decode_body_undoes_each_coding_whole_cut_and_chunked(coding):
    from archive.decode import decode_body
    from tests.replay_warcs import chunked

    header = [("Content-Encoding", coding.replace("-raw", ""))]
    data = _coded(coding, PAGE)
    whole = decode_body(data, header)
    assert (whole.body, whole.kept, whole.truncated, whole.problem) == (PAGE, [], False, None)
    framed = decode_body(chunked(data, 100), header + [("Transfer-Encoding", "chunked")])
    assert framed.body == PAGE and framed.headers(header) == []
    limit = len(PAGE) // 2  # more than the coded bytes, less than the page
    assert len(data) < limit
    small = decode_body(data, header, max_size=limit)
    assert (small.body, small.truncated) == (PAGE[:limit], True)
    if coding != "zstd":  # (zstd: one block, nothing decodes before its end)
        cut = decode_body(data[: len(data) * 2 // 3], header)
        assert PAGE.startswith(cut.body) and cut.body and cut.problem is None


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br", "zstd", "compress"])
def test_a_coding_that_lies_leaves_the_bytes_as_archived_and_says_so(coding):
    from archive.decode import decode_body

    got = decode_body(PAGE, [("Content-Encoding", coding), ("Content-Type", "text/html")])
    assert got.body == PAGE and got.kept == [coding] and got.problem
    assert got.headers([("Content-Encoding", coding)]) == [("Content-Encoding", coding)]


def test_replay_of_a_lying_coding_keeps_the_page_and_marks_it(tmp_path):
    from tests.test_hostile_warcs import BASE, FAST, write_warc

    warc = tmp_path / "lying.warc.gz"
    write_warc(warc, [(f"{BASE}/lie", 1)], headers=[("Content-Encoding", "br")])
    proc = presskeep("replay", str(warc), "--out", str(tmp_path / "out"), *FAST)
    no_traceback(proc)
    assert f"({BASE}/lie): br: does not decode" in proc.stderr
    assert list(articles(tmp_path / "out")) == [f"{BASE}/lie"]
    stats = json.loads(query(tmp_path / "out" / "presskeep.db", "SELECT stats FROM runs")[0][0])
    assert stats["presskeep/replay/undecoded"] == 1
