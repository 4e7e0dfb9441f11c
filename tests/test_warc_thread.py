"""WARC compression on a thread: the same records, offsets known by the time rows are written."""

from __future__ import annotations

import pickle
import subprocess
import sys
from datetime import datetime, timezone

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.db import Store
from archive.reader import read_record_at
from archive.gzip_records import Pending, settled
from archive.warc import Exchange, WarcFileWriter

WHEN = datetime(2026, 11, 27, 2, 30, tzinfo=timezone.utc)


def exchanges(n: int) -> list[Exchange]:
    return [Exchange(url=f"http://127.0.0.1/story-{i}", status=200, reason="OK", protocol="HTTP/1.1",
                     headers=[("Content-Type", "text/html; charset=utf-8")],
                     body=(f"<p>story {i} </p>" * (200 + i * 50)).encode(),
                     request_headers=[("Host", "127.0.0.1")], date=WHEN)
            for i in range(n)]


def records(path) -> list[tuple]:
    out = []
    with open(path, "rb") as fh:
        for rec in ArchiveIterator(fh):
            headers = [(k, v) for k, v in rec.rec_headers.headers
                       if k not in ("WARC-Record-ID", "WARC-Concurrent-To", "WARC-Filename")]
            out.append((rec.rec_type, headers, rec.content_stream().read()))
    return out


def write(tmp_path, name: str, threaded: bool, max_size: int = 1_000_000_000,
          library: str = "zlib"):
    writer = WarcFileWriter(tmp_path / name, threaded=threaded, max_size=max_size,
                            gzip_library=library)
    locs = [writer.write_exchange(ex) for ex in exchanges(30)]
    writer.close()
    return writer, locs


def test_threaded_writer_writes_the_same_records(tmp_path):
    plain, plain_locs = write(tmp_path, "plain", threaded=False)
    fast, fast_locs = write(tmp_path, "fast", threaded=True)
    assert isinstance(fast_locs[0].offset, Pending)
    [plain_file], [fast_file] = plain.files_written, fast.files_written
    plain_records = records(tmp_path / "plain" / plain_file)
    assert plain_records[1:] == records(tmp_path / "fast" / fast_file)[1:]  # [0]: warcinfo
    # (record ids are random, so compressed sizes differ by a byte here and there)
    ends = [settled(loc.offset) + settled(loc.length) for loc in fast_locs]
    for loc, ex, end in zip(fast_locs, exchanges(30), ends):
        record = read_record_at(tmp_path / "fast" / fast_file, settled(loc.offset))
        assert (record.url, record.body) == (ex.url, ex.body)
        assert end <= (tmp_path / "fast" / fast_file).stat().st_size
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check",
                            str(tmp_path / "fast" / fast_file)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_rows_point_at_records_written_by_the_thread(tmp_path):
    store = Store.open(tmp_path / "archive", batch_size=7)
    writer = WarcFileWriter(tmp_path / "archive" / "warc", threaded=True, max_size=4_000)
    store.before_flush = writer.flush  # as crawler/session.py wires it
    for ex in exchanges(40):
        loc = writer.write_exchange(ex)
        store.add_capture({"url": ex.url, "warc_file": loc.warc_file, "warc_offset": loc.offset,
                           "warc_length": loc.length, "status": 200})
    store.flush()
    writer.close()
    rows = list(store.rows("SELECT url, warc_file, warc_offset, warc_length FROM captures"))
    assert len(rows) == 40 and len({r["warc_file"] for r in rows}) > 1  # rotated on the way
    for row in rows:
        assert isinstance(row["warc_offset"], int)
        record = read_record_at(tmp_path / "archive" / row["warc_file"], row["warc_offset"])
        assert record.url == row["url"]
    store.close()


def test_pending_pickles_as_its_number(tmp_path):
    writer = WarcFileWriter(tmp_path, threaded=True)
    loc = writer.write_exchange(exchanges(1)[0])
    assert pickle.loads(pickle.dumps({"offset": loc.offset})) == {"offset": settled(loc.offset)}
    writer.close()


def test_zlib_ng_writes_the_same_records(tmp_path):
    """zlib-ng (the crawl's default) compresses differently, into the same gzip format: the
    same records read back with warcio, at the offsets the writer gave, and warcio check
    passes."""
    plain, _ = write(tmp_path, "zlib", threaded=False)
    fast, fast_locs = write(tmp_path, "zlib-ng", threaded=True, library="zlib-ng")
    [plain_file], [fast_file] = plain.files_written, fast.files_written
    path = tmp_path / "zlib-ng" / fast_file
    assert records(tmp_path / "zlib" / plain_file)[1:] == records(path)[1:]
    for loc, ex in zip(fast_locs, exchanges(30)):
        record = read_record_at(path, settled(loc.offset))
        assert (record.url, record.body) == (ex.url, ex.body)
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(path)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_unknown_gzip_library(tmp_path):
    with pytest.raises(ValueError, match="unknown gzip library 'lz4'"):
        WarcFileWriter(tmp_path, gzip_library="lz4")
