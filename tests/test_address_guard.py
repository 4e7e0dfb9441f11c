"""The address guard's rule: unspecified addresses are never fetched, only loopback and private seeds widen.

Every crawl stays on loopback. A small server (dual-stack when the machine has
IPv6) redirects to ``0.0.0.0:PORT`` and ``[::]:PORT``, where PORT is its own
live port: a hit there would prove the guard let the request through. Seeds on
CGNAT and link-local addresses are refused by the guard before any connection,
so no packet leaves the machine (the error row names the guard, not a timeout).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.test import get_crawler

from crawler.guard import AddressGuard, address_kind, resolve
from tests.conftest import crawl, query

QUICK = ("-s", "RETRY_TIMES=0", "-s", "PRESSKEEP_DISCOVERY=False", "-s", "DOWNLOAD_TIMEOUT=5")
UNSPECIFIED_SPELLINGS = ["0.0.0.0", "0", "00", "0x0", "0.0", "000.000.000.000", "0x00000000",
                         "0.0.0.0.", "[::]", "::", "[0:0::0]", "[::ffff:0.0.0.0]", "::ffff:0:0",
                         "0.1.2.3"]


class Redirector(BaseHTTPRequestHandler):
    """``/go?URL`` answers 302 to URL; every other path is a small page. Hits are counted."""

    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        Redirector.hits.append(self.path)
        if self.path.startswith("/go?"):
            self.send_response(302)
            self.send_header("Location", self.path[4:])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"<html><head><title>reached</title></head><body><p>reached</p></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


class DualStack(ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True

    def server_bind(self) -> None:
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


@pytest.fixture(scope="module")
def site():
    try:
        server: ThreadingHTTPServer = DualStack(("::", 0), Redirector)
        server.ipv6 = True
    except OSError:  # no IPv6 here: 0.0.0.0 still reaches a 127.0.0.1 listener
        server = ThreadingHTTPServer(("127.0.0.1", 0), Redirector)
        server.ipv6 = False
    server.port = server.server_address[1]
    server.base_url = f"http://127.0.0.1:{server.port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def fresh_hits():
    Redirector.hits.clear()


def reached(marker: str) -> bool:
    """Whether a request other than a redirect asked for ``marker``."""
    return any(marker in path for path in Redirector.hits if not path.startswith("/go?"))


# -- the rule, on the middleware itself (literal hosts need no look-up, no connection) ------------
@pytest.mark.parametrize("spelling", UNSPECIFIED_SPELLINGS)
def test_every_spelling_of_unspecified_is_unspecified(spelling):
    addresses = resolve(spelling)
    assert addresses and {address_kind(a) for a in addresses} == {"unspecified"}


@pytest.mark.parametrize("ip,kind", [
    ("100.64.0.1", "shared"), ("100.127.255.254", "shared"), ("169.254.169.254", "link-local"),
    ("192.0.2.7", "documentation"), ("2001:db8::1", "documentation"),
    ("198.18.0.1", "benchmarking"), ("224.0.0.251", "multicast"), ("ff02::1", "multicast"),
    ("192.0.0.8", "reserved"), ("255.255.255.255", "reserved"), ("::ffff:100.64.0.1", "shared"),
    ("64:ff9b::7f00:1", "loopback"), ("64:ff9b::808:808", None), ("10.9.8.7", "private"),
])
def test_reserved_ranges_have_their_own_kind(ip, kind):
    assert address_kind(ipaddress.ip_address(ip)) == kind


def run(coroutine) -> None:
    """Literal hosts are classified without a look-up: no reactor needed (10 s cap if one were)."""
    asyncio.run(asyncio.wait_for(coroutine, 10))


def guard_for(mode: str, *seeds: str) -> AddressGuard:
    crawler = get_crawler(settings_dict={"PRESSKEEP_ALLOW_PRIVATE": mode})
    guard = AddressGuard.from_crawler(crawler)
    run(guard.add_seeds(seeds))
    return guard


def allowed(guard: AddressGuard, url: str) -> bool:
    try:
        run(guard.process_request(Request(url, meta={"depth": 1})))
    except IgnoreRequest:
        return False
    return True


RULE = [  # (mode, seed, target, fetched?)
    ("auto", "http://127.0.0.1/", "http://127.0.0.2/", True),
    ("auto", "http://127.0.0.1/", "http://10.0.0.1/", False),
    ("auto", "http://10.0.0.1/", "http://192.168.1.1/", True),
    ("auto", "http://127.0.0.1/", "http://0.0.0.0/", False),
    ("auto", "http://100.64.0.1/", "http://100.64.0.2/", False),
    ("auto", "http://100.64.0.1/", "http://0.0.0.0/", False),
    ("auto", "http://0.0.0.0/", "http://0.0.0.0/", False),
    ("auto", "http://[::]/", "http://[::]/", False),
    ("auto", "http://169.254.169.254/", "http://169.254.169.254/", False),
    ("auto", "http://192.0.2.1/", "http://192.0.2.1/", False),
    ("auto", "http://8.8.8.8/", "http://127.0.0.1/", False),
    ("auto", "http://8.8.8.8/", "http://8.8.4.4/", True),
    ("false", "http://127.0.0.1/", "http://127.0.0.1/", False),
    ("true", "http://8.8.8.8/", "http://169.254.169.254/", True),
    ("true", "http://8.8.8.8/", "http://100.64.0.1/", True),
    ("true", "http://127.0.0.1/", "http://0/", False),
    ("true", "http://127.0.0.1/", "http://[::ffff:0.0.0.0]/", False),
]


@pytest.mark.parametrize("mode,seed,target,fetched", RULE)
def test_the_rule(mode, seed, target, fetched):
    assert allowed(guard_for(mode, seed), target) is fetched


def test_seed_kinds_set_from_outside_widen_only_loopback_and_private():
    guard = guard_for("auto", "http://8.8.8.8/")
    guard.seed_kinds |= {"shared", "unspecified", "link-local", "loopback"}  # as a cluster peer may
    assert allowed(guard, "http://127.0.0.1/")
    assert not allowed(guard, "http://100.64.0.1/") and not allowed(guard, "http://0/")


# -- real crawls ------------------------------------------------------------------------------
def test_cgnat_seed_never_opens_unspecified(site, tmp_path):
    """A CGNAT seed used to allow every 'reserved' address, 0.0.0.0 included."""
    target = f"http://0.0.0.0:{site.port}/secret?cgnat"
    seed = f"{site.base_url}/go?{target}"
    cgnat = f"http://100.64.0.1:{site.port}/"
    proc = crawl(cgnat, tmp_path / "out", seed, *QUICK, check=False)
    assert proc.returncode == 0, proc.stderr  # the 302 itself was archived
    assert not reached("/secret?cgnat")
    db = tmp_path / "out/presskeep.db"
    row, = query(db, "SELECT * FROM captures WHERE url = ?", [cgnat])
    assert row["status"] is None
    assert "refused by the address guard: 100.64.0.1 is a shared address" in row["error"]
    row, = query(db, "SELECT * FROM captures WHERE url = ?", [target])
    assert "0.0.0.0 is an unspecified address and those reach this machine" in row["error"]
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("host", ["0.0.0.0", "0", "[::]", "[::ffff:0.0.0.0]"])
def test_unspecified_seed_is_refused_before_any_connection(site, tmp_path, host):
    if ":" in host and not site.ipv6:
        pytest.skip("no IPv6 on this machine")
    seed = f"http://{host}:{site.port}/secret?seed-{host.strip('[]')}"
    proc = crawl(seed, tmp_path / "out", *QUICK, check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "nothing was archived" in proc.stderr
    refusals = [x for x in proc.stderr.splitlines() if "refused by the address guard" in x]
    assert len([x for x in refusals if "secret" in x]) == 1, proc.stderr
    assert "unspecified" in refusals[0]
    assert not (tmp_path / "out").exists()  # a crawl that archived nothing leaves no archive
    assert Redirector.hits == []  # not even robots.txt


@pytest.mark.parametrize("host", ["100.64.0.1", "169.254.169.254", "192.0.2.1"])
def test_reserved_seed_is_refused_before_any_connection(tmp_path, host):
    seed = f"http://{host}:9/news"
    proc = crawl(seed, tmp_path / "out", *QUICK, check=False)
    assert proc.returncode == 1 and "nothing was archived" in proc.stderr
    refusals = [x for x in proc.stderr.splitlines() if "refused by the address guard" in x]
    assert len(refusals) == 1 and host in refusals[0], proc.stderr
    assert not (tmp_path / "out").exists()  # a crawl that archived nothing leaves no archive


def test_allow_private_true_still_refuses_unspecified(site, tmp_path):
    target = f"http://0.0.0.0:{site.port}/secret?allow-true"
    proc = crawl(f"{site.base_url}/go?{target}", tmp_path / "out", *QUICK,
                 "-s", "PRESSKEEP_ALLOW_PRIVATE=True", check=False)
    assert proc.returncode == 0, proc.stderr
    assert not reached("/secret?allow-true")
    row, = query(tmp_path / "out/presskeep.db", "SELECT * FROM captures WHERE url = ?", [target])
    assert "unspecified" in row["error"]
