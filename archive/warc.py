"""Writing WARC/1.1 files: rotation, temporary names, response/request and revisit records.

A file is written as ``NAME.warc.gz.open`` and renamed to ``NAME.warc.gz`` when
closed. Rows in SQLite always name the final file, so a reader never needs to
know about the temporary suffix; :func:`archive.recovery.finish_open_files` completes files
a crashed process left behind. Records go through archive/gzip_records.py (one gzip member
each, compressed in the caller's thread or on one compressor thread). The writer holds an exclusive ``flock`` on its
``.open`` file until it has its final name, and recovery skips a file whose
flock it cannot take: a live writer's file (a crawl beside a replay, another
shard's worker) is never cut or renamed.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.errors import WarcWriteError
from archive.gzip_records import GzipRecords, Pending, ThreadedGzipRecords, compressor
from archive.lock import hold_flock
from archive.paths import OPEN_SUFFIX, WARC_SUFFIX, safe_name
from archive.timestamps import warc_date

logger = logging.getLogger(__name__)

#: the version on every request line: Scrapy's HTTP/1.1 handler (Twisted) sends HTTP/1.1
REQUEST_PROTOCOL = "HTTP/1.1"

@dataclass(frozen=True)
class RecordLocation:
    """Where a record landed: file name relative to the archive dir, byte range."""

    warc_file: str
    offset: int | Pending
    length: int | Pending
    record_id: str
    payload_digest: str | None


#: WARC header of a page requisite's response or revisit record (crawler/requisites.py):
#: the URL of the page it was fetched for. Readers that replay pages pass these records over
#: (archive/reader/scan.py); WARC 1.1 readers ignore extension fields they do not know.
REQUISITE_HEADER = "WARC-Presskeep-Requisite-Of"
#: WARC-Target-URI prefix of the ``resource`` record holding a page's DOM as Chromium rendered
#: it (crawler/render.py): ``urn:presskeep:rendered:`` + the page's URL. Replay cleans it as
#: that page (archive/reader/scan.py); replay tools keep serving the page as fetched.
RENDERED_PREFIX = "urn:presskeep:rendered:"


@dataclass
class Exchange:
    """One HTTP exchange as received, ready to archive."""

    url: str
    status: int
    reason: str
    protocol: str
    headers: list[tuple[str, str]]
    body: bytes
    request_method: str = "GET"
    request_headers: list[tuple[str, str]] | None = None
    truncated: str | None = None  # WARC-Truncated reason, e.g. "length"
    ip_address: str | None = None
    date: datetime | None = None
    extra: dict[str, str] | None = None  # more WARC headers of the response record


def _request_target(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    target = parts.path or "/"
    return f"{target}?{parts.query}" if parts.query else target


class WarcFileWriter:
    """Appends records to rotating WARC files under ``directory``.

    ``rel_dir`` is how ``directory`` is named relative to the archive root, so
    locations returned can be stored as they are (``warc/NAME.warc.gz``).
    """

    def __init__(
        self,
        directory: str | os.PathLike,
        *,
        rel_dir: str = "warc",
        prefix: str = "presskeep",
        worker: str = "",
        max_size: int = 1_000_000_000,
        info: dict[str, str] | None = None,
        gzip_level: int = 6,
        gzip_library: str = "zlib",
        threaded: bool = False,
    ) -> None:
        self.directory = Path(directory)
        self.gzip_level = gzip_level
        self.compressobj = compressor(gzip_library)
        self.threaded = threaded  # compress on a thread; offsets are Pending until flush()
        self._executor: ThreadPoolExecutor | None = None
        self._stream: GzipRecords | ThreadedGzipRecords | None = None
        self.directory.mkdir(parents=True, exist_ok=True)
        self.rel_dir = rel_dir
        self.prefix = safe_name(prefix)
        self.worker = safe_name(worker) if worker else ""
        self.host = safe_name(socket.gethostname())
        self.max_size = max_size
        self.info = dict(info or {})
        self.serial = 0
        self._fh: BinaryIO | None = None
        self._writer: WARCWriter | None = None
        self._name: str | None = None
        self.files_written: list[str] = []

    # -- file lifecycle -------------------------------------------------
    def _new_name(self) -> str:
        self.serial += 1
        stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
        parts = [self.prefix, stamp, f"{self.serial:05d}", self.host]
        if self.worker:
            parts.append(self.worker)
        parts.append(str(os.getpid()))
        return "-".join(parts) + WARC_SUFFIX

    def _create(self) -> tuple[str, BinaryIO]:
        """A new ``NAME.warc.gz.open``, flocked by us (a name taken meanwhile: the next one)."""
        while True:
            name = self._new_name()
            if (self.directory / name).exists():
                continue
            try:
                fh = open(self.directory / (name + OPEN_SUFFIX), "xb", buffering=1 << 20)
            except FileExistsError:
                continue
            except OSError as exc:
                raise WarcWriteError(f"cannot create WARC file in {self.directory}: {exc}") from exc
            if hold_flock(fh):
                return name, fh
            fh.close()

    def _open(self) -> None:
        name, self._fh = self._create()
        self._name = name
        if self.threaded:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix="presskeep-warc")
            self._stream = ThreadedGzipRecords(self._fh, self.gzip_level, self._executor,
                                               self.compressobj)
        else:
            self._stream = GzipRecords(self._fh, self.gzip_level, self.compressobj)
        self._writer = WARCWriter(self._stream, gzip=False, warc_version="1.1")
        info = {"software": "presskeep", "format": "WARC File Format 1.1"}
        info.update(self.info)
        self._write(self._writer.create_warcinfo_record(name, info))
        logger.info("presskeep: opened WARC %s", name)

    def rotate_if_needed(self) -> None:
        if self._fh is None:
            self._open()
        elif self._size() >= self.max_size:
            self.close(final=False)
            self._open()

    def _size(self) -> int:
        assert self._stream is not None
        return self._stream.position

    def _wait(self) -> None:
        assert self._stream is not None
        try:
            self._stream.wait()
        except OSError as exc:
            raise WarcWriteError(f"cannot write WARC file {self._name}: {exc}") from exc

    def close(self, final: bool = True) -> None:
        if self._fh is None:
            if final:
                self._stop_thread()
            return
        self._wait()
        if final:
            self._stop_thread()
        self._fh.flush()
        os.fsync(self._fh.fileno())
        final = self.directory / self._name
        os.replace(str(final) + OPEN_SUFFIX, final)  # renamed while still flocked by us
        self._fh.close()
        self.files_written.append(self._name)
        logger.info("presskeep: closed WARC %s", self._name)
        self._fh = self._writer = self._name = self._stream = None

    def _stop_thread(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    def flush(self) -> None:
        """Push written records to the OS so rows may point at them (offsets all known)."""
        if self._fh is not None:
            self._wait()
            try:
                self._fh.flush()
            except OSError as exc:
                raise WarcWriteError(f"cannot write WARC file {self._name}: {exc}") from exc

    @property
    def current_file(self) -> str | None:
        return self._name

    # -- records ----------------------------------------------------------
    def _write(self, record) -> RecordLocation:
        assert self._stream is not None and self._writer is not None
        try:
            self._writer.write_record(record)
        except OSError as exc:
            raise WarcWriteError(f"cannot write WARC record to {self._name}: {exc}") from exc
        offset, length = self._stream.span()
        headers = record.rec_headers
        return RecordLocation(
            warc_file=f"{self.rel_dir}/{self._name}" if self.rel_dir else self._name,
            offset=offset,
            length=length,
            record_id=headers.get_header("WARC-Record-ID"),
            payload_digest=headers.get_header("WARC-Payload-Digest"),
        )

    def write_exchange(self, ex: Exchange) -> RecordLocation:
        """Write the response record, then its request record; return the response's place."""
        self.rotate_if_needed()
        assert self._writer is not None
        date = warc_date(ex.date)
        status = StatusAndHeaders(f"{ex.status} {ex.reason}".strip(), ex.headers, protocol=ex.protocol)
        rec_headers = {"WARC-Date": date}
        if ex.ip_address:
            rec_headers["WARC-IP-Address"] = ex.ip_address
        if ex.truncated:
            rec_headers["WARC-Truncated"] = ex.truncated
        rec_headers.update(ex.extra or {})
        response = self._writer.create_warc_record(
            ex.url, "response", payload=BytesIO(ex.body), length=len(ex.body),
            http_headers=status, warc_headers_dict=rec_headers,
        )
        loc = self._write(response)
        self._write(self._request_record(ex, date, loc.record_id))
        return loc

    def write_resource(self, url: str, body: bytes, content_type: str, *,
                       date: datetime | None = None,
                       extra: dict[str, str] | None = None) -> RecordLocation:
        """A ``resource`` record (no HTTP headers: ``body`` is the whole content), such as
        the DOM of a page rendered in a browser; ``extra``: more WARC headers."""
        self.rotate_if_needed()
        assert self._writer is not None
        headers = {"WARC-Date": warc_date(date), **(extra or {})}
        record = self._writer.create_warc_record(
            url, "resource", payload=BytesIO(body), length=len(body),
            warc_content_type=content_type, warc_headers_dict=headers,
        )
        return self._write(record)

    def _request_record(self, ex: Exchange, date: str, concurrent_to: str):
        assert self._writer is not None
        # the whole line: with is_http_request warcio takes the first word as the protocol
        # and drops its own protocol argument (the version would be lost)
        req_line = f"{ex.request_method} {_request_target(ex.url)} {REQUEST_PROTOCOL}"
        req = StatusAndHeaders(req_line, list(ex.request_headers or []), is_http_request=True)
        return self._writer.create_warc_record(
            ex.url, "request", payload=BytesIO(b""), length=0, http_headers=req,
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": concurrent_to},
        )

    def write_revisit(
        self, ex: Exchange, *, profile: str, refers_to_uri: str, refers_to_date: str,
        payload_digest: str, refers_to_id: str | None = None,
        extra: dict[str, str] | None = None,
    ) -> RecordLocation:
        """A revisit record (headers only) for a payload already archived; ``extra``: more
        WARC headers."""
        self.rotate_if_needed()
        assert self._writer is not None
        date = warc_date(ex.date)
        status = StatusAndHeaders(f"{ex.status} {ex.reason}".strip(), ex.headers, protocol=ex.protocol)
        record = self._writer.create_revisit_record(
            ex.url, digest=payload_digest, refers_to_uri=refers_to_uri,
            refers_to_date=refers_to_date, http_headers=status,
        )
        record.rec_headers.replace_header("WARC-Date", date)
        record.rec_headers.replace_header("WARC-Profile", profile)
        if refers_to_id:
            record.rec_headers.add_header("WARC-Refers-To", refers_to_id)
        for name, value in (extra or {}).items():
            record.rec_headers.add_header(name, value)
        loc = self._write(record)
        self._write(self._request_record(ex, date, loc.record_id))
        return loc
