"""An article of the sample site replayed from pywb looks like the live page: screenshots of
both in headless Chromium agree on at least 98 % of their pixels (share of pixels whose
red, green and blue are all equal), and every URL the live page made the browser fetch
(stylesheets, @imported stylesheet, web font, script, images on the second host) is in
the WARCs. The same page crawled with --no-requisites does not reach the bar: the
comparison can fail."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from sample.site import article_path, build_site, seed_article
from sample.server import serve
from tests.conftest import crawl
from tests.replayers import CHROMIUM, CHROMIUM_ARGS, pywb_missing, wayback

VIEWPORT = {"width": 1000, "height": 1400}
MIN_SIMILARITY = 0.98

#: share of pixels with equal RGB in two PNGs (data URLs), compared in a canvas over the
#: area they share (the frame's fractional height may round one pixel row apart); -1 when
#: they differ by more than that
_COMPARE = """async ([a, b]) => {
  const load = src => new Promise((ok, bad) => {
    const img = new Image(); img.onload = () => ok(img); img.onerror = bad; img.src = src; });
  const [x, y] = await Promise.all([load(a), load(b)]);
  const w = Math.min(x.width, y.width), h = Math.min(x.height, y.height);
  if (Math.max(x.width, y.width) - w > 2 || Math.max(x.height, y.height) - h > 2) return -1;
  const data = img => {
    const c = document.createElement("canvas"); c.width = w; c.height = h;
    const g = c.getContext("2d"); g.drawImage(img, 0, 0);
    return g.getImageData(0, 0, w, h).data; };
  const p = data(x), q = data(y);
  let same = 0;
  for (let i = 0; i < p.length; i += 4)
    if (p[i] === q[i] && p[i + 1] === q[i + 1] && p[i + 2] === q[i + 2]) same++;
  return same / (p.length / 4);
}"""


def missing_tools() -> str | None:
    if not Path(CHROMIUM).exists():
        return "chromium is not installed (.ci/run installs it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (the test extra: `make install`)"
    return pywb_missing()


def settle(frame) -> None:
    """Wait for the page's web fonts and its (lazily loaded) images."""
    frame.evaluate("document.fonts.ready")
    frame.wait_for_function("[...document.images].every(i => i.complete)")


def live_screenshot(browser, url: str, size: dict, requested: list[str]) -> bytes:
    """The live page in a viewport of ``size``; the URLs the browser fetched for it."""
    page = browser.new_page(viewport=size, device_scale_factor=1)
    page.on("request", lambda r: requested.append(r.url))
    page.goto(url, wait_until="networkidle")
    settle(page)
    shot = page.screenshot()
    page.close()
    return shot


def replay_screenshot(browser, base: str, url: str) -> tuple[bytes, dict]:
    """The page as pywb shows it (its frame under pywb's banner), with every request that
    does not go to pywb refused; the frame's size."""
    page = browser.new_page(viewport=VIEWPORT, device_scale_factor=1)
    root = base.split("/", 3)[:3]
    page.route("**/*", lambda route: route.continue_() if route.request.url.split("/", 3)[:3]
               == root else route.abort())
    page.goto(f"{base}/{url}", wait_until="networkidle")
    frame = page.frame_locator("#replay_iframe")
    frame.locator("h1").wait_for()
    inner = next(f for f in page.frames if f is not page.main_frame and "mp_/" in f.url)
    settle(inner)
    box = page.locator("#replay_iframe").bounding_box()
    size = {"width": int(box["width"]), "height": int(box["height"])}
    shot = page.screenshot(clip={"x": round(box["x"]), "y": round(box["y"]), **size})
    page.close()
    return shot, size


def similarity(browser, a: bytes, b: bytes) -> float:
    page = browser.new_page()
    urls = ["data:image/png;base64," + base64.b64encode(x).decode() for x in (a, b)]
    share = page.evaluate(_COMPARE, urls)
    page.close()
    return share


def archived_urls(out: Path) -> set[str]:
    urls = set()
    for path in (out / "warc").glob("*.warc.gz"):
        with open(path, "rb") as fh:
            urls |= {r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(fh)
                     if r.rec_type in ("response", "revisit") and r.http_headers
                     and r.http_headers.get_statuscode() == "200"}
    return urls


def replayed(browser, workdir: Path, out: Path, url: str) -> tuple[bytes, dict]:
    workdir.mkdir()
    with wayback(workdir, sorted((out / "warc").glob("*.warc.gz"))) as base:
        return replay_screenshot(browser, base, url)


def test_replayed_article_looks_like_the_live_one(tmp_path):
    if (why := missing_tools()):
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    server = serve(build_site)
    url = server.base_url + article_path(seed_article())
    out, bare = tmp_path / "out", tmp_path / "bare"
    requested: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            try:
                crawl(server.base_url + "/", out)
                crawl(server.base_url + "/", bare, "--no-requisites")
                shot, size = replayed(browser, tmp_path / "pywb", out, url)
                bare_shot, _ = replayed(browser, tmp_path / "pywb-bare", bare, url)
                live = live_screenshot(browser, url, size, requested)
            finally:
                server.stop()
            share, bare_share = (similarity(browser, live, x) for x in (shot, bare_shot))
        finally:
            browser.close()
    for name, data in (("live", live), ("replayed", shot), ("replayed-bare", bare_shot)):
        (tmp_path / f"{name}.png").write_bytes(data)
    print(f"pixel similarity to the live page: pywb {share:.4f}, "
          f"pywb without requisites {bare_share:.4f}")
    needed = {u for u in requested if u != url}
    assert any(u.startswith(server.assets_url) for u in needed)
    assert needed <= archived_urls(out), needed - archived_urls(out)
    assert share >= MIN_SIMILARITY, f"{share:.4f} of the pixels agree (see {tmp_path})"
    assert bare_share < MIN_SIMILARITY, f"without requisites {bare_share:.4f} agree"
