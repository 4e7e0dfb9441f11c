"""The link scanner gives what lxml's tree gives: every ``<a href>`` and the head's feed links.

The reference is the tree the crawl process used before (parsel's bytes, lxml's HTML
parser, the compiled XPaths of pipelines/pagelinks.py). A page the scanner declines
(``None``) is parsed by the caller, so declining is always right; a different answer never is.
"""

from __future__ import annotations

import gzip
import random

import pytest
from lxml import etree
from scrapy.http import HtmlResponse

from bench.eval_data import BENCHMARKS
from bench.site import sample_pages
from crawler.hrefscan import attribute_value, scan
from crawler.links import response_links
from pipelines.pagelinks import HREFS, feed_hrefs

PARSER = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
FEED = "<link rel=alternate type=application/rss+xml href=feed>"


def tree_links(text: str) -> tuple[list[str], list[str]]:
    """What the tree gives (parsel's preparation of the text, then lxml)."""
    body = text.strip().replace("\x00", "").encode("utf-8", "surrogatepass") or b"<html/>"
    root = etree.fromstring(body, parser=PARSER)
    return (list(HREFS(root)), list(feed_hrefs(root))) if root is not None else ([], [])


def agrees(text: str) -> bool:
    """The scanner declines ``text`` or gives the tree's links (False: it gives others)."""
    found = scan(text)
    return found is None or found == tree_links(text)


#: (page, hrefs the tree gives, feeds the tree gives): HTML5 tokenizer corners
CASES = [
    ('<a href="x&amp;y">', ["x&y"], []),
    ('<a href="x&reg=1&copy&notit;&#38;&#x26x&#128;">', ["x&reg=1©&notit;&&x€"], []),
    ('<a href="&amp&AElig&AEligx&AElig=&ncaron;&b.;&amp;amp;">', ["&Æ&AEligx&AElig=ň&b.;&amp;"], []),
    ('<a href="&#0;&#xD800;&#x1F600;">', ["\ufffd\ufffd\U0001F600"], []),
    ("<!-- <a href=c> --><a href=d>", ["d"], []),
    ("<!--> <a href=abrupt>", ["abrupt"], []),
    ("<!--x--!><a href=t7>", ["t7"], []),
    ('<script>"<a href=s>"</script><a href=t>', ["t"], []),
    ("<script><!-- </script> <a href=esc>", ["esc"], []),
    ("<title><a href=ti></title><textarea><a href=ta></textarea><a href=ok>", ["ok"], []),
    ("<title>x</titlex><a href=t2></title><a href=t3>", ["t3"], []),
    ("<xmp><a href=x></xmp><iframe><a href=i></iframe><noembed><a href=n></noembed>", [], []),
    ("<noscript><a href=ns></noscript>", ["ns"], []),
    ("<plaintext><a href=pt>", [], []),
    ("<![CDATA[<a href=cd>]]><?php <a href=pi> ?>", [], []),
    ("<a href=1 href=2>", ["1"], []),
    ('<A HREF="up"><a hReF="MiX">', ["up", "MiX"], []),
    ('<a\nhref\n=\n"nl"><a/href=sl><a\x0chref=ff>', ["nl", "sl", "ff"], []),
    ('<a href="x"href=y><a =href href=z><a "href=q" href=r>', ["x", "z", "r"], []),
    ("<a href\x0b=v>", [], []),
    ('<div title="<a href=inattr>"><a href=real>', ["real"], []),
    ("<div title=<a href=unq>", [], []),
    ('<a href="unterminated<a href=x>', [], []),
    ("<a href=u>v</a><a href=w", ["u"], []),
    ('<a href="q>r"><a href=`bt`><a href>', ["q>r", "`bt`", ""], []),
    ('<a href="x\ry"><a href="x\r\ny">', ["x\ny", "x\ny"], []),
    ("</a href=\"x>y\"><a href=t5>< a href=sp><abbr href=ab>", ["t5"], []),
    ("<svg><a href=svg></svg><select><a href=sel></select><table><a href=tb>", ["svg", "sel", "tb"], []),
    ("<head>" + FEED + "</head>", [], ["feed"]),
    (FEED, [], ["feed"]),
    ("<html><head><title>t</title><meta charset=utf-8><script>x='</div>'</script>" + FEED
     + "</head><body><link rel=stylesheet href=f4>", [], ["feed"]),
    ('<head><noscript><link rel=stylesheet href=a></noscript>' + FEED, [], ["feed"]),
    ('<link rel="ALTERNATE stylesheet" TYPE="Application/Atom+XML; x" HREF="&amp;f">', [], ["&f"]),
]


@pytest.mark.parametrize("page, hrefs, feeds", CASES)
def test_html5_corners(page, hrefs, feeds):
    assert tree_links(page) == (hrefs, feeds)  # the reference itself, as pinned here
    assert scan(page) == (hrefs, feeds)


@pytest.mark.parametrize("page", [
    "<a href=x>\x00<a href=y>",  # parsel drops NULs before lxml parses
    "<script><!--<script></script><a href=dbl></script>--></script><a href=x>",  # double-escaped
    "<noscript><link href=a></noscript>" + FEED,  # a noscript before <head>: the feed is in the body
    "<head></head><body>" + FEED,
    "<p>x</p>" + FEED,
    "<head>" + FEED * 17,  # more feeds than MAX_FEEDS: each would be placed from the start
    "<!-- " + FEED + " -->" + FEED,  # the first copy of the tag is in a comment
    "<script>'" + FEED + "'</script>" + FEED,
])
def test_declines_what_it_does_not_model(page):
    assert scan(page) is None


def test_attribute_values():
    assert attribute_value('"a&amp;b"') == "a&b"
    assert attribute_value("'it&#39;s'") == "it's"
    assert attribute_value("x&lt=y&gt") == "x&lt=y>"
    assert attribute_value('"a\r\nb"') == "a\nb"


FRAGMENTS = [case[0] for case in CASES] + [
    "<a", "<link", "<div", "href=", "<", ">", "/", "=", '"', "'", "&amp;", "text", " ", "\n", "é€",
    "<!--", "-->", "--!>", "<!---->", "<script>", "</script>", "</SCRIPT >", "</script/>",
    '<script type="a>b">', "<style>", "</style>", "<title>", "</title>", "<textarea>", "</textarea>",
    "<noscript>", "</noscript>", "<head>", "</head>", "<html>", "<body>", "<meta charset=utf-8>",
    "<base href=b>", "<img src=i>", "</>", "</3", "<3", "<!doctype html>", "<a href='u2", FEED,
    '<link rel="&#97;lternate" type=application/rss+xml href=ent>', "<link rel=alternate href=nf>",
]


@pytest.mark.parametrize("seed", range(4))
def test_random_mixtures_agree_with_the_tree(seed):
    rnd = random.Random(seed)
    pages = ["".join(rnd.choice(FRAGMENTS) for _ in range(rnd.randint(1, 12))) for _ in range(2500)]
    assert [page for page in pages if not agrees(page)] == []
    assert sum(scan(page) is not None for page in pages) > 0.6 * len(pages)


def test_benchmark_site_pages():
    pages = [html for _, html in sample_pages(200, n=500, per_kind=20)]
    assert len(pages) > 250
    assert all(scan(page) == tree_links(page) for page in pages)


@pytest.mark.skipif(not BENCHMARKS.is_dir(), reason=f"benchmark pages not found at {BENCHMARKS}")
def test_real_news_pages():
    """The 287 aeb/naeb pages: the scanner gives the tree's links on all it does not decline."""
    from w3lib.encoding import html_to_unicode

    scanned = 0
    paths = sorted(BENCHMARKS.glob("*-dev/html/*.html.gz"))
    for path in paths:
        text = html_to_unicode(None, gzip.decompress(path.read_bytes()))[1]
        found = scan(text)
        assert found is None or found == tree_links(text), path.name
        scanned += found is not None
    assert len(paths) == 287 and scanned >= 270


def test_response_links_falls_back_to_the_tree():
    page = b"<html><body><a href=/a>a</a>\x00<a href=/b>b</a></body></html>"
    response = HtmlResponse("http://127.0.0.1:8000/", body=page, encoding="utf-8")
    links, scanned = response_links(response, scan=True)
    assert links.hrefs == ["/a", "/b"] and not scanned
