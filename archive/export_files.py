"""The export's files: the dataset's columns, the JSON Lines / CSV / Parquet writers, and the
one file or shards they fill, written through archive.output (temporary names, published
only when the whole export succeeded, an existing file replaced only with ``force``).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from archive.output import OutputFiles
from archive.timestamps import rfc3339

logger = logging.getLogger(__name__)

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
TS_INDEXES = [i for i, (_, kind) in enumerate(COLUMNS) if kind == "ts"]
AUTHORS = NAMES.index("authors")

#: OWASP's CSV-injection rule: a cell starting with one of these is a formula to a spreadsheet
FORMULA_STARTS = frozenset("=+-@\t\r")
#: first characters worth a closer look: those, and whitespace (str.isspace: all below U+3001)
_RISKY_STARTS = FORMULA_STARTS | frozenset(c for c in map(chr, range(0x3001)) if c.isspace())


def format_timestamp(dt: datetime | None) -> str | None:
    """RFC 3339, UTC, whole seconds: 2026-11-18T06:00:00Z (archive.timestamps.rfc3339)."""
    return rfc3339(dt)


# -- writers ------------------------------------------------------------------------
_JSON = json.JSONEncoder(ensure_ascii=False)  # json.dumps(ensure_ascii=False) builds one per call

class JsonlWriter:
    def __init__(self, fh: TextIO) -> None:
        self.fh = fh

    def write(self, rows: list[list[Any]]) -> None:
        dumps = _JSON.encode
        lines = []
        for row in rows:
            for i in TS_INDEXES:
                row[i] = format_timestamp(row[i])
            lines.append(dumps(dict(zip(NAMES, row))))
        lines.append("")
        self.fh.write("\n".join(lines))

    def close(self) -> None:
        self.fh.flush()


class CsvWriter:
    """RFC 4180 CSV, every string quoted: a NULL is an empty field, '' is a quoted empty one.
    A string a spreadsheet would run as a formula gets a ``'`` in front (neutralise_formula).

    Hand-rolled because csv.writer scans long texts char by char (3x slower here).
    """

    def __init__(self, fh: TextIO) -> None:
        self.fh = fh
        fh.write(",".join(NAMES) + "\n")

    def write(self, rows: list[list[Any]]) -> None:
        lines = []
        for row in rows:
            for i in TS_INDEXES:
                row[i] = format_timestamp(row[i])
            if row[AUTHORS] is not None:
                row[AUTHORS] = _JSON.encode(row[AUTHORS])
            lines.append(",".join(map(_csv_field, row)))
        lines.append("")
        self.fh.write("\n".join(lines))

    def close(self) -> None:
        self.fh.flush()


def neutralise_formula(value: str) -> str:
    """``value`` with a ``'`` in front when it starts, after any leading whitespace, with
    ``= + - @``, a tab or a carriage return (OWASP's CSV-injection rule); else unchanged."""
    head = value[:1]
    if head in FORMULA_STARTS or (head.isspace() and value.lstrip()[:1] in FORMULA_STARTS):
        return "'" + value
    return value


def _csv_field(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        if value[:1] in _RISKY_STARTS:
            value = neutralise_formula(value)
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


def _text_writer(fmt: str, fh: TextIO):
    return JsonlWriter(fh) if fmt == "jsonl" else CsvWriter(fh)


# -- output files -------------------------------------------------------------------
def shard_path(out: Path, index: int) -> Path:
    """out.parquet → out-00000.parquet, out-00001.parquet, ..."""
    return out.with_name(f"{out.stem}-{index:05d}{out.suffix}")


class Output:
    """Rows into ``out`` (or its shards, or stdout when ``out`` is None), each file written
    under a temporary name and published by ``commit()`` (archive.output.OutputFiles).

    ``opts`` is an ExportOptions: its format, shard_size and row_group_bytes are used.
    """

    def __init__(self, out: Path | None, opts: Any, stdout: TextIO | None = None, *,
                 force: bool = False, archive: str | os.PathLike | None = None) -> None:
        self.out, self.opts, self.stdout = out, opts, stdout
        self.files = OutputFiles(force=force, archive=archive)
        self.count = 0  # files opened
        self.writer: Any = None
        self.fh: TextIO | None = None
        self.in_shard = 0

    def check(self) -> None:
        """Refuse the first target now (before the archive is read), as writing it would."""
        if self.out is not None:
            self.files.check(self._target(0))

    def _target(self, index: int) -> Path:
        return shard_path(self.out, index) if self.opts.shard_size else self.out

    def targets(self) -> list[Path]:
        """The files this export has opened so far (the shards), by their final names."""
        return [self._target(i) for i in range(self.count)] if self.out is not None else []

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
        temp = self.files.add(self._target(self.count))
        self.count += 1
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
        published = self.files.commit()
        if self.opts.shard_size and self.out is not None:
            _warn_stale_shards(self.out, self.count)
        return published

    def abort(self) -> None:
        try:
            self._close_writer()
        except Exception:  # the temp files go away whatever state the writer is in
            pass
        self.files.abort()


def _warn_stale_shards(out: Path, count: int) -> None:
    """Shards past this export's last one are left from an earlier, bigger export."""
    stale = shard_path(out, count)
    if stale.exists():
        logger.warning("presskeep: %s and later shards are from an earlier export; "
                       "remove them before reading %s", stale, shard_path(out, 0).name.replace(
                           "-00000", "-*"))
