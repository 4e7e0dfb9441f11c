"""Merge the shards of a distributed crawl (one per worker) into one archive.

A shard is a directory with ``presskeep.db`` and ``warc/``, as one worker of
``presskeep crawl --redis`` writes it under ``OUT/shards/<worker id>/``. Its
WARC files are hard-linked (copied across file systems) into ``OUT/warc/``
under the same names, which carry host, worker id and pid, so every
``warc_file`` value (``warc/NAME``) stays right relative to ``OUT``.

A shard's database is not trusted as a list of paths: only regular files (not
symlinks) in its ``warc/`` are linked, and a row is copied only when its
``warc_file`` is empty or ``warc/NAME`` for one of those files. Other rows
(``/etc/passwd``, ``../../x``, a symlink out of the shard, a replay's absolute
path) are skipped and counted, one log line per shard and table.

Duplicates are resolved as rows arrive and once more at the end:
- the same row merged twice (same WARC record id, or same run) is skipped, so
  merging again after more shards appeared is safe;
- responses with the same URL and payload digest keep the earliest capture;
- article rows of one URL are ordered by fetch time, a row whose text equals
  the row before it is dropped, and versions are renumbered 1..n;
- a site (learned boilerplate model) present in several shards is combined
  by ``merge_models`` (the CLI passes SiteModel.merge: counts are summed) or,
  without it, keeps the row with most pages. Sites are merged only from a
  shard with runs not merged before, so merging again never counts twice.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from archive.db import DB_NAME, connect
from archive.errors import MergeError
from archive.recovery import finish_open_files, open_warc_files
from archive.paths import WARC_SUFFIX, safe_name
from archive.sqlitelib import sqlite_utils

logger = logging.getLogger(__name__)


def shard_dir(out: str | Path, worker: str) -> Path:
    """Where one worker writes: ``OUT/shards/<worker id>/`` (``warc/`` and ``presskeep.db``)."""
    return Path(out) / "shards" / safe_name(worker)  # "../x" stays inside OUT/shards

#: merge_models(models JSON, pages per model) -> merged model JSON
ModelMerger = Callable[[list[str], list[int]], str]


@dataclass
class MergeReport:
    shards: list[str] = field(default_factory=list)
    warc_files: int = 0
    runs: int = 0
    captures: int = 0
    articles: int = 0
    sites: int = 0
    duplicate_captures: int = 0
    duplicate_articles: int = 0
    skipped_files: list[str] = field(default_factory=list)  # symlinks, non-regular files
    skipped_rows: list[str] = field(default_factory=list)  # one line per shard and table


def find_shards(paths: Iterable[str | os.PathLike], out: str | os.PathLike) -> list[Path]:
    """Every shard under ``paths`` (a shard itself, or a directory holding shards), not ``out``."""
    out_db = (Path(out) / DB_NAME).resolve()
    found: list[Path] = []
    for path in map(Path, paths):
        if not path.is_dir():
            raise MergeError(f"not a directory: {path}")
        dbs = [path / DB_NAME] if (path / DB_NAME).exists() else sorted(path.rglob(DB_NAME))
        shards = [db.parent for db in dbs if db.resolve() != out_db]
        if not shards:
            raise MergeError(f"no shard (a directory with {DB_NAME}) under {path}")
        found += [s for s in shards if s not in found]
    return found


def check_finished(shard: Path, recover: bool) -> None:
    """Unfinished WARC files mean a worker is still writing, or crashed."""
    pending = open_warc_files(shard / "warc")
    if pending and recover:
        finish_open_files(shard / "warc")  # skips a file a live writer holds
        pending = open_warc_files(shard / "warc")
        if pending:
            raise MergeError(f"{shard}: {pending[0].name} is being written by a live process; "
                             "wait for its worker to finish")
    elif pending:
        raise MergeError(
            f"{shard} has unfinished WARC files ({pending[0].name}...): its worker is still "
            f"running or was killed; wait for it, or merge with --recover once it is gone")


def shard_warcs(shard: Path, report: MergeReport) -> list[Path]:
    """The shard's WARC files that may be merged: regular files, not symlinks."""
    found = []
    for src in sorted((shard / "warc").glob("*" + WARC_SUFFIX)):
        if src.is_symlink() or not src.is_file():
            report.skipped_files.append(f"{src}: not a regular file (a symlink?): not merged")
            logger.info("presskeep: merge: %s is not a regular file: not merged", src)
            continue
        found.append(src)
    return found


def link_warcs(shard: Path, out: Path, report: MergeReport | None = None) -> int:
    """Hard-link (or copy) the shard's WARC files into OUT/warc/; returns how many were new."""
    target = out / "warc"
    target.mkdir(parents=True, exist_ok=True)
    added = 0
    for src in shard_warcs(shard, report or MergeReport()):
        dst = target / src.name
        if dst.exists():
            if dst.stat().st_size != src.stat().st_size:
                raise MergeError(f"{dst} exists with other content than {src}")
            continue
        try:
            os.link(src, dst, follow_symlinks=False)
        except OSError:
            shutil.copy2(src, dst)
        added += 1
    return added


def _columns(db: sqlite_utils.Database, table: str, schema: str) -> list[str]:
    rows = db.execute(f"PRAGMA {schema}.table_info({table})").fetchall()
    return [r[1] for r in rows]


def _shared_columns(db: sqlite_utils.Database, table: str) -> list[str]:
    shard = set(_columns(db, table, "shard"))
    return [c for c in _columns(db, table, "main") if c in shard and c != "id"]


def _merge_runs(db: sqlite_utils.Database) -> int:
    """Copy runs not merged before; fill TEMP runmap(old, new)."""
    db.execute("CREATE TEMP TABLE IF NOT EXISTS runmap (old INTEGER PRIMARY KEY, new INTEGER)")
    db.execute("DELETE FROM runmap")
    cols = _shared_columns(db, "runs")
    added = 0
    for row in db.execute(f"SELECT id, {', '.join(cols)} FROM shard.runs").fetchall():
        values = dict(zip(cols, row[1:]))
        found = db.execute("SELECT id FROM main.runs WHERE started IS ? AND command IS ? "
                           "AND args IS ?", [values.get("started"), values.get("command"),
                                             values.get("args")]).fetchone()
        if found is None:
            cur = db.execute(f"INSERT INTO main.runs ({', '.join(cols)}) VALUES "
                             f"({', '.join('?' for _ in cols)})", list(values.values()))
            found = (cur.lastrowid,)
            added += 1
        db.execute("INSERT INTO runmap VALUES (?, ?)", [row[0], found[0]])
    return added


def _copy_rows(db: sqlite_utils.Database, table: str) -> int:
    """Rows of shard.``table`` not merged before (same WARC record id, or same error line)."""
    cols = [c for c in _shared_columns(db, table) if c != "run_id"]
    names = ", ".join(cols + ["run_id"])
    picks = ", ".join([f"s.{c}" for c in cols] + ["(SELECT new FROM runmap WHERE old = s.run_id)"])
    # the record ids already merged are looked up in one list SQLite builds once (an
    # uncorrelated IN), not by scanning the table for every row: warc_record_id has no index
    new_record = (f"s.warc_record_id NOT IN (SELECT warc_record_id FROM main.{table} "
                  f"WHERE warc_record_id IS NOT NULL)")
    if table == "articles":
        new = f"s.warc_record_id IS NULL OR {new_record}"
    else:  # an error line has no record: the same URL and fetch time is the same row
        new = (f"CASE WHEN s.warc_record_id IS NULL THEN NOT EXISTS (SELECT 1 FROM "
               f"main.{table} m WHERE m.warc_record_id IS NULL AND m.url IS s.url AND "
               f"m.fetched_at IS s.fetched_at) ELSE {new_record} END")
    cur = db.execute(f"INSERT INTO main.{table} ({names}) SELECT {picks} FROM shard.{table} s "
                     f"WHERE ({new}) AND {_KNOWN_WARC}")
    return cur.rowcount


#: a row may name no WARC, or one of the shard's own files (TEMP shard_warcs, filled per shard)
_KNOWN_WARC = "(s.warc_file IS NULL OR s.warc_file IN (SELECT name FROM temp.shard_warcs))"


def _note_shard_warcs(db: sqlite_utils.Database, names: Iterable[str]) -> None:
    db.execute("CREATE TEMP TABLE IF NOT EXISTS shard_warcs (name TEXT PRIMARY KEY)")
    db.execute("DELETE FROM temp.shard_warcs")
    db.conn.executemany("INSERT OR IGNORE INTO temp.shard_warcs VALUES (?)", [[n] for n in names])


def _skipped_rows(db: sqlite_utils.Database, shard: Path, table: str) -> str | None:
    """One line for the rows of shard.``table`` whose warc_file is not one of the shard's files."""
    count, example = db.execute(f"SELECT count(*), min(s.warc_file) FROM shard.{table} s "
                                f"WHERE NOT {_KNOWN_WARC}").fetchone()
    if not count:
        return None
    line = (f"{shard}: {count} {table} row(s) skipped: their warc_file is not a WARC file "
            f"of the shard (for example {example!r})")
    logger.info("presskeep: merge: %s", line)
    return line


def _merge_sites(db: sqlite_utils.Database, merge_models: ModelMerger | None) -> int:
    merged = 0
    for site, pages, model, updated in db.execute(
            "SELECT site, pages, model, updated FROM shard.sites").fetchall():
        have = db.execute("SELECT pages, model, updated FROM main.sites WHERE site = ?",
                          [site]).fetchone()
        row = {"site": site, "pages": pages, "model": model, "updated": updated}
        if have is not None and merge_models is not None:
            row["model"] = merge_models([have[1], model], [have[0] or 0, pages or 0])
            row["pages"] = (have[0] or 0) + (pages or 0)
            row["updated"] = max(filter(None, [have[2], updated]), default=None)
        elif have is not None and (have[0] or 0) >= (pages or 0):
            continue
        db.execute("INSERT OR REPLACE INTO main.sites (site, pages, model, updated) "
                   "VALUES (:site, :pages, :model, :updated)", row)
        merged += 1
    return merged


def merge_shard(db: sqlite_utils.Database, shard: Path, report: MergeReport,
                merge_models: ModelMerger | None = None) -> None:
    db.execute("ATTACH DATABASE ? AS shard", [str(shard / DB_NAME)])
    try:
        _note_shard_warcs(db, [f"warc/{p.name}" for p in shard_warcs(shard, MergeReport())])
        with db.conn:
            db.execute("BEGIN IMMEDIATE")
            new_runs = _merge_runs(db)
            report.runs += new_runs
            for table in ("captures", "articles"):
                line = _skipped_rows(db, shard, table)
                report.skipped_rows += [line] if line else []
            report.captures += _copy_rows(db, "captures")
            report.articles += _copy_rows(db, "articles")
            if new_runs:  # a shard merged before would count its pages twice
                report.sites += _merge_sites(db, merge_models)
    finally:
        db.execute("DETACH DATABASE shard")


def drop_duplicate_captures(db: sqlite_utils.Database) -> int:
    """Same URL and payload digest fetched more than once (a re-queued request): keep the first."""
    cur = db.execute("""
        DELETE FROM captures WHERE id IN (
          SELECT id FROM (
            SELECT id, ROW_NUMBER() OVER (PARTITION BY url, payload_digest
                                          ORDER BY fetched_at, id) AS n
            FROM captures WHERE record_type = 'response' AND payload_digest IS NOT NULL)
          WHERE n > 1)""")
    return cur.rowcount


def renumber_articles(db: sqlite_utils.Database) -> int:
    """Per URL: order by fetch time, drop a row whose text equals the one before, number 1..n."""
    dropped = 0
    urls = [r[0] for r in db.execute(
        "SELECT url FROM articles GROUP BY url HAVING COUNT(*) > 1 OR MAX(version) > 1")]
    for url in urls:
        rows = db.execute("SELECT id, text_hash FROM articles WHERE url = ? "
                          "ORDER BY fetched_at, id", [url]).fetchall()
        version, last = 0, object()
        for rid, text_hash in rows:
            if text_hash == last:
                db.execute("DELETE FROM articles WHERE id = ?", [rid])
                dropped += 1
                continue
            version, last = version + 1, text_hash
            db.execute("UPDATE articles SET version = ? WHERE id = ?", [version, rid])
    return dropped


def merge(shards: Iterable[str | os.PathLike], out: str | os.PathLike, *, recover: bool = False,
          merge_models: ModelMerger | None = None) -> MergeReport:
    """Merge every shard found under ``shards`` into the archive at ``out``."""
    out = Path(out)
    found = find_shards(shards, out)
    for shard in found:
        check_finished(shard, recover)
    out.mkdir(parents=True, exist_ok=True)
    db = connect(out / DB_NAME)
    report = MergeReport()
    try:
        for shard in found:
            report.warc_files += link_warcs(shard, out, report)
            merge_shard(db, shard, report, merge_models)
            report.shards.append(str(shard))
            logger.info("presskeep: merged shard %s", shard)
        with db.conn:
            db.execute("BEGIN IMMEDIATE")
            report.duplicate_captures = drop_duplicate_captures(db)
            report.duplicate_articles = renumber_articles(db)
    except sqlite3.DatabaseError as exc:
        raise MergeError(f"cannot merge into {out / DB_NAME}: {exc}") from exc
    finally:
        db.conn.close()
    return report


__all__ = ["MergeReport", "find_shards", "merge"]
