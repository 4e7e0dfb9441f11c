"""Where a name becomes bytes: a WARC or ARC file, or a WARC inside a WACZ; and what a
list of paths given on the command line stands for.

A WARC inside a WACZ (a zip whose ``archive/`` holds the WARC files) is named
``PATH.wacz#archive/NAME.warc.gz``: rows point at it that way (docs/data-model.md), and
:func:`open_source` reads it straight from the zip, never extracting the package: a
stored member (how WACZ writers store gzip WARCs) is a window onto the zip file, so a
record is read at its offset without reading what comes before; a deflated member is
inflated as far as the record asked for (a seek back starts it again).

:func:`sniff` says what a stream holds by its first bytes (gzip-wrapped or not): a WARC,
an ARC, a zip, or none of these. :func:`expand_inputs` turns the paths a command was
given into record sources: directories into the archive files in them, each WACZ into its
WARCs, in one order whatever the order given (the name order), each once.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from zlib_ng import zlib_ng

WACZ_SUFFIX = ".wacz"
#: the member part of a WARC inside a WACZ: ``x.wacz#archive/a.warc.gz``
MEMBER_MARK = WACZ_SUFFIX + "#"
WARC_SUFFIXES = (".warc", ".warc.gz")
ARC_SUFFIXES = (".arc", ".arc.gz")
ARCHIVE_SUFFIXES = WARC_SUFFIXES + ARC_SUFFIXES
#: where a WACZ keeps its WARC files
WACZ_ARCHIVE_DIR = "archive/"
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
WARC, ARC, ZIP = "warc", "arc", "zip"
#: what opening a source can raise besides OSError
OPEN_ERRORS = (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, ValueError,
               NotImplementedError, EOFError, RuntimeError)


def member_parts(name: str | os.PathLike) -> tuple[str, str] | None:
    """(WACZ path, member) when ``name`` reads as a WARC inside a WACZ, by the name alone."""
    head, mark, member = os.fspath(name).rpartition(MEMBER_MARK)
    return (head + WACZ_SUFFIX, member) if mark and head and member else None


def split_member(name: str | os.PathLike) -> tuple[str, str] | None:
    """(WACZ path, member) when ``name`` names a WARC inside a WACZ; None for a plain file
    (a file that exists under that exact name is a plain file, ``#`` and all)."""
    return None if os.path.lexists(name) else member_parts(name)


def member_name(wacz: str | os.PathLike, member: str) -> str:
    return f"{os.fspath(wacz)}#{member}"


def resolved(name: str | os.PathLike) -> str:
    """``name`` made absolute with symlinks followed (a WACZ member's: its WACZ's path)."""
    parts = split_member(name)
    if parts is None:
        return os.path.realpath(name)
    return member_name(os.path.realpath(parts[0]), parts[1])


def source_exists(name: str | os.PathLike) -> bool:
    """``name`` is a regular file, or a WARC inside a WACZ that is a regular file (the
    member itself is looked for when the source is opened)."""
    parts = split_member(name)
    return Path(parts[0] if parts else name).is_file()


class _Window(io.RawIOBase):
    """Bytes ``start`` to ``start + size`` of ``fh``, as a file of their own (seekable)."""

    def __init__(self, fh: BinaryIO, start: int, size: int) -> None:
        super().__init__()
        self.fh, self.start, self.size, self.pos = fh, start, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, pos: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.pos, 2: self.size}[whence]
        if base + pos < 0:
            raise ValueError(f"negative seek position {base + pos}")
        self.pos = base + pos
        return self.pos

    def readinto(self, buffer) -> int:
        want = max(0, min(len(buffer), self.size - self.pos))
        if not want:
            return 0
        self.fh.seek(self.start + self.pos)
        data = self.fh.read(want)
        buffer[:len(data)] = data
        self.pos += len(data)
        return len(data)


def _data_start(fh: BinaryIO, info: zipfile.ZipInfo) -> int:
    """Where a member's bytes start in the zip: after its local header."""
    fh.seek(info.header_offset)
    head = fh.read(zipfile.sizeFileHeader)
    if len(head) != zipfile.sizeFileHeader or not head.startswith(ZIP_MAGIC):
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    fields = struct.unpack(zipfile.structFileHeader, head)
    return (info.header_offset + zipfile.sizeFileHeader + fields[zipfile._FH_FILENAME_LENGTH]
            + fields[zipfile._FH_EXTRA_FIELD_LENGTH])


@contextmanager
def open_source(name: str | os.PathLike) -> Iterator[BinaryIO]:
    """A seekable binary stream of ``name``: the file, or the WARC inside a WACZ it names.
    Raises one of :data:`OPEN_ERRORS` when it cannot be opened."""
    parts = split_member(name)
    if parts is None:
        with open(name, "rb") as fh:
            yield fh
        return
    with open(parts[0], "rb") as raw, zipfile.ZipFile(raw) as zf:
        info = zf.getinfo(parts[1])
        if info.flag_bits & 0x1:
            raise NotImplementedError(f"{parts[1]} is encrypted")
        if info.compress_type == zipfile.ZIP_STORED:
            with io.BufferedReader(_Window(raw, _data_start(raw, info), info.file_size),
                                   buffer_size=1 << 16) as fh:
                yield fh
        else:
            with zf.open(info) as fh:
                yield fh


def sniff(fh: BinaryIO) -> str | None:
    """What the stream holds, by its first bytes: WARC, ARC, ZIP or None. Leaves it at 0."""
    fh.seek(0)
    data = fh.read(4096)
    fh.seek(0)
    if data.startswith(ZIP_MAGIC):
        return ZIP
    if data.startswith(GZIP_MAGIC):
        try:
            data = zlib_ng.decompressobj(16 + zlib_ng.MAX_WBITS).decompress(data, 64)
        except zlib_ng.error:
            return None
    if data.startswith(b"WARC/"):
        return WARC
    if data.startswith(b"filedesc://"):
        return ARC
    return None


def by_name(name: str) -> str | None:
    """What a file's name says it holds (WARC, ARC, ZIP for a WACZ, or None)."""
    lower = name.lower().split("#")[-1].removesuffix(".open")  # a WARC being written too
    if lower.endswith(WARC_SUFFIXES):
        return WARC
    if lower.endswith(ARC_SUFFIXES):
        return ARC
    return ZIP if lower.endswith(WACZ_SUFFIX) else None


def wacz_members(path: str | os.PathLike) -> list[str]:
    """The WARC (and ARC) files a WACZ holds under ``archive/``, by name (OPEN_ERRORS when
    it is not a readable zip)."""
    with zipfile.ZipFile(path) as zf:
        return sorted(n for n in zf.namelist() if n.startswith(WACZ_ARCHIVE_DIR)
                      and n.lower().endswith(ARCHIVE_SUFFIXES))


def _sort_key(name: str) -> tuple[str, str]:
    return os.path.basename(name.split(MEMBER_MARK)[0]), name


def expand_inputs(paths: Iterable[str | os.PathLike],
                  suffixes: tuple[str, ...] = ARCHIVE_SUFFIXES + (WACZ_SUFFIX,),
                  in_name_order: bool = True) -> list[str]:
    """The record sources ``paths`` stand for, each once, in name order (the same list for
    the same files in any order; else in the order given, each directory's files in name
    order): a directory gives the files in it whose names end in ``suffixes``; a WACZ
    gives its WARCs (``x.wacz#archive/NAME``); a WACZ that is not a readable zip, and any
    other file, is itself (opening it says what is wrong)."""
    files: list[str] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files += sorted((str(p) for p in path.iterdir()
                             if p.is_file() and p.name.lower().endswith(suffixes)), key=_sort_key)
        else:
            files.append(str(path))
    sources: dict[str, str] = {}
    for name in sorted(files, key=_sort_key) if in_name_order else files:
        for source in _sources_of(name):
            sources.setdefault(resolved(source), source)
    found = list(sources.values())
    return sorted(found, key=_sort_key) if in_name_order else found


def _sources_of(name: str) -> list[str]:
    if not name.lower().endswith(WACZ_SUFFIX):
        return [name]
    try:
        members = wacz_members(name)
    except OPEN_ERRORS:
        return [name]
    return [member_name(name, m) for m in members] or [name]
