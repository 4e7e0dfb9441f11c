"""The sample news site served with every content coding Scrapy accepts, on a free port.

Scrapy 2.19's HttpCompressionMiddleware sends ``Accept-Encoding: gzip, deflate, br, zstd``.
Each HTML page here is encoded with one coding (or a chain of two), chosen by the page's
place in the site so that one crawl archives every kind; a coding the request does not
accept is never used (the page goes out as is). ``python -m tests.codings`` runs it.
"""

from __future__ import annotations

import gzip
import zlib
from functools import lru_cache

import brotli

from sample.server import SiteHandler, SiteServer
from sample.site import build_site

try:
    from compression import zstd  # Python 3.14
except ImportError:  # pragma: no cover - the backport Scrapy depends on
    from backports import zstd


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(wbits=-15)
    return packer.compress(data) + packer.flush()


#: (Content-Encoding header, the coding names it needs accepted, encoder), in turn per page
CODINGS = [
    ("br", ("br",), brotli.compress),
    ("gzip", ("gzip",), lambda d: gzip.compress(d, mtime=0)),
    ("deflate", ("deflate",), zlib.compress),  # zlib-wrapped, as RFC 9110 says
    ("deflate", ("deflate",), _raw_deflate),  # raw deflate, as some servers send it
    ("zstd", ("zstd",), lambda d: zstd.compress(d)),
    ("x-gzip", ("gzip",), lambda d: gzip.compress(d, mtime=0)),
    ("gzip, br", ("gzip", "br"), lambda d: brotli.compress(gzip.compress(d, mtime=0))),
]


def accepted(header: str) -> set[str]:
    return {part.split(";")[0].strip().lower() for part in header.split(",") if part.strip()}


class CodingsHandler(SiteHandler):
    def _send(self, status: int, ctype: str | None, body: bytes, headers: dict | None = None) -> None:
        headers = dict(headers or {})
        if status == 200 and ctype and "html" in ctype:
            headers.pop("Content-Encoding", None)  # the sample server's own gzip: undo, redo
            if body[:2] == b"\x1f\x8b":
                body = gzip.decompress(body)
            name, needs, encode = CODINGS[self.server.turn(self.path)]  # type: ignore[attr-defined]
            if accepted(self.headers.get("Accept-Encoding", "")).issuperset(needs):
                body, headers["Content-Encoding"] = encode(body), name
            headers["Vary"] = "Accept-Encoding"
        super()._send(status, ctype, body, headers)


class CodingsServer(SiteServer):
    def __init__(self, n_articles: int = 14) -> None:
        super().__init__(build_site(n_articles), handler=CodingsHandler)
        self.order = {path: i for i, path in enumerate(sorted(self.pages))}

    @lru_cache(maxsize=None)  # noqa: B019 - one server per test module
    def turn(self, path: str) -> int:
        return self.order.get(path.split("?")[0], 0) % len(CODINGS)


def serve_codings(n_articles: int = 14) -> CodingsServer:
    return CodingsServer(n_articles).start()  # type: ignore[return-value]


if __name__ == "__main__":  # pragma: no cover
    server = serve_codings()
    print(f"serving every content coding at {server.base_url}/ (Ctrl-C to stop)")
    try:
        server._thread.join()  # type: ignore[union-attr]
    except KeyboardInterrupt:
        server.stop()
