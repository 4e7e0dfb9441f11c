"""Reading WARC files: warcio's iterator made safe for hostile records, and one record's
payload read in bounded pieces and decoded (archive/decode.py) for every reader."""

from __future__ import annotations

import os
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import DecompressingBufferedReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord, ArcWarcRecordLoader
from warcio.utils import BUFF_SIZE
from zlib_ng import zlib_ng

from archive.decode import MAX_BODY_SIZE, Decoded, decode_body, read_bounded
from archive.errors import ArchiveError, WarcReadError

#: what a damaged WARC makes warcio (or zlib under it) raise
READ_ERRORS = (ArchiveLoadFailed, EOFError, OSError, ValueError, zlib.error, zlib_ng.error,
               IndexError)
#: record types whose payload is an HTTP message, hence which need a target URI
HTTP_TYPES = ("response", "revisit", "request")
#: the most bytes of header lines (WARC or HTTP) read in a row before the record is
#: refused: real header blocks are a few KB; a "line" of a decompression bomb is not one
MAX_HEADER_BYTES = 1024 * 1024


class _BoundedLines(DecompressingBufferedReader):
    """warcio's reader, with at most MAX_HEADER_BYTES of lines read for one record (its WARC
    and HTTP header blocks): a line never grows past that in memory. Gzip members are
    inflated with zlib-ng (measured 0.3 s for a 1 GiB member that took zlib 4-7 s)."""

    DECOMPRESSORS = {**DecompressingBufferedReader.DECOMPRESSORS,
                     "gzip": lambda: zlib_ng.decompressobj(16 + zlib_ng.MAX_WBITS)}
    in_headers = 0

    def _decompress(self, data):
        if not (self.decompressor and data and self.num_block_read):
            return super()._decompress(data)  # the first block: gzip, or not compressed at all
        try:
            return self.decompressor.decompress(data)
        except Exception as exc:  # warcio prints it and reads on with b"": an unreadable spot
            raise ArchiveLoadFailed(f"corrupt gzip member: {exc}") from exc

    def readline(self, length=None):
        line = super().readline(length if length and length <= MAX_HEADER_BYTES
                                else MAX_HEADER_BYTES + 1)
        self.in_headers += len(line)
        if self.in_headers > MAX_HEADER_BYTES:
            raise ArchiveLoadFailed(f"header lines longer than {MAX_HEADER_BYTES} bytes")
        return line


class _TolerantLoader(ArcWarcRecordLoader):
    """warcio's loader, except that a record without a ``WARC-Target-URI`` loads (its HTTP
    headers parsed as for any HTTP record, so its payload digest checks) instead of
    raising AttributeError from inside the iterator. Readers skip it (:func:`missing_uri`)."""

    def load_http_headers(self, rec_type, uri, stream, length):
        return super().load_http_headers(rec_type, uri or "http:", stream, length)


class _RawContentRecord(ArcWarcRecord):
    """A record whose ``content_stream()`` is the payload as archived (no decoding)."""

    def content_stream(self):
        return self.raw_stream


class _RawContentLoader(_TolerantLoader):
    def parse_record_stream(self, *args, **kwargs):
        record = super().parse_record_stream(*args, **kwargs)
        record.__class__ = _RawContentRecord
        return record


class WarcRecords(ArchiveIterator):
    """``ArchiveIterator`` on hostile input: a URI-less record loads (see
    :func:`missing_uri`). Never call ``content_stream()`` on its records for the body:
    read ``raw_stream`` with :func:`read_payload`."""

    loader_class: type[ArcWarcRecordLoader] = _TolerantLoader
    INC_RECORD = ""  # warcio's multi-line stderr warning: the reader reports (one line) instead

    def __init__(self, fileobj, **kwargs) -> None:
        super().__init__(fileobj, **kwargs)
        self.loader = self.loader_class(verify_http=kwargs.get("verify_http", False),
                                        arc2warc=kwargs.get("arc2warc", False))
        self.reader = _BoundedLines(self.fh, block_size=kwargs.get("block_size", BUFF_SIZE))

    def _next_record(self, next_line):
        self.reader.in_headers = len(next_line or b"")
        return super()._next_record(next_line)


class RawContentRecords(WarcRecords):
    """:class:`WarcRecords` whose records' ``content_stream()`` gives the payload as
    archived: for libraries that read it (cdxj-indexer, py-wacz) but need no decoding, and
    whose warcio decoders fail (brotli >= 1.2) or are missing (zstd)."""

    loader_class = _RawContentLoader


def missing_uri(record) -> bool:
    """True for an HTTP record (response, revisit, request) without a target URI."""
    uri = (record.rec_headers.get_header("WARC-Target-URI") or "").strip("<> ")
    return record.format.startswith("warc") and record.rec_type in HTTP_TYPES and not uri


def read_payload(record, max_size: int = MAX_BODY_SIZE) -> Decoded:
    """The record's HTTP payload read in bounded pieces, de-chunked and content-decoded."""
    raw, cut = read_bounded(record.raw_stream, max_size)
    return payload_of(raw, cut, list(record.http_headers.headers), max_size)


def payload_of(raw: bytes, cut: bool, headers: list[tuple[str, str]],
               max_size: int = MAX_BODY_SIZE) -> Decoded:
    """:func:`~archive.decode.decode_body` of ``raw``, marked truncated when ``raw`` was cut."""
    decoded = decode_body(raw, headers, max_size)
    decoded.truncated = decoded.truncated or cut
    return decoded


@dataclass
class ArchivedResponse:
    url: str
    status: int
    headers: list[tuple[str, str]]  # as archived
    body: bytes  # de-chunked and content-decoded, at most MAX_BODY_SIZE bytes
    date: str | None
    offset: int
    length: int
    record_id: str | None
    payload_digest: str | None
    truncated: bool = False  # the body was cut at MAX_BODY_SIZE

    @property
    def content_type(self) -> str:
        return next((v for k, v in self.headers if k.lower() == "content-type"), "")


def _url(record) -> str:
    return (record.rec_headers.get_header("WARC-Target-URI") or "").strip("<>")


@contextmanager
def record_at(path: str | os.PathLike, offset: int) -> Iterator:
    """The WARC record starting at ``offset`` in ``path`` (None past the end of the file).

    Read it inside the ``with`` block; any read error becomes a WarcReadError.
    """
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            yield next(iter(WarcRecords(fh, check_digests=False)), None)
    except ArchiveError:
        raise
    except READ_ERRORS as exc:
        raise WarcReadError(f"{path}: unreadable at offset {offset}: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - whatever else hostile bytes make warcio raise
        raise WarcReadError(f"{path}: unreadable at offset {offset}: "
                            f"{type(exc).__name__}: {exc}") from exc


def read_record_at(path: str | os.PathLike, offset: int) -> ArchivedResponse | None:
    """The response record starting at ``offset`` in ``path`` (None if it is not one)."""
    with record_at(path, offset) as record:
        if record is None or record.rec_type != "response" or record.http_headers is None:
            return None
        payload = read_payload(record)
        return ArchivedResponse(
            url=_url(record), status=int(record.http_headers.get_statuscode() or 0),
            headers=list(record.http_headers.headers), body=payload.body,
            date=record.rec_headers.get_header("WARC-Date"), offset=offset, length=0,
            record_id=record.rec_headers.get_header("WARC-Record-ID"),
            payload_digest=record.rec_headers.get_header("WARC-Payload-Digest"),
            truncated=payload.truncated,
        )
