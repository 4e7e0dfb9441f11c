"""The streams warcio writes WARC records into: one gzip member per record.

:class:`GzipRecords` compresses each record in the caller's thread;
:class:`ThreadedGzipRecords` hands each record to one compressor thread (zlib releases
the GIL), and a record's offset and length are :class:`Pending` until the thread wrote
it. Either compresses with Python's zlib or with zlib-ng (:func:`compressor`).
"""

from __future__ import annotations

import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from typing import BinaryIO


class Pending:
    """A record's offset or length while the compressor thread is still writing it.

    :meth:`archive.warc.WarcFileWriter.flush` waits for the thread, after which every pending value
    is known; the database settles them (:func:`settled`) when it writes the rows.
    Pickled (a request copied for a retry), it becomes the number itself.
    """

    __slots__ = ("future", "index")

    def __init__(self, future: "Future[tuple[int, int]]", index: int) -> None:
        self.future = future
        self.index = index

    def result(self) -> int:
        return self.future.result()[self.index]

    __int__ = __index__ = result

    def __reduce__(self):
        return int, (self.result(),)

    def __repr__(self) -> str:
        return repr(self.result()) if self.future.done() else "Pending(...)"


def settled(value):
    """``value``, or the number a :class:`Pending` stands for."""
    return value.result() if isinstance(value, Pending) else value


class GzipRecords:
    """The stream warcio writes records into: one gzip member per record, at ``level``.

    warcio's own wrapper compresses at level 9 and flushes the file after every
    record (a write system call each). Here ``flush()`` only ends the gzip member;
    the file is flushed by :meth:`archive.warc.WarcFileWriter.flush`, which the database calls
    before it commits rows that point at these bytes. Level 9 gives warcio's bytes.
    """

    def __init__(self, fh: BinaryIO, level: int = 6, compressobj=zlib.compressobj) -> None:
        self.fh = fh
        self.level = level
        self.compressobj = compressobj
        self._z = None
        self._start = 0
        self._span = (0, 0)

    def write(self, data: bytes) -> None:
        if self._z is None:
            self._start = self.fh.tell()
            self._z = gzip_member(self.level, self.compressobj)
        self.fh.write(self._z.compress(data))

    def flush(self) -> None:
        if self._z is not None:
            self.fh.write(self._z.flush())
            self._z = None
            self._span = (self._start, self.fh.tell() - self._start)

    def span(self) -> tuple[int, int]:
        """(offset, length) of the record ended last."""
        return self._span

    @property
    def position(self) -> int:
        return self.fh.tell()

    def wait(self) -> None:
        """Nothing to wait for: every record is in the file when ``flush()`` returns."""


#: the deflate libraries a WARC can be compressed with (PRESSKEEP_WARC_GZIP_LIBRARY)
GZIP_LIBRARIES = ("zlib-ng", "zlib")


def compressor(library: str = "zlib"):
    """The ``compressobj`` of ``library``: Python's zlib, or zlib-ng (the same gzip format,
    about a third less CPU at the same level and size; docs/performance.md)."""
    if library == "zlib":
        return zlib.compressobj
    if library == "zlib-ng":
        from zlib_ng import zlib_ng

        return zlib_ng.compressobj
    raise ValueError(f"unknown gzip library {library!r} (choose from {', '.join(GZIP_LIBRARIES)})")


def gzip_member(level: int, compressobj=zlib.compressobj):
    """A compressor for one gzip member (one WARC record)."""
    return compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS + 16)


class ThreadedGzipRecords:
    """:class:`GzipRecords`, with each record's member compressed and written on a thread.

    warcio writes a record's bytes (headers, digests: all computed in the caller's
    thread) and then calls ``flush()``; the whole record is then handed to one
    compressor thread, which writes the members in order. zlib releases the GIL, so
    compression runs beside the crawl instead of inside it. ``last`` is the future of
    the record handed over last: ``(offset, length)`` in the file.
    """

    def __init__(self, fh: BinaryIO, level: int, executor: ThreadPoolExecutor,
                 compressobj=zlib.compressobj) -> None:
        self.fh = fh
        self.level = level
        self.compressobj = compressobj
        self.executor = executor
        self.position = fh.tell()  # end of the last member written (thread-side)
        self.last: Future | None = None
        self._chunks: list[bytes] = []
        self._failed: BaseException | None = None

    def write(self, data: bytes) -> None:
        self._chunks.append(bytes(data))

    def flush(self) -> None:
        if self._chunks:
            chunks, self._chunks = self._chunks, []
            self.last = self.executor.submit(self._member, chunks)

    def _member(self, chunks: list[bytes]) -> tuple[int, int]:
        if self._failed is not None:  # nothing after a failed write lands in the file
            raise self._failed
        z = gzip_member(self.level, self.compressobj)
        # chunk by chunk, as GzipRecords does: the same input split gives the same bytes
        data = b"".join([z.compress(chunk) for chunk in chunks]) + z.flush()
        offset = self.position
        try:
            self.fh.write(data)
        except BaseException as exc:
            self._failed = exc
            raise
        self.position += len(data)
        return offset, len(data)

    def span(self) -> tuple[Pending, Pending]:
        """(offset, length) of the record handed over last, known once the thread wrote it."""
        assert self.last is not None
        return Pending(self.last, 0), Pending(self.last, 1)

    def wait(self) -> None:
        """Block until every record handed over is in the file (buffer)."""
        if self.last is not None:
            self.last.result()
