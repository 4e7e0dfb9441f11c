"""pipelines/clean/htmldate_fast.py: the same value as htmldate's find_date, on varied pages."""

from __future__ import annotations

import random

import lxml.etree
import lxml.html
import pytest

from pipelines.clean import htmldate_fast
from pipelines.clean.html import parse_html

URL = "https://news.example.org/politics/council-vote"

#: body fragments, each with or without a date in some place find_date looks at
FRAGMENTS = [
    '<p class="byline">By Ama Mensah | 1 March 2021</p>',
    '<p class="byline">By Ama Mensah</p>',
    '<span class="time">7 minutes ago</span>',
    '<div id="meta-info">Posted 2019-04-05</div>',
    '<div class="date">12.03.2020</div>',
    '<li class="author">Jo Bloggs</li>',
    '<footer>Copyright 2018 Example News</footer>',
    '<small>Updated 3/4/2017 10:20</small>',
    '<time datetime="2016-02-03T10:00:00Z">Feb 3</time>',
    '<time class="entry-date" datetime="2015-06-07">June 7</time>',
    '<time>2014-08-09</time>',
    '<abbr class="published" title="2013-10-11">Oct 11</abbr>',
    '<abbr data-utime="1371000000">June</abbr>',
    '<iframe src="/x">2012-01-02 10:00:00</iframe>',
    '<svg><text>2011-11-12</text></svg>',
    '<video><p class="date">2010-05-06</p></video>',
    '<div id="wm-ipp">2009-09-09 10:11:12</div>tail 2019-01-01 10:00:00',
    '<div id="wm-ipp-base"><span class="date">2008-08-08</span></div>',
    '<p data-x="2020-02-02 11:12:13">attribute timestamp</p>',
    '<p>Published on 05/06/2019 by the desk</p>',
    '<p>plain text 2021-07-08 in a paragraph</p>',
    '<script>var d = "2022-01-01";</script>2021-12-<b>x</b>',
    '<p>2021-12-<script>x</script>24 split by a script</p>',
    '<p>2020-10-<style>p{}</style>11</p>',
    '<style>a{}</style><script>y</script>after two',
    '<p>no date at all, just words</p>',
    '<h2 class="subline">Monday, 4 January 2021</h2>',
    '<span itemprop="datePublished">2020-03-04</span>',
    '<div title="2019-12-31" class="published-info">x</div>',
    '<label>2007-07-07</label>',
]
HEAD = [
    '<meta property="article:published_time" content="2020-01-02T03:04:05Z">',
    '<meta name="date" content="2019-02-03">',
    '<meta name="lastmod" content="2018-03-04">',
    '<meta itemprop="copyrightYear" content="2017">',
    '<meta property="og:image" content="https://img.example.org/2016/05/06/a.jpg">',
    '<link rel="canonical" href="https://news.example.org/2015/07/08/story">',
    '<script type="application/ld+json">{"datePublished": "2014-09-10"}</script>',
    '<title>Council vote on 3 May 2013</title>',
    '<title>Council vote</title>',
]


def _page(rng: random.Random) -> str:
    head = "".join(rng.sample(HEAD, rng.randint(0, 2)))
    body = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 8)))
    h1 = rng.choice(["", "<h1>Vote</h1>", "<h1>Vote of 2 June 2012</h1>"])
    return f"<html><head>{head}</head><body>{h1}<div>{body}</div></body></html>"


def _both(tree, url):
    def run(function):
        try:
            return function(tree, url)
        except Exception as exc:  # noqa: BLE001 - errors must match too
            return type(exc)
    before = lxml.etree.tostring(tree)
    fast, plain = run(htmldate_fast.find_original_date), run(htmldate_fast.find_date)
    assert lxml.etree.tostring(tree) == before, "the fast path changed the tree"
    return fast, plain


@pytest.mark.parametrize("seed", range(4))
def test_random_pages_same_date(seed):
    rng = random.Random(seed)
    outcomes = set()
    for _ in range(150):
        page = _page(rng)
        url = rng.choice([URL, None, "https://news.example.org/2011/03/04/story"])
        for tree in (parse_html(page), lxml.html.fromstring(page)):
            fast, plain = _both(tree, url)
            assert fast == plain, page
            outcomes.add(fast)
    assert None in outcomes and len(outcomes) > 5  # the pages reach varied steps


@pytest.mark.parametrize("fragment", FRAGMENTS)
def test_each_fragment_same_date(fragment):
    page = f"<html><head></head><body><div>{fragment}</div></body></html>"
    for url in (URL, None):
        fast, plain = _both(parse_html(page), url)
        assert fast == plain, fragment


def test_candidates_plausibility_limit():
    """Past 1,000 candidate elements find_date ignores them all, even a dated first one."""
    dated = '<p class="byline">1 March 2021</p>'
    span = '<span class="time">-</span>'  # a candidate (class cue), without a date
    many = span * 1000
    results = []
    for body in (dated + many, dated + many[len(span):], many + dated, span + dated + many):
        fast, plain = _both(parse_html(f"<html><body>{body}</body></html>"), URL)
        assert fast == plain
        results.append(fast)
    assert results == [None, "2021-03-01", None, None]


def test_text_after_dropped_scripts():
    """The last step reads the text as if the scripts were dropped (their tails joined)."""
    page = "<html><body><p>2021-12-<script>x</script>24</p><p>a</p></body></html>"
    fast, plain = _both(parse_html(page), URL)
    assert fast == plain == "2021-12-24"


def test_pruned_pages_and_other_trees():
    """Pages with something to prune, and trees find_date refuses, behave alike."""
    pruned = parse_html('<html><body><iframe><p class="date">2012-01-02</p></iframe></body></html>')
    assert not htmldate_fast.prunes_nothing(pruned)
    assert _both(pruned, URL)[0] == _both(pruned, URL)[1]
    plain_tree = lxml.etree.fromstring("<html><body><p class='date'>2012-01-02</p></body></html>",
                                       lxml.etree.HTMLParser())
    fast, plain = _both(plain_tree, URL)
    assert fast == plain is TypeError
