"""The fast path keeps behaviour: same WARC content, rows and links as the plain way.

Fast (the defaults): links by one compiled XPath over the cleaning worker's tree (or,
archive-only, over the tree Scrapy parsed) with seen hrefs dropped before URL parsing, cleaning in worker processes, WARC records gzipped at level 5 with no
per-record flush. Plain: cleaning inline (PRESSKEEP_CLEAN_WORKERS=0), gzip level 9 with
zlib (warcio's bytes), Scrapy's own HTTP handler and CONCURRENT_ITEMS; and, for the
links, :func:`plain_links` here: a Selector, urljoin and normalize per link.
"""

from __future__ import annotations

import io
import json
import zlib
from pathlib import Path
from urllib.parse import urljoin

import pytest
from scrapy.http import HtmlResponse
from scrapy.utils.response import get_base_url
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import BufferWARCWriter

from archive.gzip_records import GzipRecords
from crawler.links import LinkFilter, Scope, response_links
from pipelines.crawlpage import clean_page
from tests.conftest import crawl, query

# The site model learns online: which blocks it drops from the first pages of a site depends
# on the order pages arrive in, which concurrency changes from run to run on either path.
ORDER_FREE = ("-s", "PRESSKEEP_SITE_MODEL_ENABLED=False")
FAST = ("-s", "PRESSKEEP_CLEAN_WORKERS=2", *ORDER_FREE)
PLAIN = ("-s", "PRESSKEEP_WARC_GZIP_LEVEL=9",
         "-s", "PRESSKEEP_WARC_GZIP_LIBRARY=zlib",
         "-s", "PRESSKEEP_CLEAN_WORKERS=0", "-s", "CONCURRENT_ITEMS=100",
         "-s", "DOWNLOAD_HANDLERS={}", *ORDER_FREE)


def warc_records(out: Path) -> set[tuple[str, str, str]]:
    found = set()
    for path in sorted((out / "warc").glob("*.warc.gz")):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "warcinfo":
                    continue
                found.add((record.rec_headers.get_header("WARC-Target-URI"),
                           record.rec_headers.get_header("WARC-Payload-Digest") or "",
                           record.rec_type))
    return found


def rows(out: Path) -> tuple[set, set]:
    db = out / "presskeep.db"
    captures = {tuple(r) for r in query(db, "SELECT url, status, record_type, payload_digest, "
                                            "length FROM captures")}
    articles = {tuple(r) for r in query(db, "SELECT url, text_hash, title FROM articles")}
    return captures, articles


def fast_captures_200(out: Path) -> list:
    return query(out / "presskeep.db", "SELECT url FROM captures WHERE status = 200 AND "
                 "record_type = 'response' AND content_type LIKE 'text/html%'")


@pytest.fixture(scope="module")
def fast_and_plain(news_site, tmp_path_factory):
    base = tmp_path_factory.mktemp("fastpath")
    crawl(news_site.base_url + "/", base / "fast", *FAST)
    crawl(news_site.base_url + "/", base / "plain", *PLAIN)
    return base / "fast", base / "plain"


def test_same_warc_records_and_rows(fast_and_plain):
    fast, plain = fast_and_plain
    assert warc_records(fast) == warc_records(plain)
    assert len(warc_records(fast)) > 40
    fast_captures, fast_articles = rows(fast)
    plain_captures, plain_articles = rows(plain)
    assert fast_captures == plain_captures
    assert fast_articles == plain_articles and len(fast_articles) >= 30
    # the fast path parsed no stored page in the crawl process: its worker read the links
    fast_stats = json.loads(query(fast / "presskeep.db", "SELECT stats FROM runs")[0]["stats"])
    assert fast_stats["presskeep/links/read_by_workers"] == len(fast_captures_200(fast))


def test_rows_point_at_their_records(fast_and_plain):
    """No per-record flush: every offset still lands on the record the row names."""
    fast, _ = fast_and_plain
    for row in query(fast / "presskeep.db", "SELECT warc_file, warc_offset, warc_length, "
                     "warc_record_id FROM captures WHERE warc_file IS NOT NULL"):
        with (fast / row["warc_file"]).open("rb") as fh:
            fh.seek(row["warc_offset"])
            data = fh.read(row["warc_length"])
        record = next(iter(ArchiveIterator(io.BytesIO(data))))
        assert record.rec_headers.get_header("WARC-Record-ID") == row["warc_record_id"]


def test_no_clean_archives_the_same(news_site, fast_and_plain, tmp_path):
    fast, _ = fast_and_plain
    out = tmp_path / "archive-only"
    crawl(news_site.base_url + "/", out, "--no-clean")
    assert warc_records(out) == warc_records(fast)
    assert rows(out)[0] == rows(fast)[0]
    assert rows(out)[1] == set()
    # archive-only: the crawl process read every page's links itself
    stats = json.loads(query(out / "presskeep.db", "SELECT stats FROM runs")[0][0])
    assert stats["presskeep/links/parsed"] > 10 and "presskeep/links/read_by_workers" not in stats
    assert "item_scraped_count" not in stats  # no pipeline: no page items through Scrapy


def test_level_9_gives_warcio_bytes():
    def build(writer):
        record = writer.create_warc_record("http://example.com/", "resource",
                                           payload=io.BytesIO(b"<html>" + b"x" * 5000),
                                           warc_headers_dict={"WARC-Date": "2026-01-01T00:00:00Z",
                                                              "WARC-Record-ID": "<urn:uuid:1>",
                                                              "Content-Type": "text/html"})
        writer.write_record(record)

    theirs = BufferWARCWriter(gzip=True)
    build(theirs)
    buf = io.BytesIO()
    ours = BufferWARCWriter(gzip=False)
    ours.out = GzipRecords(buf, 9)
    build(ours)
    assert buf.getvalue() == theirs.get_contents()
    assert zlib.decompress(buf.getvalue(), zlib.MAX_WBITS + 16).startswith(b"WARC/")


PAGE = """<html><head>{base}</head><body>
<a href="/a.html">a</a> <a href="/a.html#top">a again</a> <a href="b.html">b</a>
<a href="../up/c.html?x=1&amp;y=2">c</a> <a href="//127.0.0.1:8000/d.html">d</a>
<a href="HTTP://127.0.0.1:8000/E.html">e</a> <a href="http://other.example/f.html">f</a>
<a href=" /g.html ">g</a> <a href="javascript:void(0)">js</a> <a href="mailto:x@y">m</a>
<a href="#frag">frag</a> <a href="">empty</a> <a href="?page=2">q</a> <a>none</a>
<a href="/caf\u00e9.html">cafe</a> <a href="http:///h.html">h</a> <a href="/x/../i.html">i</a>
<!-- <a href="/commented.html">c</a> --><script>var s='<a href="/in-script.html">';</script>
</body></html>"""


def plain_links(response: HtmlResponse) -> list[str]:
    """Every ``<a href>`` of the page made absolute, a Selector and a urljoin per link: the
    oracle the fast readers are held to."""
    base = get_base_url(response)
    return [urljoin(base, href) for href in response.xpath("//a/@href").getall()]


def worker_links(response: HtmlResponse):
    """The links a cleaning worker reads from the tree it parsed (pipelines/crawlpage.py)."""
    return clean_page(response.body, response.url, encoding=response.encoding, links=True).links


@pytest.mark.parametrize("read", [response_links, worker_links], ids=["crawl", "worker"])
@pytest.mark.parametrize("base", ["", '<base href="http://127.0.0.1:8000/other/dir/">'])
def test_new_links_equal_plain_links(base, read):
    pages = [f"http://127.0.0.1:8000/sec/{k}/page.html" for k in range(3)] + [
        "http://127.0.0.1:8000/"]
    plain = LinkFilter(Scope("host", ["http://127.0.0.1:8000/"]), max_per_pattern=2)
    fast = LinkFilter(Scope("host", ["http://127.0.0.1:8000/"]), max_per_pattern=2)
    for url in pages * 2:
        body = PAGE.format(base=base).encode("utf-8")
        expected = list(plain.admit(plain_links(HtmlResponse(url, body=body, encoding="utf-8"))))
        got = list(fast.new_links(read(HtmlResponse(url, body=body, encoding="utf-8"))))
        assert got == expected
    assert plain.scheduled == fast.scheduled > 5


FEEDS = ('<link rel="alternate" type="application/rss+xml" href="/feed.xml">'
         '<link rel="Alternate stylesheet" type="application/atom+xml; q=1" href="atom.xml">'
         '<link rel="stylesheet" type="text/css" href="/s.css">')


@pytest.mark.parametrize("charset", ["utf-8", "windows-1252", None])
def test_worker_reads_the_links_the_crawl_process_reads(charset):
    """Same base, hrefs and feeds from a worker's tree as from Scrapy's, whatever the
    declared encoding (none: detected); the bench site and the 287 aeb/naeb pages were
    checked the same way (docs/performance.md, "Links")."""
    body = ("<html><head><meta charset='windows-1252'>" + FEEDS + "</head><body>"
            + PAGE.split("<body>", 1)[1]).encode("windows-1252", "replace")
    headers = {"Content-Type": f"text/html; charset={charset}" if charset else "text/html"}
    response = HtmlResponse("http://127.0.0.1:8000/a/b.html", body=body, headers=headers)
    crawl_side, worker_side = response_links(response), worker_links(response)
    assert crawl_side == worker_side
    assert len(crawl_side.hrefs) > 10 and len(crawl_side.feeds) == 2


def test_new_links_respects_max_pages():
    body = PAGE.format(base="").encode("utf-8")
    response = HtmlResponse("http://127.0.0.1:8000/p.html", body=body, encoding="utf-8")
    fast = LinkFilter(Scope("host", ["http://127.0.0.1:8000/"]), max_pages=3)
    assert len(list(fast.new_links(response_links(response)))) == 3
    assert list(fast.new_links(response_links(response))) == []
