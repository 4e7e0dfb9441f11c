"""`presskeep serve`: the web UI over HTTP and end to end in headless Chromium.

The archive is made by replaying a WARC (so it also exercises replay) that holds a
hostile page: its scripts, images and stylesheets try to reach the UI's origin and
a "beacon" server. None of those requests may happen, and the page must render.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from urllib.parse import quote

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import ROOT, presskeep, query
from tests.replay_warcs import article_html, heritrix_warc

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-background-networking", "--disable-gpu",
                  "--no-first-run", "--disable-component-update", "--disable-sync")
SITE = "http://127.0.0.1:9/"
TEXT = "The harbour authority approved new cranes for the container terminal. " * 10
FRENCH = "Le conseil municipal a voté la rénovation de la gare centrale cette semaine. " * 10


class Beacon(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        Beacon.hits.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def hostile_extra(beacon: str) -> str:
    return (f'<script>fetch("/pwned-fetch");document.title="PWNED";'
            f'document.body.innerHTML="<h1 id=pwned>PWNED</h1>";top.location="/pwned-nav";</script>'
            f'<img src="/pwned-img.png"><img src="{beacon}/beacon.png">'
            f'<link rel="stylesheet" href="{beacon}/beacon.css"><iframe src="{beacon}/frame"></iframe>'
            f'<p style="color:#b00">Inline styles still apply.</p>')


@pytest.fixture(scope="module")
def beacon():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Beacon)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def archive(tmp_path_factory, beacon) -> Path:
    base = tmp_path_factory.mktemp("serve")
    french = article_html("La gare centrale", FRENCH).replace(b'lang="en"', b'lang="fr"')
    pages = [(SITE + "news/harbour.html", article_html("Harbour cranes", TEXT)),
             (SITE + "news/gare.html", french),
             (SITE + "news/hostile.html",
              article_html("Hostile <script>alert(1)</script> & page", TEXT.replace("harbour", "port"),
                           hostile_extra(beacon)))]
    heritrix_warc(base / "site.warc.gz", pages, revisit_of=SITE + "news/harbour.html")
    presskeep("replay", str(base / "site.warc.gz"), "--out", str(base / "out"), "-s",
              "PRESSKEEP_PROGRESS_INTERVAL=0", "-s", "PRESSKEEP_CLEAN_WORKERS=0", check=True)
    return base / "out"


@pytest.fixture(scope="module")
def ui(archive, tmp_path_factory):
    log = tmp_path_factory.mktemp("serve-log") / "serve.log"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with open(log, "w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "crawler.cli", "serve", "--out", str(archive),
                                 "--port", "0"], stdout=fh, stderr=fh, cwd=ROOT, env=env)
    try:
        url = _wait_for_url(log, proc)
        yield url, log
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _wait_for_url(log: Path, proc: subprocess.Popen) -> str:
    end = time.monotonic() + 30
    while time.monotonic() < end:
        for line in log.read_text().splitlines():
            if " at http://127.0.0.1:" in line:
                return line.split(" at ", 1)[1].split()[0]
        if proc.poll() is not None:
            pytest.fail(f"serve exited: {log.read_text()}")
        time.sleep(0.1)
    pytest.fail("serve did not start")


def get(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=20) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def article_id(archive: Path, url: str) -> int:
    return query(archive / "presskeep.db", "SELECT id FROM latest_articles WHERE url = ?", [url])[0][0]


# -- HTTP level -------------------------------------------------------------------
def test_search_filters_and_escaping(ui, archive):
    base, _ = ui
    status, headers, body = get(base + "?q=cranes")
    page = body.decode()
    assert status == 200 and "<mark>cranes</mark>" in page and "Harbour cranes" in page
    assert "script-src" not in headers["Content-Security-Policy"]  # default-src 'none': no scripts
    assert "frame-src 'self'" in headers["Content-Security-Policy"]
    assert "Hostile &lt;script&gt;alert(1)&lt;/script&gt; &amp; page" in page
    assert "<script>" not in page
    assert "La gare centrale" not in page
    _, _, body = get(base + "?language=fr")
    assert "La gare centrale" in body.decode() and "Harbour cranes" not in body.decode()
    _, _, body = get(base + "?q=cranes&site=127.0.0.1&from=2026-11-01&to=2026-11-30")
    assert "Harbour cranes" in body.decode()
    _, _, body = get(base + "?q=cranes&to=2020-01-01")
    assert "No articles found" in body.decode()
    status, _, body = get(base + "?q=%22unbalanced+AND+(")
    assert status == 200  # FTS syntax in user text is quoted, never an error


def test_search_results_are_paged(ui):
    base, _ = ui
    _, _, body = get(base + "?per=2")
    first = body.decode()
    assert "articles 1–2 of 3, newest first" in first
    assert 'rel="next" href="/?per=2&amp;page=2"' in first and 'rel="prev"' not in first
    _, _, body = get(base + "?per=2&page=2")
    second = body.decode()
    assert "articles 3–3 of 3" in second
    assert 'rel="prev" href="/?per=2&amp;page=1"' in second and 'rel="next"' not in second
    titles = {t for t in ("Harbour cranes", "La gare centrale", "Hostile &lt;script&gt;")
              if t in first}
    assert len(titles) == 2 and not any(t in second for t in titles)  # no row on both pages
    _, _, body = get(base + "?q=the&per=1&language=en")  # filters and query kept
    assert 'rel="next" href="/?q=the&amp;language=en&amp;per=1&amp;page=2"' in body.decode()
    status, _, body = get(base + "?page=999&per=abc")
    assert status == 200 and "No articles found" in body.decode()  # past the end: empty page


def test_article_view_and_sandboxed_original(ui, archive):
    base, _ = ui
    aid = article_id(archive, SITE + "news/hostile.html")
    status, _, body = get(f"{base}article/{aid}")
    page = body.decode()
    assert status == 200 and '<iframe sandbox="" referrerpolicy="no-referrer"' in page
    assert f'src="/original/article/{aid}"' in page and "Cleaned text" in page
    status, headers, original = get(f"{base}original/article/{aid}")
    csp = headers["Content-Security-Policy"]
    assert status == 200 and csp.startswith("sandbox;") and "default-src 'none'" in csp
    assert b"/pwned-fetch" in original  # served as archived; the CSP keeps it inert
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_history_and_raw_record_download(ui, archive):
    base, _ = ui
    url = SITE + "news/harbour.html"
    status, _, body = get(f"{base}history?url={quote(url, safe='')}")
    page = body.decode()
    assert status == 200 and "Captures (2)" in page and "revisit" in page
    capture_ids = [r[0] for r in query(archive / "presskeep.db",
                                       "SELECT id FROM captures WHERE url = ? ORDER BY id", [url])]
    status, headers, raw = get(f"{base}record/capture/{capture_ids[0]}")
    assert status == 200 and headers["Content-Type"] == "application/warc"
    assert headers["Content-Disposition"].endswith('.warc.gz"')
    record = next(iter(ArchiveIterator(BytesIO(raw))))
    assert record.rec_type == "response" and record.rec_headers.get_header("WARC-Target-URI") == url
    status, _, page = get(f"{base}original/capture/{capture_ids[1]}")  # the revisit
    assert status == 200 and b"Harbour cranes" in page
    assert get(f"{base}article/999999")[0] == 404 and get(f"{base}nothing")[0] == 404


# -- headless Chromium ------------------------------------------------------------------
def chromium(*args: str) -> subprocess.CompletedProcess:
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="presskeep-chromium-") as profile:
        return subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                               "--virtual-time-budget=3000", *args],
                              capture_output=True, text=True, timeout=120)


def png_pixels(path: Path) -> tuple[int, int, set[tuple[int, ...]]]:
    """Width, height and the set of distinct colours of an 8-bit RGB/RGBA PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and ctype in (2, 6)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw, stride, prev, colours = zlib.decompress(idat), width * bpp, bytearray(width * bpp), set()
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        cur = _unfilter(line[0], bytearray(line[1:]), prev, bpp)
        colours.update(bytes(cur[i:i + 3]) for i in range(0, stride, bpp * 7))
        prev = cur
    return width, height, colours


def _unfilter(ftype: int, cur: bytearray, prev: bytearray, bpp: int) -> bytearray:
    for i in range(len(cur)):
        a = cur[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if ftype == 1:
            cur[i] = (cur[i] + a) & 255
        elif ftype == 2:
            cur[i] = (cur[i] + b) & 255
        elif ftype == 3:
            cur[i] = (cur[i] + (a + b) // 2) & 255
        elif ftype == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    return cur


def test_browser_search_page(ui):
    base, _ = ui
    proc = chromium("--dump-dom", base + "?q=cranes")
    assert "Harbour cranes" in proc.stdout and "<mark>cranes</mark>" in proc.stdout, proc.stderr[-500:]


def test_browser_original_scripts_never_run(ui, archive):
    base, _ = ui
    aid = article_id(archive, SITE + "news/hostile.html")
    proc = chromium("--dump-dom", f"{base}original/article/{aid}")  # even opened top-level
    assert "Inline styles still apply." in proc.stdout, proc.stderr[-500:]
    assert 'id="pwned"' not in proc.stdout and "<title>PWNED" not in proc.stdout


def test_browser_article_renders_and_nothing_leaks(ui, archive, beacon, tmp_path):
    base, log = ui
    aid = article_id(archive, SITE + "news/hostile.html")
    shot = tmp_path / "article.png"
    proc = chromium("--window-size=1280,900", f"--screenshot={shot}", f"{base}article/{aid}")
    assert shot.exists(), proc.stderr[-800:]
    width, height, colours = png_pixels(shot)
    assert (width, height) == (1280, 900)
    assert len(colours) > 20, "the page rendered blank"
    assert bytes((0x1F, 0x3A, 0x5F)) in colours  # the UI's header bar
    dom = chromium("--dump-dom", f"{base}article/{aid}").stdout
    assert "<title>PWNED" not in dom and "Cleaned text" in dom
    time.sleep(0.5)
    served = log.read_text()
    assert f"GET /original/article/{aid}" in served  # the iframe did load
    assert "/pwned" not in served, "archived content reached the UI's origin"
    assert Beacon.hits == [], f"archived content reached the network: {Beacon.hits}"


def test_serve_without_database_fails_cleanly(tmp_path):
    proc = presskeep("serve", "--out", str(tmp_path / "none"), "--port", "0", timeout=30)
    assert proc.returncode == 1 and "presskeep: error: no database" in proc.stderr
    assert "Traceback" not in proc.stderr
