"""Reading WARC files: archived HTTP responses with their location, payload decoded."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from archive.errors import WarcReadError


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
    """Every response record in ``path``; raises WarcReadError at the first unreadable byte."""
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise WarcReadError(f"cannot open {path}: {exc}") from exc
    with fh:
        it = ArchiveIterator(fh, check_digests=False)
        try:
            for record in it:
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                body = record.content_stream().read()
                it.read_to_end(record)
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


def iter_html_responses(path: str | os.PathLike) -> Iterator[ArchivedResponse]:
    for rec in iter_responses(path):
        if "html" in rec.content_type.lower() and 200 <= rec.status < 300:
            yield rec


def read_record_at(path: str | os.PathLike, offset: int) -> ArchivedResponse | None:
    """The response record starting at ``offset`` in ``path`` (None if it is not one)."""
    with open(path, "rb") as fh:
        fh.seek(offset)
        for record in ArchiveIterator(fh, check_digests=False):
            if record.rec_type != "response" or record.http_headers is None:
                return None
            return ArchivedResponse(
                url=_url(record), status=int(record.http_headers.get_statuscode() or 0),
                headers=list(record.http_headers.headers), body=record.content_stream().read(),
                date=record.rec_headers.get_header("WARC-Date"), offset=offset, length=0,
                record_id=record.rec_headers.get_header("WARC-Record-ID"),
                payload_digest=record.rec_headers.get_header("WARC-Payload-Digest"),
            )
    return None
