"""The rows an export reads: its filters as SQL over the ``articles`` table, and dates.

Dates in rows come in any ISO 8601 precision (``published`` as the page said it,
``fetched_at`` in WARC-Date form); :func:`parse_timestamp` reads them all, in Python and,
as ``pk_epoch()``, inside SQLite, so filters and output agree.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Sequence

from archive.db import DB_NAME, connect_for_reading
from archive.errors import ExportError
from archive.export_files import NAMES
from archive.timestamps import dataset_time, parse_timestamp


# -- dates ------------------------------------------------------------------------
def _epoch(value: str | None) -> float | None:
    """SQL function pk_epoch(): seconds since the epoch, the value the output shows (whole
    seconds), so that a bound and the exported date agree."""
    dt = dataset_time(value)
    return dt.timestamp() if dt else None


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_bound(value: str, upper: bool = False) -> datetime:
    """A --since/--until value. A bare date as upper bound covers that whole day."""
    dt = parse_timestamp(value)
    if dt is None:
        raise ExportError(f"not a date: {value!r} (use YYYY-MM-DD or an ISO 8601 date-time)")
    if upper:
        dt += timedelta(days=1) if _DATE_ONLY.match(value.strip()) else timedelta(microseconds=1)
    return dt


@dataclass
class Filters:
    sites: Sequence[str] = ()
    languages: Sequence[str] = ()
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive (parse_bound(upper=True) makes it so)
    date_field: str = "published"
    min_words: int = 0
    query: str | None = None
    all_versions: bool = False


# -- the query --------------------------------------------------------------------
def _where(f: Filters) -> tuple[str, list[Any]]:
    clauses, params = ["1"], []
    if not f.all_versions:
        clauses.append("a.version = (SELECT MAX(b.version) FROM articles b WHERE b.url = a.url)")
    if f.sites:
        clauses.append(f"a.site IN ({','.join('?' * len(f.sites))})")
        params += list(f.sites)
    if f.languages:
        clauses.append(f"a.language IN ({','.join('?' * len(f.languages))})")
        params += list(f.languages)
    if f.min_words:
        clauses.append("a.word_count >= ?")
        params.append(f.min_words)
    column = "a.published" if f.date_field == "published" else "a.fetched_at"
    if f.since is not None:
        clauses.append(f"pk_epoch({column}) >= ?")
        params.append(f.since.timestamp())
    if f.until is not None:
        clauses.append(f"pk_epoch({column}) < ?")
        params.append(f.until.timestamp())
    if f.query:
        clauses.append("a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)")
        params.append(f.query)
    return " AND ".join(clauses), params


def build_query(filters: Filters, dedup: str) -> tuple[str, list[Any]]:
    """SQL for the rows to export, in fetched_at order; exact dedup adds a group size column."""
    where, params = _where(filters)
    cols = ", ".join(f"a.{name}" for name in NAMES)
    if dedup != "exact":
        return f"SELECT {cols} FROM articles a WHERE {where} ORDER BY a.fetched_at, a.id", params
    key = "COALESCE(a.text_hash, 'id:' || a.id)"
    return (
        f"SELECT {cols}, k.n FROM ("
        f"  SELECT id, n FROM ("
        f"    SELECT a.id, ROW_NUMBER() OVER (PARTITION BY {key} ORDER BY a.fetched_at, a.id) AS rn,"
        f"           COUNT(*) OVER (PARTITION BY {key}) AS n"
        f"    FROM articles a WHERE {where}) WHERE rn = 1"
        f") k JOIN articles a ON a.id = k.id ORDER BY a.fetched_at, a.id",
        params,
    )


def open_archive(root: str | Path) -> sqlite3.Connection:
    """The archive's database connection, with pk_epoch() registered."""
    path = Path(root) / DB_NAME
    if not path.is_file():
        raise ExportError(f"no archive at {root} (no {DB_NAME} there)")
    conn = connect_for_reading(path).conn  # read-only media too
    conn.create_function("pk_epoch", 1, _epoch, deterministic=True)
    return conn


def count_matching(conn: sqlite3.Connection, filters: Filters) -> int:
    """How many rows the filters select (before dedup): the progress bar's total."""
    where, params = _where(filters)
    return run_query(conn, f"SELECT COUNT(*) FROM articles a WHERE {where}", params).fetchone()[0]


def run_query(conn: sqlite3.Connection, sql: str, params: list[Any]) -> sqlite3.Cursor:
    try:
        return conn.execute(sql, params)
    except sqlite3.OperationalError as exc:
        raise read_error(exc) from exc


def read_error(exc: sqlite3.OperationalError) -> ExportError:
    if "fts5" in str(exc) or "MATCH" in str(exc):
        return ExportError(f"bad --query: {exc}")
    return ExportError(f"cannot read the archive: {exc}")
