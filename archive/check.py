"""Verify an archive directory: every WARC's digests, and every row's pointer into the WARC.

:func:`check_archive` reads each WARC or ARC file of ``warc/`` (``.warc``, ``.warc.gz``,
``.arc``, ``.arc.gz``) once with digest checking on (what ``warcio check`` does), past any
damage (each unreadable stretch is a problem), remembers where each record starts, then
checks every ``captures`` and ``articles`` row that names a WARC file: the
file exists, a record starts at ``warc_offset``, its ``WARC-Record-ID`` is the
row's, and its length is the row's. Files still named ``*.open`` are reported
(a crawl is running, or one crashed and was never restarted). A row whose file
the path rule (archive/paths.py) does not allow is reported and never opened.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from archive.db import DB_NAME, connect_for_reading
from archive.errors import DatabaseError, WarcPathError
from archive.containers import ARCHIVE_SUFFIXES, expand_inputs, source_exists
from archive.errors import WarcReadError
from archive.paths import OPEN_SUFFIX, WarcPaths, begins_record
from archive.reader import NOTED, BadSpot, open_warc, tolerant_records
from archive.reader.damage import DIGEST, collapsed

_ROW_SQL = ("SELECT '{table}' AS tbl, id, url, warc_file, warc_offset, warc_length, warc_record_id "
            "FROM {table} WHERE warc_file IS NOT NULL")


@dataclass
class Report:
    """What :func:`check_archive` found; ``ok`` when ``problems`` is empty."""

    files: int = 0
    records: int = 0
    rows: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # format slips warcio reads past: not problems

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Record:
    record_id: str
    length: int


def _problem(name: str, spot: BadSpot) -> str:
    if spot.record_id:
        return f"{name}: offset {spot.offset} {spot.record_id}: {spot.reason}"
    return str(spot).replace(spot.path, name, 1)


def scan_warc(path: Path, report: Report, name: str | None = None) -> dict[int, _Record]:
    """offset → record for every record of ``path`` (a file, or a WARC inside a WACZ); digest
    failures and unreadable stretches go to ``report``, named ``name`` (default: the file's
    name). Digests are over the payload as archived: it is read in bounded pieces, never
    decoded."""
    name = name or path.name
    found: dict[int, _Record] = {}
    bad: list[BadSpot] = []
    try:
        with open_warc(path) as warc:
            for placed in tolerant_records(warc, bad, check_digests=True):
                rec_id = placed.record.rec_headers.get_header("WARC-Record-ID") or ""
                found[placed.offset] = _Record(rec_id, placed.length)
    except WarcReadError as exc:
        report.problems.append(str(exc).replace(str(path), name, 1))
    for spot in collapsed(bad):
        slip = spot.kind == NOTED and spot.cause != DIGEST
        (report.notes if slip else report.problems).append(_problem(name, spot))
    report.records += len(found)
    return found


def check_files(paths: list[str | os.PathLike]) -> Report:
    """Check the digests and readability of the WARC, ARC and WACZ files ``paths`` name
    (directories: the archive files in them), with no database."""
    report = Report()
    for source in expand_inputs(paths):
        report.files += 1
        scan_warc(Path(source), report, name=source)
    return report


def _check_row(row: dict, records: dict[int, _Record] | str | None, report: Report) -> None:
    where = f"{row['tbl']} row {row['id']} ({row['url']})"
    if isinstance(records, str):  # refused by the path rule
        report.problems.append(f"{where}: {records}")
        return
    if records is None:
        report.problems.append(f"{where}: {row['warc_file']} does not exist")
        return
    rec = records.get(row["warc_offset"])
    if rec is None:
        report.problems.append(f"{where}: no record at {row['warc_file']} offset {row['warc_offset']}")
    elif rec.record_id != row["warc_record_id"]:
        report.problems.append(f"{where}: record at offset {row['warc_offset']} is {rec.record_id}, "
                               f"not {row['warc_record_id']}")
    elif row["warc_length"] is not None and rec.length != row["warc_length"]:
        report.problems.append(f"{where}: record length {rec.length}, row says {row['warc_length']}")


def check_archive(out: str | os.PathLike) -> Report:
    """Check every WARC under ``out/warc`` and every row of ``out/presskeep.db``."""
    root = Path(out)
    if not (root / DB_NAME).exists() and not (root / "warc").is_dir():
        raise DatabaseError(f"{root} is not a presskeep archive (no {DB_NAME}, no warc/)")
    report = Report()
    scanned: dict[str, dict[int, _Record]] = {}
    warc_dir = root / "warc"
    files = sorted(warc_dir.iterdir()) if warc_dir.is_dir() else []
    for path in files:
        if path.name.lower().endswith(ARCHIVE_SUFFIXES):
            scanned[f"warc/{path.name}"] = _scan_inside(root, path, report)
    for path in (p for p in files if p.name.endswith(OPEN_SUFFIX)):
        report.problems.append(f"{path.name}: still open (a crawl is running or crashed; the "
                               "next crawl into this directory finishes it)")
    if (root / DB_NAME).exists():
        _check_rows(root, scanned, report)
    return report


def _scan_inside(root: Path, path: Path, report: Report) -> dict[int, _Record] | str:
    """Scan a file of ``warc/`` unless it is a symlink out of the archive (then: why not)."""
    try:
        WarcPaths(root).path(f"warc/{path.name}")
    except WarcPathError as exc:
        report.problems.append(str(exc))
        return str(exc)
    report.files += 1
    return scan_warc(path, report)


def _check_rows(root: Path, scanned: dict[str, dict[int, _Record]], report: Report) -> None:
    db = connect_for_reading(root / DB_NAME)  # read-only media too
    try:
        paths = WarcPaths.of(root, db.conn)
        for table in ("captures", "articles"):
            cursor = db.execute(_ROW_SQL.format(table=table))
            names = [c[0] for c in cursor.description]
            for values in cursor:
                row = dict(zip(names, values))
                report.rows += 1
                _check_row(row, _records_for(paths, row["warc_file"], scanned, report), report)
    finally:
        db.conn.close()


def _records_for(paths: WarcPaths, name: str, scanned: dict, report: Report):
    """Records of a file a row names, scanned on first use (a file still open counts).

    A string instead when the path rule refuses the file: why it was not opened.
    """
    if name not in scanned:
        try:
            path = paths.path(name)
        except WarcPathError as exc:
            scanned[name] = str(exc)
            return scanned[name]
        if not source_exists(path):
            path = path.with_name(path.name + OPEN_SUFFIX)
        if source_exists(path) and not begins_record(path):
            scanned[name] = f"{name}: not a WARC file: not opened"
        else:
            scanned[name] = scan_warc(path, report) if source_exists(path) else None
    return scanned[name]
