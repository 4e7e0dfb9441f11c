"""Archived HTTP payloads → the body a reader hands on: the one decoding every reader calls.

A WARC response record keeps the payload as it came off the wire: maybe still
chunked (other tools keep ``Transfer-Encoding: chunked``), and content-encoded
(``Content-Encoding: gzip``, ``br``, ...). :func:`decode_body` removes the
chunking, then the codings, last applied first; :func:`read_bounded` reads a
record's payload in bounded pieces. Every step stops at ``max_size`` bytes
(:data:`MAX_BODY_SIZE`, the crawl's ``DOWNLOAD_MAXSIZE``): a body that would be
longer (a decompression bomb, an oversized record) is cut there and marked
``truncated``, never read whole into memory.

The codings are the ones Scrapy's HttpCompressionMiddleware accepts and asks for
(``Accept-Encoding: gzip, deflate, br, zstd``), plus ``x-gzip``; ``deflate`` is
read zlib-wrapped (RFC 9110) or raw (what some servers send). A coding that does
not decode (the header lies) leaves the bytes as archived, with ``problem`` set.
gzip and deflate are inflated with zlib-ng (the same formats as zlib, several times faster).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from io import BytesIO
from typing import Callable, Iterable

from zlib_ng import zlib_ng

try:
    import brotli
except ImportError:  # pragma: no cover - PyPy: Scrapy installs brotlicffi there
    import brotlicffi as brotli

try:
    from compression import zstd  # Python 3.14
except ImportError:  # pragma: no cover - before 3.14 Scrapy installs the backport
    from backports import zstd

#: the longest body any reader produces, raw or decoded (crawler/settings.py sets
#: DOWNLOAD_MAXSIZE, the crawl's cap on a decompressed body, to this)
MAX_BODY_SIZE = 64 * 1024 * 1024
#: bytes read, or produced by a decompressor, at a time
CHUNK = 64 * 1024
_CHUNK_LINE = re.compile(rb"[0-9A-Fa-f]{1,16}[ \t]*(?:;[^\r\n]*)?\r\n")


@dataclass
class Decoded:
    """A payload with its transfer and content codings removed, as far as they could be."""

    body: bytes
    kept: list[str] = field(default_factory=list)  # codings still on ``body`` (not undone)
    truncated: bool = False  # cut at max_size
    problem: str | None = None  # why a coding was not (or not wholly) undone

    def headers(self, headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """``headers`` made true of ``body``: no transfer framing, the kept codings only."""
        out = [(k, v) for k, v in headers
               if k.lower() not in ("transfer-encoding", "content-length", "content-encoding")]
        return out + ([("Content-Encoding", ", ".join(self.kept))] if self.kept else [])


def read_bounded(stream, limit: int = MAX_BODY_SIZE) -> tuple[bytes, bool]:
    """Up to ``limit`` bytes of ``stream`` in CHUNK reads; True when there was more
    (the rest is left unread)."""
    out = BytesIO()
    while out.tell() <= limit:
        data = stream.read(min(CHUNK, limit + 1 - out.tell()))
        if not data:
            return out.getvalue(), False
        out.write(data)
    out.truncate(limit)
    return out.getvalue(), True


def _tokens(headers: Iterable[tuple[str, str]], name: str) -> list[str]:
    values = [v for k, v in headers if k.lower() == name]
    return [t.strip().lower() for v in values for t in v.split(",") if t.strip()]


def dechunk(data: bytes) -> bytes:
    """``data`` without HTTP/1.1 chunked framing. Not chunked at all: as is; framing that
    breaks off: the rest as is (as warcio reads it); a cut last chunk: what there is."""
    out, pos = BytesIO(), 0
    while pos < len(data):
        line = _CHUNK_LINE.match(data, pos)
        if line is None:
            if pos == 0:
                return data
            out.write(data[pos:])
            break
        size = int(line.group().split(b";")[0].strip(), 16)
        if size == 0:
            break
        out.write(data[line.end():line.end() + size])
        pos = line.end() + size + 2
    return out.getvalue()


# -- one function per coding: (data, limit) -> (decoded, cut at limit) ---------------------
class _Sink:
    """Decoded bytes up to a limit; ``full`` once a byte more than the limit was offered."""

    def __init__(self, limit: int) -> None:
        self.out, self.limit, self.full = BytesIO(), limit, False

    def room(self) -> int:
        return min(CHUNK, self.limit + 1 - self.out.tell())

    def add(self, data: bytes) -> bool:
        """Keep ``data``; False once the limit is passed (stop decoding)."""
        self.out.write(data)
        if self.out.tell() > self.limit:
            self.out.truncate(self.limit)
            self.full = True
        return not self.full

    def result(self) -> tuple[bytes, bool]:
        return self.out.getvalue(), self.full


def _zlib(data: bytes, limit: int, wbits: int, members: bool = False) -> tuple[bytes, bool]:
    sink = _Sink(limit)
    while data:
        inflater, pending = zlib_ng.decompressobj(wbits), data
        while not inflater.eof:
            chunk = inflater.decompress(pending, sink.room())
            pending = inflater.unconsumed_tail
            if not sink.add(chunk) or not (chunk or pending):
                break  # the limit, or the input used up before the stream's end (a cut body)
        data = inflater.unused_data if members and inflater.eof and not sink.full else b""
        if data[:2] != b"\x1f\x8b":
            break  # gzip members may follow each other; anything else after the end is ignored
    return sink.result()


def _gzip(data: bytes, limit: int) -> tuple[bytes, bool]:
    return _zlib(data, limit, 16 + zlib.MAX_WBITS, members=True)


def _zlib_header(data: bytes) -> bool:
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0


def _deflate(data: bytes, limit: int) -> tuple[bytes, bool]:
    """zlib-wrapped deflate (RFC 9110), gzip under the wrong name, or raw deflate."""
    if _zlib_header(data) or data[:2] == b"\x1f\x8b":
        try:
            return _zlib(data, limit, 32 + zlib.MAX_WBITS)  # zlib or gzip header, auto-detected
        except zlib_ng.error:
            pass  # raw deflate whose first two bytes happen to look like a zlib header
    return _zlib(data, limit, -zlib.MAX_WBITS)


def _brotli(data: bytes, limit: int) -> tuple[bytes, bool]:
    sink = _Sink(limit)
    unpacker = brotli.Decompressor()
    chunk = unpacker.process(data, output_buffer_limit=CHUNK)
    while sink.add(chunk) and not unpacker.is_finished():
        chunk = unpacker.process(b"", output_buffer_limit=CHUNK)
        if not chunk:
            break  # input used up: a cut body
    return sink.result()


def _zstd(data: bytes, limit: int) -> tuple[bytes, bool]:
    sink = _Sink(limit)
    while data:
        unpacker = zstd.ZstdDecompressor()
        chunk = unpacker.decompress(data, max_length=sink.room())
        while sink.add(chunk) and not unpacker.eof and not unpacker.needs_input:
            chunk = unpacker.decompress(b"", max_length=sink.room())
        data = unpacker.unused_data if unpacker.eof and not sink.full else b""
        if data[:4] != b"\x28\xb5\x2f\xfd":
            break  # frames may follow each other; anything else after the end is ignored
    return sink.result()


DECODERS: dict[str, Callable[[bytes, int], tuple[bytes, bool]]] = {
    "gzip": _gzip, "x-gzip": _gzip, "deflate": _deflate, "br": _brotli, "zstd": _zstd,
}
#: what a decoder raises on bytes that are not in its coding
_CODING_ERRORS = (zlib_ng.error, zlib.error, brotli.error, zstd.ZstdError, EOFError, ValueError)


def decode_body(raw: bytes, headers: Iterable[tuple[str, str]],
                max_size: int = MAX_BODY_SIZE) -> Decoded:
    """``raw`` (a payload as archived) de-chunked and decoded as ``headers`` say, at most
    ``max_size`` bytes long. A coding that is unknown, or does not decode, is left on the
    body (in ``kept``) and everything under it too; ``problem`` says why."""
    headers = list(headers)
    transfer = _tokens(headers, "transfer-encoding")
    body = dechunk(raw) if "chunked" in transfer else raw
    codings = [c for c in _tokens(headers, "content-encoding") + transfer
               if c not in ("identity", "chunked")]
    result = Decoded(body[:max_size], truncated=len(body) > max_size)
    while codings:
        coding = codings[-1]
        decoder = DECODERS.get(coding)
        if decoder is None:
            result.problem = f"unknown content coding {coding!r}"
            break
        try:
            result.body, cut = decoder(result.body, max_size)
        except _CODING_ERRORS as exc:
            result.problem = f"{coding}: does not decode ({type(exc).__name__}: {exc})"[:200]
            break
        result.truncated = result.truncated or cut
        codings.pop()
    result.kept = codings
    return result
