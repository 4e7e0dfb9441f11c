"""WARC records for the web UI: the raw bytes of a row's record, and its archived page."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from archive.errors import WarcReadError
from archive.paths import WarcPaths
from archive.read import READ_ERRORS, WarcRecords
from archive.replay_index import Payload, RecordRef, load_ref, normalize_date

logger = logging.getLogger("presskeep.serve")


def _header(path: Path, offset: int) -> tuple[dict[str, str], int]:
    """(WARC headers with lower-case names, record length) of the record at ``offset``."""
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            it = WarcRecords(fh, check_digests=False)
            record = next(iter(it))
            headers = {k.lower(): v for k, v in record.rec_headers.headers}
            it.read_to_end(record)
            return headers, it.get_record_length()
    except (StopIteration, *READ_ERRORS) as exc:
        raise WarcReadError(f"{path}: no readable record at offset {offset}: {exc}") from exc


def raw_record(paths: WarcPaths, name: str, offset: int) -> bytes:
    """The record's bytes as stored (a whole gzip member for .warc.gz files).

    Only a file the archive's path rule allows (archive/paths.py), and only as many
    bytes as the record there really has, whatever length the row claims.
    """
    path = paths.record_path(name, offset)
    length = _header(path, offset)[1]
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


#: how a revisit's original is looked up among the `captures` rows, most exact first
_ORIGINAL_BY = (
    ("warc-refers-to", "warc_record_id = ?"),
    ("warc-refers-to-target-uri", "url = ? AND substr(fetched_at, 1, 19) = ?"),
    ("warc-payload-digest", "payload_digest = ?"),
)


def find_original(conn: sqlite3.Connection, headers: dict[str, str]) -> tuple[str, int] | None:
    """(warc_file, offset) of the response a revisit record refers to, if the database has it."""
    for key, where in _ORIGINAL_BY:
        if not headers.get(key):
            continue
        params = [headers[key].strip().strip("<>") if key != "warc-refers-to" else headers[key]]
        if "fetched_at" in where:
            params.append((normalize_date(headers.get("warc-refers-to-date")) or "")[:19])
        row = conn.execute(
            f"SELECT warc_file, warc_offset FROM captures WHERE {where} AND "
            "record_type = 'response' AND warc_file IS NOT NULL LIMIT 1", params).fetchone()
        if row is not None:
            return row[0], row[1]
    return None


def archived_page(paths: WarcPaths, conn: sqlite3.Connection, name: str, offset: int) -> Payload:
    """The archived response at (``name``, ``offset``); a revisit gets its original's body.

    Only files the archive's path rule allows are opened (archive/paths.py).
    """
    path = paths.record_path(name, offset)
    headers, _ = _header(path, offset)
    original = None
    if headers.get("warc-type") == "revisit":
        found = find_original(conn, headers)
        if found is None:
            raise WarcReadError(f"{name}@{offset} is a revisit whose original is not in the archive")
        original = _ref(paths.record_path(found[0], found[1]), found[1])
    payload = load_ref(_ref(path, offset, original))
    if payload.truncated:
        logger.warning("presskeep: serve: %s@%d: body cut at %d bytes (decompression bomb or "
                       "oversized record)", name, offset, len(payload.body))
    if payload.problem:
        logger.warning("presskeep: serve: %s@%d: %s; served as archived", name, offset,
                       payload.problem)
    return payload
