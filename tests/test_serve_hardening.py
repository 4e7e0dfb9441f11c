"""`presskeep serve` against hostile clients: real sockets to a real `presskeep serve` process.

It answers only for its own Host (DNS rebinding), answers HEAD like GET without
the body, drops a connection that sends nothing, runs at most --max-connections
handler threads (the rest wait their turn), and answers absurd ids instead of
dropping the connection.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from tests.conftest import presskeep, query
from tests.replay_warcs import article_html, heritrix_warc
from tests.serving import ServeProcess, http

SITE = "http://127.0.0.1:9/"
TEXT = "The city library extended its opening hours to late evening on weekdays. " * 12


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("hardening")
    heritrix_warc(base / "site.warc.gz", [(SITE + "news/library.html",
                                           article_html("Library hours", TEXT))])
    presskeep("replay", str(base / "site.warc.gz"), "--out", str(base / "out"), "-s",
              "PRESSKEEP_PROGRESS_INTERVAL=0", "-s", "PRESSKEEP_CLEAN_WORKERS=0", check=True)
    return base / "out"


@pytest.fixture(scope="module")
def ui(archive):
    with ServeProcess(archive) as server:
        yield server


def raw(port: int, request: bytes) -> bytes:
    """Everything the server sends back for ``request`` until it closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_only_its_own_host_is_answered(ui):
    port = ui.port
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}"):
        assert http(port, "/", host=host)[0] == 200, host
    for host in ("attacker.example", f"attacker.example:{port}", f"127.0.0.1:{port + 1}",
                 "127.0.0.1", f"127.0.0.1.nip.io:{port}", f"[::1]:{port}"):
        status, _, body = http(port, "/", host=host)
        assert status == 421 and b"Misdirected" in body, host
    assert raw(port, b"GET / HTTP/1.1\r\n\r\n").startswith(b"HTTP/1.0 421")  # 1.1 needs a Host
    assert raw(port, b"GET / HTTP/1.0\r\n\r\n").startswith(b"HTTP/1.0 200")


def _head(response: bytes) -> tuple[bytes, dict[str, str], bytes]:
    head, _, body = response.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    headers.pop("Date", None)
    return status.encode(), headers, body


@pytest.mark.parametrize("path", ["/", "/style.css", "/article/1", "/record/capture/1",
                                  "/article/424242"])
def test_head_is_get_without_the_body(ui, path):
    request = "{} %s HTTP/1.0\r\nHost: 127.0.0.1:%d\r\n\r\n" % (path, ui.port)
    get = _head(raw(ui.port, request.format("GET").encode()))
    head = _head(raw(ui.port, request.format("HEAD").encode()))
    assert head[0] == get[0] and head[1] == get[1]
    assert head[2] == b"" and int(get[1]["Content-Length"]) == len(get[2]) > 0


@pytest.mark.parametrize("path", [
    "/record/capture/99999999999999999999999", "/article/99999999999999999999999",
    "/original/capture/9223372036854775808", "/article/-1", "/record/capture/abc",
    "/original/article/1e9", "/article/0", "/record/capture/" + "9" * 5000,
])
def test_absurd_ids_are_answered(ui, path):
    status, _, body = http(ui.port, path)
    assert status in (400, 404) and b"Not found" in body


@pytest.mark.parametrize("query", ["page=%C2%B2", "per=%D9%A3", "page=" + "9" * 400,
                                   "page=-1&per=0", "q=%00%ff&site=%"])
def test_odd_query_values_fall_back_to_defaults(ui, query):
    status, _, body = http(ui.port, "/?" + query)
    assert status == 200 and b"articles" in body


def test_a_silent_connection_is_dropped(archive):
    with ServeProcess(archive, "--idle-timeout", "1") as server:
        for opening in (b"", b"GET / HT"):  # nothing at all; half a request line
            with socket.create_connection(("127.0.0.1", server.port), timeout=60) as sock:
                sock.sendall(opening)
                assert sock.recv(1024) == b""  # closed by the server, not by our timeout
        assert http(server.port, "/")[0] == 200


def test_handler_threads_are_capped(archive):
    with ServeProcess(archive, "--max-connections", "2", "--idle-timeout", "120") as server:
        assert http(server.port, "/")[0] == 200
        base = server.threads()
        hogs = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(2)]
        waiting = []
        for _ in range(10):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=60)
            sock.sendall(b"GET /style.css HTTP/1.0\r\nHost: 127.0.0.1:%d\r\n\r\n" % server.port)
            waiting.append(sock)
        most, end = 0, time.monotonic() + 3  # a server without a cap starts 12 threads by then
        while time.monotonic() < end and most < base + 12:
            most = max(most, server.threads())
            time.sleep(0.05)
        assert most <= base + 2
        for sock in hogs:
            sock.close()
        for sock in waiting:  # served in turn once the hogs are gone
            with sock:
                data = b""
                while chunk := sock.recv(65536):
                    data += chunk
            assert data.startswith(b"HTTP/1.0 200")


def test_ids_in_the_database_still_work(ui, archive):
    aid, = query(archive / "presskeep.db", "SELECT id FROM articles LIMIT 1")[0]
    status, _, body = http(ui.port, f"/article/{aid}")
    assert status == 200 and b"Library hours" in body
