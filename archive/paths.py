"""WARC file names: how presskeep names its files, and which files a row's ``warc_file`` may
open (the rule ``serve`` and ``check`` follow).

presskeep's WARC files end in :data:`WARC_SUFFIX`, with :data:`OPEN_SUFFIX` after it while
they are being written; every part of a name made from a host, prefix or worker id goes
through :func:`safe_name`.

A database can come from elsewhere (a worker's shard, a copied archive), so a
row's ``warc_file`` is not trusted as a path. It is opened only when

- it is relative, has no ``..`` part, and resolved (symlinks followed) stays
  inside the archive directory, or inside ``warc/`` where that is a symlink to
  another disk; or
- it is absolute and a ``replay`` run of this archive registered it: replay
  leaves WARCs outside the archive where they are and names them absolutely
  (crawler/replay.py ``warc_file_name``), and its run row lists them;

(a WARC inside a WACZ, ``x.wacz#archive/NAME``, by its WACZ's path: archive/containers.py)
and, either way, the file begins with a WARC record (or an ARC file header),
and for a WARC the bytes at the row's offset begin a record too. Anything else
raises :class:`WarcPathError`: ``serve`` answers 404, ``check`` reports it.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import zlib
from pathlib import Path, PurePosixPath

from archive.containers import OPEN_ERRORS, member_name, member_parts, open_source, \
    source_exists
from archive.errors import WarcPathError

WARC_MAGIC = b"WARC/"
ARC_MAGIC = b"filedesc://"
GZIP_MAGIC = b"\x1f\x8b"
#: a closed WARC file of presskeep's, and the suffix it has while it is being written
WARC_SUFFIX = ".warc.gz"
OPEN_SUFFIX = ".open"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def safe_name(text: str) -> str:
    """A file-name fragment that no URL or host name can turn into a path."""
    return _UNSAFE.sub("_", text).strip("._")[:64] or "x"


def is_plain_relative(name: str) -> bool:
    """``name`` is a relative path with no ``..``, empty or NUL part (``warc/x.warc.gz``)."""
    if not name or "\x00" in name or "\\" in name:
        return False
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and str(path) not in ("", ".")


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def replayed_files(conn: sqlite3.Connection) -> list[str]:
    """The WARC paths ``replay`` runs of this archive were given (as their run rows list them)."""
    found: list[str] = []
    for (args,) in conn.execute("SELECT args FROM runs WHERE command = 'replay'"):
        try:
            warcs = json.loads(args or "{}").get("warcs") or []
        except (ValueError, AttributeError):
            continue
        found += [w for w in warcs if isinstance(w, str)]
    return found


def _tail(listed: str) -> str:
    """How an older replay run's relative path (as typed) matches: by its trailing parts."""
    if os.path.isabs(listed):
        return ""
    parts = [p for p in PurePosixPath(listed).parts if p not in ("..", ".")]
    return "/" + "/".join(parts) if parts else ""


class WarcPaths:
    """The rule for one archive: :meth:`path` turns a row's ``warc_file`` into a file to open."""

    def __init__(self, root: str | os.PathLike, replayed: list[str] = ()) -> None:
        self.root = Path(root)
        self.absolute = {os.path.normpath(w) for w in replayed if os.path.isabs(w)}
        self.tails = {t for t in map(_tail, replayed) if t}

    @classmethod
    def of(cls, root: str | os.PathLike, conn: sqlite3.Connection) -> "WarcPaths":
        return cls(root, replayed_files(conn))

    def registered(self, name: str) -> bool:
        norm = os.path.normpath(name)
        return norm in self.absolute or any(norm.endswith(tail) for tail in self.tails)

    def path(self, name: str) -> Path:
        """The file ``name`` (a row's ``warc_file``) stands for, if the rule lets it be opened.
        A WARC inside a WACZ is judged by its WACZ's path (symlinks followed)."""
        parts = member_parts(name)
        if parts is not None and not (os.path.isabs(name) and self.registered(name)):
            return Path(member_name(self.path(parts[0]), parts[1]))
        if os.path.isabs(name) and "\x00" not in name:
            if not self.registered(name):
                raise WarcPathError(f"{name}: outside the archive and not a WARC a replay "
                                    "of this archive registered: not opened")
            return Path(name)
        if not is_plain_relative(name):
            raise WarcPathError(f"{name!r}: not a path inside the archive: not opened")
        path = (self.root / name).resolve()
        folders = [self.root.resolve()]
        if PurePosixPath(name).parts[0] == "warc":
            folders.append((self.root / "warc").resolve())  # warc/ may be a symlink elsewhere
        if not any(_inside(path, f) for f in folders):
            raise WarcPathError(f"{name}: resolves outside the archive ({path}): not opened")
        return path

    def record_path(self, name: str, offset: int | None) -> Path:
        """:meth:`path`, and the file is a WARC (or ARC) with a record at ``offset``."""
        path = self.path(name)
        if not begins_record(path, offset or 0):
            raise WarcPathError(f"{name}: no WARC record at offset {offset or 0}: not opened")
        return path


def _head(fh, offset: int, size: int = 32) -> bytes:
    """The first ``size`` bytes at ``offset``, gunzipped when a gzip member starts there."""
    fh.seek(offset)
    data = fh.read(4096)
    if not data.startswith(GZIP_MAGIC):
        return data[:size]
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, size)
    except zlib.error:
        return b""


def begins_record(path: str | os.PathLike, offset: int = 0) -> bool:
    """``path`` is a regular file (or a WARC inside a WACZ that is one) that starts as a WARC
    or ARC file, with a record at ``offset``."""
    if not 0 <= offset < 1 << 62:
        return False
    try:
        if not source_exists(path):
            return False
        with open_source(path) as fh:
            first = _head(fh, 0)
            if first.startswith(ARC_MAGIC):
                return True  # ARC records start with a URL line; warcio parses them
            return first.startswith(WARC_MAGIC) and (offset == 0 or
                                                     _head(fh, offset).startswith(WARC_MAGIC))
    except (*OPEN_ERRORS, OverflowError):
        return False
