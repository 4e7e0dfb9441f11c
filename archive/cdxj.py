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


def write_cdxj(output: str | os.PathLike, warcs: Iterable[str | os.PathLike],
               root: str | os.PathLike | None = None, *, force: bool = False) -> int:
    """Write a sorted CDXJ index of ``warcs`` to ``output``; return the number of lines.

    ``filename`` fields are relative to ``root`` when given (``warc/NAME.warc.gz``,
    as the database names files), else the bare file name. ``output`` is written as
    archive.output writes: an existing file is replaced only with ``force``, the archive
    ``root``'s own files never.
    """
    from cdxj_indexer.main import write_cdx_index

    inputs = [os.fspath(p) for p in warcs]
    if not inputs:
        raise ArchiveError("no WARC files to index")
    opts = {"sort": True, "post_append": True, "dir_root": os.fspath(root) if root else None}
    with output_file(output, force=force, archive=root, parents=True) as tmp:
        try:
            with redirect_stdout(io.StringIO()):
                write_cdx_index(str(tmp), inputs, opts)
        except Exception as exc:  # cdxj-indexer raises whatever warcio raised
            raise ArchiveError(f"cannot index {len(inputs)} WARC file(s): {exc}") from exc
        with open(tmp, "rb") as fh:
            lines = sum(1 for _ in fh)
    logger.info("presskeep: indexed %d WARC file(s) into %s (%d lines)", len(inputs), output, lines)
    return lines
