"""WARC records for the web UI: the raw bytes of a row's record, and its archived page."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.errors import WarcReadError
from archive.replay_index import READ_ERRORS, Payload, RecordRef, load_ref


def warc_path(root: Path, name: str) -> Path:
    """Rows name WARCs relative to the archive dir, or absolutely (replayed imports)."""
    path = Path(name)
    return path if path.is_absolute() else root / path


def _header(path: Path, offset: int) -> tuple[str, str | None, int]:
    """(record type, payload digest, record length) of the record at ``offset``."""
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            it = ArchiveIterator(fh, check_digests=False)
            record = next(iter(it))
            rec_type, digest = record.rec_type, record.rec_headers.get_header("WARC-Payload-Digest")
            it.read_to_end(record)
            return rec_type, digest, it.get_record_length()
    except (StopIteration, *READ_ERRORS) as exc:
        raise WarcReadError(f"{path}: no readable record at offset {offset}: {exc}") from exc


def raw_record(root: Path, name: str, offset: int, length: int | None) -> bytes:
    """The record's bytes as stored (a whole gzip member for .warc.gz files)."""
    path = warc_path(root, name)
    if not length:
        length = _header(path, offset)[2]
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            return fh.read(length)
    except OSError as exc:
        raise WarcReadError(f"cannot read {path}: {exc}") from exc


def _ref(path: Path, offset: int, original: RecordRef | None = None) -> RecordRef:
    return RecordRef(path=str(path), offset=offset, length=0, rec_type="", url="", date=None,
                     status=0, content_type="", record_id=None, payload_digest=None,
                     original=original)


def archived_page(root: Path, conn: sqlite3.Connection, name: str, offset: int) -> Payload:
    """The archived response at (``name``, ``offset``); a revisit gets its original's body."""
    path = warc_path(root, name)
    rec_type, digest, _ = _header(path, offset)
    original = None
    if rec_type == "revisit" and digest:
        row = conn.execute(
            "SELECT warc_file, warc_offset FROM captures WHERE payload_digest = ? AND "
            "record_type = 'response' AND warc_file IS NOT NULL LIMIT 1", [digest]).fetchone()
        if row is not None:
            original = _ref(warc_path(root, row[0]), row[1])
    return load_ref(_ref(path, offset, original))
