"""`presskeep check`: digests of every WARC record, and every row's pointer into the WARC."""

from __future__ import annotations

import gzip
import shutil
import sqlite3

import pytest

from archive.check import check_archive
from tests.conftest import presskeep


@pytest.fixture()
def archive(crawled, tmp_path):
    out = tmp_path / "copy"
    shutil.copytree(crawled, out, ignore=shutil.ignore_patterns("*.lock"))
    return out


def test_a_sound_archive_passes(archive):
    report = check_archive(archive)
    assert report.ok, report.problems
    assert report.files >= 1 and report.records > 90 and report.rows > 40
    proc = presskeep("check", "--out", str(archive))
    assert proc.returncode == 0 and "presskeep: ok:" in proc.stderr


def test_a_corrupt_payload_fails_its_digest(archive):
    conn = sqlite3.connect(archive / "presskeep.db")
    warc, offset, length = conn.execute(
        "SELECT warc_file, warc_offset, warc_length FROM captures WHERE status = 200 "
        "AND content_type LIKE 'image/png%'").fetchone()
    conn.close()
    path = archive / warc
    data = bytearray(path.read_bytes())
    record = bytearray(gzip.decompress(bytes(data[offset:offset + length])))
    record[-10] ^= 0xFF  # one byte of the PNG payload
    data[offset:offset + length] = gzip.compress(bytes(record))
    path.write_bytes(bytes(data))
    proc = presskeep("check", "--out", str(archive))
    assert proc.returncode == 1
    assert "digest" in proc.stderr.lower()
    assert proc.stderr.strip().splitlines()[-1].startswith("presskeep: error: ")


def test_a_row_pointing_nowhere_is_reported(archive):
    conn = sqlite3.connect(archive / "presskeep.db")
    conn.execute("UPDATE captures SET warc_offset = warc_offset + 1 WHERE id = 2")
    conn.execute("UPDATE articles SET warc_file = 'warc/gone.warc.gz' WHERE id = 1")
    conn.commit()
    conn.close()
    report = check_archive(archive)
    assert any("captures row 2" in p and "no record at" in p for p in report.problems)
    assert any("articles row 1" in p and "does not exist" in p for p in report.problems)


def test_an_open_file_is_reported(archive):
    (archive / "warc" / "presskeep-x.warc.gz.open").write_bytes(b"")
    report = check_archive(archive)
    assert any("still open" in p for p in report.problems)


def test_not_an_archive_is_a_one_line_error(tmp_path):
    proc = presskeep("check", "--out", str(tmp_path / "nothing"))
    assert proc.returncode == 1
    assert proc.stderr.strip() == (f"presskeep: error: {tmp_path / 'nothing'} is not a presskeep "
                                   "archive (no presskeep.db, no warc/)")
