"""Named errors raised by the archive library; the CLI turns them into one-line messages."""


class ArchiveError(Exception):
    """Base class for every error the archive layer raises on purpose."""

    #: the exit code of a command that ends with this error
    exit_code = 1


class ArchiveBusy(ArchiveError):
    """Another process holds the archive's lock (archive/lock.py)."""

    exit_code = 3


class ReadOnlyArchive(ArchiveError):
    """A writing command was pointed at an archive it cannot write (read-only media, mode)."""


class WarcWriteError(ArchiveError):
    """A WARC record could not be written: the crawl must stop."""


class WarcReadError(ArchiveError):
    """A WARC file is unreadable (missing, not a WARC, or corrupt at an offset)."""


class DatabaseError(ArchiveError):
    """The SQLite database is unusable: locked, corrupt, or from a newer presskeep."""


class DatabaseWriteError(DatabaseError):
    """A batch of rows could not be committed (disk full, ...): the rows are kept in memory."""


class ExportError(ArchiveError):
    """An export cannot run or finish: bad options, no archive, nothing matched, unwritable."""


class OutputError(ArchiveError):
    """An output file cannot be written: its directory is missing or unwritable, the disk is full."""


class OutputRefused(OutputError):
    """An output target is refused: it exists (no --force), is the archive's own file, a symbolic
    link, a directory or a device. A usage error: exit code 2."""

    exit_code = 2


class MergeError(ArchiveError):
    """Shards cannot be merged: none found, unfinished WARC files, or a clashing WARC name."""


class WarcPathError(ArchiveError):
    """A row names a WARC file outside the archive, or a file that is not a WARC: not opened."""


class NotAnArchive(WarcReadError):
    """A file holds no WARC or ARC records at all (an HTML page named .warc.gz, a zip)."""
