"""A small threaded HTTP server for a dict of pages, on a free loopback port.

Honours If-None-Match / If-Modified-Since (ETag and Last-Modified on every
page) and gzip-encodes HTML when the client accepts it, like real news sites.
Pages that name ``{ASSETS}`` get a second server on another loopback address
(127.0.0.2, a CDN's stand-in) serving the same pages; ``{ASSETS}`` is its URL.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import urlsplit

from sample.site import Page

#: the second host's address: another loopback address, outside a host-scoped crawl
ASSETS_HOST = "127.0.0.2"


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:16] + '"'


class SiteHandler(BaseHTTPRequestHandler):
    server_version = "SampleNews/1.0"
    protocol_version = "HTTP/1.1"
    pages: dict[str, Page] = {}

    def log_message(self, format, *args):  # noqa: A002 - quiet
        pass

    def do_GET(self) -> None:  # noqa: N802
        path = urlsplit(self.path).path
        page = self.server.pages.get(path)  # type: ignore[attr-defined]
        if page is None:
            return self._send(404, "text/html; charset=utf-8", b"<html><body><h1>Not found</h1></body></html>")
        body = page.body.replace(b"{BASE}", self.server.base_url.encode())  # type: ignore[attr-defined]
        body = body.replace(b"{ASSETS}", self.server.assets_url.encode())  # type: ignore[attr-defined]
        tag = etag_of(body)
        if self._not_modified(tag, page):
            return self._send(304, None, b"", {"ETag": tag})
        headers = {"ETag": tag, "Last-Modified": format_datetime(page.last_modified, usegmt=True)}
        if "html" in page.content_type and "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body, mtime=0)
            headers["Content-Encoding"] = "gzip"
            headers["Vary"] = "Accept-Encoding"
        self._send(200, page.content_type, body, headers)

    def _not_modified(self, tag: str, page: Page) -> bool:
        if self.headers.get("If-None-Match"):
            return tag in self.headers["If-None-Match"]
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                return page.last_modified <= parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
        return False

    def _send(self, status: int, ctype: str | None, body: bytes, headers: dict | None = None) -> None:
        self.send_response(status)
        # as CDNs do: the pages on the first host may load the second host's web font
        self.send_header("Access-Control-Allow-Origin", "*")
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, pages: dict[str, Page], host: str = "127.0.0.1", port: int = 0,
                 handler: type[BaseHTTPRequestHandler] = SiteHandler) -> None:
        super().__init__((host, port), handler)
        self.pages = pages
        self.base_url = f"http://{host}:{self.server_address[1]}"
        self.assets: SiteServer | None = None  # the second host, when the pages need one
        self._thread: threading.Thread | None = None

    @property
    def assets_url(self) -> str:
        return self.assets.base_url if self.assets is not None else self.base_url

    def start(self) -> "SiteServer":
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self.assets is not None:
            self.assets.stop()
        self.shutdown()
        self.server_close()


def serve(pages: dict[str, Page] | Callable[[], dict[str, Page]], port: int = 0,
          assets_host: str = ASSETS_HOST) -> SiteServer:
    """Start serving ``pages`` in a background thread; ``.base_url`` says where, and
    ``.assets_url`` where the second host is, if a page names ``{ASSETS}``."""
    pages = pages() if callable(pages) else pages
    server = SiteServer(pages, port=port).start()
    if any(b"{ASSETS}" in page.body for page in pages.values()):
        try:
            server.assets = SiteServer(pages, host=assets_host).start()
        except OSError:  # no second loopback address here: another port of the first
            server.assets = SiteServer(pages).start()
    return server
