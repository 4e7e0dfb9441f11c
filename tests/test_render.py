"""`crawl --render`: app-shell pages rendered in Chromium, what the browser fetched archived.

The fixture site (tests/appshellsite.py) has app shells (``<div id="root">`` and a script
that fetches ``/api/story/N.json``) and ordinary article pages. Real crawls run the
`presskeep` command against it on loopback; the WARCs are re-read with warcio and
checked with `warcio check`, the rows read from SQLite, and pywb replays a rendered page.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from pipelines.appshell import shell_reason
from tests.appshellsite import REFUSED_URLS, articles_of, serve_app_site
from tests.conftest import crawl, presskeep, query
from tests.replayers import CHROMIUM, CHROMIUM_ARGS, pywb_missing, wayback
from tests.test_killsafe import warcio_check

NO_CHROMIUM = shutil.which("chromium") is None and shutil.which("chromium-browser") is None
needs_chromium = pytest.mark.skipif(NO_CHROMIUM, reason="chromium is not installed (.ci/run installs it)")
QUICK = ("-s", "PRESSKEEP_DISCOVERY=False", "-s", "RETRY_TIMES=0")


def render_crawl(tmp_path_factory, mode: str, *extra: str, **site) -> tuple[Path, object]:
    server = serve_app_site(**site)
    out = tmp_path_factory.mktemp(f"render-{mode}")
    try:
        crawl(server.base_url + "/", out, "--render", mode, *QUICK, *extra)
    finally:
        server.stop()
    return out, server


def stats(out: Path) -> dict:
    return json.loads(query(out / "presskeep.db", "SELECT stats FROM runs")[-1]["stats"])


def records(out: Path) -> list[tuple[str, str, dict]]:
    """(type, target URI, WARC headers) of every record, payloads read."""
    found = []
    for path in sorted((out / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                record.content_stream().read()
                found.append((record.rec_type, record.rec_headers.get_header("WARC-Target-URI"),
                              dict(record.rec_headers.headers)))
    return found


@pytest.fixture(scope="module")
def auto(tmp_path_factory):
    return render_crawl(tmp_path_factory, "auto")


@pytest.fixture(scope="module")
def never(tmp_path_factory):
    return render_crawl(tmp_path_factory, "never")


# -- the rule (pure, no browser) ------------------------------------------------------------
@pytest.mark.parametrize("html, url, reason", [
    (b'<body><div id="root"></div><script src="/a.js"></script></body>', "http://x/", "empty_root"),
    (b'<body><div id="__next"> </div><script>1</script></body>', "http://x/", "empty_root"),
    (b"<body><div id=main></div><noscript>Please enable JavaScript to read this."
     b"</noscript><script>1</script></body>", "http://x/", "noscript"),
    (b'<head><script type="application/ld+json">{"@type": "NewsArticle", "headline": "h"}'
     b"</script></head><body><div id=main></div></body>", "http://x/", "jsonld"),
    (b"<body><div id=main></div><script>1</script></body>", "http://x/2026/11/20/a-b", "article_url"),
    (b"<body><div id=main></div><script>1</script></body>", "http://x/news/a-long-story-slug-here",
     "article_url"),
    (b'<body><header><nav>' + b"<a href=/s>Section name</a> " * 60 + b'</nav></header>'
     b'<div id="app"></div><script src="/a.js"></script></body>', "http://x/", "empty_root"),
])
def test_shells_are_recognised(html, url, reason):
    assert shell_reason(html, url) == reason


@pytest.mark.parametrize("html, url", [
    (b'<body><div id="root"></div></body>', "http://x/story/1"),  # no script: nothing fills it
    (b'<body><div id="root"></div><p>' + b"word " * 300 + b"</p><script>1</script></body>",
     "http://x/story/1"),  # much text: not a shell
    (b"<body><div id=main><p>" + b"word " * 100 + b"</p></div><script>1</script></body>",
     "http://x/2026/11/20/a-b"),  # an article URL, but text enough
    (b'<body><div id="root"><p>hi</p></div><script>1</script></body>', "http://x/section/"),
    (b'<head><script type="application/ld+json">{"@type": "NewsArticle", "articleBody": "b"}'
     b"</script></head><body><div id=main></div></body>", "http://x/"),
])
def test_ordinary_pages_are_not_shells(html, url):
    assert shell_reason(html, url) is None


# -- crawls ---------------------------------------------------------------------------------
@needs_chromium
def test_auto_keeps_every_article_with_its_full_text(auto):
    """The six app shells and the six plain pages: twelve articles, each with all its text."""
    out, _ = auto
    rows = query(out / "presskeep.db", "SELECT url, title, text FROM articles")
    assert len(rows) == 12, [r["url"] for r in rows]
    texts = {r["title"]: r["text"] for r in rows}
    for article in articles_of():
        assert article.title in texts, article.title
        for paragraph in article.paragraphs:
            assert paragraph in texts[article.title], (article.title, paragraph)


@needs_chromium
def test_replay_cleans_the_rendered_pages(auto, tmp_path):
    """Offline, from the WARCs alone: the rendered DOMs (resource records) are cleaned as
    their pages, so a replay keeps the app shells' articles too; `extract` gives them."""
    out, server = auto
    fresh = tmp_path / "replayed"
    proc = presskeep("replay", str(out / "warc"), "--out", str(fresh), "-s",
                     "PRESSKEEP_CLEAN_WORKERS=0")
    assert proc.returncode == 0, proc.stderr
    rows = query(fresh / "presskeep.db", "SELECT url, title, text, warc_file, warc_offset "
                                         "FROM articles")
    texts = {r["title"]: r["text"] for r in rows}
    for article in articles_of():
        assert article.title in texts, (article.title, sorted(texts))
        for paragraph in article.paragraphs:
            assert paragraph in texts[article.title], (article.title, paragraph)
    assert len({r["url"] for r in rows}) == 12
    rendered = query(fresh / "presskeep.db", "SELECT url FROM captures "
                                             "WHERE record_type = 'resource'")
    assert len(rendered) == 6 and all(r["url"].startswith("urn:presskeep:rendered:")
                                      for r in rendered)
    extracted = presskeep("extract", str(out / "warc"))
    pages = [json.loads(line) for line in extracted.stdout.splitlines()]
    shell_text = " ".join(p.get("text") or "" for p in pages
                          if p.get("url") == f"{server.base_url}/story/1")
    assert articles_of()[0].paragraphs[0] in shell_text


@needs_chromium
def test_auto_renders_app_shells_only(auto):
    out, server = auto
    counted = stats(out)
    assert counted.get("presskeep/render/auto_empty_root") == 6
    assert counted.get("presskeep/render/pages") == 6
    rendered = {r["url"] for r in query(out / "presskeep.db",
                                        "SELECT url FROM captures WHERE record_type='resource'")}
    assert rendered == {f"urn:presskeep:rendered:{server.base_url}/story/{n}" for n in range(1, 7)}
    for n in range(1, 7):  # the browser was given the archived shell: never fetched twice
        assert server.hits[f"/story/{n}"] == 1


@needs_chromium
def test_auto_archives_what_the_browser_fetched(auto):
    """Every JSON answer as a response + request record with a captures row; the script
    the six pages share archived once; the rendered DOMs as resource records."""
    out, server = auto
    db = out / "presskeep.db"
    for n in range(1, 7):
        url = f"{server.base_url}/api/story/{n}.json"
        rows = query(db, "SELECT status, content_type, warc_file, warc_offset FROM captures "
                         "WHERE url = ?", [url])
        assert len(rows) == 1 and rows[0]["status"] == 200, url
        assert rows[0]["content_type"] == "application/json" and rows[0]["warc_file"]
    assert len(query(db, "SELECT 1 FROM captures WHERE url = ?",
                     [f"{server.base_url}/static/app.js"])) == 1
    found = records(out)
    kinds = {(t, u) for t, u, _ in found}
    for n in range(1, 7):
        url = f"{server.base_url}/api/story/{n}.json"
        assert ("response", url) in kinds and ("request", url) in kinds
    ids = {h["WARC-Record-ID"]: u for t, u, h in found if t == "response"}
    for kind, uri, headers in found:
        if kind == "resource":
            page = uri.removeprefix("urn:presskeep:rendered:")
            assert ids[headers["WARC-Concurrent-To"]] == page  # the page's own response
            assert headers["Content-Type"].startswith("text/html")
    warcio_check(out)


@needs_chromium
def test_never_keeps_no_article_for_app_shells(never):
    out, server = never
    urls = {r["url"] for r in query(out / "presskeep.db", "SELECT url FROM articles")}
    assert len(urls) == 6 and not any("/story/" in u for u in urls)
    assert not query(out / "presskeep.db", "SELECT 1 FROM captures WHERE url LIKE '%/api/%' "
                                            "OR record_type = 'resource'")
    assert "presskeep/render/pages" not in stats(out)


@needs_chromium
def test_always_renders_every_page(tmp_path_factory):
    out, server = render_crawl(tmp_path_factory, "always")
    db = out / "presskeep.db"
    pages = [r["url"] for r in query(db, "SELECT url FROM captures WHERE record_type='response' "
                                         "AND status = 200 AND content_type LIKE 'text/html%'")]
    rendered = {r["url"].removeprefix("urn:presskeep:rendered:") for r in
                query(db, "SELECT url FROM captures WHERE record_type = 'resource'")}
    assert len(pages) == 13 and set(pages) == rendered  # the front page and 12 articles
    assert len(query(db, "SELECT 1 FROM articles")) == 12
    assert not any(k.startswith("presskeep/render/auto_") for k in stats(out))


@needs_chromium
def test_the_guard_aborts_browser_requests_to_refused_addresses(tmp_path_factory):
    """A shell whose script fetches cloud metadata and a private host first: both
    aborted before any connection, counted, not archived; the article is still kept."""
    out, server = render_crawl(tmp_path_factory, "auto", shells=0, plain=0, leak=True)
    db = out / "presskeep.db"
    assert stats(out).get("presskeep/render/guard_refused") == len(REFUSED_URLS)
    for url in REFUSED_URLS:
        assert not query(db, "SELECT 1 FROM captures WHERE url = ?", [url])
        assert not any(u == url for _, u, _ in records(out))
    assert [r["title"] for r in query(db, "SELECT title FROM articles")] == ["The leak story"]


@needs_chromium
def test_blocked_resource_types_are_aborted(tmp_path_factory):
    """Scripts blocked: the shell's script is never fetched nor archived, so no article."""
    out, server = render_crawl(tmp_path_factory, "auto", "-s",
                               "PRESSKEEP_RENDER_BLOCK_TYPES=script,media", "--no-requisites",
                               shells=1, plain=0)  # the crawl itself would fetch the script
    assert stats(out).get("presskeep/render/blocked") == 1
    assert server.hits["/static/app.js"] == 0 and server.hits["/api/story/1.json"] == 0
    assert not query(out / "presskeep.db", "SELECT 1 FROM captures WHERE url LIKE '%app.js'")
    assert not query(out / "presskeep.db", "SELECT 1 FROM articles")


@needs_chromium
def test_the_browser_leaves_requisites_to_the_crawl_and_revisits_on_a_recrawl(tmp_path):
    """The shell's script is a page requisite: the crawl archives it, the browser's copy is
    not archived again. A second crawl finds the same JSON answers: the browser's exchanges
    become identical-payload-digest revisits of the first crawl's records."""
    server = serve_app_site(shells=2, plain=0)
    out = tmp_path / "out"
    try:
        crawl(server.base_url + "/", out, "--render", "auto", *QUICK)
        first = stats(out)
        crawl(server.base_url + "/", out, "--render", "auto", *QUICK)
    finally:
        server.stop()
    second = stats(out)
    assert first.get("presskeep/render/deduplicated", 0) >= 1  # /static/app.js
    assert first.get("presskeep/render/responses") == 2 and "presskeep/render/revisits" not in first
    assert second.get("presskeep/render/revisits") == 2 and "presskeep/render/responses" not in second
    db = out / "presskeep.db"
    for n in (1, 2):
        url = f"{server.base_url}/api/story/{n}.json"
        kinds = [r["record_type"] for r in query(db, "SELECT record_type FROM captures "
                                                     "WHERE url = ? ORDER BY id", [url])]
        assert kinds == ["response", "revisit"], (url, kinds)
        revisits = [h for t, u, h in records(out) if t == "revisit" and u == url]
        assert len(revisits) == 1
        assert revisits[0]["WARC-Profile"].endswith("identical-payload-digest")
    assert len(query(db, "SELECT 1 FROM captures WHERE url = ? AND record_type = 'response'",
                     [f"{server.base_url}/static/app.js"])) == 1
    assert len(query(db, "SELECT DISTINCT url FROM articles")) == 2
    warcio_check(out)


@needs_chromium
def test_pywb_replays_the_rendered_page(auto, tmp_path):
    """pywb serves the shell, its script and its JSON answer: Chromium rebuilds the article."""
    if (why := pywb_missing()):
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    out, server = auto
    article = articles_of()[0]
    warcs = sorted((out / "warc").glob("*.warc.gz"))
    with wayback(tmp_path, warcs) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{base}/2099mp_/{server.base_url}/story/1")
            # a top-level load gets pywb's frame; the replayed page is in its iframe
            text = page.frame_locator("#replay_iframe").locator("article").inner_text(
                timeout=30_000)
        finally:
            browser.close()
    assert article.title in text and article.paragraphs[-1] in text


def test_render_without_chromium_is_one_line(tmp_path):
    proc = presskeep("crawl", "http://127.0.0.1:9/", "--out", str(tmp_path / "out"),
                     "--render", "auto", "-s", "PRESSKEEP_CHROMIUM_PATH=/no/such/chromium")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "presskeep: error: rendering needs Chromium and /no/such/chromium is not on this "
        "machine (install Debian's chromium, or set PRESSKEEP_CHROMIUM_PATH)"]
