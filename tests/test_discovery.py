"""Discovery: robots.txt sitemaps, sitemap indexes, news sitemaps, RSS/Atom feeds."""

from __future__ import annotations

import gzip
from datetime import datetime, timezone
from urllib.parse import urljoin

import pytest
from scrapy.http import HtmlResponse, Response, XmlResponse

from crawler.discovery import looks_like_feed_or_sitemap, parse_date, parse_entries, robots_sitemaps
from crawler.links import response_links
from sample.server import SiteServer
from sample.site import Page, article_path, build_site, make_articles
from tests.conftest import crawl, query

BASE = "http://127.0.0.1:1"


def xml(body: str, url: str = BASE + "/x.xml") -> XmlResponse:
    return XmlResponse(url, body=body.encode(), headers={"Content-Type": "application/xml"})


def test_robots_sitemap_lines():
    body = b"User-agent: *\nDisallow: /x\nSitemap: /a.xml\nsitemap:  https://o.example/b.xml \n"
    assert robots_sitemaps(body, BASE + "/robots.txt") == [BASE + "/a.xml",
                                                           "https://o.example/b.xml"]


def test_sitemap_index_and_urlset_and_news():
    index = xml('<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<sitemap><loc>{BASE}/s1.xml</loc><lastmod>2026-11-01</lastmod></sitemap>"
                "</sitemapindex>")
    [e] = parse_entries(index)
    assert e.nested and e.url == BASE + "/s1.xml"
    news = xml('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
               'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
               f"<url><loc>{BASE}/a.html</loc><news:news><news:publication_date>"
               "2026-11-20T08:00:00+01:00</news:publication_date></news:news></url>"
               f"<url><loc>{BASE}/b.html</loc><lastmod>2026-11-21</lastmod></url></urlset>")
    a, b = parse_entries(news)
    assert (a.url, a.nested) == (BASE + "/a.html", False)
    assert a.modified == datetime(2026, 11, 20, 7, 0, tzinfo=timezone.utc)
    # a bare date is the day's last moment: never skip a page changed later that day
    assert b.modified == datetime(2026, 11, 21, 23, 59, 59, 999999, tzinfo=timezone.utc)


def test_gzipped_sitemap():
    body = gzip.compress(f'<urlset><url><loc>{BASE}/z.html</loc></url></urlset>'.encode())
    resp = Response(BASE + "/sitemap.xml.gz", body=body,
                    headers={"Content-Type": "application/x-gzip"})
    assert looks_like_feed_or_sitemap(resp)
    assert [e.url for e in parse_entries(resp)] == [BASE + "/z.html"]


def test_rss_and_atom():
    rss = xml("<rss version='2.0'><channel><item><title>t</title><link>/r1.html</link>"
              "<pubDate>Fri, 20 Nov 2026 08:00:00 +0000</pubDate></item></channel></rss>",
              BASE + "/feed.xml")
    [r] = parse_entries(rss)
    assert r.url == BASE + "/r1.html"
    assert r.modified == datetime(2026, 11, 20, 8, tzinfo=timezone.utc)
    atom = xml('<feed xmlns="http://www.w3.org/2005/Atom"><entry>'
               '<link rel="enclosure" href="/audio.mp3"/><link href="/a1.html"/>'
               "<updated>2026-11-20T08:00:00Z</updated></entry></feed>", BASE + "/atom.xml")
    [a] = parse_entries(atom)
    assert a.url == BASE + "/a1.html" and a.modified.hour == 8


def test_not_xml_or_hostile_xml_gives_nothing():
    assert parse_entries(xml("<html><body>no</body></html>")) == []
    assert parse_entries(xml("")) == []
    bomb = ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            f"<urlset><url><loc>{BASE}/&b;</loc></url></urlset>")
    for e in parse_entries(xml(bomb)):
        assert len(e.url) < 200
    assert parse_date("yesterday") is None and parse_date(None) is None


def test_feed_links_in_html():
    page = HtmlResponse(BASE + "/", encoding="utf-8", body=(
        b'<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml">'
        b'<link rel="alternate" type="text/html" hreflang="fr" href="/fr/">'
        b'<link rel="stylesheet" href="/s.css"></head><body></body></html>'))
    links = response_links(page)
    assert [urljoin(links.base, href) for href in links.feeds] == [BASE + "/feed.xml"]
    assert not looks_like_feed_or_sitemap(page)


@pytest.fixture(scope="module")
def hidden_site():
    """The sample site whose home page links nothing: articles are findable only via
    robots.txt → sitemap index → sitemaps, and the feed the home page advertises."""
    pages = build_site()
    home = pages["/"]
    pages["/"] = Page("/", home.content_type, (
        b'<!DOCTYPE html><html><head><title>Home</title><link rel="alternate" '
        b'type="application/rss+xml" href="/feed.xml"></head><body><p>Nothing linked.</p>'
        b"</body></html>"), home.last_modified)
    server = SiteServer(pages).start()
    yield server
    server.stop()


def test_crawl_finds_articles_through_sitemaps_and_feeds(hidden_site, tmp_path):
    crawl(hidden_site.base_url + "/", tmp_path)
    db = tmp_path / "presskeep.db"
    urls = {r["url"].split("/", 3)[3] for r in query(db, "SELECT url FROM captures")}
    for path in ("robots.txt", "sitemap_index.xml", "sitemap.xml", "news-sitemap.xml",
                 "feed.xml"):
        assert path in urls
    articles = {r["url"].split("/", 3)[3] for r in query(db, "SELECT url FROM articles")}
    assert articles == {article_path(a).lstrip("/") for a in make_articles()}
    stats = query(db, "SELECT stats FROM runs")[0]["stats"]
    assert '"presskeep/discovery/urls"' in stats


def test_robots_not_obeyed_still_reads_its_sitemaps(hidden_site, tmp_path):
    crawl(hidden_site.base_url + "/", tmp_path, "-s", "ROBOTSTXT_OBEY=False")
    urls = {r["url"].split("/", 3)[3] for r in query(tmp_path / "presskeep.db",
                                                      "SELECT url FROM captures")}
    assert {"robots.txt", "sitemap_index.xml", "sitemap.xml"} <= urls


def test_discovery_off(hidden_site, tmp_path):
    crawl(hidden_site.base_url + "/", tmp_path, "-s", "PRESSKEEP_DISCOVERY=False")
    n = query(tmp_path / "presskeep.db", "SELECT count(*) AS n FROM articles")[0]["n"]
    assert n == 0
