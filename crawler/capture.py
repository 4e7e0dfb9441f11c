"""Capture every HTTP exchange into WARC and a `captures` row.

Sits at the downloader end of the middleware chain (priority 950), so it sees
each response as received: before HttpCompressionMiddleware decodes the body,
before redirects and retries are followed, and for robots.txt too.

What Scrapy cannot give us raw (documented in docs/warc.md):
- header names come back in Scrapy's normalised capitalisation and order of
  first occurrence; values and repeats are as received;
- the reason phrase is not exposed: the standard phrase for the code is used;
- chunked transfer coding is already removed by Twisted, so the
  ``Transfer-Encoding`` header is dropped from the record (the payload is the
  de-chunked body, still content-encoded);
- request headers are those Scrapy sends; Twisted adds ``Host`` (recorded) and
  ``Connection: close``-style hop headers of its own (not recorded).
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from http import HTTPStatus

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured, StopDownload
from scrapy.http import Response

from archive.errors import WarcWriteError
from archive.timestamps import warc_date
from archive.warc import RENDERED_PREFIX, REQUISITE_HEADER, Exchange, RecordLocation
from crawler.incremental import (LAST_KEY, ORIGINAL_KEY, UNCHANGED_KEY, Revisit,
                                 original_location, revisit_for, revisit_row)
from crawler.session import ArchiveSession

logger = logging.getLogger(__name__)

META_KEY = "presskeep_capture"
#: request.meta key: stop this body at that many bytes instead of PRESSKEEP_MAX_RESPONSE_SIZE
#: (a page's requisites share a byte budget: crawler/requisites.py)
MAX_SIZE_KEY = "presskeep_max_size"
#: request.meta key: the URL of the page a requisite belongs to (crawler/requisites.py);
#: its records carry it in REQUISITE_HEADER
REQUISITE_KEY = "presskeep_requisite_of"
#: request meta of a page rendered in Chromium (crawler/render.py): the record id of the
#: page's own response, which the rendered DOM's resource record is concurrent to
RENDERED_OF_KEY = "presskeep_rendered_of"
_SIZE_KEY = "_presskeep_received"
_HOP_HEADERS = {"transfer-encoding"}


def _decode(value: bytes) -> str:
    return value.decode("latin-1")


def describe_error(exc: BaseException) -> str:
    """One line for a download error: Twisted's wrapped failures unwrapped to their cause."""
    inner = exc
    while inner.__cause__ is not None:
        inner = inner.__cause__
    reasons = getattr(inner, "reasons", None)  # twisted.web ResponseFailed & co.
    if reasons and hasattr(reasons[0], "value"):
        inner = reasons[0].value
    text = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
    if inner is not exc:
        text = f"{type(exc).__name__}: {type(inner).__name__}: {inner}".strip().rstrip(":")
    return " ".join(text.split())


def header_list(headers) -> list[tuple[str, str]]:
    return [(_decode(k), _decode(v)) for k, values in headers.items() for v in values
            if _decode(k).lower() not in _HOP_HEADERS]


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def request_headers(request: Request) -> list[tuple[str, str]]:
    from urllib.parse import urlsplit

    host = urlsplit(request.url).netloc
    return [("Host", host)] + header_list(request.headers)


def exchange_from(request: Request, response: Response, truncated: str | None) -> Exchange:
    return Exchange(
        url=response.url, status=response.status, reason=reason_phrase(response.status),
        protocol=response.protocol or "HTTP/1.1", headers=header_list(response.headers),
        body=response.body, request_method=request.method,
        request_headers=request_headers(request), truncated=truncated,
        ip_address=str(response.ip_address) if response.ip_address else None,
        date=datetime.now(timezone.utc),
    )


def capture_row(run_id: int, ex: Exchange, loc: RecordLocation | None, record_type: str,
                fetched_at: str) -> dict:
    headers = {k.lower(): v for k, v in ex.headers}
    return {
        "run_id": run_id, "url": ex.url, "method": ex.request_method, "status": ex.status,
        "content_type": headers.get("content-type"), "length": len(ex.body),
        "fetched_at": fetched_at, "record_type": record_type,
        "warc_file": loc.warc_file if loc else None, "warc_offset": loc.offset if loc else None,
        "warc_length": loc.length if loc else None,
        "warc_record_id": loc.record_id if loc else None,
        "payload_digest": loc.payload_digest if loc else None, "truncated": ex.truncated,
        "etag": headers.get("etag"), "last_modified": headers.get("last-modified"),
    }


def archive_exchange(session: ArchiveSession, stats, ex: Exchange, last: dict | None
                     ) -> tuple[RecordLocation, Revisit | None, str]:
    """Write ``ex`` into the archive: a response + request pair, or the revisit
    :func:`~crawler.incremental.revisit_for` finds when it repeats ``last`` (the URL's last
    capture), and its ``captures`` row. Returns (where the record is, the revisit or None,
    its WARC-Date). A write that fails stops the session's writing
    (``session.write_failed``) and raises :class:`WarcWriteError`. The crawl's fetches and
    the browser's (crawler/render.py) are archived through here."""
    fetched_at = warc_date(ex.date)  # the record's WARC-Date: revisits refer to it
    revisit = revisit_for(ex, last, session.root)  # a 304 or the same payload again
    try:
        if revisit:
            if ex.extra:  # e.g. REQUISITE_HEADER: the revisit carries it too
                revisit.args["extra"] = {**revisit.args.get("extra", {}), **ex.extra}
            loc = session.warc.write_revisit(revisit.exchange, **revisit.args)
        else:
            loc = session.warc.write_exchange(ex)
    except WarcWriteError as exc:
        session.write_failed(exc)
        raise
    stats.inc_value("presskeep/warc/records", 2)
    row = capture_row(session.run_id, ex, loc, "revisit" if revisit else "response", fetched_at)
    session.store.add_capture(revisit_row(row, last, revisit.exchange) if revisit else row)
    return loc, revisit, fetched_at


class CaptureMiddleware:
    def __init__(self, crawler: Crawler, session: ArchiveSession) -> None:
        self.crawler = crawler
        self.session = session
        self.stats = crawler.stats
        self.max_size = crawler.settings.getint("PRESSKEEP_MAX_RESPONSE_SIZE")
        crawler.signals.connect(self.bytes_received, signal=signals.bytes_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "CaptureMiddleware":
        session = crawler.get_extension(ArchiveSession)
        if session is None:
            raise NotConfigured("ArchiveSession extension is not enabled")
        return cls(crawler, session)

    def bytes_received(self, data: bytes, request: Request, spider=None) -> None:
        """Stop a body at PRESSKEEP_MAX_RESPONSE_SIZE (or the request's own limit); it is
        archived truncated."""
        limit = request.meta.get(MAX_SIZE_KEY, self.max_size)
        if limit <= 0:
            return
        received = request.meta.get(_SIZE_KEY, 0) + len(data)
        request.meta[_SIZE_KEY] = received
        if received > limit:
            raise StopDownload(fail=False)

    def process_response(self, request: Request, response: Response) -> Response:
        if RENDERED_OF_KEY in request.meta and "playwright" in response.flags:
            return self.capture_rendered(request, response)
        truncated = None
        if "download_stopped" in response.flags or "dataloss" in response.flags:
            # stopped by us at the size limit, or the server closed/reset it early
            truncated = "length" if "download_stopped" in response.flags else "disconnect"
            self.stats.inc_value("presskeep/capture/truncated")
        ex = exchange_from(request, response, truncated)
        page = request.meta.get(REQUISITE_KEY)
        if page:
            ex.extra = {REQUISITE_HEADER: page}
        last = request.meta.get(LAST_KEY)
        try:
            loc, revisit, fetched_at = archive_exchange(self.session, self.stats, ex, last)
        except WarcWriteError as exc:
            raise IgnoreRequest(f"not archived: {exc}") from exc
        if revisit:
            request.meta[UNCHANGED_KEY] = revisit.kind
            if revisit.original is not None:
                request.meta[ORIGINAL_KEY] = revisit.original
        self.stats.inc_value("presskeep/capture/responses")
        request.meta[META_KEY] = (original_location(last, fetched_at) if revisit
                                  else {**loc.__dict__, "fetched_at": fetched_at})
        request.meta.pop(_SIZE_KEY, None)
        return response

    def capture_rendered(self, request: Request, response: Response) -> Response:
        """A page's DOM as Chromium rendered it: a ``resource`` record (the exchanges the
        browser made are archived by crawler/render.py, the page's own response was
        archived when the crawl first fetched it)."""
        content_type = f"text/html; charset={response.encoding}"
        of = request.meta.get(RENDERED_OF_KEY)
        date = datetime.now(timezone.utc)
        fetched_at = warc_date(date)
        try:
            loc = self.session.warc.write_resource(
                RENDERED_PREFIX + response.url, response.body, content_type, date=date,
                extra={"WARC-Concurrent-To": of} if of else None)
        except WarcWriteError as exc:
            self.session.write_failed(exc)
            raise IgnoreRequest(f"not archived: {exc}") from exc
        self.stats.inc_value("presskeep/warc/records")
        self.stats.inc_value("presskeep/render/pages")
        self.session.store.add_capture({
            "run_id": self.session.run_id, "url": RENDERED_PREFIX + response.url,
            "method": request.method, "status": response.status, "content_type": content_type,
            "length": len(response.body), "fetched_at": fetched_at, "record_type": "resource",
            "warc_file": loc.warc_file, "warc_offset": loc.offset, "warc_length": loc.length,
            "warc_record_id": loc.record_id, "payload_digest": loc.payload_digest})
        request.meta[META_KEY] = {**loc.__dict__, "fetched_at": fetched_at}
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        reason = describe_error(exception)
        self.stats.inc_value("presskeep/capture/errors")
        self.session.store.add_capture({
            "run_id": self.session.run_id, "url": request.url, "method": request.method,
            "fetched_at": warc_date(), "error": reason[:500],
        })
        request.meta.pop(_SIZE_KEY, None)
        return None
