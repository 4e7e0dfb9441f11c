"""Corrupt inputs to offline commands: a clear one-line error, a non-zero exit, nothing overwritten.

A small real archive is crawled once; each test works on a damaged copy of it.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from io import BytesIO
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from archive.db import MIGRATIONS, SCHEMA_VERSION, connect
from tests.conftest import crawl, presskeep, query
from tests.faults import serve_faults


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    server = serve_faults()
    out = tmp_path_factory.mktemp("corrupt") / "good"
    try:
        crawl(server.base_url + "/ok", out, server.base_url + "/story/one",
              server.base_url + "/hostile", "-s", "PRESSKEEP_DISCOVERY=False")
    finally:
        server.stop()
    return out


def copy(archive: Path, tmp_path: Path) -> tuple[Path, Path]:
    out = tmp_path / "copy"
    shutil.copytree(archive, out)
    return out, next((out / "warc").glob("*.warc.gz"))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line_error(proc, *words: str) -> None:
    assert proc.returncode != 0 and "Traceback" not in proc.stderr, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("presskeep: error: "), proc.stderr
    for word in words:
        assert word in last, last


# -- WARC files -------------------------------------------------------------------------------
def test_truncated_warc(archive, tmp_path):
    out, warc = copy(archive, tmp_path)
    data = warc.read_bytes()
    warc.write_bytes(data[: len(data) * 2 // 3])
    before = digest(warc)
    extracted = presskeep("extract", str(warc))
    one_line_error(extracted, str(warc), "offset")
    assert 1 <= len(extracted.stdout.splitlines()) < 3  # what precedes the cut is still given
    one_line_error(presskeep("check", "--out", str(out)), "problem")
    assert digest(warc) == before


def corrupt_payload(warc: Path, url_end: str) -> None:
    """Rewrite ``warc`` with one response payload changed and its digests kept (now wrong)."""
    buf = BytesIO()
    writer = WARCWriter(buf, gzip=True, warc_version="1.1")
    with open(warc, "rb") as fh:
        for rec in ArchiveIterator(fh):
            uri = rec.rec_headers.get_header("WARC-Target-URI") or ""
            if rec.rec_type == "response" and uri.endswith(url_end):
                payload = rec.content_stream().read().replace(b"Fine", b"Evil")
                rec = writer.create_warc_record(
                    uri, "response", payload=BytesIO(payload), length=len(payload),
                    http_headers=rec.http_headers, warc_headers_dict=dict(rec.rec_headers.headers))
            writer.write_record(rec)
    warc.write_bytes(buf.getvalue())


def test_warc_with_bad_digests(archive, tmp_path):
    out, warc = copy(archive, tmp_path)
    corrupt_payload(warc, "/ok")
    before = digest(warc)
    extracted = presskeep("extract", "--strict", str(warc))
    one_line_error(extracted, "digest failed")
    assert "Evil" not in extracted.stdout  # --strict: the corrupt record is not passed on
    lenient = presskeep("extract", str(warc))  # by default it is, and named
    assert lenient.returncode == 0 and "Evil" in lenient.stdout, lenient.stderr
    assert "noted at offset" in lenient.stderr and "digest failed" in lenient.stderr
    checked = presskeep("check", "--out", str(out))
    one_line_error(checked)
    assert "digest failed" in checked.stderr
    assert digest(warc) == before


def test_not_a_warc(tmp_path):
    bogus = tmp_path / "notes.warc.gz"
    bogus.write_bytes(b"this is not a WARC file\n" * 10)
    one_line_error(presskeep("extract", str(bogus)), str(bogus))


# -- the database -----------------------------------------------------------------------------
OFFLINE = (["export", "-o", "{out}/x.jsonl", "--format", "jsonl"], ["check"])


def run_all(out: Path) -> list:
    procs = [presskeep(*[a.format(out=out) for a in args], "--out", str(out)) for args in OFFLINE]
    return procs + [presskeep("crawl", "http://127.0.0.1:9/", "--out", str(out))]


def test_database_from_a_newer_presskeep_is_left_alone(archive, tmp_path):
    out, _ = copy(archive, tmp_path)
    db = out / "presskeep.db"
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    before, files = digest(db), sorted(p.name for p in out.iterdir())
    for proc in run_all(out):
        one_line_error(proc, f"schema version {SCHEMA_VERSION + 1}")
    assert digest(db) == before and sorted(p.name for p in out.iterdir()) == files


def test_garbage_database_is_left_alone(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    db = out / "presskeep.db"
    db.write_bytes(b"not a database\n" * 200)
    for proc in run_all(out):
        one_line_error(proc, "not a database")
    assert db.read_bytes() == b"not a database\n" * 200


def test_locked_database(archive, tmp_path):
    out, _ = copy(archive, tmp_path)
    db = out / "presskeep.db"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        proc = presskeep("crawl", "http://127.0.0.1:9/", "--out", str(out))
        one_line_error(proc, "in use by another process")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    rows = query(db, "SELECT command, outcome FROM runs")
    assert [r["outcome"] for r in rows] == ["finished"]  # no run was started


def test_older_schema_is_migrated_keeping_its_rows(tmp_path):
    """A database at every earlier schema version opens, migrates and keeps its rows."""
    for version in range(SCHEMA_VERSION):
        db_path = tmp_path / f"v{version}.db"
        conn = sqlite3.connect(db_path, isolation_level=None)
        import sqlite_utils

        old = sqlite_utils.Database(conn)
        for step in MIGRATIONS[:version]:
            step(old)
        conn.execute(f"PRAGMA user_version = {version}")
        if version:
            old["runs"].insert({"started": "2026-01-01", "command": "crawl", "outcome": "x"})
        conn.close()
        db = connect(db_path)
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db["runs"].count == (1 if version else 0)
        db.conn.close()
