"""The two replay tools archivists open presskeep's output in, run locally for tests.

- :func:`wayback`: pywb (the project's ``make pywb`` venv, .venv-pywb) serving WARC files
  on a free loopback port;
- :func:`replayweb_text`: ReplayWeb.page (npm package ``replaywebpage``, its prebuilt
  ``ui.js`` and ``sw.js``) embedded in a page served on a free loopback port, loading a
  WACZ in headless Chromium driven by Playwright: :func:`replayweb_text` returns the
  replayed ``<article>`` text, :func:`replayweb_search` the pages its search lists.

Each returns a reason string through :func:`pywb_missing` / :func:`replayweb_missing` when
its tools are truly unavailable, so a test skips with one line.
"""

from __future__ import annotations

import functools
import html
import os
import shutil
import subprocess
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterator

from sample.daemons import free_port

ROOT = Path(__file__).resolve().parent.parent
PYWB = ROOT / ".venv-pywb" / "bin"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
RWP_VERSION = "2.5.3"
#: Chromium flags for a sandbox-less, offline, headless run
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def get(url: str, timeout: float = 20) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of a GET (an HTTP error status is returned, not raised)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


# -- pywb ------------------------------------------------------------------------------
def pywb_missing() -> str | None:
    if (PYWB / "wb-manager").exists():
        return None
    return "pywb is not installed in .venv-pywb (`make pywb`)"


@contextmanager
def wayback(workdir: Path, warcs: list[Path], collection: str = "news") -> Iterator[str]:
    """pywb serving ``warcs`` as ``collection``; yields the collection's base URL."""
    run = dict(cwd=workdir, capture_output=True, text=True, timeout=180, check=True)
    subprocess.run([str(PYWB / "wb-manager"), "init", collection], **run)
    subprocess.run([str(PYWB / "wb-manager"), "add", collection, *map(str, warcs)], **run)
    port = free_port()
    proc = subprocess.Popen([str(PYWB / "wayback"), "-b", "127.0.0.1", "-p", str(port)],
                            cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    base = f"http://127.0.0.1:{port}/{collection}"
    try:
        _wait_for(f"{base}/cdx?url=x", proc)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _wait_for(url: str, proc: subprocess.Popen, deadline: float = 60) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"wayback exited: {proc.stdout.read() if proc.stdout else ''}")
        try:
            get(url, timeout=5)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("wayback did not start")


# -- ReplayWeb.page ------------------------------------------------------------------
def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "presskeep" / f"replaywebpage-{RWP_VERSION}"


def replayweb_missing() -> str | None:
    """None when Chromium, Playwright and the replaywebpage bundle are at hand (fetched with
    ``npm pack`` into the cache the first time); else why not."""
    if not Path(CHROMIUM).exists():
        return "chromium is not installed (.ci/run installs it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (the test extra: `make install`)"
    if _bundle() is None:
        return f"npm cannot fetch replaywebpage@{RWP_VERSION} (.ci/run installs npm)"
    return None


@functools.cache
def _bundle() -> Path | None:
    """The unpacked npm package (``ui.js``, ``sw.js``). ``npm install`` fails on a dependency
    version the registry lacks; the two files are prebuilt bundles, so ``npm pack`` is all."""
    target = _cache_dir()
    if (target / "ui.js").is_file() and (target / "sw.js").is_file():
        return target
    if shutil.which("npm") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(["npm", "pack", f"replaywebpage@{RWP_VERSION}", "--silent"],
                              cwd=tmp, capture_output=True, text=True, timeout=300)
        tarballs = list(Path(tmp).glob("replaywebpage-*.tgz"))
        if proc.returncode != 0 or not tarballs:
            return None
        unpacked = Path(tmp) / "unpacked"
        with tarfile.open(tarballs[0]) as tar:
            tar.extractall(unpacked, filter="data")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(unpacked / "package", target)
    return target


EMBED_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>replay</title><script src="/ui.js"></script>
<style>html,body{margin:0;height:100%} replay-web-page{display:block;height:100vh}</style>
</head><body><replay-web-page source="/archive.wacz" replayBase="/replay/" ATTRS>
</replay-web-page></body></html>
"""


@contextmanager
def _site(wacz: Path, attrs: dict[str, str]) -> Iterator[str]:
    """/ (the embedding page), /ui.js, /replay/sw.js and /archive.wacz on a free port."""
    bundle = _bundle()
    assert bundle is not None
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "replay").mkdir()
        shutil.copy(bundle / "ui.js", root / "ui.js")
        shutil.copy(bundle / "sw.js", root / "replay" / "sw.js")
        shutil.copy(wacz, root / "archive.wacz")
        attributes = " ".join(f'{k}="{html.escape(v)}"' for k, v in attrs.items())
        (root / "index.html").write_text(EMBED_PAGE.replace("ATTRS", attributes),
                                         encoding="utf-8")
        handler = functools.partial(_QuietHandler, directory=str(root))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


def replayweb_text(wacz: Path, url: str, timeout_ms: int = 60_000) -> tuple[str, str]:
    """(``<article>`` text, URL of the replay frame) of ``url``'s newest capture in ``wacz``
    as ReplayWeb.page shows it (a fresh browser: no service worker or cache left over)."""
    from playwright.sync_api import sync_playwright

    with _site(wacz, {"url": url, "embed": "replayonly"}) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{base}/index.html")
            article = (page.frame_locator("replay-web-page iframe").frame_locator("iframe")
                       .locator("article"))
            text = article.inner_text(timeout=timeout_ms)
            frames = [f.url for f in page.frames if f"mp_/{url}" in f.url]
            return text, frames[0] if frames else ""
        finally:
            browser.close()


#: a page entry's text: it is in the entry's shadow root, which innerText leaves out
_ENTRY_TEXT = "els => els.map(e => (e.shadowRoot ? e.shadowRoot.textContent : '') + e.textContent)"


def replayweb_search(wacz: Path, query: str, done: Callable[[list[str]], bool],
                     timeout: float = 60) -> list[str]:
    """The page entries ReplayWeb.page's page list shows for a search of ``query`` in
    ``wacz``: polled until ``done`` says they are what the caller waits for (the list is
    filtered once the pages are indexed), or ``timeout`` seconds; the last ones seen."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    with _site(wacz, {"view": "pages", "query": query}) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{base}/index.html")
            seen: list[str] = []
            end = time.monotonic() + timeout
            while time.monotonic() < end and not done(seen):
                page.wait_for_timeout(250)
                ui = next((f for f in page.frames if "/replay/?source" in f.url), None)
                try:
                    seen = ui.locator("wr-page-entry").evaluate_all(_ENTRY_TEXT) if ui else []
                except PlaywrightError:  # the app frame navigated meanwhile: look again
                    seen = []
            return seen
        finally:
            browser.close()
