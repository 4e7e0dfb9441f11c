"""The archive lock: one writing command at a time in an archive directory.

Every command that writes into ``OUT`` (crawl, replay, reclean, merge) holds an
exclusive ``fcntl.flock`` on ``OUT/crawl.lock`` (``OUT/crawl-WORKER.lock`` for the
shard of a distributed worker or a ``crawl --processes`` part) while it runs, and
writes its holder into the file: one JSON line, pid, command and start time. A second
writer is refused with :class:`ArchiveBusy`, which names the holder. Released, the
file is emptied; a file that still names a holder although nobody holds the flock was
left by a process that died (SIGKILL, power loss): the lock is taken over and said so
in one log line. Reading commands (check, export, index, wacz, serve, extract) never
take it: they work beside a live crawl.

The lock is re-entrant within one process: the CLI takes it before the crawl starts,
and the crawl's archive session, which finishes WARC files left ``.open`` by a crash,
finds it held. Recovery also skips any ``.open`` file whose writer still holds its
own flock on it (archive/warc.py), so a live writer's file is never touched.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Iterator

from archive.errors import ArchiveBusy, ArchiveError, ReadOnlyArchive
from archive.paths import safe_name

logger = logging.getLogger("presskeep.lock")

LOCK_FILE = "crawl.lock"
#: errors that mean "this place cannot be written", whoever we are
_READ_ONLY = (errno.EROFS, errno.EACCES, errno.EPERM)
#: lock files this process holds: path -> [open file, depth]
_HELD: dict[str, list] = {}


@dataclass(frozen=True)
class Holder:
    """Who holds (or last held) an archive's lock."""

    pid: int | None
    command: str
    since: str | None = None

    def describe(self) -> str:
        pid = f"pid {self.pid}" if self.pid else "pid unknown"
        when = f" since {_clock(self.since)}" if self.since else ""
        return f"`presskeep {self.command}` ({pid}){when}"


def _clock(iso: str) -> str:
    """``10:02:11`` today, ``2026-12-01 10:02:11`` another day."""
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if when.date() == datetime.now(when.tzinfo).date():
        return when.strftime("%H:%M:%S")
    return when.strftime("%Y-%m-%d %H:%M:%S")


def lock_path(root: str | os.PathLike, worker: str = "") -> Path:
    """``ROOT/crawl.lock``, or ``ROOT/crawl-WORKER.lock`` for one worker's shard."""
    return Path(root) / (f"crawl-{safe_name(worker)}.lock" if worker else LOCK_FILE)


def read_holder(path: str | os.PathLike) -> Holder | None:
    """The holder a lock file names; None when it is empty (released) or missing."""
    try:
        text = Path(path).read_text().strip()
    except OSError:
        return None
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        data = text
    if isinstance(data, int):  # an older presskeep wrote the bare pid of a crawl
        return Holder(data, "crawl")
    if not isinstance(data, dict):
        return Holder(None, "?")
    pid = data.get("pid")
    return Holder(pid if isinstance(pid, int) else None, str(data.get("command") or "?"),
                  data.get("since"))


def writable(path: str | os.PathLike) -> bool:
    """False when ``path`` exists and this process may not write it (read-only media, mode)."""
    return not os.path.exists(path) or os.access(path, os.W_OK)


def ensure_writable(root: str | os.PathLike) -> None:
    """Raise :class:`ReadOnlyArchive` when the archive at ``root`` cannot be written."""
    from archive.db import DB_NAME

    root = Path(root)
    if not all(writable(p) for p in (root, root / DB_NAME, root / "warc")):
        raise ReadOnlyArchive(f"read-only archive: {root}")


def _open_lock_file(root: Path, path: Path) -> IO[str]:
    ensure_writable(root)
    try:
        root.mkdir(parents=True, exist_ok=True)
        return open(path, "a+")
    except OSError as exc:
        if exc.errno in _READ_ONLY and root.is_dir():
            raise ReadOnlyArchive(f"read-only archive: {root}") from exc
        raise ArchiveError(f"cannot create {path}: {exc.strerror or exc}") from exc


def _take(fh: IO[str], root: Path, path: Path, command: str) -> None:
    """flock ``fh`` or raise ArchiveBusy; then write this process in as the holder."""
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = read_holder(path) or Holder(None, "?")
        raise ArchiveBusy(f"{root} is in use by {holder.describe()}; wait for it or stop it") \
            from None
    stale = read_holder(path)
    if stale is not None:
        logger.warning("presskeep: took over the lock of %s: %s never released it "
                       "(killed or crashed)", root, stale.describe())
    fh.seek(0)
    fh.truncate()
    fh.write(json.dumps({"pid": os.getpid(), "command": command,
                         "since": datetime.now().astimezone().isoformat(timespec="seconds")}))
    fh.flush()


@contextmanager
def archive_lock(root: str | os.PathLike, command: str, worker: str = "") -> Iterator[Path]:
    """Hold ``root``'s lock for the duration (re-entrant in one process).

    Raises :class:`ArchiveBusy` (exit code 3) when another process holds it and
    :class:`ReadOnlyArchive` when the archive cannot be written.
    """
    root = Path(root)
    path = lock_path(root, worker)
    key = os.path.abspath(path)
    if key in _HELD:
        _HELD[key][1] += 1
        try:
            yield path
        finally:
            _HELD[key][1] -= 1
        return
    fh = _open_lock_file(root, path)
    try:
        _take(fh, root, path, command)
        _HELD[key] = [fh, 1]
        try:
            yield path
        finally:
            del _HELD[key]
            fh.seek(0)
            fh.truncate()  # released: an empty file names no holder
    finally:
        fh.close()


def holds(root: str | os.PathLike, worker: str = "") -> bool:
    """True when this process holds ``root``'s lock."""
    return os.path.abspath(lock_path(root, worker)) in _HELD


def hold_flock(fh: IO) -> bool:
    """Take an exclusive flock on ``fh`` now; False when another process holds one, or the
    file was removed before we got it."""
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return os.fstat(fh.fileno()).st_nlink > 0
