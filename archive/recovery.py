"""Finishing the WARC files a crashed writer left ``.open`` (archive/warc.py writes them).

A live writer holds an exclusive ``flock`` on its ``.open`` file until the file has its
final name; recovery takes the same flock before it cuts or renames anything, so it only
ever finishes files whose writer is gone. Run it while holding the archive's lock too
(archive/lock.py): the crawl's archive session and ``merge --recover`` do.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import BinaryIO

from archive.lock import hold_flock
from archive.paths import OPEN_SUFFIX, WARC_SUFFIX

logger = logging.getLogger(__name__)


def open_warc_files(directory: str | os.PathLike) -> list[Path]:
    return sorted(Path(directory).glob("*" + WARC_SUFFIX + OPEN_SUFFIX))


def complete_prefix_length(path: str | os.PathLike) -> int:
    """Byte length of the longest run of whole, readable records at the start of ``path``.

    Payloads are read as archived, in bounded pieces: never decoded (warcio's brotli
    decoder fails on brotli >= 1.2, which cut every record from the first br page on)."""
    from archive.reader import open_warc

    good = 0
    with open_warc(path) as warc:
        try:
            for placed in warc.walk():
                good = placed.offset + placed.length
        except Exception:  # a torn tail: anything after `good` is dropped
            pass
    return good


def finish_open_files(directory: str | os.PathLike) -> list[tuple[str, int]]:
    """Cut the torn tail off every ``*.open`` WARC left by a crash and give it its final name.

    A file whose writer is alive (it holds its flock) is left alone. Returns
    ``(final name, bytes cut)`` for each file finished.
    """
    done = []
    for path in open_warc_files(directory):
        try:
            fh = open(path, "r+b")
        except FileNotFoundError:  # finished by its writer meanwhile
            continue
        with fh:
            if not hold_flock(fh) or os.stat(path, follow_symlinks=False).st_ino != os.fstat(
                    fh.fileno()).st_ino:
                logger.info("presskeep: %s is being written by a live process: left alone",
                            path.name)
                continue
            done.append(_finish(path, fh))
    return done


def _finish(path: Path, fh: BinaryIO) -> tuple[str, int]:
    size = os.fstat(fh.fileno()).st_size
    good = complete_prefix_length(path)
    if good < size:
        fh.truncate(good)
    final = path.with_name(path.name[: -len(OPEN_SUFFIX)])
    if good == 0:
        path.unlink()
    else:
        os.replace(path, final)
    logger.warning("presskeep: recovered %s (%d bytes cut)", final.name, size - good)
    return final.name, size - good
