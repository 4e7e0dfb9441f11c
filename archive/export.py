"""Dataset export: archived articles → JSON Lines, CSV or Parquet, streamed in batches.

The schema is documented in docs/dataset.md. Rows are read from SQLite with one
cursor in ``fetched_at, id`` order and written batch by batch, so memory does not
grow with the archive: exact dedup runs inside SQLite (a window over the text
hash), near-duplicate dedup keeps only a MinHash LSH index. The files themselves
(schema, writers, shards) are archive.export_files: every one is written under a
temporary name and published when complete, never over an existing file without
``force``, never over the archive's own files (archive.output).
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence, TextIO

from archive.db import DB_NAME, connect_for_reading
from archive.errors import ArchiveError, ExportError
from archive.export_files import AUTHORS, COLUMNS, NAMES, TS_INDEXES, Output, arrow_schema

logger = logging.getLogger(__name__)

FORMATS = ("jsonl", "csv", "parquet")
DEDUP_MODES = ("none", "exact", "near")
DATE_FIELDS = ("published", "fetched")
_TEXT = NAMES.index("text")
_EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv",
               ".parquet": "parquet", ".pq": "parquet"}


# -- dates ------------------------------------------------------------------------
def parse_timestamp(value: str | None) -> datetime | None:
    """An ISO-ish date string of any precision as an aware UTC datetime (None if unparseable).

    Naive values are taken as UTC; a bare date is midnight UTC.
    """
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.strip())
    except ValueError:
        dt = _parse_loose(value)
        if dt is None:
            return None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    try:
        return dt.astimezone(timezone.utc)
    except (OverflowError, ValueError):  # year 1 or 9999 pushed out of range by its offset
        return None


def _parse_loose(value: str) -> datetime | None:
    from dateutil import parser

    try:
        return parser.parse(value, default=datetime(1970, 1, 1))
    except (ValueError, OverflowError):
        return None


def _epoch(value: str | None) -> float | None:
    """SQL function pk_epoch(): seconds since the epoch, the same parse as the output uses."""
    dt = parse_timestamp(value)
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


# -- options ----------------------------------------------------------------------
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


@dataclass
class ExportOptions:
    format: str
    filters: Filters = field(default_factory=Filters)
    dedup: str = "none"
    threshold: float = 0.9
    shard_size: int = 0  # rows per file; 0: one file
    batch_size: int = 2000  # rows per fetch from SQLite
    row_group_bytes: int = 64 << 20  # Parquet: Arrow bytes buffered per row group

    def check(self) -> None:
        if self.format not in FORMATS:
            raise ExportError(f"unknown format {self.format!r} (choose jsonl, csv or parquet)")
        if self.dedup not in DEDUP_MODES:
            raise ExportError(f"unknown dedup mode {self.dedup!r} (choose none, exact or near)")
        if not 0.0 < self.threshold <= 1.0:
            raise ExportError(f"--threshold must be in (0, 1], got {self.threshold}")
        if self.filters.date_field not in DATE_FIELDS:
            raise ExportError(f"unknown date field {self.filters.date_field!r}")
        if self.shard_size < 0:
            raise ExportError("--shard-size must be positive")


@dataclass
class ExportResult:
    rows: int = 0
    dropped: int = 0
    files: list[Path] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def format_for(path: str, given: str | None) -> str:
    """The --format value, or the one -o's extension implies."""
    if given:
        return given.lower()
    fmt = _EXTENSIONS.get(Path(path).suffix.lower()) if path != "-" else None
    if fmt is None:
        raise ExportError("give --format jsonl, csv or parquet (cannot tell from the output name)")
    return fmt


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


def build_query(opts: ExportOptions) -> tuple[str, list[Any]]:
    """SQL for the rows to export, in fetched_at order; exact dedup adds a group size column."""
    where, params = _where(opts.filters)
    cols = ", ".join(f"a.{name}" for name in NAMES)
    if opts.dedup != "exact":
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
    return _execute(conn, f"SELECT COUNT(*) FROM articles a WHERE {where}", params).fetchone()[0]


def _execute(conn: sqlite3.Connection, sql: str, params: list[Any]) -> sqlite3.Cursor:
    try:
        return conn.execute(sql, params)
    except sqlite3.OperationalError as exc:
        raise _read_error(exc) from exc


def _read_error(exc: sqlite3.OperationalError) -> ExportError:
    if "fts5" in str(exc) or "MATCH" in str(exc):
        return ExportError(f"bad --query: {exc}")
    return ExportError(f"cannot read the archive: {exc}")


# -- near-duplicate detection -------------------------------------------------------
_TOKEN = re.compile(r"\w+")
_MIX = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9)


def shingle_hashes(text: str | None):
    """32-bit hashes of the lowercased word 3-grams of ``text`` (a unique uint64 array)."""
    import numpy as np

    tokens = _TOKEN.findall((text or "").lower())
    h = np.fromiter(map(zlib.crc32, map(str.encode, tokens)), np.uint64, len(tokens))
    if len(h) < 3:
        return np.array([zlib.crc32(" ".join(tokens).encode())], dtype=np.uint64)
    mixed = h[:-2] * np.uint64(_MIX[0]) + h[1:-1] * np.uint64(_MIX[1]) + h[2:] * np.uint64(_MIX[2])
    return np.unique(mixed >> np.uint64(32))


def lsh_bands(threshold: float, num_perm: int, recall: float = 0.95) -> tuple[int, int]:
    """(bands, rows per band): the fewest bands that still find ``recall`` of pairs at
    ``threshold``. Candidates are then verified, so false positives only cost time."""
    for rows in range(num_perm, 0, -1):
        bands = num_perm // rows
        if 1 - (1 - threshold ** rows) ** bands >= recall:
            return bands, rows
    return num_perm, 1


class NearDuplicates:
    """MinHash over word 3-grams with a lean LSH index, all in numpy.

    The signature takes, per permutation, the minimum of the multiply-shift hash
    ``(a * x + b) >> 32`` over the shingle hashes. Kept texts leave only their
    signature (num_perm uint32 in chunked arrays) and one dict entry per band;
    candidates from the bands are verified against the stored signature, so a text
    is a duplicate when its estimated Jaccard similarity with an earlier kept text
    reaches the threshold. (datasketch's per-object MinHash was 3x slower here.)
    """

    CHUNK = 1 << 16

    def __init__(self, threshold: float = 0.9, num_perm: int = 128, seed: int = 1) -> None:
        import numpy as np

        rng = np.random.default_rng(seed)
        self._a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
        self._b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
        self.threshold, self.num_perm = threshold, num_perm
        self.bands, self.rows = lsh_bands(threshold, num_perm)
        self.tables: list[dict[int, Any]] = [{} for _ in range(self.bands)]
        self.chunks: list[Any] = []
        self.kept = 0

    def signature(self, text: str | None):
        import numpy as np

        x = shingle_hashes(text)
        # the shift is monotonic, so min-then-shift equals shift-then-min, on 1/n the data
        return ((x[:, None] * self._a + self._b).min(axis=0) >> np.uint64(32)).astype(np.uint32)

    def seen(self, text: str | None) -> bool:
        """True if ``text`` is a near-duplicate of one kept before; else keep it."""
        sig = self.signature(text)
        keys = [hash(sig[i * self.rows:(i + 1) * self.rows].tobytes()) for i in range(self.bands)]
        candidates = set()
        for table, key in zip(self.tables, keys):
            found = table.get(key)
            if found is not None:
                candidates.update(found if isinstance(found, tuple) else (found,))
        if any(self._similar(sig, c) for c in sorted(candidates)):
            return True
        self._keep(sig, keys)
        return False

    def _similar(self, sig, index: int) -> bool:
        other = self.chunks[index // self.CHUNK][index % self.CHUNK]
        return float((sig == other).mean()) >= self.threshold

    def _keep(self, sig, keys: list[int]) -> None:
        import numpy as np

        index = self.kept
        if index % self.CHUNK == 0:
            self.chunks.append(np.empty((self.CHUNK, self.num_perm), dtype=sig.dtype))
        self.chunks[-1][index % self.CHUNK] = sig
        for table, key in zip(self.tables, keys):
            found = table.get(key)
            if found is None:
                table[key] = index
            else:
                table[key] = (found if isinstance(found, tuple) else (found,)) + (index,)
        self.kept += 1


# -- row conversion -----------------------------------------------------------------
def _authors(value: str | None) -> list[str] | None:
    if value is None:
        return None
    if value == "[]":
        return []
    try:
        got = json.loads(value)
    except ValueError:
        return [value]
    return [str(a) for a in got] if isinstance(got, list) else [str(got)]


def _record(row: Sequence[Any]) -> list[Any]:
    """A database row with authors as a list and dates as UTC datetimes."""
    out = list(row)
    out[AUTHORS] = _authors(out[AUTHORS])
    for i in TS_INDEXES:
        out[i] = parse_timestamp(out[i])
    return out


# -- the export ---------------------------------------------------------------------
def iter_batches(conn: sqlite3.Connection, opts: ExportOptions,
                 counter: ExportResult) -> Iterator[tuple[int, list[list[Any]]]]:
    """(rows matched, rows kept) per batch; ``counter.dropped`` counts what dedup drops."""
    sql, params = build_query(opts)
    cursor = _execute(conn, sql, params)
    near = NearDuplicates(opts.threshold) if opts.dedup == "near" else None
    while True:
        try:
            raw = cursor.fetchmany(opts.batch_size)
        except sqlite3.OperationalError as exc:
            raise _read_error(exc) from exc
        if not raw:
            return
        matched = len(raw)
        if opts.dedup == "exact":
            matched = sum(r[-1] for r in raw)
            raw = [r[:-1] for r in raw]
        elif near is not None:
            raw = [r for r in raw if not near.seen(r[_TEXT])]
        counter.dropped += matched - len(raw)
        yield matched, [_record(r) for r in raw]


def export(root: str | Path, out: str | Path, opts: ExportOptions,
           progress: Callable[[int], None] | None = None,
           stdout: TextIO | None = None, *, force: bool = False) -> ExportResult:
    """Export the archive at ``root`` to ``out`` ("-" for stdout); see docs/dataset.md.

    An existing ``out`` (or shard) is replaced only with ``force``; the archive's own files,
    links and devices never are (archive.output).
    """
    opts.check()
    target = None if str(out) == "-" else Path(out)
    if target is None and (opts.format == "parquet" or opts.shard_size):
        raise ExportError("parquet and --shard-size need a file name, not -o -")
    output = Output(target, opts, stdout, force=force, archive=root)
    output.check()
    conn = open_archive(root)
    try:
        if conn.execute("SELECT 1 FROM articles LIMIT 1").fetchone() is None:
            raise ExportError(f"the archive at {root} has no articles yet")
        return _run(conn, output, opts, progress)
    finally:
        conn.close()


def _run(conn: sqlite3.Connection, output: Output, opts: ExportOptions,
         progress: Callable[[int], None] | None) -> ExportResult:
    result, started = ExportResult(), time.monotonic()
    try:
        for matched, batch in iter_batches(conn, opts, result):
            output.write(batch)
            result.rows += len(batch)
            if progress:
                progress(matched)
        if not result.rows:
            raise ExportError("no articles match the filters")
        result.files = output.commit()
    except BrokenPipeError:
        output.abort()
        raise  # the reader of stdout went away (`| head`): the CLI ends quietly
    except OSError as exc:
        output.abort()
        where = output.out or "stdout"
        raise ExportError(f"cannot write {where}: {exc.strerror or exc}") from exc
    except BaseException:
        output.abort()
        raise
    result.seconds = time.monotonic() - started
    logger.info("presskeep: exported %d rows, %d duplicates dropped", result.rows, result.dropped)
    return result


__all__ = ["ArchiveError", "ExportError", "ExportOptions", "ExportResult", "Filters", "export",
           "parse_bound", "parse_timestamp", "count_matching", "open_archive", "COLUMNS", "NAMES",
           "arrow_schema"]
