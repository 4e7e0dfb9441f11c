"""A misbehaving web server for robustness tests, on a free loopback port.

Each path is one fault (the table in docs/reliability.md lists them with the
outcome a crawl records). ``/`` links to every fault so one crawl visits them
all. Run it by hand with ``python -m tests.faults`` to poke at it.
"""

from __future__ import annotations

import html
import random
import socket
import struct
import threading
import time
import zlib
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from sample.articles import article_html, paragraphs

HTML = "text/html; charset=utf-8"

#: (path, what it does) for every fault the index links to
FAULTS = [
    ("/status/500", "always 500 with Retry-After: 1"),
    ("/flaky/503", "503 with Retry-After: 1 once, then 200"),
    ("/flaky/429", "429 with Retry-After: 1 once, then 200"),
    ("/reset", "Content-Length 200000, 20000 bytes, then a TCP reset"),
    ("/timeout", "no answer for longer than the download timeout"),
    ("/truncated", "Content-Length 50000, 10000 bytes, then a clean close"),
    ("/drip", "a few bytes every 0.2 s, forever"),
    ("/big", "5 MB body (above the test's 1 MB response limit)"),
    ("/bomb", "gzip bomb: 256 KB on the wire, 256 MB decompressed"),
    ("/redirect/loop", "302 to itself"),
    ("/redirect/a", "302 to /redirect/b, which 302s back"),
    ("/chain/0", "a 30-hop redirect chain"),
    ("/calendar/2026/11/", "infinite calendar: each month links the next and previous"),
    ("/months/2026/11/", "infinite calendar: each month links only the next, nothing else"),
    ("/list?page=1", "infinite pagination"),
    ("/charset/wrong", "cp1252 bytes labelled utf-8"),
    ("/charset/missing", "windows-1251 with no charset in the header (meta only)"),
    ("/charset/mixed", "utf-8 with stray latin-1 bytes"),
    ("/html/nul", "an article with NUL bytes"),
    ("/html/deep", "an article inside 50,000 nested divs"),
    ("/binary", "64 KB of random bytes served as text/html"),
    ("/binary/large", "200 KB of random bytes served as text/html; charset=utf-8"),
    ("/story/one", "the canonical article"),
    ("/story/one?utm_source=feed", "the same article, tracking parameter"),
    ("/amp/story/one", "the same article, AMP copy"),
    ("/print/story/one", "the same article, print copy"),
    ("/mirror/story-one", "the same text, no canonical link"),
]

#: an article whose title and body try HTML and SQL injection (security tests)
HOSTILE_TITLE = '</title><script>alert("pk-title")</script>\'); DROP TABLE articles; --'
HOSTILE = article_html(HOSTILE_TITLE, paragraphs("hostile"),
                       extra_body='<script>document.title="pwned"</script>'
                                  '<img src="x" onerror="alert(1)">')
STORY = article_html("Harbour budget approved", paragraphs("story-one"), canonical="/story/one")
MIRROR = article_html("Harbour budget approved", paragraphs("story-one"))


@lru_cache(maxsize=1)
def gzip_bomb(size: int = 256 * 1024 * 1024) -> bytes:
    """``size`` zero bytes, gzip-compressed (about 1/1000 of the size)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1024 * 1024)
    parts = [comp.compress(chunk) for _ in range(size // len(chunk))]
    parts.append(comp.flush())
    return b"".join(parts)


def calendar_page(year: int, month: int) -> str:
    prev_y, prev_m = (year, month - 1) if month > 1 else (year - 1, 12)
    next_y, next_m = (year, month + 1) if month < 12 else (year + 1, 1)
    return (f"<html><body><h1>Events {year}-{month:02d}</h1>"
            f'<a href="/calendar/{prev_y}/{prev_m:02d}/">previous</a> '
            f'<a href="/calendar/{next_y}/{next_m:02d}/">next</a></body></html>')


def month_page(year: int, month: int) -> str:
    next_y, next_m = (year, month + 1) if month < 12 else (year + 1, 1)
    return (f"<html><body><h1>Events {year}-{month:02d}</h1>"
            f'<a href="/months/{next_y}/{next_m:02d}/">next</a></body></html>')


def deep_html(depth: int = 50_000) -> str:
    paras = "".join(f"<p>{p}</p>" for p in paragraphs("deep"))
    return (f"<html><head><title>Deep</title></head><body>{'<div>' * depth}{paras}"
            f"{'</div>' * depth}</body></html>")


CYRILLIC_TITLE = "\u041d\u043e\u0432\u043e\u0441\u0442\u0438 \u0434\u043d\u044f"  # Новости дня

#: exact bodies of the hostile pages (tests compare the archived payload with them)
BODIES = {
    # cp1252 bytes in a response that says utf-8
    "/charset/wrong": article_html("Caf\u00e9 na\u00efve \u2013 r\u00e9sum\u00e9",
                                   paragraphs("cp")).encode("cp1252"),
    # windows-1251, no charset in Content-Type, only <meta charset>
    "/charset/missing": article_html(CYRILLIC_TITLE, [CYRILLIC_TITLE + " " + p for p in
                                                      paragraphs("cyr")],
                                     charset="windows-1251").encode("cp1251"),
    # utf-8 with one stray latin-1 byte
    "/charset/mixed": article_html("Mixed \u00fcber", paragraphs("mixed")).encode("utf-8")
                      .replace(b"<h1>", b"<h1>caf\xe9 "),
    "/html/nul": article_html("Nul bytes", paragraphs("nul")).encode("utf-8")
                 .replace(b"</p>", b"\x00\x00</p>").replace(b"<body>", b"<body>\x00"),
    "/html/deep": deep_html().encode("utf-8"),
    "/binary": random.Random(8).randbytes(64 * 1024),
    # these bytes used to be cleaned into an article of mojibake
    "/binary/large": random.Random(0).randbytes(200 * 1024),
}


class FaultHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "FaultServer"

    def log_message(self, format, *args):  # noqa: A002 - quiet
        pass

    # -- plumbing -----------------------------------------------------------
    def send(self, status: int, body: bytes | str = b"", ctype: str | None = HTML,
             headers: dict | None = None) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def head_only(self, status: int, headers: dict) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.flush()

    def do_GET(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        self.server.hit(self.path)
        try:
            self.route(parts.path, parse_qs(parts.query))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def route(self, path: str, query: dict) -> None:  # noqa: C901 - a dispatch table
        exact = {
            "/": self.index, "/robots.txt": self.robots, "/status/500": self.always_500,
            "/flaky/503": lambda: self.flaky(503), "/flaky/429": lambda: self.flaky(429),
            "/reset": self.reset, "/timeout": self.no_answer, "/truncated": self.truncated,
            "/drip": self.drip, "/big": self.big, "/bomb": self.bomb,
            "/redirect/loop": lambda: self.redirect("/redirect/loop"),
            "/redirect/a": lambda: self.redirect("/redirect/b"),
            "/redirect/b": lambda: self.redirect("/redirect/a"),
            "/list": lambda: self.listing(int(query.get("page", ["1"])[0])),
            "/charset/wrong": self.charset_wrong, "/charset/missing": self.charset_missing,
            "/charset/mixed": self.charset_mixed, "/html/nul": self.nul, "/html/deep": self.deep,
            "/binary": self.binary, "/binary/large": lambda: self.send(200, BODIES[path]),
            "/mirror/story-one": lambda: self.send(200, MIRROR),
            "/private/secret": lambda: self.send(200, "<html><body>secret</body></html>"),
            "/ok": lambda: self.send(200, article_html("Fine", paragraphs("ok"))),
            "/hostile": lambda: self.send(200, HOSTILE),
            "/pdf": lambda: self.send(200, b"%PDF-1.1\n%%EOF\n", "application/pdf"),
            "/missing": lambda: self.send(404, "<html><body>Not found</body></html>"),
            "/undecodable": lambda: self.send(200, bytes(range(128, 256)) * 64,
                                              "text/html; charset=no-such-codec"),
        }
        if path in exact:
            return exact[path]()
        if path.startswith("/chain/"):
            return self.chain(int(path.rsplit("/", 1)[1]))
        if path.startswith(("/calendar/", "/months/")):
            return self.calendar(path)
        if path in ("/story/one", "/amp/story/one", "/print/story/one"):
            return self.send(200, STORY)
        if path.startswith("/to/"):  # /to/<url>: redirect anywhere (guard tests)
            return self.head_only(302, {"Location": self.path[4:], "Content-Length": "0"})
        self.send(404, "<html><body>Not found</body></html>")

    # -- pages ----------------------------------------------------------------
    def index(self) -> None:
        links = "".join(f'<li><a href="{html.escape(p)}">{html.escape(w)}</a></li>'
                        for p, w in FAULTS)
        self.send(200, f"<html><head><title>Faults</title></head><body><ul>{links}</ul>"
                       '<a href="/private/secret">secret</a></body></html>')

    def robots(self) -> None:
        self.send(200, "User-agent: *\nDisallow: /private/\n", "text/plain")

    def always_500(self) -> None:
        self.send(500, "<html><body>Internal error</body></html>", headers={"Retry-After": "1"})

    def flaky(self, status: int) -> None:
        if self.server.hits[self.path] == 1:
            return self.send(status, "<html><body>busy</body></html>", headers={"Retry-After": "1"})
        self.send(200, article_html(f"Recovered after {status}", paragraphs(f"flaky{status}")))

    def reset(self) -> None:
        self.head_only(200, {"Content-Type": HTML, "Content-Length": "200000"})
        self.wfile.write(b"<html><body>" + b"x" * 20000)
        self.wfile.flush()
        # a reset makes the client's kernel drop what it has not read yet: give a busy
        # client time to read the 20,000 bytes, so the test sees them (it did not, under load)
        time.sleep(0.3)
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def no_answer(self) -> None:
        if self.server.stopping.wait(12):
            return
        self.send(200, "<html><body>too late</body></html>")

    def truncated(self) -> None:
        self.head_only(200, {"Content-Type": HTML, "Content-Length": "50000"})
        self.wfile.write(b"<html><body>" + b"y" * 10000)
        self.close_connection = True

    def drip(self) -> None:
        self.head_only(200, {"Content-Type": HTML, "Connection": "close"})
        self.wfile.write(b"<html><body>")
        while not self.server.stopping.wait(0.2):
            self.wfile.write(b"drip ")
            self.wfile.flush()
        self.close_connection = True

    def big(self) -> None:
        size, chunk = 5 * 1024 * 1024, b"z" * 65536
        self.head_only(200, {"Content-Type": HTML, "Content-Length": str(size)})
        self.wfile.write(b"<html><body>")
        for _ in range((size - 12) // len(chunk)):
            self.wfile.write(chunk)
        self.wfile.write(b"z" * ((size - 12) % len(chunk)))

    def bomb(self) -> None:
        self.send(200, gzip_bomb(), headers={"Content-Encoding": "gzip"})

    def redirect(self, target: str) -> None:
        self.send(302, b"", None, {"Location": target})

    def chain(self, n: int) -> None:
        if n >= 30:
            return self.send(200, article_html("End of the chain", paragraphs("chain")))
        self.redirect(f"/chain/{n + 1}")

    def calendar(self, path: str) -> None:
        try:
            year, month = (int(x) for x in path.strip("/").split("/")[1:3])
        except ValueError:
            return self.send(404, "<html><body>Not found</body></html>")
        self.send(200, (month_page if path.startswith("/months/") else calendar_page)(year, month))

    def listing(self, page: int) -> None:
        self.send(200, f"<html><body><h1>Page {page}</h1>"
                       f'<a href="/list?page={page + 1}">next</a> '
                       f'<a href="/list?page={page + 2}">skip</a></body></html>')

    def charset_wrong(self) -> None:
        self.send(200, BODIES["/charset/wrong"], "text/html; charset=utf-8")

    def charset_missing(self) -> None:
        self.send(200, BODIES["/charset/missing"], "text/html")

    def charset_mixed(self) -> None:
        self.send(200, BODIES["/charset/mixed"], HTML)

    def nul(self) -> None:
        self.send(200, BODIES["/html/nul"])

    def deep(self) -> None:
        self.send(200, BODIES["/html/deep"])

    def binary(self) -> None:
        self.send(200, BODIES["/binary"])


class FaultServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__((host, port), FaultHandler)
        self.base_url = f"http://{host}:{self.server_address[1]}"
        self.stopping = threading.Event()
        self.hits: dict[str, int] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def handle_error(self, request, client_address) -> None:
        pass  # the crawler hanging up on a fault is the point, not a server error

    def hit(self, path: str) -> None:
        with self._lock:
            self.hits[path] = self.hits.get(path, 0) + 1

    def start(self) -> "FaultServer":
        gzip_bomb()  # build it before the first request, not inside a timed download
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()


def serve_faults() -> FaultServer:
    return FaultServer().start()


if __name__ == "__main__":
    server = serve_faults()
    print(f"fault server on {server.base_url}/ (Ctrl-C to stop)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
