"""The web UI's HTTP server (stdlib): routes, security headers, request log.

Archived HTML is only ever served from /original/..., with a CSP that sandboxes it
(no scripts, no same-origin access) and lets it load nothing from the network
(inline styles and data: images only); the UI embeds it in an ``<iframe sandbox="">``
and its own CSP (``frame-src 'self'``) keeps that frame from navigating off-site.
UI pages carry no scripts at all.

The server answers only requests whose ``Host`` is the address it is bound to or
``localhost`` (with its port): a page on another site whose name was rebound to
127.0.0.1 (DNS rebinding) gets 421. Each connection may idle ``idle_timeout``
seconds per read or write before it is dropped, and at most ``max_connections``
are handled at once (one thread each); more wait in the listen queue. A row's
WARC file is opened only if archive/paths.py allows it (else 404).
"""

from __future__ import annotations

import logging
import re
import socket
import sqlite3
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from archive.errors import ArchiveError, WarcPathError
from archive.paths import WarcPaths
from archive.reader import Payload, record_bytes, row_payload
from web import queries, views

logger = logging.getLogger("presskeep.serve")

UI_CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
          "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
ARCHIVED_CSP = ("sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
                "font-src data:; form-action 'none'; base-uri 'none'; frame-ancestors 'self'")
COMMON = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
          "Cross-Origin-Resource-Policy": "same-origin", "Cache-Control": "no-store"}
_ROUTES = [
    (re.compile(r"^/$"), "search"),
    (re.compile(r"^/style\.css$"), "style"),
    (re.compile(r"^/article/(\d{1,18})$"), "article"),  # 18 digits: always a SQLite integer
    (re.compile(r"^/original/(article|capture)/(\d{1,18})$"), "original"),
    (re.compile(r"^/record/(article|capture)/(\d{1,18})$"), "record"),
    (re.compile(r"^/history$"), "history"),
]


class NotFound(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    server_version = "presskeep"
    sys_version = ""
    server: "ArchiveServer"

    head_only = False

    def setup(self) -> None:
        self.timeout = self.server.idle_timeout  # StreamRequestHandler sets it on the socket
        super().setup()

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        logger.info("presskeep: serve: %s", format % args)

    def do_HEAD(self) -> None:  # noqa: N802
        self.head_only = True
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802
        if not self.server.host_allowed(self.headers.get("Host"), self.request_version):
            return self._html(421, views.message_page(
                "Misdirected request", f"This server answers only at {self.server.url}"))
        parts = urlsplit(self.path)
        params = parse_qs(parts.query)
        for pattern, name in _ROUTES:
            match = pattern.match(parts.path)
            if match:
                return self._run(getattr(self, f"get_{name}"), params, *match.groups())
        self._html(404, views.message_page("Not found", f"No page at {parts.path}"))

    def _run(self, view, params, *args) -> None:
        try:
            with self.server.connect() as conn:
                view(conn, params, *args)
        except (NotFound, WarcPathError) as exc:
            self._html(404, views.message_page("Not found", str(exc)))
        except (ArchiveError, sqlite3.Error) as exc:
            logger.warning("presskeep: serve: %s: %s", self.path, exc)
            self._html(500, views.message_page("Archive error", str(exc)))
        except (ConnectionError, TimeoutError):
            raise  # the client is gone or too slow: nothing to answer (ArchiveServer.handle_error)
        except Exception as exc:  # an answer, not a dropped connection; the log says what
            logger.warning("presskeep: serve: %s: %s: %s", self.path, type(exc).__name__, exc)
            self._html(500, views.message_page("Server error", f"{type(exc).__name__}: {exc}"))

    # -- views -------------------------------------------------------------
    def get_search(self, conn, params) -> None:
        f = queries.SearchFilters.from_query(params)
        rows, total = queries.search(conn, f)
        sites, langs = queries.choices(conn, "site"), queries.choices(conn, "language")
        self._html(200, views.search_page(f, rows, sites, langs, total))

    def get_style(self, conn, params) -> None:
        self._send(200, "text/css; charset=utf-8", views.STYLE.encode(), {})

    def get_article(self, conn, params, article_id) -> None:
        row = queries.article(conn, int(article_id))
        if row is None:
            raise NotFound(f"no article {article_id}")
        self._html(200, views.article_page(row))

    def _row(self, conn, kind: str, row_id: str):
        row = (queries.article if kind == "article" else queries.capture)(conn, int(row_id))
        if row is None or not row["warc_file"]:
            raise NotFound(f"no archived record for {kind} {row_id}")
        return row

    def get_original(self, conn, params, kind, row_id) -> None:
        row = self._row(conn, kind, row_id)
        paths = WarcPaths.of(self.server.root, conn)
        payload = archived_page(paths, conn, row["warc_file"], row["warc_offset"])
        ctype = next((v for k, v in payload.headers if k.lower() == "content-type"), "")
        if "html" not in ctype.lower():
            ctype = "text/plain; charset=utf-8" if not ctype else ctype
        marks = {"X-Presskeep-Truncated": "length"} if payload.truncated else {}
        self._send(200, ctype, payload.body, {"Content-Security-Policy": ARCHIVED_CSP, **marks})

    def get_record(self, conn, params, kind, row_id) -> None:
        row = self._row(conn, kind, row_id)
        path = WarcPaths.of(self.server.root, conn).record_path(row["warc_file"], row["warc_offset"])
        data = record_bytes(path, row["warc_offset"])  # as many bytes as the record really has
        name = views.download_name(row["warc_file"], row["warc_offset"])
        self._send(200, "application/warc", data, {
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Security-Policy": "default-src 'none'; sandbox"})

    def get_history(self, conn, params) -> None:
        url = (params.get("url") or [""])[0]
        if not url:
            raise NotFound("no url given")
        captures, versions = queries.history(conn, url)
        self._html(200, views.history_page(url, captures, versions))

    # -- responses ------------------------------------------------------------
    def _html(self, status: int, text: str) -> None:
        self._send(status, "text/html; charset=utf-8", text.encode("utf-8"),
                   {"Content-Security-Policy": UI_CSP, "X-Frame-Options": "DENY"})

    def _send(self, status: int, ctype: str, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in {**COMMON, **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        if not self.head_only:
            self.wfile.write(body)


def archived_page(paths: WarcPaths, conn: sqlite3.Connection, name: str, offset: int) -> Payload:
    """The archived response a row points at (a revisit: its original's body); a body cut at
    the size limit, or a coding that did not decode, is logged in one line."""
    payload = row_payload(paths, conn, name, offset)
    if payload.truncated:
        logger.warning("presskeep: serve: %s@%d: body cut at %d bytes (decompression bomb or "
                       "oversized record)", name, offset, len(payload.body))
    if payload.problem:
        logger.warning("presskeep: serve: %s@%d: %s; served as archived", name, offset,
                       payload.problem)
    return payload


class ArchiveServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # connections over the cap wait here, not in threads

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 8411, *,
                 idle_timeout: float = 20.0, max_connections: int = 32,
                 allow_hosts: tuple[str, ...] = ()) -> None:
        self.root = Path(root)
        queries.connect_read_only(self.root).close()  # fail now, not on the first request
        self.idle_timeout = idle_timeout if idle_timeout > 0 else None
        self.slots = threading.BoundedSemaphore(max(1, max_connections))
        self._closing = False
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host.strip("[]"), port), Handler)
        self.hosts = host_names(host, self.server_address[0], allow_hosts)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{f'[{host}]' if ':' in host else host}:{port}/"

    def host_allowed(self, header: str | None, version: str) -> bool:
        """The Host header names this server: a bound name with its port (DNS rebinding)."""
        if header is None:
            return version == "HTTP/1.0"  # HTTP/1.1 requires Host; a browser always sends it
        port = self.server_address[1]
        name, _, given = header.strip().lower().rpartition(":")
        if not name or given.endswith("]"):  # no port, or a bare [v6] address
            name, given = header.strip().lower(), "80"
        return given == str(port) and name.strip("[]").rstrip(".") in self.hosts

    # -- at most max_connections handler threads ------------------------------------
    def process_request(self, request, client_address) -> None:
        while not self.slots.acquire(timeout=0.5):  # the others wait in the listen queue
            if self._closing:
                self.shutdown_request(request)
                return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request, client_address) -> None:
        """One line, not a traceback: a client that went away or idled too long."""
        exc = sys.exc_info()[1]
        logger.info("presskeep: serve: %s: connection dropped: %s: %s", client_address[0],
                    type(exc).__name__, exc)

    def shutdown(self) -> None:
        self._closing = True
        super().shutdown()

    def connect(self) -> sqlite3.Connection:
        return _Closing(queries.connect_read_only(self.root))

    def start(self) -> "ArchiveServer":
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self


def host_names(host: str, bound: str, extra: tuple[str, ...] = ()) -> frozenset[str]:
    """Names a request's Host may use: the bound address, localhost, and ``extra``."""
    names = {host.strip("[]").lower(), bound.lower(), "localhost"}
    if bound in ("0.0.0.0", "::"):  # bound everywhere: the loopback names, and what is allowed
        names |= {"127.0.0.1", "::1"}
    return frozenset(n.strip("[]").lower().rstrip(".") for n in (*names, *extra) if n)


class _Closing:
    """``with`` on a sqlite3 connection commits but does not close; this closes."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        return self.conn

    def __exit__(self, *exc) -> None:
        self.conn.close()
