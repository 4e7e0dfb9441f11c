"""The web UI's HTTP server (stdlib): routes, security headers, request log.

Archived HTML is only ever served from /original/..., with a CSP that sandboxes it
(no scripts, no same-origin access) and lets it load nothing from the network
(inline styles and data: images only); the UI embeds it in an ``<iframe sandbox="">``
and its own CSP (``frame-src 'self'``) keeps that frame from navigating off-site.
UI pages carry no scripts at all.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from archive.errors import ArchiveError
from crawler.web import queries, views
from crawler.web.records import archived_page, raw_record

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
    (re.compile(r"^/article/(\d+)$"), "article"),
    (re.compile(r"^/original/(article|capture)/(\d+)$"), "original"),
    (re.compile(r"^/record/(article|capture)/(\d+)$"), "record"),
    (re.compile(r"^/history$"), "history"),
]


class NotFound(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    server_version = "presskeep"
    sys_version = ""
    server: "ArchiveServer"

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        logger.info("presskeep: serve: %s", format % args)

    def do_GET(self) -> None:  # noqa: N802
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
        except NotFound as exc:
            self._html(404, views.message_page("Not found", str(exc)))
        except (ArchiveError, sqlite3.Error) as exc:
            logger.warning("presskeep: serve: %s: %s", self.path, exc)
            self._html(500, views.message_page("Archive error", str(exc)))

    # -- views -------------------------------------------------------------
    def get_search(self, conn, params) -> None:
        f = queries.Filters.from_query(params)
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
        payload = archived_page(self.server.root, conn, row["warc_file"], row["warc_offset"])
        ctype = next((v for k, v in payload.headers if k.lower() == "content-type"), "")
        if "html" not in ctype.lower():
            ctype = "text/plain; charset=utf-8" if not ctype else ctype
        marks = {"X-Presskeep-Truncated": "length"} if payload.truncated else {}
        self._send(200, ctype, payload.body, {"Content-Security-Policy": ARCHIVED_CSP, **marks})

    def get_record(self, conn, params, kind, row_id) -> None:
        row = self._row(conn, kind, row_id)
        data = raw_record(self.server.root, row["warc_file"], row["warc_offset"], row["warc_length"])
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
        self.wfile.write(body)


class ArchiveServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 8411) -> None:
        self.root = Path(root)
        queries.connect(self.root).close()  # fail now, not on the first request
        super().__init__((host, port), Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"

    def connect(self) -> sqlite3.Connection:
        return _Closing(queries.connect(self.root))

    def start(self) -> "ArchiveServer":
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self


class _Closing:
    """``with`` on a sqlite3 connection commits but does not close; this closes."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        return self.conn

    def __exit__(self, *exc) -> None:
        self.conn.close()
