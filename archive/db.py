"""The SQLite database: schema (created and migrated by code), batched writes, runs.

Tables are documented in docs/data-model.md. Writes are buffered and flushed in
one transaction per batch; the caller flushes the WARC file first so no row
ever points at bytes that are not on disk.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import quote

from archive.errors import DatabaseError, DatabaseWriteError
from archive.gzip_records import settled
from archive.sqlitelib import sqlite_utils
from archive.timestamps import warc_date

logger = logging.getLogger(__name__)

DB_NAME = "presskeep.db"


def _v1(db: sqlite_utils.Database) -> None:
    db["runs"].create(
        {"id": int, "started": str, "ended": str, "command": str, "args": str,
         "stats": str, "outcome": str},
        pk="id",
    )
    db["captures"].create(
        {"id": int, "run_id": int, "url": str, "method": str, "status": int,
         "content_type": str, "length": int, "fetched_at": str, "record_type": str,
         "warc_file": str, "warc_offset": int, "warc_length": int, "warc_record_id": str,
         "payload_digest": str, "truncated": str, "etag": str, "last_modified": str,
         "error": str},
        pk="id", foreign_keys=[("run_id", "runs", "id")],
    )
    db["captures"].create_index(["url", "fetched_at"])
    db["captures"].create_index(["payload_digest"])
    db["articles"].create(
        {"id": int, "run_id": int, "url": str, "canonical_url": str,
         "site": str, "title": str, "authors": str, "published": str, "modified": str,
         "language": str, "text": str, "word_count": int, "text_hash": str,
         "fetched_at": str, "warc_file": str, "warc_offset": int, "warc_length": int,
         "warc_record_id": str, "payload_digest": str, "version": int},
        pk="id", foreign_keys=[("run_id", "runs", "id")],
    )
    db["articles"].create_index(["url", "version"])
    db["articles"].create_index(["site"])
    db["articles"].create_index(["text_hash"])
    db["articles"].enable_fts(["title", "text"], create_triggers=True, tokenize="porter")
    db["sites"].create({"site": str, "pages": int, "model": str, "updated": str}, pk="site")
    db.create_view(
        "latest_articles",
        """SELECT a.* FROM articles a
           WHERE a.version = (SELECT MAX(b.version) FROM articles b WHERE b.url = a.url)""",
    )


#: Each entry takes the database from version i to i+1. Append, never edit.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_v1]
SCHEMA_VERSION = len(MIGRATIONS)


def connect(path: str | Path, *, create: bool = True, timeout: float = 5.0) -> sqlite_utils.Database:
    """Open (and create or migrate) the database at ``path``."""
    path = Path(path)
    if not create and not path.exists():
        raise DatabaseError(f"no database at {path}")
    try:
        conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        migrate(db, path)
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"cannot open database {path}: {exc}") from exc
    return db


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK)


def open_readonly(path: str | Path, timeout: float = 5.0) -> sqlite3.Connection:
    """A read-only connection to the database at ``path`` (never created, migrated, written).

    ``mode=ro`` reads a WAL database beside a live writer, but needs to create the
    ``-shm`` file WAL readers share. On read-only media (the directory cannot be written)
    nothing can be writing, so the file is opened ``immutable=1`` instead, unless a
    ``-wal`` file holds changes that only a WAL reader would see.
    """
    path = Path(path)
    uri = f"file:{quote(str(path.absolute()))}?mode=ro"
    try:
        try:
            return _probe(sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None))
        except sqlite3.OperationalError:
            if _writable(path.parent):
                raise
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size:
            raise DatabaseError(f"{path} has changes in {wal.name} that cannot be read on "
                                "read-only media; open it once where it can be written")
        return _probe(sqlite3.connect(uri + "&immutable=1", uri=True, timeout=timeout,
                                      isolation_level=None))
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"cannot open database {path}: {exc}") from exc


def _probe(conn: sqlite3.Connection) -> sqlite3.Connection:
    """``conn``, once it has read the file (a file SQLite cannot open fails here)."""
    try:
        conn.execute("PRAGMA user_version").fetchone()
    except sqlite3.DatabaseError:
        conn.close()
        raise
    return conn


def connect_for_reading(path: str | Path, *, timeout: float = 5.0) -> sqlite_utils.Database:
    """The database at ``path`` for a command that only reads it (check, export, wacz, ...).

    Writable, it opens as :func:`connect` opens it (``create=False``: migrated, never
    created). When the file or its directory is not writable (read-only media, a
    finished archive kept read-only) it opens read-only (:func:`open_readonly`).
    """
    path = Path(path)
    if not path.exists():
        raise DatabaseError(f"no database at {path}")
    if _writable(path) and _writable(path.parent):
        return connect(path, create=False, timeout=timeout)
    db = sqlite_utils.Database(open_readonly(path, timeout))
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version != SCHEMA_VERSION:
        db.conn.close()
        older = "; open it once where it can be written" if version < SCHEMA_VERSION else ""
        raise DatabaseError(f"{path} has schema version {version}; this presskeep knows up "
                            f"to {SCHEMA_VERSION}{older}")
    return db


def preflight(root: str | Path) -> None:
    """Raise DatabaseError now if ROOT's database cannot be opened, migrated and written to."""
    path = Path(root) / DB_NAME
    if not path.exists():
        return
    db = connect(path)
    try:
        db.execute("BEGIN IMMEDIATE")
        db.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        raise DatabaseError(f"database {path} is in use by another process ({exc})") from exc
    finally:
        db.conn.close()


def migrate(db: sqlite_utils.Database, path: Path | str = "") -> None:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise DatabaseError(
            f"{path} has schema version {version}; this presskeep knows up to {SCHEMA_VERSION}"
        )
    for step in range(version, SCHEMA_VERSION):
        with db.conn:
            db.execute("BEGIN IMMEDIATE")
            MIGRATIONS[step](db)
            db.execute(f"PRAGMA user_version = {step + 1}")
        logger.info("presskeep: database migrated to schema version %d", step + 1)


#: what moves when a duplicate article is re-homed at its canonical URL
_LOCATION_COLUMNS = ("url", "canonical_url", "fetched_at", "warc_file", "warc_offset", "warc_length",
                     "warc_record_id", "payload_digest")


_NATIVE = (str, int, float, bytes, type(None))


def _value(value: Any) -> Any:
    value = settled(value)  # a WARC offset/length the compressor thread has now written
    return value if isinstance(value, _NATIVE) else json.dumps(value, default=str)


def insert_rows(db: sqlite_utils.Database, table: str, rows: list[dict[str, Any]]) -> None:
    """``INSERT`` rows into an existing table with one ``executemany`` per set of columns.

    The hot path of every crawl: sqlite-utils' ``insert_all`` re-derives the query and
    checks each value in Python (~0.5 ms a row); the schema is ours and fixed, so the
    rows go straight to sqlite3. Values that are not SQLite types are stored as JSON,
    as sqlite-utils would.
    """
    groups: dict[tuple[str, ...], list[list[Any]]] = {}
    for row in rows:
        values = [v if isinstance(v, _NATIVE) else _value(v) for v in row.values()]
        groups.setdefault(tuple(row), []).append(values)
    for columns, params in groups.items():
        names = ", ".join(f"[{c}]" for c in columns)
        marks = ", ".join("?" * len(columns))
        db.conn.executemany(f"INSERT INTO [{table}] ({names}) VALUES ({marks})", params)


class Store:
    """Buffered writer for captures and articles, plus run bookkeeping."""

    def __init__(self, db: sqlite_utils.Database, batch_size: int = 200) -> None:
        self.db = db
        self.batch_size = batch_size
        self._captures: list[dict[str, Any]] = []
        self._articles: list[dict[str, Any]] = []
        self._pending_hashes: dict[str, dict[str, Any]] = {}
        self.before_flush: Callable[[], None] | None = None
        #: called with a :class:`DatabaseWriteError` when a batch cannot be committed
        #: (instead of raising it); the batch stays buffered for the next flush
        self.on_write_error: Callable[[DatabaseWriteError], None] | None = None

    @classmethod
    def open(cls, root: str | Path, batch_size: int = 200) -> "Store":
        root = Path(root)
        root.mkdir(parents=True, exist_ok=True)
        return cls(connect(root / DB_NAME), batch_size)

    # -- runs ---------------------------------------------------------------
    def start_run(self, command: str, args: dict[str, Any]) -> int:
        row = {"started": warc_date(), "command": command, "args": json.dumps(args, default=str),
               "outcome": "running"}
        with self.db.atomic():
            return self.db["runs"].insert(row).last_pk

    def finish_run(self, run_id: int, stats: dict[str, Any], outcome: str) -> None:
        self.flush()
        with self.db.atomic():
            self.db["runs"].update(run_id, {"ended": warc_date(), "outcome": outcome,
                                            "stats": json.dumps(stats, default=str)})

    def mark_interrupted(self, command: str = "crawl") -> int:
        """Runs of ``command`` still 'running' died without closing (kill, power loss).

        Call only while holding the archive's crawl lock, so none of them is alive.
        """
        with self.db.atomic():
            cursor = self.db.execute(
                "UPDATE runs SET outcome = 'interrupted', ended = ? "
                "WHERE outcome = 'running' AND command = ?", [warc_date(), command])
        return cursor.rowcount

    # -- rows ---------------------------------------------------------------
    def add_capture(self, row: dict[str, Any]) -> None:
        self._captures.append(row)
        self._maybe_flush()

    def add_article(self, row: dict[str, Any]) -> None:
        self._articles.append(row)
        if row.get("text_hash"):
            self._pending_hashes[row["text_hash"]] = row
        self._maybe_flush()

    def add_unique_article(self, row: dict[str, Any]) -> bool:
        """Like add_article, but False (nothing added) when the text is stored under another URL.

        A duplicate fetched at the URL the stored copy names as canonical takes
        over that row, so the article ends up under its canonical URL.
        """
        dup = self._duplicate_of(row)
        if dup is None:
            self.add_article(row)
            return True
        if dup.get("canonical_url") == row["url"] != dup["url"]:
            self._rehome(dup, row)  # the copy stored first names this URL as canonical
        return False

    def _duplicate_of(self, row: dict[str, Any]) -> dict[str, Any] | None:
        """The pending or stored article with the same text under another URL, if any."""
        text_hash = row.get("text_hash")
        if not text_hash:
            return None
        pending = self._pending_hashes.get(text_hash)
        if pending is not None:
            return pending if pending["url"] != row["url"] else None
        found = self.db.execute(
            "SELECT id, url, canonical_url FROM articles WHERE text_hash = ? AND url != ? LIMIT 1",
            [text_hash, row["url"]],
        ).fetchone()
        return {"id": found[0], "url": found[1], "canonical_url": found[2]} if found else None

    def _rehome(self, dup: dict[str, Any], row: dict[str, Any]) -> None:
        """Point the stored (or pending) duplicate at ``row``'s URL and WARC record."""
        taken = self.db.execute("SELECT 1 FROM articles WHERE url = ? LIMIT 1", [row["url"]])
        if taken.fetchone():
            return
        moved = {k: settled(row.get(k)) for k in _LOCATION_COLUMNS}
        if "id" not in dup:  # still in the buffer
            dup.update(moved)
            return
        with self.db.atomic():
            self.db["articles"].update(dup["id"], moved)

    def revise_articles(self, run_id: int | None, urls: list[str],
                        revise: Callable[[dict[str, Any]], dict[str, Any] | None]) -> int:
        """Correct this run's article rows at ``urls`` in place, buffered or stored (as
        ``reclean`` does: no new version). ``revise(row)`` gets the row's ``title`` and
        ``text`` and returns the columns to change, or None. How many rows changed."""
        changed = 0
        for row in self._articles:
            if row["url"] in urls and row.get("run_id") == run_id and (new := revise(row)):
                if self._pending_hashes.get(row.get("text_hash")) is row:
                    del self._pending_hashes[row["text_hash"]]
                row.update(new)
                if row.get("text_hash"):
                    self._pending_hashes[row["text_hash"]] = row
                changed += 1
        marks = ",".join("?" * len(urls))
        stored = list(self.rows(f"SELECT id, title, text FROM articles WHERE run_id IS ? "
                                f"AND url IN ({marks})", [run_id, *urls])) if urls else []
        updates = [(row["id"], new) for row in stored if (new := revise(row))]
        if updates:
            with self.db.atomic():
                for row_id, new in updates:
                    self.db["articles"].update(row_id, new)
        return changed + len(updates)

    def _maybe_flush(self) -> None:
        if len(self._captures) + len(self._articles) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not (self._captures or self._articles):
            return
        if self.before_flush:
            self.before_flush()
        captures, articles = self._captures, self._articles
        try:
            self._commit(captures, articles)
        except sqlite3.Error as exc:  # a full disk, a quota: nothing of the batch is lost
            if self.db.conn.in_transaction:
                self.db.conn.rollback()
            error = DatabaseWriteError(f"cannot write database {self.path}: {exc}")
            if self.on_write_error is None:
                raise error from exc
            self.on_write_error(error)
            return
        self._captures, self._articles = [], []  # committed (nothing is added meanwhile)
        self._pending_hashes = {}

    @property
    def path(self) -> str:
        return next((row[2] for row in self.db.execute("PRAGMA database_list")
                     if row[1] == "main"), "presskeep.db")

    def _commit(self, captures: list[dict[str, Any]], articles: list[dict[str, Any]]) -> None:
        """Insert one batch in one transaction (rolled back whole if any insert fails)."""
        with self.db.atomic():
            if captures:
                insert_rows(self.db, "captures", captures)
            latest: dict[str, tuple[int, str | None]] = {}  # url -> this batch's last version
            kept = []
            for row in articles:
                row["version"] = self._next_version(row["url"], row.get("text_hash"), latest)
                if row["version"]:
                    latest[row["url"]] = (row["version"], row.get("text_hash"))
                    kept.append(row)
            if kept:
                insert_rows(self.db, "articles", kept)

    def _next_version(self, url: str, text_hash: str | None,
                      latest: dict[str, tuple[int, str | None]]) -> int:
        """1 for a new URL, n+1 when the text changed, 0 (skip) when it did not."""
        last = latest.get(url) or self.db.execute(
            "SELECT version, text_hash FROM articles WHERE url = ? ORDER BY version DESC LIMIT 1",
            [url],
        ).fetchone()
        if last is None:
            return 1
        return 0 if last[1] == text_hash else last[0] + 1

    def close(self) -> None:
        self.flush()
        self.db.conn.close()

    # -- reads ----------------------------------------------------------------
    def rows(self, sql: str, params: list[Any] | tuple = ()) -> Iterator[dict[str, Any]]:
        cursor = self.db.execute(sql, params)
        names = [c[0] for c in cursor.description]
        for values in cursor:
            yield dict(zip(names, values))
