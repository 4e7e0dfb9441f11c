"""Reading WARC files: archived HTTP responses with their location, payload decoded."""

from __future__ import annotations

import os
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from archive.errors import WarcReadError

#: what a damaged WARC makes warcio (or zlib under it) raise
READ_ERRORS = (ArchiveLoadFailed, EOFError, OSError, ValueError, zlib.error, IndexError)


@dataclass
class ArchivedResponse:
    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes  # de-chunked and content-decoded
    date: str | None
    offset: int
    length: int
    record_id: str | None
    payload_digest: str | None

    @property
    def content_type(self) -> str:
        return next((v for k, v in self.headers if k.lower() == "content-type"), "")


def _url(record) -> str:
    return (record.rec_headers.get_header("WARC-Target-URI") or "").strip("<>")


def iter_responses(path: str | os.PathLike) -> Iterator[ArchivedResponse]:
    """Every sound response record in ``path``; raises WarcReadError at the first unreadable
    byte, or after the last record when a record failed its digests (it is not yielded)."""
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise WarcReadError(f"cannot open {path}: {exc}") from exc
    bad: list[str] = []
    is_warc = str(path).lower().endswith((".warc", ".warc.gz"))
    with fh:
        it = ArchiveIterator(fh, check_digests=True)
        try:
            for record in it:
                if record.rec_type is None or (record.format != "warc" and is_warc):
                    raise ArchiveLoadFailed("truncated or not a WARC record")  # a torn tail
                wanted = record.rec_type == "response" and record.http_headers is not None
                body = record.content_stream().read() if wanted else b""
                it.read_to_end(record)
                if getattr(record.raw_stream, "limit", 0) > 0:  # ended before Content-Length
                    raise ArchiveLoadFailed("the file ends inside a record (truncated)")
                if not wanted:
                    continue
                if record.digest_checker.passed is False:
                    bad.append(f"offset {it.get_record_offset()}: "
                               f"{'; '.join(record.digest_checker.problems)}")
                    continue
                headers = record.http_headers
                yield ArchivedResponse(
                    url=_url(record), status=int(headers.get_statuscode() or 0),
                    headers=list(headers.headers), body=body,
                    date=record.rec_headers.get_header("WARC-Date"),
                    offset=it.get_record_offset(), length=it.get_record_length(),
                    record_id=record.rec_headers.get_header("WARC-Record-ID"),
                    payload_digest=record.rec_headers.get_header("WARC-Payload-Digest"),
                )
        except (ArchiveLoadFailed, EOFError, OSError, ValueError) as exc:
            raise WarcReadError(f"{path}: unreadable after offset {it.offset}: {exc}") from exc
    if bad:
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        raise WarcReadError(f"{path}: record at {bad[0]}{more}")


def iter_html_responses(path: str | os.PathLike) -> Iterator[ArchivedResponse]:
    for rec in iter_responses(path):
        if "html" in rec.content_type.lower() and 200 <= rec.status < 300:
            yield rec


@contextmanager
def record_at(path: str | os.PathLike, offset: int):
    """The WARC record starting at ``offset`` in ``path`` (None past the end of the file).

    Read it inside the ``with`` block; any read error becomes a WarcReadError.
    """
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            yield next(iter(ArchiveIterator(fh, check_digests=False)), None)
    except READ_ERRORS as exc:
        raise WarcReadError(f"{path}: unreadable at offset {offset}: {exc}") from exc


def read_record_at(path: str | os.PathLike, offset: int) -> ArchivedResponse | None:
    """The response record starting at ``offset`` in ``path`` (None if it is not one)."""
    with record_at(path, offset) as record:
        if record is None or record.rec_type != "response" or record.http_headers is None:
            return None
        return ArchivedResponse(
            url=_url(record), status=int(record.http_headers.get_statuscode() or 0),
            headers=list(record.http_headers.headers), body=record.content_stream().read(),
            date=record.rec_headers.get_header("WARC-Date"), offset=offset, length=0,
            record_id=record.rec_headers.get_header("WARC-Record-ID"),
            payload_digest=record.rec_headers.get_header("WARC-Payload-Digest"),
        )
