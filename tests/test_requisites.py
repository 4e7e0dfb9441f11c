"""Page requisites: a page's stylesheets (and their @imports and url()s), images (srcset,
<picture>, lazy attributes), scripts and icons are archived from a second host, once,
within the per-page limits, and never followed further (crawler/requisites.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from pipelines.requisitelinks import css_urls, page_requisites, srcset_urls
from sample.assets import png
from sample.server import serve
from sample.site import Page
from tests.conftest import crawl, presskeep, query

WHEN = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
HTML = "text/html; charset=utf-8"
HEAD = ('<link rel="stylesheet" href="{ASSETS}/css/main.css">'
        '<link rel="shortcut icon" href="{ASSETS}/icon.png">'
        '<script src="{ASSETS}/js/app.js"></script>')
BODY = ('<img src="{ASSETS}/img/a.png" srcset="{ASSETS}/img/a-2x.png 2x">'
        '<picture><source srcset="{ASSETS}/img/p.png 1x, {ASSETS}/img/p-2x.png 2x">'
        '<img src="{ASSETS}/img/p.png"></picture>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="{ASSETS}/img/lazy.png" '
        'data-srcset="{ASSETS}/img/lazy-2x.png 2x"><img data-lazy-src="{ASSETS}/img/lazy2.png">'
        '<img src="{ASSETS}/img/missing.png"><video poster="{ASSETS}/img/poster.png"></video>'
        '<iframe src="{ASSETS}/widget.html"></iframe><script src="{ASSETS}/widget.html"></script>'
        '<img src="http://169.254.169.254/latest/meta.png"><img src="http://0.0.0.0:9/zero.png">')
#: every requisite the crawl must archive (a page's own, then its stylesheets')
EXPECTED = {"/css/main.css", "/icon.png", "/js/app.js", "/img/a.png", "/img/a-2x.png",
            "/img/p.png", "/img/p-2x.png", "/img/lazy.png", "/img/lazy-2x.png",
            "/img/lazy2.png", "/img/missing.png", "/img/poster.png", "/widget.html",
            "/css/more.css", "/fonts/f.ttf", "/img/bg.png", "/img/deep.png", "/img/only-a.png"}
IMAGE = png(40, 20, (200, 30, 30), (30, 30, 200), 5)


def page(path: str, ctype: str, body: str | bytes) -> tuple[str, Page]:
    data = body.encode() if isinstance(body, str) else body
    return path, Page(path, ctype, data, WHEN)


def site(main_css_padding: int = 0) -> dict[str, Page]:
    html = ('<!DOCTYPE html><html><head><title>{t}</title>' + HEAD + '</head><body><h1>{t}</h1>'
            '<p>Some words about {t}.</p>' + BODY + '{links}</body></html>')

    def doc(title: str, links: str) -> str:
        return html.replace("{t}", title).replace("{links}", links)

    css = ('@import "more.css";\n/*' + "x" * main_css_padding + '*/\n'
           '@font-face { font-family: F; src: url("../fonts/f.ttf") format("truetype"); }\n'
           'body { background: #eee url(../img/bg.png); font-family: F; }\n')
    pages = dict([
        page("/", HTML, doc("Home", '<a href="/a.html">A</a>')),
        page("/a.html", HTML, doc("A", '<a href="/">Home</a><img src="{ASSETS}/img/only-a.png">')),
        page("/css/main.css", "text/css", css),
        page("/css/more.css", "text/css", ".deep { background: url('../img/deep.png') }"),
        page("/fonts/f.ttf", "font/ttf", b"\x00\x01\x00\x00" + b"\x00" * 60),
        page("/js/app.js", "application/javascript", "var x = '/img/from-js.png';"),
        # an HTML document as a requisite: archived, never read for links or requisites
        page("/widget.html", HTML, '<html><body><a href="{BASE}/followed.html">x</a>'
                                   '<img src="/img/from-widget.png"></body></html>'),
    ])
    for name in ("icon", "img/a", "img/a-2x", "img/p", "img/p-2x", "img/lazy", "img/lazy-2x",
                 "img/lazy2", "img/poster", "img/bg", "img/deep", "img/from-js", "img/only-a",
                 "img/from-widget"):
        pages.update([page(f"/{name}.png", "image/png", IMAGE)])
    pages.update([page("/followed.html", HTML, "<html><body>never</body></html>")])
    return pages


@pytest.fixture(scope="module")
def two_hosts():
    server = serve(site)
    yield server
    server.stop()


def responses(out: Path) -> list[tuple[str, str, int, dict]]:
    """(type, URL, status, WARC headers) of every response and revisit record in OUT."""
    found = []
    for path in sorted((out / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type in ("response", "revisit"):
                    status = int(rec.http_headers.get_statuscode()) if rec.http_headers else 0
                    found.append((rec.rec_type, rec.rec_headers.get_header("WARC-Target-URI"),
                                  status, dict(rec.rec_headers.headers)))
    return found


def asset_paths(records, base: str) -> list[str]:
    return [url[len(base):] for _, url, _, _ in records if url.startswith(base)]


def run_stats(out: Path) -> dict:
    return json.loads(query(out / "presskeep.db", "SELECT stats FROM runs ORDER BY id DESC")[0][0])


@pytest.fixture(scope="module")
def crawled_two(two_hosts, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("requisites")
    crawl(two_hosts.base_url + "/", out)
    return out


def test_every_requisite_archived_once_and_none_followed(two_hosts, crawled_two):
    records = responses(crawled_two)
    assets = asset_paths(records, two_hosts.assets_url)
    assert set(assets) - {"/robots.txt"} == EXPECTED
    assert len(assets) == len(set(assets)), "a requisite shared by two pages is fetched once"
    urls = {url for _, url, _, _ in records}
    for never in ("/img/from-js.png", "/img/from-widget.png", "/followed.html"):
        assert not any(u.endswith(never) for u in urls), never
    missing = [s for _, u, s, _ in records if u.endswith("/img/missing.png")]
    assert missing == [404]  # archived, and the pages are archived all the same
    assert {u for _, u, _, _ in records if u.startswith(two_hosts.base_url)} >= {
        two_hosts.base_url + "/", two_hosts.base_url + "/a.html"}


def test_requisites_are_captures_never_articles(two_hosts, crawled_two):
    db = crawled_two / "presskeep.db"
    rows = query(db, "SELECT url, warc_file, warc_offset FROM captures WHERE url LIKE ?",
                 (two_hosts.assets_url + "%",))
    assert rows and all(r["warc_file"] and r["warc_offset"] is not None for r in rows)
    assert not query(db, "SELECT url FROM articles WHERE url LIKE ?", (two_hosts.assets_url + "%",))
    stats = run_stats(crawled_two)
    assert stats["presskeep/requisites/requested"] == len(EXPECTED) + 2  # + the 2 refused
    assert stats["presskeep/requisites/stylesheets"] == 2
    assert stats["presskeep/requisites/failed"] >= 3  # the 404 and the two refused addresses
    assert stats.get("presskeep/pages/fetched") == 2  # the pages only, not their requisites


def test_requisite_records_name_their_page(two_hosts, crawled_two):
    records = [(u, h) for _, u, _, h in responses(crawled_two)]
    marked = {u for u, h in records if h.get("WARC-Presskeep-Requisite-Of")}
    assert {u[len(two_hosts.assets_url):] for u in marked} == EXPECTED
    assert all(h["WARC-Presskeep-Requisite-Of"].startswith(two_hosts.base_url)
               for u, h in records if u in marked)


def test_guarded_addresses_refused(crawled_two):
    records = responses(crawled_two)
    assert not [u for _, u, _, _ in records if "169.254.169.254" in u or "0.0.0.0" in u]
    rows = query(crawled_two / "presskeep.db",
                 "SELECT url, error FROM captures WHERE (url LIKE '%169.254.169.254%' "
                 "OR url LIKE '%0.0.0.0%') AND url NOT LIKE '%/robots.txt'")
    assert len(rows) == 2 and all("address guard" in r["error"] for r in rows)


def test_warcio_check_passes(crawled_two):
    warcs = sorted(str(p) for p in (crawled_two / "warc").glob("*.warc.gz"))
    proc = subprocess.run([sys.executable, "-m", "warcio.cli", "check", "-v", *warcs],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_recrawl_gives_revisits_for_unchanged_requisites(two_hosts, tmp_path):
    crawl(two_hosts.base_url + "/", tmp_path)
    first = len(responses(tmp_path))
    crawl(two_hosts.base_url + "/", tmp_path)
    second = responses(tmp_path)[first:]
    assert all(h.get("WARC-Presskeep-Requisite-Of") for _, u, _, h in second
               if u.startswith(two_hosts.assets_url) and not u.endswith("/robots.txt"))
    assets = [(kind, url, headers) for kind, url, status, headers in second
              if url.startswith(two_hosts.assets_url) and status == 200]
    assert {url[len(two_hosts.assets_url):] for _, url, _ in assets} >= EXPECTED - {
        "/img/missing.png"}
    assert all(kind == "revisit" for kind, _, _ in assets), [u for k, u, _ in assets
                                                             if k != "revisit"]
    assert all(h.get("WARC-Refers-To-Target-URI") for _, _, h in assets)


def test_no_requisites_fetches_none(two_hosts, tmp_path):
    crawl(two_hosts.base_url + "/", tmp_path, "--no-requisites")
    assert not asset_paths(responses(tmp_path), two_hosts.assets_url)
    assert "presskeep/requisites/requested" not in run_stats(tmp_path)


def test_depth_limit_keeps_the_requisites_of_the_last_pages(two_hosts, tmp_path):
    crawl(two_hosts.base_url + "/", tmp_path, "--depth", "1")
    assert "/img/only-a.png" in asset_paths(responses(tmp_path), two_hosts.assets_url)


def test_count_limit_per_page(two_hosts, tmp_path):
    crawl(two_hosts.base_url + "/", tmp_path, "-s", "PRESSKEEP_REQUISITES_MAX_PER_PAGE=3")
    assets = set(asset_paths(responses(tmp_path), two_hosts.assets_url)) - {"/robots.txt"}
    # the first three each page names; the stylesheet's imports count toward the page too
    assert assets == {"/css/main.css", "/icon.png", "/js/app.js"}
    assert run_stats(tmp_path)["presskeep/requisites/over_count"] > 0


def test_byte_limit_per_page(tmp_path):
    server = serve(lambda: site(main_css_padding=20_000))
    try:
        crawl(server.base_url + "/", tmp_path, "-s", "PRESSKEEP_REQUISITES_MAX_BYTES=4000")
        records = responses(tmp_path)
    finally:
        server.stop()
    main = [h for _, u, _, h in records if u.endswith("/css/main.css")]
    assert main and main[0].get("WARC-Truncated") == "length"
    assets = set(asset_paths(records, server.assets_url))
    assert "/css/more.css" not in assets and "/fonts/f.ttf" not in assets  # budget spent
    assert "/img/a.png" in assets  # asked for with the page, before the budget ran out


def test_no_clean_crawl_replays_pages_only(two_hosts, crawled_two, tmp_path):
    archive = tmp_path / "archive"
    crawl(two_hosts.base_url + "/", archive, "--no-clean")
    assert asset_paths(responses(archive), two_hosts.assets_url)
    replayed = tmp_path / "replayed"
    presskeep("replay", *map(str, sorted((archive / "warc").glob("*.warc.gz"))),
              "--out", str(replayed), check=True)
    stats = run_stats(replayed)
    assert stats.get("presskeep/replay/html") == 2  # the pages, not the HTML requisite
    assert not query(replayed / "presskeep.db", "SELECT url FROM articles WHERE url LIKE ?",
                     (two_hosts.assets_url + "%",))


# -- reading requisites (pure functions) ---------------------------------------------
def test_srcset_candidates():
    assert srcset_urls("a.png 1x, b,c.png 2x,d.png, e.png 640w") == ["a.png", "b,c.png",
                                                                      "d.png", "e.png"]


def test_css_imports_and_urls():
    css = (b'@charset "utf-8"; @import "x.css"; @import url(y.css) screen;'
           b'@font-face{src:url(f.woff2) format("woff2"), url(\'f.ttf\')}'
           b'b{background:url(bg.png); background-image:image-set("a.png" 1x, url(b.png) 2x)}'
           b'a{fill:url(#g)} i{background:url(data:image/png;base64,AA)}')
    assert css_urls(css) == ["x.css", "y.css", "f.woff2", "f.ttf", "bg.png", "a.png", "b.png"]


def test_page_requisites_from_a_tree():
    from lxml import html

    root = html.fromstring(
        '<html><head><link rel=stylesheet href=s.css><link rel="shortcut icon" href=/f.ico>'
        '<link rel=alternate href=/feed><link rel=preload as=font href=p.woff2>'
        '<style>@import "i.css";</style></head><body><picture><source srcset="a.webp 1x, '
        'b.webp 2x"><img src=p.png></picture><div style="background:url(d.png)"></div>'
        '<video src=v.mp4 poster=v.jpg></video><a href=x.html><img src=p.png></a></body></html>')
    assert page_requisites(root) == ["s.css", "/f.ico", "p.woff2", "i.css", "a.webp", "b.webp",
                                     "p.png", "v.jpg", "d.png"]
