"""Dataset export: archived articles → JSON Lines, CSV or Parquet, streamed in batches.

The schema is documented in docs/dataset.md. Rows are read from SQLite with one
cursor in ``fetched_at, id`` order and written batch by batch, so memory does not
grow with the archive: exact dedup runs inside SQLite (a window over the text
hash), near-duplicate dedup keeps only a MinHash LSH index. Every output file is
written under a temporary name and renamed when complete.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import sys
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence, TextIO

from archive.db import DB_NAME, connect_for_reading
from archive.errors import ArchiveError, ExportError

logger = logging.getLogger(__name__)

FORMATS = ("jsonl", "csv", "parquet")
DEDUP_MODES = ("none", "exact", "near")
DATE_FIELDS = ("published", "fetched")
SCHEMA_VERSION = 1

#: (name, kind) in output order; kinds: str, int, int32, list, ts
COLUMNS: list[tuple[str, str]] = [
    ("id", "int"), ("url", "str"), ("canonical_url", "str"), ("site", "str"),
    ("title", "str"), ("authors", "list"), ("published", "ts"), ("modified", "ts"),
    ("language", "str"), ("text", "str"), ("word_count", "int32"), ("text_hash", "str"),
    ("version", "int32"), ("fetched_at", "ts"), ("warc_file", "str"), ("warc_offset", "int"),
    ("warc_length", "int"), ("warc_record_id", "str"), ("payload_digest", "str"),
]
NAMES = [name for name, _ in COLUMNS]
_TS_INDEXES = [i for i, (_, kind) in enumerate(COLUMNS) if kind == "ts"]
_AUTHORS = NAMES.index("authors")
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


def format_timestamp(dt: datetime | None) -> str | None:
    """UTC ISO 8601 with a Z: 2026-11-18T06:00:00Z (microseconds only when set)."""
    return dt.isoformat().replace("+00:00", "Z") if dt else None


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
    out[_AUTHORS] = _authors(out[_AUTHORS])
    for i in _TS_INDEXES:
        out[i] = parse_timestamp(out[i])
    return out


# -- writers ------------------------------------------------------------------------
_JSON = json.JSONEncoder(ensure_ascii=False)  # json.dumps(ensure_ascii=False) builds one per call

class JsonlWriter:
    def __init__(self, fh: TextIO) -> None:
        self.fh = fh

    def write(self, rows: list[list[Any]]) -> None:
        dumps = _JSON.encode
        lines = []
        for row in rows:
            for i in _TS_INDEXES:
                row[i] = format_timestamp(row[i])
            lines.append(dumps(dict(zip(NAMES, row))))
        lines.append("")
        self.fh.write("\n".join(lines))

    def close(self) -> None:
        self.fh.flush()


class CsvWriter:
    """RFC 4180 CSV, every string quoted: a NULL is an empty field, '' is a quoted empty one.

    Hand-rolled because csv.writer scans long texts char by char (3x slower here).
    """

    def __init__(self, fh: TextIO) -> None:
        self.fh = fh
        fh.write(",".join(NAMES) + "\n")

    def write(self, rows: list[list[Any]]) -> None:
        lines = []
        for row in rows:
            for i in _TS_INDEXES:
                row[i] = format_timestamp(row[i])
            if row[_AUTHORS] is not None:
                row[_AUTHORS] = _JSON.encode(row[_AUTHORS])
            lines.append(",".join(map(_csv_field, row)))
        lines.append("")
        self.fh.write("\n".join(lines))

    def close(self) -> None:
        self.fh.flush()


def _csv_field(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    return str(value)


def arrow_schema():
    import pyarrow as pa

    types = {"str": pa.string(), "int": pa.int64(), "int32": pa.int32(),
             "list": pa.list_(pa.string()), "ts": pa.timestamp("us", tz="UTC")}
    meta = {"presskeep.schema_version": str(SCHEMA_VERSION),
            "presskeep.doc": "docs/dataset.md"}
    return pa.schema([pa.field(name, types[kind]) for name, kind in COLUMNS], metadata=meta)


class ParquetWriter:
    """zstd Parquet; batches are buffered as Arrow data until a row group's worth."""

    def __init__(self, path: Path, row_group_bytes: int) -> None:
        import pyarrow.parquet as pq

        self.schema = arrow_schema()
        self.writer = pq.ParquetWriter(str(path), self.schema, compression="zstd")
        self.row_group_bytes = row_group_bytes
        self.buffer: list = []
        self.buffered = 0

    def write(self, rows: list[list[Any]]) -> None:
        import pyarrow as pa

        columns = list(zip(*rows))
        batch = pa.RecordBatch.from_arrays(
            [pa.array(col, type=f.type) for col, f in zip(columns, self.schema)],
            schema=self.schema)
        self.buffer.append(batch)
        self.buffered += batch.nbytes
        if self.buffered >= self.row_group_bytes:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self.buffer:
            table = pa.Table.from_batches(self.buffer, schema=self.schema)
            self.writer.write_table(table, row_group_size=table.num_rows)
        self.buffer, self.buffered = [], 0

    def close(self) -> None:
        self._flush()
        self.writer.close()


# -- output files -------------------------------------------------------------------
def shard_path(out: Path, index: int) -> Path:
    """out.parquet → out-00000.parquet, out-00001.parquet, ..."""
    return out.with_name(f"{out.stem}-{index:05d}{out.suffix}")


def check_writable(out: Path) -> None:
    parent = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        raise ExportError(f"cannot write {out}: it is a directory")
    if not parent.is_dir():
        raise ExportError(f"cannot write {out}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ExportError(f"cannot write {out}: directory {parent} is not writable")


class Output:
    """Shards and temporary names: rows go to ``.NAME.part-PID`` files renamed on commit."""

    def __init__(self, out: Path | None, opts: ExportOptions, stdout: TextIO | None = None) -> None:
        self.out, self.opts, self.stdout = out, opts, stdout
        self.temps: list[tuple[Path, Path]] = []
        self.writer: Any = None
        self.fh: TextIO | None = None
        self.in_shard = 0

    def write(self, rows: list[list[Any]]) -> None:
        while rows:
            if self.writer is None:
                self._open()
            room = self.opts.shard_size - self.in_shard if self.opts.shard_size else len(rows)
            part, rows = rows[:room], rows[room:]
            self.writer.write(part)
            self.in_shard += len(part)
            if self.opts.shard_size and self.in_shard >= self.opts.shard_size:
                self._close_writer()

    def _open(self) -> None:
        if self.out is None:
            self.writer = _text_writer(self.opts.format, self.stdout or sys.stdout)
            return
        final = shard_path(self.out, len(self.temps)) if self.opts.shard_size else self.out
        temp = final.with_name(f".{final.name}.part-{os.getpid()}")
        self.temps.append((temp, final))
        if self.opts.format == "parquet":
            self.writer = ParquetWriter(temp, self.opts.row_group_bytes)
        else:
            self.fh = open(temp, "w", encoding="utf-8", newline="")
            self.writer = _text_writer(self.opts.format, self.fh)
        self.in_shard = 0

    def _close_writer(self) -> None:
        if self.writer is not None:
            self.writer.close()
        if self.fh is not None:
            self.fh.close()
        self.writer, self.fh = None, None

    def commit(self) -> list[Path]:
        self._close_writer()
        for temp, final in self.temps:
            os.replace(temp, final)
        if self.opts.shard_size and self.out is not None:
            _warn_stale_shards(self.out, len(self.temps))
        return [final for _, final in self.temps]

    def abort(self) -> None:
        try:
            self._close_writer()
        except Exception:  # the temp files go away whatever state the writer is in
            pass
        for temp, _ in self.temps:
            temp.unlink(missing_ok=True)


def _warn_stale_shards(out: Path, count: int) -> None:
    """Shards past this export's last one are left from an earlier, bigger export."""
    stale = shard_path(out, count)
    if stale.exists():
        logger.warning("presskeep: %s and later shards are from an earlier export; "
                       "remove them before reading %s", stale, shard_path(out, 0).name.replace(
                           "-00000", "-*"))


def _text_writer(fmt: str, fh: TextIO):
    return JsonlWriter(fh) if fmt == "jsonl" else CsvWriter(fh)


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
           stdout: TextIO | None = None) -> ExportResult:
    """Export the archive at ``root`` to ``out`` ("-" for stdout); see docs/dataset.md."""
    opts.check()
    target = None if str(out) == "-" else Path(out)
    if target is None and (opts.format == "parquet" or opts.shard_size):
        raise ExportError("parquet and --shard-size need a file name, not -o -")
    if target is not None:
        check_writable(target)
    conn = open_archive(root)
    try:
        if conn.execute("SELECT 1 FROM articles LIMIT 1").fetchone() is None:
            raise ExportError(f"the archive at {root} has no articles yet")
        return _run(conn, target, opts, progress, stdout)
    finally:
        conn.close()


def _run(conn: sqlite3.Connection, target: Path | None, opts: ExportOptions,
         progress: Callable[[int], None] | None, stdout: TextIO | None) -> ExportResult:
    result, started = ExportResult(), time.monotonic()
    output = Output(target, opts, stdout)
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
        raise ExportError(f"cannot write {target or 'stdout'}: {exc.strerror or exc}") from exc
    except BaseException:
        output.abort()
        raise
    result.seconds = time.monotonic() - started
    logger.info("presskeep: exported %d rows, %d duplicates dropped", result.rows, result.dropped)
    return result


__all__ = ["ArchiveError", "ExportError", "ExportOptions", "ExportResult", "Filters", "export",
           "parse_bound", "parse_timestamp", "count_matching", "open_archive"]
