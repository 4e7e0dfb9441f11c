"""WARC files with decompression bombs, built in well under a second each.

- :func:`record_bomb_warc`: a response record whose own gzip member (the WARC's per-record
  compression) inflates to 1 GiB: its payload is 1 GiB of NUL bytes after an HTML start;
- :func:`body_bombs_warc`: two small records whose HTTP payloads say ``Content-Encoding:
  gzip`` and ``br`` and inflate to 1 GiB each (the file is a few KB);

each followed by a real article, which readers must still get. A gzip member of N MiB of
zeros is written without compressing N MiB: after a full flush, deflate's output for the
same input is the same bytes, so one compressed MiB is repeated.
"""

from __future__ import annotations

import struct
import zlib
from io import BytesIO
from pathlib import Path

import brotli
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.replay_warcs import HTML, article_html

MIB = 1 << 20
GIB = 1 << 30
ZEROS = b"\0" * MIB
PAGE_START = b"<!DOCTYPE html><html><body><p>"
BASE = "http://127.0.0.1:9/bombs"
RECORD_BOMB, GZIP_BOMB, BR_BOMB = (f"{BASE}/record", f"{BASE}/gzip", f"{BASE}/br")
GOOD = [f"{BASE}/good-{i}" for i in (1, 2)]


def gzip_of_zeros(head: bytes, size: int, tail: bytes = b"") -> bytes:
    """One gzip member of ``head``, ``size`` NUL bytes (whole MiBs), ``tail``."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    parts = [b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff",
             packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)]
    block = packer.compress(ZEROS) + packer.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(head)
    for _ in range(size // MIB):
        parts.append(block)
        crc = zlib.crc32(ZEROS, crc)
    parts.append(packer.compress(tail) + packer.flush())
    parts.append(struct.pack("<II", zlib.crc32(tail, crc), (len(head) + size + len(tail)) & 0xFFFFFFFF))
    return b"".join(parts)


def brotli_of_zeros(head: bytes, size: int) -> bytes:
    packer = brotli.Compressor(quality=1)
    parts = [packer.process(head)] + [packer.process(ZEROS) for _ in range(size // MIB)]
    return b"".join(parts) + packer.finish()


def _write_article(writer: WARCWriter, url: str) -> None:
    body = article_html(f"Story {url[-1]}", f"The harbour council met on day {url[-1]}. " * 40)
    http = StatusAndHeaders("200 OK", [("Content-Type", HTML)], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(url, "response", payload=BytesIO(body),
                                                  length=len(body), http_headers=http))


def record_bomb_warc(path: Path, size: int = GIB) -> None:
    """A response record of ``size`` bytes of payload (its gzip member ~1 KB a MiB), then an
    article."""
    http = (f"HTTP/1.1 200 OK\r\nContent-Type: {HTML}\r\n"
            f"Content-Length: {len(PAGE_START) + size}\r\n\r\n").encode()
    block = len(http) + len(PAGE_START) + size
    warc = ("WARC/1.1\r\nWARC-Type: response\r\n"
            "WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000001>\r\n"
            f"WARC-Date: 2026-11-20T09:00:00Z\r\nWARC-Target-URI: {RECORD_BOMB}\r\n"
            "Content-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {block}\r\n\r\n").encode()
    tail = BytesIO()
    _write_article(WARCWriter(tail, gzip=True, warc_version="1.1"), GOOD[0])
    path.write_bytes(gzip_of_zeros(warc + http + PAGE_START, size, b"\r\n\r\n") + tail.getvalue())


def body_bombs_warc(path: Path, size: int = GIB) -> None:
    """Two payloads of ``size`` bytes once decoded (gzip, then br), then an article."""
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="1.1")
        for url, coding, payload in ((GZIP_BOMB, "gzip", gzip_of_zeros(PAGE_START, size)),
                                     (BR_BOMB, "br", brotli_of_zeros(PAGE_START, size))):
            http = StatusAndHeaders("200 OK", [("Content-Type", HTML), ("Content-Encoding", coding)],
                                    protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=BytesIO(payload), length=len(payload), http_headers=http))
        _write_article(writer, GOOD[1])
