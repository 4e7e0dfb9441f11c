"""A database that cannot grow (SQLite's own size limit, as a full disk would): no row lost."""

from __future__ import annotations

import sqlite3

import pytest

from archive.db import Store
from archive.errors import DatabaseWriteError


def capture(i: int) -> dict:
    return {"url": f"https://news.test/{i}", "status": 200, "record_type": "response",
            "fetched_at": f"2026-11-27T00:{i // 60:02d}:{i % 60:02d}Z",
            "warc_record_id": f"<urn:uuid:{i:032d}>", "error": "x" * 400}


def limit(store: Store, extra_pages: int) -> None:
    """Let the database grow by ``extra_pages`` pages at most (SQLITE_FULL after that)."""
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages + extra_pages}")


def count(path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM captures").fetchone()[0]
    finally:
        conn.close()


def test_a_batch_that_cannot_be_committed_stays_buffered(tmp_path):
    store = Store.open(tmp_path, batch_size=50)
    errors: list[DatabaseWriteError] = []
    store.on_write_error = errors.append
    limit(store, 4)
    for i in range(200):
        store.add_capture(capture(i))
    assert errors and "database or disk is full" in str(errors[0])
    assert str(tmp_path / "presskeep.db") in str(errors[0])
    stored = count(tmp_path / "presskeep.db")
    assert stored < 200
    limit(store, 10_000)  # space again: the next flush writes everything that waited
    store.flush()
    assert count(tmp_path / "presskeep.db") == 200
    store.db.conn.close()


def test_without_a_handler_the_error_is_named(tmp_path):
    store = Store.open(tmp_path, batch_size=1000)
    limit(store, 2)
    for i in range(100):
        store.add_capture(capture(i))
    with pytest.raises(DatabaseWriteError, match="database or disk is full"):
        store.flush()
    limit(store, 10_000)
    store.flush()
    assert count(tmp_path / "presskeep.db") == 100
    store.db.conn.close()
