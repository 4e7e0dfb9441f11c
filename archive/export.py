"""Dataset export: archived articles → JSON Lines, CSV or Parquet, streamed in batches.

The schema is documented in docs/dataset.md. Rows are read from SQLite with one
cursor in ``fetched_at, id`` order (archive.export_query) and written batch by batch,
so memory does not grow with the archive: exact dedup runs inside SQLite (a window
over the text hash), near-duplicate dedup keeps only a MinHash LSH index
(archive.neardup). The files themselves (schema, writers, shards) are
archive.export_files: every one is written under a temporary name and published when
complete, never over an existing file without ``force``, never over the archive's own
files (archive.output).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence, TextIO

from archive.errors import ArchiveError, ExportError, OutputRefused
from archive.export_card import CARD_NAME, Card, CardCounts, write_card
from archive.export_files import AUTHORS, COLUMNS, NAMES, TS_INDEXES, Output, arrow_schema
from archive.export_query import (Filters, build_query, count_matching, open_archive, parse_bound,
                                  read_error, run_query)
from archive.neardup import NearDuplicates, Tokens, word_tokens
from archive.timestamps import dataset_time, parse_timestamp, rfc3339

logger = logging.getLogger(__name__)

FORMATS = ("jsonl", "csv", "parquet")
DEDUP_MODES = ("none", "exact", "near")
DATE_FIELDS = ("published", "fetched")
_TEXT = NAMES.index("text")
_EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv",
               ".parquet": "parquet", ".pq": "parquet"}


# -- options ----------------------------------------------------------------------
@dataclass
class ExportOptions:
    format: str
    filters: Filters = field(default_factory=Filters)
    dedup: str = "none"
    threshold: float = 0.9
    shard_size: int = 0  # rows per file; 0: one file
    batch_size: int = 2000  # rows per fetch from SQLite
    row_group_bytes: int = 64 << 20  # Parquet: Arrow bytes buffered per row group
    tokens: Tokens = word_tokens  # a text's words, for near-duplicate detection
    card: bool = False  # write README.md, the dataset card, beside the file(s)
    software: str = "presskeep"  # who wrote the export, as the card names it

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
    card: Path | None = None
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
    """A database row with authors as a list and dates as UTC datetimes to the second."""
    out = list(row)
    out[AUTHORS] = _authors(out[AUTHORS])
    for i in TS_INDEXES:
        out[i] = dataset_time(out[i])
    return out


# -- the export ---------------------------------------------------------------------
def iter_batches(conn: sqlite3.Connection, opts: ExportOptions,
                 counter: ExportResult) -> Iterator[tuple[int, list[list[Any]]]]:
    """(rows matched, rows kept) per batch; ``counter.dropped`` counts what dedup drops."""
    sql, params = build_query(opts.filters, opts.dedup)
    cursor = run_query(conn, sql, params)
    near = NearDuplicates(opts.threshold, tokens=opts.tokens) if opts.dedup == "near" else None
    while True:
        try:
            raw = cursor.fetchmany(opts.batch_size)
        except sqlite3.OperationalError as exc:
            raise read_error(exc) from exc
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
    card = target.parent / CARD_NAME if target is not None and opts.card else None
    if card is not None:
        _check_card(output, card)
    conn = open_archive(root)
    try:
        if conn.execute("SELECT 1 FROM articles LIMIT 1").fetchone() is None:
            raise ExportError(f"the archive at {root} has no articles yet")
        return _run(conn, output, opts, progress, card, str(root))
    finally:
        conn.close()


def _check_card(output: Output, card: Path) -> None:
    try:
        output.files.check(card)
    except OutputRefused as exc:
        if card.exists() and not card.is_symlink() and card.is_file():
            raise OutputRefused(f"{card} exists and the dataset card would replace it (use "
                                "--force to replace it, or --no-card)") from None
        raise OutputRefused(f"{exc}; --no-card exports without the dataset card") from None


def _run(conn: sqlite3.Connection, output: Output, opts: ExportOptions,
         progress: Callable[[int], None] | None, card: Path | None = None,
         archive: str | None = None) -> ExportResult:
    result, started = ExportResult(), time.monotonic()
    counts = CardCounts()
    try:
        for matched, batch in iter_batches(conn, opts, result):
            if card is not None:
                counts.add(batch)  # before the writers turn dates into strings
            output.write(batch)
            result.rows += len(batch)
            if progress:
                progress(matched)
        if not result.rows:
            raise ExportError("no articles match the filters")
        if card is not None:  # published with the data, by the same commit
            _write_card(output, card, opts, result, counts, archive)
        result.files = [p for p in output.commit() if p != card]
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


def _write_card(output: Output, card: Path, opts: ExportOptions, result: ExportResult,
                counts: CardCounts, archive: str | None) -> None:
    about = Card(files=[p.name for p in output.targets()], format=opts.format,
                 filters=describe(opts, result), software=opts.software, archive=archive)
    write_card(output.files.add(card), about, counts)
    result.card = card


def describe(opts: ExportOptions, result: ExportResult) -> list[str]:
    """The rows an export selected, one line each as the command takes them (for the card)."""
    f = opts.filters
    lines = ["every version of each URL (--all-versions)" if f.all_versions
             else "the latest version of each URL"]
    if f.sites:
        lines.append("sites: " + ", ".join(f.sites) + " (--site)")
    if f.languages:
        lines.append("languages: " + ", ".join(f.languages) + " (--language)")
    if f.since is not None:
        lines.append(f"{f.date_field} on or after {rfc3339(f.since)} (--since)")
    if f.until is not None:
        last = f.until - timedelta(microseconds=1)  # parse_bound made it exclusive
        lines.append(f"{f.date_field} on or before {rfc3339(last)} (--until)")
    if f.min_words:
        lines.append(f"at least {f.min_words} words by word_count (--min-words)")
    if f.query:
        lines.append(f"full-text query: {f.query} (--query)")
    if opts.dedup == "exact":
        lines.append(f"exact duplicates dropped, earliest capture kept (--dedup exact): "
                     f"{result.dropped:,} dropped")
    elif opts.dedup == "near":
        lines.append(f"near duplicates dropped, earliest capture kept (--dedup near "
                     f"--threshold {opts.threshold}): {result.dropped:,} dropped")
    return lines


__all__ = ["ArchiveError", "ExportError", "ExportOptions", "ExportResult", "Filters", "export",
           "parse_bound", "parse_timestamp", "count_matching", "open_archive", "COLUMNS", "NAMES",
           "arrow_schema"]
