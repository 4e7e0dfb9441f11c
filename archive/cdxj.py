"""CDXJ indexes of the archive's WARC files (cdxj-indexer, the format pywb and WACZ use)."""

from __future__ import annotations

import io
import logging
import os
from contextlib import redirect_stdout
from pathlib import Path
from typing import Iterable

from warcio.exceptions import ArchiveLoadFailed

from archive.errors import ArchiveError
from archive.output import output_file

logger = logging.getLogger(__name__)

WARC_SUFFIXES = (".warc.gz", ".warc", ".arc.gz", ".arc")
INDEX_NAME = "index.cdxj"


def archive_warcs(root: str | os.PathLike) -> list[Path]:
    """The closed WARC (and ARC) files under ``root``/warc, sorted (files still being
    written are skipped)."""
    warc_dir = Path(root) / "warc"
    if not warc_dir.is_dir():
        return []
    return sorted(p for p in warc_dir.iterdir()
                  if p.is_file() and p.name.lower().endswith(WARC_SUFFIXES))


def raw_content(indexer_class: type, problems: list[tuple[str, str]] | None = None) -> type:
    """``indexer_class`` (cdxj-indexer's, or py-wacz's subclass of it) reading records with
    :class:`~archive.reader.RawContentRecords`: the payload as archived (an index needs no
    decoded body; digests are over the archived bytes); a URI-less record is left out.
    warcio's own decoding fails on brotli >= 1.2 and knows no zstd.

    A file that holds no WARC or ARC record is not indexed, an unreadable stretch is passed
    over to the next record start (archive/reader/records.py), a record cut short is named:
    each goes to ``problems`` as (file, one line: file, offset, reason) and the other files
    are indexed."""
    from archive.reader import RawContentRecords, missing_uri

    found = problems if problems is not None else []

    class RawContentIndexer(indexer_class):
        problems = found
        _fmt = None
        _records = None

        def _create_record_iter(self, input_):
            self._records = _StopAtDamage(RawContentRecords(
                input_, self._fmt, no_record_parse=not self.record_parse,
                verify_http=self.verify_http))
            return self._records

        def filter_record(self, record):  # a URI-less record has no place in an index
            return not missing_uri(record) and super().filter_record(record)

        def process_one(self, input_, output, filename):
            _index_tolerantly(self, super().process_one, input_, output, filename)

    return RawContentIndexer


class _StopAtDamage:
    """Records until the first damage, which ends the iteration (kept in ``failure``):
    cdxj-indexer's buffering of request/response pairs then still writes the last record
    read before it, which an exception would lose."""

    def __init__(self, records) -> None:
        self.records, self.failure, self.cut_at = records, None, None

    def __iter__(self):
        last = None
        try:
            for record in self.records:
                self._cut_short(last)
                last = (record, self.records.offset)
                yield record
            self._cut_short(last)
        except Exception as exc:  # noqa: BLE001 - whatever hostile bytes make warcio raise
            self.failure = exc

    def _cut_short(self, last) -> None:
        """A record the file ends inside of (read to its end by now) is damage too."""
        missing = getattr(last[0].raw_stream, "limit", 0) if last else 0
        if missing > 0:
            self.cut_at = last[1]
            raise ArchiveLoadFailed(f"record cut short ({missing} bytes missing)")

    @property
    def offset(self) -> int:
        """Where the damage is: the start of the record that failed, or was cut short."""
        return self.records.offset if self.cut_at is None else self.cut_at

    def get_record_offset(self) -> int:
        return self.records.get_record_offset()

    def get_record_length(self) -> int:
        return self.records.get_record_length()


def _index_tolerantly(indexer, process_one, input_, output, filename) -> None:
    """``process_one`` over ``input_`` from each record start on that damage leaves."""
    from archive.errors import WarcReadError
    from archive.reader.damage import NOT_ARCHIVE
    from archive.reader.records import as_warc
    from archive.reader.resync import describe_failure

    try:
        warc = as_warc(str(filename), input_)
    except WarcReadError as exc:
        indexer.problems.append((str(filename), str(exc)))
        return
    indexer._fmt, start, first, progressed = warc.format, 0, len(indexer.problems), False
    while start is not None:
        input_.seek(start)
        try:
            process_one(input_, output, filename)
            exc = getattr(indexer._records, "failure", None)
        except Exception as raised:  # noqa: BLE001 - whatever hostile bytes make warcio raise
            exc = raised
        if exc is not None:
            at = max(start, getattr(indexer._records, "offset", start))
            cut = getattr(indexer._records, "cut_at", None) is not None
            progressed = progressed or at > start or cut
            indexer.problems.append((str(filename), f"{filename}: unreadable at offset {at}: "
                                                    f"{describe_failure(warc, at, exc)}"))
            start = warc.next_record_start(at)
        else:
            start = None
    if not progressed and not warc.sniffed:  # nothing in it was a record
        indexer.problems[first:] = [(str(filename),
                                     f"{filename}: {NOT_ARCHIVE}: begins with {warc.head()}")]


def write_cdxj(output: str | os.PathLike, warcs: Iterable[str | os.PathLike],
               root: str | os.PathLike | None = None, *, force: bool = False
               ) -> tuple[int, list[str]]:
    """Write a sorted CDXJ index of ``warcs`` to ``output``; return the number of lines and
    what could not be indexed (one line each: a file that is no archive, a stretch passed
    over). Nothing indexable at all is an ArchiveError.

    ``filename`` fields are relative to ``root`` when given (``warc/NAME.warc.gz``,
    as the database names files), else the bare file name. ``output`` is written as
    archive.output writes: an existing file is replaced only with ``force``, the archive
    ``root``'s own files never.
    """
    from cdxj_indexer.main import CDXJIndexer

    inputs = [os.fspath(p) for p in warcs]
    if not inputs:
        raise ArchiveError("no WARC files to index")
    opts = {"sort": True, "post_append": True, "dir_root": os.fspath(root) if root else None}
    found: list[tuple[str, str]] = []
    with output_file(output, force=force, archive=root, parents=True) as tmp:
        try:
            with redirect_stdout(io.StringIO()):
                raw_content(CDXJIndexer, found)(str(tmp), inputs, **opts).process_all()
        except Exception as exc:  # cdxj-indexer raises whatever warcio raised
            raise ArchiveError(f"cannot index {len(inputs)} WARC file(s): {exc}") from exc
        with open(tmp, "rb") as fh:
            lines = sum(1 for _ in fh)
        problems = [text for _, text in found]
        if not lines and problems:
            raise ArchiveError(f"nothing indexable in {len(inputs)} file(s): {problems[0]}"
                               + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    logger.info("presskeep: indexed %d WARC file(s) into %s (%d lines)", len(inputs), output, lines)
    return lines, problems
