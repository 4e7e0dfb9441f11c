"""Taking back an empty archive a command created (a crawl whose only seed was unreachable).

:func:`snapshot` notes what the archive directory held before the command;
:func:`remove_created` removes, afterwards, only what appeared since and holds nothing
archived: the database (when no row points at a WARC record), ``warc/`` when it holds
nothing or only WARC files with nothing but a warcinfo record, ``job/``, the lock file,
and the directory itself (and the parents made for it) when it was created and is left
empty. Whatever was there before is never touched.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from archive.db import DB_NAME
from archive.lock import LOCK_FILE
from archive.paths import WARC_SUFFIX

_DB_FILES = (DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm")


@dataclass(frozen=True)
class Snapshot:
    """What ``root`` held before a command ran."""

    root: Path
    entries: frozenset[str]
    made: list[Path] = field(default_factory=list)  # root and the parents it lacked


def snapshot(root: str | os.PathLike) -> Snapshot:
    root = Path(root)
    made = []
    missing = root
    while not missing.exists() and missing != missing.parent:
        made.append(missing)
        missing = missing.parent
    entries = frozenset(os.listdir(root)) if root.is_dir() else frozenset()
    return Snapshot(root, entries, made)


def remove_created(before: Snapshot) -> list[str]:
    """Remove what the command created in ``before.root`` holding nothing archived.

    Returns the names removed (``[]`` when anything archived is there, or nothing new).
    """
    root = before.root

    def new(name: str) -> bool:
        return name not in before.entries and os.path.lexists(root / name)

    if new(DB_NAME) and not _db_is_empty(root / DB_NAME):
        return []
    if new("warc") and not _warc_is_empty(root / "warc"):
        return []
    removed = [name for name in (*_DB_FILES, "warc", "job", LOCK_FILE) if new(name)]
    for name in removed:
        path = root / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    for made in before.made:  # deepest first
        try:
            made.rmdir()
        except OSError:  # not empty: someone else put something there
            break
    return removed


def _db_is_empty(path: Path) -> bool:
    """True when no captures or articles row points at a WARC record."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return not conn.execute(
                "SELECT 1 FROM captures WHERE warc_file IS NOT NULL UNION ALL "
                "SELECT 1 FROM articles LIMIT 1").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def _warc_is_empty(directory: Path) -> bool:
    """True when ``directory`` holds no file but WARCs of a single warcinfo record."""
    from warcio.archiveiterator import ArchiveIterator

    for path in directory.iterdir():
        if not path.name.endswith(WARC_SUFFIX) or not path.is_file():
            return False
        with open(path, "rb") as fh:
            try:
                if any(r.rec_type != "warcinfo" for r in ArchiveIterator(fh)):
                    return False
            except Exception:  # noqa: BLE001 - unreadable: not ours to remove
                return False
    return True
