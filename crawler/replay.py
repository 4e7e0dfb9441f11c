"""Replay: Scrapy downloads served from WARC records instead of the network.

The ``replay`` spider (crawler/spiders/replay.py) yields one Request per
archived HTML response with its :class:`~archive.reader.RecordRef` in
``request.meta[REF_KEY]``. :class:`ReplayDownloadHandler`, installed for http
and https, answers it from the WARC: status and headers as archived, body
de-chunked and content-decoded (archive/decode.py), and
``request.meta["presskeep_capture"]`` set the way crawler/capture.py sets it, so
the article pipeline stores rows unchanged, pointing at the replayed WARC's record.
A body longer than ``DOWNLOAD_MAXSIZE`` (raw or decoded: a decompression bomb) is cut
there and the response flagged ``truncated``: its capture row says so, the spider
does not clean it (the crawl drops such a response too).

:func:`apply_replay_settings` turns a crawl's settings into a replay's: no
WARC writer, none of presskeep's crawl-side downloader middlewares (capture,
incremental), no robots.txt, throttling, retries, redirects or cache.
"""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy import Request
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from archive.containers import resolved
from archive.decode import MAX_BODY_SIZE
from archive.errors import WarcReadError
from archive.reader import RecordRef, load_ref
from archive.timestamps import normalize_warc_date
from crawler.capture import META_KEY
from crawler.progress import Progress

logger = logging.getLogger(__name__)
progress_logger = logging.getLogger("presskeep.progress")

REF_KEY = "presskeep_replay"
HANDLER = "crawler.replay.ReplayDownloadHandler"
#: what a replay changes in the crawl settings (applied at "spider" priority)
OVERRIDES = {
    "PRESSKEEP_WARC_ENABLED": False, "PRESSKEEP_RUN_COMMAND": "replay",
    "PRESSKEEP_CLEAN_ENABLED": True,  # replay exists to clean (a `crawl --no-clean` archive too)
    "PRESSKEEP_INCREMENTAL": False, "PRESSKEEP_DISCOVERY": False, "PRESSKEEP_RESUME": False,
    "ROBOTSTXT_OBEY": False, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0,
    "RETRY_ENABLED": False, "REDIRECT_ENABLED": False, "HTTPCACHE_ENABLED": False,
    "COOKIES_ENABLED": False, "DEPTH_LIMIT": 0, "PRESSKEEP_MAX_PAGES": 0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
    # the workers, not the spider, are replay's bottleneck: keep their pipes full through the
    # event loop's long turns (reading records, writing a batch of rows)
    "PRESSKEEP_CLEAN_QUEUE": 16,
    "DOWNLOAD_HANDLERS": {"http": HANDLER, "https": HANDLER},
}


_NETWORK_MIDDLEWARES = (
    "offsite.OffsiteMiddleware", "httpauth.HttpAuthMiddleware",
    "downloadtimeout.DownloadTimeoutMiddleware", "defaultheaders.DefaultHeadersMiddleware",
    "useragent.UserAgentMiddleware", "redirect.MetaRefreshMiddleware",
    "httpcompression.HttpCompressionMiddleware", "httpproxy.HttpProxyMiddleware",
)


def apply_replay_settings(settings, priority: str = "spider") -> None:
    """Make ``settings`` (mutable) a replay's: read WARCs, write none, fetch nothing."""
    for name, value in OVERRIDES.items():
        settings.set(name, value, priority=priority)
    middlewares = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
    for path in list(middlewares):
        if path.startswith("crawler."):
            middlewares[path] = None  # capture, incremental: they talk to the network side
    for name in _NETWORK_MIDDLEWARES:  # they only shape requests that go out, or undo codings
        middlewares[f"scrapy.downloadermiddlewares.{name}"] = None  # the handler already removed
    settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority=priority)
    extensions = dict(settings.getdict("EXTENSIONS"))
    if extensions.get("crawler.progress.Progress") is not None:
        extensions["crawler.progress.Progress"] = None
        extensions["crawler.replay.ReplayProgress"] = 500
    settings.set("EXTENSIONS", extensions, priority=priority)


def body_limit(settings) -> int:
    """The most bytes of a body replay reads or decodes: the crawl's DOWNLOAD_MAXSIZE
    (0, no limit for Scrapy, still means the default here: reading stays bounded)."""
    return settings.getint("DOWNLOAD_MAXSIZE") or MAX_BODY_SIZE


def warc_file_name(path: str | Path, root: str | Path) -> str:
    """How rows name a replayed WARC: relative to the archive dir when inside it, else absolute
    (a WARC inside a WACZ: ``WACZ#archive/NAME``, the WACZ's path named the same way)."""
    path, root = Path(resolved(path)), Path(root).resolve()
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def capture_meta(ref: RecordRef, root: str | Path) -> dict:
    """The ``presskeep_capture`` meta for a replayed record (as crawler/capture.py builds it)."""
    return {
        "warc_file": warc_file_name(ref.path, root), "offset": ref.offset, "length": ref.length,
        "record_id": ref.record_id, "payload_digest": ref.payload_digest,
        "fetched_at": normalize_warc_date(ref.date),
    }


def capture_row(run_id: int, ref: RecordRef, meta: dict, response: Response) -> dict:
    headers = response.headers
    get = (lambda name: headers.get(name, b"").decode("latin-1") or None)  # noqa: E731
    return {
        "run_id": run_id, "url": ref.target, "method": "GET", "status": response.status,
        "content_type": get(b"Content-Type"), "length": len(response.body),
        "fetched_at": meta["fetched_at"], "record_type": ref.rec_type,
        "warc_file": meta["warc_file"], "warc_offset": ref.offset, "warc_length": ref.length,
        "warc_record_id": ref.record_id, "payload_digest": ref.payload_digest,
        "etag": get(b"ETag"), "last_modified": get(b"Last-Modified"),
        "truncated": "length" if "truncated" in response.flags else None,
    }


class ReplayDownloadHandler(BaseDownloadHandler):
    """Serves requests that carry a RecordRef from the WARC; refuses every other request."""

    lazy = False

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.root = Path(crawler.settings.get("PRESSKEEP_OUT"))
        self.stats = crawler.stats
        self.max_size = body_limit(crawler.settings)

    async def download_request(self, request: Request) -> Response:
        ref: RecordRef | None = request.meta.get(REF_KEY)
        if ref is None:
            self.stats.inc_value("presskeep/replay/not_archived")
            raise IgnoreRequest(f"replay: not in the replayed WARCs: {request.url}")
        scan = getattr(self.crawler.spider, "scan", None)
        cache = scan.cache if scan is not None else None
        hits = cache.hits if cache is not None else 0
        try:
            payload = load_ref(ref, cache, self.max_size)
        except WarcReadError as exc:
            self.stats.inc_value("presskeep/replay/errors")
            raise IgnoreRequest(f"replay: {exc}") from exc
        headers = Headers(payload.headers)
        respcls = responsetypes.from_args(headers=headers, url=request.url, body=payload.body)
        response = respcls(url=request.url, status=payload.status, headers=headers,
                           body=payload.body, protocol=payload.protocol,
                           flags=self._marks(ref, payload))
        meta = capture_meta(ref, self.root)
        request.meta[META_KEY] = meta
        self.stats.inc_value("presskeep/replay/records")
        if cache is None or cache.hits == hits:
            self.stats.inc_value("presskeep/replay/reread")  # not in the scan's cache
        if ref.rec_type == "revisit":
            self.stats.inc_value("presskeep/replay/revisits")
        self._record_capture(ref, meta, response)
        return response

    def _marks(self, ref: RecordRef, payload) -> list[str]:
        """Count and log (one line) a cut body or a coding that did not decode."""
        where = f"{ref.path}: record at offset {ref.offset} ({ref.url})"
        if payload.problem:
            self.stats.inc_value("presskeep/replay/undecoded")
            logger.warning("presskeep: %s: %s; body kept as archived", where, payload.problem)
        if not payload.truncated:
            return []
        self.stats.inc_value("presskeep/replay/truncated")
        logger.warning("presskeep: %s: body cut at %d bytes (DOWNLOAD_MAXSIZE, a decompression "
                       "bomb or an oversized record): not cleaned", where, self.max_size)
        return ["truncated"]

    def _record_capture(self, ref: RecordRef, meta: dict, response: Response) -> None:
        """A `captures` row for the replayed record, unless the database already has one."""
        from crawler.session import ArchiveSession

        session = self.crawler.get_extension(ArchiveSession)
        if session is None:
            return
        known = session.store.db.execute(
            "SELECT 1 FROM captures WHERE url = ? AND warc_file = ? AND warc_offset = ? LIMIT 1",
            [ref.target, meta["warc_file"], ref.offset]).fetchone()
        if known is None:
            session.store.add_capture(capture_row(session.run_id, ref, meta, response))


class ReplayProgress(Progress):
    """Progress lines for a replay: records replayed, articles kept, unreadable spots."""

    def counts(self) -> tuple[int, int, int]:
        get = self.crawler.stats.get_value
        return (get("presskeep/replay/records", 0), get("presskeep/articles/kept", 0),
                get("presskeep/replay/errors", 0))

    def report(self) -> None:
        records, articles, errors = self.counts()
        progress_logger.info("presskeep: %d records replayed, %d articles kept, %d errors",
                    records, articles, errors)
