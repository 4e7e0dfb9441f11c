"""Read-only queries for the web UI: search (FTS5), one article, a URL's capture history."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archive.db import DB_NAME, open_readonly
from archive.errors import DatabaseError

PAGE_SIZE = 50  # results a page by default (?per= 1-200)
MAX_PAGE_SIZE = 200
MARK_START, MARK_END = "\x02", "\x03"  # snippet markers, turned into <mark> after escaping


@dataclass
class SearchFilters:
    q: str = ""
    site: str = ""
    language: str = ""
    date_from: str = ""
    date_to: str = ""
    page: int = 1
    per: int = PAGE_SIZE

    @classmethod
    def from_query(cls, params: dict[str, list[str]]) -> "SearchFilters":
        get = (lambda k: (params.get(k) or [""])[0].strip()[:200])  # noqa: E731
        return cls(get("q"), get("site"), get("language"), get("from"), get("to"),
                   _number(get("page"), 1, 1, 1_000_000),
                   _number(get("per"), PAGE_SIZE, 1, MAX_PAGE_SIZE))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per


def _number(text: str, default: int, low: int, high: int) -> int:
    ok = text.isascii() and text.isdigit()  # "²" is a digit to str.isdigit, not to int()
    return min(high, max(low, int(text[:12]))) if ok else default


def connect_read_only(root: Path) -> sqlite3.Connection:
    path = root / DB_NAME
    if not path.exists():
        raise DatabaseError(f"no database at {path}")
    conn = open_readonly(path)  # immutable on read-only media (WAL needs a -shm file)
    conn.row_factory = sqlite3.Row
    return conn


def fts_query(text: str) -> str:
    """User text as an FTS5 query of quoted terms (no syntax errors, no operators)."""
    text = "".join(c if c >= " " else " " for c in text)  # FTS5 ends a string at NUL
    terms = [t.replace('"', '""') for t in text.split() if t.strip('"')]
    return " ".join(f'"{t}"' for t in terms)


_LATEST = "a.version = (SELECT MAX(b.version) FROM articles b WHERE b.url = a.url)"
_COLUMNS = ("a.id, a.url, a.title, a.site, a.published, a.language, a.word_count, "
            "a.fetched_at")


def _where(f: SearchFilters) -> tuple[list[str], list[Any]]:
    clauses, params = [_LATEST], []
    if f.site:
        clauses.append("a.site = ?")
        params.append(f.site)
    if f.language:
        clauses.append("a.language = ?")
        params.append(f.language)
    day = "substr(COALESCE(a.published, a.fetched_at), 1, 10)"
    if f.date_from:
        clauses.append(f"{day} >= ?")
        params.append(f.date_from[:10])
    if f.date_to:
        clauses.append(f"{day} <= ?")
        params.append(f.date_to[:10])
    return clauses, params


_FROM_FTS = "FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid"


def search(conn: sqlite3.Connection, f: SearchFilters) -> tuple[list[sqlite3.Row], int]:
    """One page of the latest versions of matching articles, and how many match in all.

    By FTS rank with a snippet when there is a query, else newest first.
    """
    clauses, params = _where(f)
    match = fts_query(f.q)
    page = [f.per, f.offset]
    if match:
        where = f"WHERE articles_fts MATCH ? AND {' AND '.join(clauses)}"
        sql = (f"SELECT {_COLUMNS}, snippet(articles_fts, 1, '{MARK_START}', '{MARK_END}', '…', 24)"
               f" AS snippet {_FROM_FTS} {where} ORDER BY articles_fts.rank LIMIT ? OFFSET ?")
        rows = conn.execute(sql, [match, *params, *page]).fetchall()
        total = conn.execute(f"SELECT count(*) {_FROM_FTS} {where}", [match, *params]).fetchone()[0]
        return rows, total
    where = f"WHERE {' AND '.join(clauses)}"
    sql = (f"SELECT {_COLUMNS}, substr(a.text, 1, 240) AS snippet FROM articles a"
           f" {where} ORDER BY a.fetched_at DESC, a.id DESC LIMIT ? OFFSET ?")
    rows = conn.execute(sql, [*params, *page]).fetchall()
    return rows, conn.execute(f"SELECT count(*) FROM articles a {where}", params).fetchone()[0]


def choices(conn: sqlite3.Connection, column: str) -> list[str]:
    assert column in ("site", "language")
    rows = conn.execute(f"SELECT DISTINCT {column} FROM articles WHERE {column} IS NOT NULL "
                        f"AND {column} != '' ORDER BY 1 LIMIT 500")
    return [r[0] for r in rows]


def article(conn: sqlite3.Connection, article_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM articles WHERE id = ?", [article_id]).fetchone()


def capture(conn: sqlite3.Connection, capture_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM captures WHERE id = ?", [capture_id]).fetchone()


def history(conn: sqlite3.Connection, url: str) -> tuple[list[sqlite3.Row], list[sqlite3.Row]]:
    """(captures of ``url`` oldest first, article versions of ``url``)."""
    caps = conn.execute("SELECT * FROM captures WHERE url = ? ORDER BY fetched_at, id",
                        [url]).fetchall()
    versions = conn.execute("SELECT id, version, fetched_at, title, word_count, text_hash, "
                            "warc_file FROM articles WHERE url = ? ORDER BY version", [url]).fetchall()
    return caps, versions
