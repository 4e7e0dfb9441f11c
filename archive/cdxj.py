"""CDXJ indexes of the archive's WARC files (cdxj-indexer, the format pywb and WACZ use)."""

from __future__ import annotations

import io
import logging
import os
from contextlib import redirect_stdout
from pathlib import Path
from typing import Iterable

from archive.errors import ArchiveError
from archive.output import output_file

logger = logging.getLogger(__name__)

WARC_GLOBS = ("*.warc.gz", "*.warc")
INDEX_NAME = "index.cdxj"


def archive_warcs(root: str | os.PathLike) -> list[Path]:
    """The closed WARC files under ``root``/warc, sorted (files still being written are skipped)."""
    warc_dir = Path(root) / "warc"
    return sorted(p for g in WARC_GLOBS for p in warc_dir.glob(g) if p.is_file())


def raw_content(indexer_class: type) -> type:
    """``indexer_class`` (cdxj-indexer's, or py-wacz's subclass of it) reading records with
    :class:`~archive.reader.RawContentRecords`: the payload as archived (an index needs no
    decoded body; digests are over the archived bytes); a URI-less record is left out.
    warcio's own decoding fails on brotli >= 1.2 and knows no zstd."""
    from archive.reader import RawContentRecords, missing_uri

    class RawContentIndexer(indexer_class):
        def _create_record_iter(self, input_):
            return RawContentRecords(input_, no_record_parse=not self.record_parse,
                                     arc2warc=True, verify_http=self.verify_http)

        def filter_record(self, record):  # a URI-less record has no place in an index
            return not missing_uri(record) and super().filter_record(record)

    return RawContentIndexer


def write_cdxj(output: str | os.PathLike, warcs: Iterable[str | os.PathLike],
               root: str | os.PathLike | None = None, *, force: bool = False) -> int:
    """Write a sorted CDXJ index of ``warcs`` to ``output``; return the number of lines.

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
    with output_file(output, force=force, archive=root, parents=True) as tmp:
        try:
            with redirect_stdout(io.StringIO()):
                raw_content(CDXJIndexer)(str(tmp), inputs, **opts).process_all()
        except Exception as exc:  # cdxj-indexer raises whatever warcio raised
            raise ArchiveError(f"cannot index {len(inputs)} WARC file(s): {exc}") from exc
        with open(tmp, "rb") as fh:
            lines = sum(1 for _ in fh)
    logger.info("presskeep: indexed %d WARC file(s) into %s (%d lines)", len(inputs), output, lines)
    return lines
