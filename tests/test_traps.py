"""Crawl traps are cut; real pagination that keeps leading to new articles is not.

One site (tests/trapsite.py), crawled once per way the spider learns what a page yielded:
a 200-month calendar whose every month links only the next and holds no article, beside
a 60-page archive listing whose pages each link 10 new articles (which link the next
story: one URL pattern, a chain of articles).
"""

from __future__ import annotations

import json

import pytest

from crawler.links import Found, LinkFilter, Scope
from pipelines.pagelinks import PageLinks
from crawler.traps import TrapCut
from tests.conftest import crawl, query
from tests.trapsite import ARTICLES_PER_PAGE, LISTING_PAGES, serve_trap_site

#: PRESSKEEP_TRAP_CUT's default
CUT = 50
#: how the spider learns that a page yielded an article: a cleaning worker (the default),
#: cleaning in the crawl process, no cleaning at all (--no-clean: only "led to no URL
#: outside its pattern" counts)
MODES = {
    "workers": ("-s", "PRESSKEEP_CLEAN_WORKERS=1"),
    "inline": ("-s", "PRESSKEEP_CLEAN_WORKERS=0"),
    "no-clean": ("--no-clean",),
}


@pytest.fixture(scope="module")
def site():
    server = serve_trap_site()
    yield server
    server.stop()


@pytest.fixture(scope="module", params=list(MODES))
def crawled(request, site, tmp_path_factory):
    out = tmp_path_factory.mktemp("traps") / "out"
    proc = crawl(site.base_url + "/", out, "-s", "PRESSKEEP_DISCOVERY=False",
                 *MODES[request.param])
    stats = json.loads(query(out / "presskeep.db", "SELECT stats FROM runs")[0]["stats"])
    return request.param, out / "presskeep.db", proc.stderr, stats


def count(db, site, like: str) -> int:
    return query(db, "SELECT count(*) FROM captures WHERE url LIKE ? AND status = 200",
                 [site.base_url + like])[0][0]


def test_calendar_trap_is_cut_at_fifty_months(site, crawled):
    """Each month is found only by the month before it, so nothing else is in flight when
    the 50th is judged: no slack."""
    _, db, stderr, stats = crawled
    assert count(db, site, "/calendar/%") == CUT
    pattern = f"{site.base_url}/calendar/#/#/"
    assert stats[f"presskeep/trap/cut/{pattern}"] == 1
    assert stderr.count(f"crawl trap cut: {CUT} pages of URL pattern {pattern} ") == 1


def test_pagination_that_leads_to_articles_is_not_cut(site, crawled):
    mode, db, _, stats = crawled
    assert count(db, site, "/archive/page/%") == LISTING_PAGES
    assert count(db, site, "/news/2026/story-%") == LISTING_PAGES * ARTICLES_PER_PAGE
    articles = query(db, "SELECT count(*) FROM articles")[0][0]
    story_cuts = stats.get(f"presskeep/trap/cut/{site.base_url}/news/#/story-#-#.html", 0)
    if mode == "no-clean":
        # without cleaning, the articles' "next story" chain looks barren (its pages lead
        # only to more stories): what it cuts is given back, and the listing pages still
        # lead there
        assert articles == 0 and story_cuts > 0
        return
    assert articles == LISTING_PAGES * ARTICLES_PER_PAGE
    # the articles' chain is one URL pattern too, but every page of it yields an article
    assert story_cuts == 0 and stats["presskeep/trap/patterns"] == 1


def test_released_urls_can_be_admitted_again():
    links = LinkFilter(Scope("host", ["http://n.example/"]))
    page = PageLinks("http://n.example/cal/1/", ["/cal/2/", "/about"])
    found = links.new_links(page, "http://n.example/cal/#/")
    assert found.urls == ["http://n.example/cal/2/", "http://n.example/about"]
    assert found.leads_out  # /about: a first link out of the pattern
    assert links.release(found, lambda url: "/cal/" in url) == 1
    assert found.urls == ["http://n.example/about"] and links.scheduled == 1
    again = links.new_links(PageLinks("http://n.example/", ["/cal/2/", "/about"]))
    assert again.urls == ["http://n.example/cal/2/"]  # no longer seen; /about still is


class _Stats:
    def __init__(self):
        self.values: dict[str, int] = {}

    def inc_value(self, key, count=1):
        self.values[key] = self.values.get(key, 0) + count


class _Crawler:
    def __init__(self):
        self.stats = _Stats()


def test_a_page_that_leads_out_restarts_the_count():
    links = LinkFilter(Scope("host", ["http://n.example/"]))
    crawler = _Crawler()
    trap = TrapCut(3, crawler)
    pattern = "http://n.example/list?page=#"

    def page(n: int, leads_out: bool) -> Found:
        found = Found(pattern, [f"http://n.example/list?page={n + 1}"], [None], leads_out)
        links.seen.add(found.urls[0])
        links.scheduled += 1
        return found

    assert trap.judge("p1", {}, page(1, False), False, links) == 1
    assert trap.judge("p2", {"presskeep_trap": 1}, page(2, False), False, links) == 2
    assert trap.judge("p3", {}, page(3, True), False, links) == 0  # leads to new stories
    assert trap.judge("p4", {}, page(4, False), False, links) == 1
    assert trap.judge("p5", {}, page(5, False), True, links) == 0  # an article
    # the chain carried in request.meta counts even where this process saw no streak
    cut = page(6, False)
    assert trap.judge("p6", {"presskeep_trap": 2}, cut, False, links) == 0
    assert cut.urls == [] and crawler.stats.values["presskeep/trap/cut"] == 1


def build_story_chain(length: int = 60) -> dict:
    """A seed and ``length`` articles of one URL pattern, each reachable only from the one
    before it."""
    from sample.site import Page
    from sample.articles import article_html, paragraphs
    from tests.trapsite import HTML, WHEN

    def story(n: int) -> str:
        return f"/chain/story-{n}.html"

    pages = {"/": Page("/", HTML, f'<html><body><a href="{story(1)}">first</a></body></html>'
                       .encode(), WHEN)}
    for n in range(1, length + 1):
        body = article_html(f"Chain story {n}", paragraphs(f"chain-{n}"),
                            extra_body=f'<a href="{story(n + 1)}">Next story</a>')
        pages[story(n)] = Page(story(n), HTML, body.encode(), WHEN)
    return pages


def test_a_recrawl_does_not_take_unchanged_articles_for_a_trap(tmp_path):
    """On a recrawl an unchanged article is not cleaned again (a revisit): it still counts
    as an article, so a chain of 60 stories reachable only through each other is followed
    to its end both times."""
    from sample.server import serve

    server = serve(build_story_chain)
    try:
        out = tmp_path / "out"
        for _ in range(2):
            crawl(server.base_url + "/", out, "-s", "PRESSKEEP_DISCOVERY=False")
    finally:
        server.stop()
    db = out / "presskeep.db"
    runs = query(db, "SELECT id, stats FROM runs ORDER BY id")
    assert len(runs) == 2
    for run in runs:
        got = query(db, "SELECT count(*) FROM captures WHERE run_id = ? AND url LIKE ? "
                    "AND status IN (200, 304)",
                    [run["id"], server.base_url + "/chain/story-%"])[0][0]
        assert got == 60
        assert "presskeep/trap/cut" not in json.loads(run["stats"])
    assert query(db, "SELECT count(DISTINCT url) FROM articles")[0][0] == 60
