"""Output files that never clobber: how `export`, `index` and `wacz` write their ``-o FILE``.

A target is checked before any work starts and refused (``OutputRefused``, one line) when it
already exists (unless ``force``), is one of an archive's own files (even with ``force``), is
a symbolic link, or is not a regular file (a directory, a device such as /dev/full, a FIFO, a
socket). Content goes to a hidden temporary file in the target's directory (same filesystem),
is fsynced, and is published only when complete: without ``force`` by a hard link, which fails
if the name appeared meanwhile; with ``force`` by an atomic rename, which replaces a name and
never writes through it. Any failure removes the temporary files and leaves the targets as
they were.

    with output_file("articles.csv", archive="data") as tmp:
        write_everything(tmp)  # published as articles.csv only if this returns
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Iterator

from archive.db import DB_NAME
from archive.errors import OutputError, OutputRefused

#: an archive's own files: its database and SQLite's companions, its lock files (``*.lock``
#: in the archive directory) and everything under these directories (symlinks followed)
DB_FILES = tuple(DB_NAME + suffix for suffix in ("", "-wal", "-shm", "-journal"))
ARCHIVE_DIRS = ("warc", "shards", "job")
#: os.link fails with these where a filesystem has no hard links: publish by rename instead
_NO_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.ENOSYS}

PathLike = str | os.PathLike


def check_target(target: PathLike, *, force: bool = False, archive: PathLike | None = None,
                 parents: bool = False) -> Path:
    """``target`` as a Path if it may be written; else OutputRefused / OutputError (one line)."""
    target = Path(target)
    real = os.path.realpath(target)  # what a symlink points at
    entry = os.path.join(os.path.realpath(target.parent), target.name)  # the name itself
    roots = _archive_roots(archive, real, entry)
    for root in roots:
        if _owned_by(real, root) or _owned_by(entry, root):
            raise _refused_own(target, root)
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        _check_directory(target, parents)
        return target
    except OSError as exc:  # a parent that is a file, a path too long
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from exc
    if stat.S_ISLNK(st.st_mode):
        raise OutputRefused(f"{target} is a symbolic link; give the path of a regular file "
                            "(links are never written through or replaced)")
    if stat.S_ISDIR(st.st_mode):
        raise OutputRefused(f"{target} is a directory; give a file name")
    if not stat.S_ISREG(st.st_mode):
        raise OutputRefused(f"{target} is not a regular file (a device, FIFO or socket); "
                            "give the path of a regular file")
    root = _hard_linked(st, roots)
    if root is not None:
        raise _refused_own(target, root)
    if not force:
        raise OutputRefused(f"{target} exists (use --force to replace it)")
    _check_directory(target, parents)
    return target


def _refused_own(target: Path, root: Path) -> OutputRefused:
    return OutputRefused(f"{target} is one of the archive's own files (archive {root}); "
                         "it is never written over, even with --force")


def _check_directory(target: Path, parents: bool) -> None:
    parent = target.parent
    if not parent.is_dir():
        if parents and not parent.exists():
            return  # created on write
        raise OutputError(f"cannot write {target}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {target}: directory {parent} is not writable")


def _archive_roots(archive: PathLike | None, *paths: str) -> list[Path]:
    """The archive given, and every directory above ``paths`` that holds a presskeep.db."""
    roots = [Path(archive)] if archive is not None else []
    for path in paths:
        roots += [p for p in Path(path).parents if (p / DB_NAME).exists() and p not in roots]
    return roots


def _owned_by(path: str, root: Path) -> bool:
    """Whether the real ``path`` is one of the archive ``root``'s own files."""
    top = os.path.realpath(root)
    parent, name = os.path.split(path)
    if parent == top and (name in DB_FILES or name.endswith(".lock")):
        return True
    for sub in ARCHIVE_DIRS:
        real = os.path.realpath(os.path.join(root, sub))  # OUT/warc may link to another disk
        if path == real or path.startswith(real + os.sep):
            return True
    return False


def _own_files(root: Path) -> Iterator[str]:
    yield from (os.path.join(root, name) for name in DB_FILES)
    with suppress(OSError):
        yield from (e.path for e in os.scandir(root) if e.name.endswith(".lock"))
    for sub in ARCHIVE_DIRS:
        for top, _, names in os.walk(os.path.join(root, sub)):
            yield from (os.path.join(top, name) for name in names)


def _hard_linked(st: os.stat_result, roots: list[Path]) -> Path | None:
    """The archive one of whose files ``st`` is another name (hard link) of, if any."""
    if st.st_nlink < 2:
        return None
    for root in roots:
        for path in _own_files(root):
            with suppress(OSError):
                if os.path.samestat(st, os.stat(path)):
                    return root
    return None


class OutputFiles:
    """Targets written under temporary names and published together by ``commit()``.

    ``add(target)`` checks the target and returns the temporary file (empty, in the target's
    directory) to write to; ``abort()`` removes every temporary file. As a context manager it
    commits on success and aborts on any exception.
    """

    def __init__(self, *, force: bool = False, archive: PathLike | None = None,
                 parents: bool = False) -> None:
        self.force, self.archive, self.parents = force, archive, parents
        self.pending: list[tuple[Path, Path]] = []  # (temporary file, target)

    def check(self, target: PathLike) -> Path:
        return check_target(target, force=self.force, archive=self.archive, parents=self.parents)

    def add(self, target: PathLike) -> Path:
        target = self.check(target)
        try:
            if self.parents:
                target.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part",
                                        dir=target.parent)
        except OSError as exc:
            raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from exc
        os.close(fd)
        temp = Path(name)
        os.chmod(temp, 0o666 & ~_umask())  # as open() would create it, not mkstemp's 0600
        self.pending.append((temp, target))
        return temp

    def commit(self) -> list[Path]:
        """fsync every temporary file, publish each under its target name, return the targets."""
        published: list[Path] = []
        current = None
        try:
            for temp, target in self.pending:
                current = target
                _fsync(temp)
            for temp, current in self.pending:
                self._publish(temp, current)
                published.append(current)
        except BaseException as exc:
            if not self.force:  # those names did not exist before: take them back
                for target in published:
                    target.unlink(missing_ok=True)
            self.abort()
            if isinstance(exc, OSError):
                raise OutputError(f"cannot write {current}: {exc.strerror or exc}") from exc
            raise
        for directory in {target.parent for target in published}:
            _fsync(directory, directory=True)
        self.pending = []
        return published

    def _publish(self, temp: Path, target: Path) -> None:
        if not self.force:
            try:
                os.link(temp, target)  # fails if the name appeared since the check
            except FileExistsError:
                raise OutputRefused(f"{target} exists (use --force to replace it)") from None
            except OSError as exc:
                if exc.errno not in _NO_LINKS:
                    raise
            else:
                os.unlink(temp)
                return
        self.check(target)  # again: it may have turned into a link or a device meanwhile
        os.replace(temp, target)

    def abort(self) -> None:
        for temp, _ in self.pending:
            with suppress(OSError):
                temp.unlink(missing_ok=True)
        self.pending = []

    def __enter__(self) -> OutputFiles:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


@contextmanager
def output_file(target: PathLike, *, force: bool = False, archive: PathLike | None = None,
                parents: bool = False) -> Iterator[Path]:
    """A temporary file to write ``target``'s content to; published when the block succeeds."""
    with OutputFiles(force=force, archive=archive, parents=parents) as files:
        yield files.add(target)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync(path: Path, directory: bool = False) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    except OSError:
        if directory:
            return
        raise
    try:
        os.fsync(fd)
    except OSError:
        if not directory:  # some filesystems cannot fsync a directory: nothing lost
            raise
    finally:
        os.close(fd)
