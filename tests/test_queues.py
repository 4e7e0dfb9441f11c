"""The JOBDIR disk queue stores exactly what Scrapy's own would, without its method search."""

from __future__ import annotations

import scrapy
from scrapy.utils.request import request_from_dict
from scrapy.utils.test import get_crawler

from crawler.queues import LifoDiskQueue, request_dict
from crawler.spiders.news import NewsSpider


def spider() -> NewsSpider:
    crawler = get_crawler(NewsSpider, {"PRESSKEEP_SCOPE": "host"})
    crawler.spider = NewsSpider.from_crawler(crawler, url="http://127.0.0.1/")
    return crawler.spider


def test_the_spiders_requests_give_scrapys_dict():
    s = spider()
    requests = [s.request("http://127.0.0.1/a.html", depth=3, priority=5),
                s.discovery_request("http://127.0.0.1/sitemap.xml", guessed=True),
                s.discovery_request("http://127.0.0.1/robots.txt", callback=s.parse_robots)]
    for request in requests:
        assert request_dict(request, s) == request.to_dict(spider=s)


def test_anything_else_goes_through_scrapy():
    s = spider()
    assert request_dict(scrapy.Request("http://127.0.0.1/", callback=lambda r: None), s) is None
    assert request_dict(scrapy.FormRequest("http://127.0.0.1/", callback=s.parse), s) is None
    assert request_dict(scrapy.Request("http://127.0.0.1/"), s) == \
        scrapy.Request("http://127.0.0.1/").to_dict(spider=s)


def test_queue_round_trip(tmp_path):
    s = spider()
    queue = LifoDiskQueue(s.crawler, str(tmp_path / "q"))
    first = s.request("http://127.0.0.1/a.html", depth=1)
    second = s.discovery_request("http://127.0.0.1/feed", guessed=True)
    queue.push(first)
    queue.push(second)
    back = [queue.pop(), queue.pop()]
    queue.close()
    assert [r.to_dict(spider=s) for r in back] == [second.to_dict(spider=s),
                                                    first.to_dict(spider=s)]
    assert request_from_dict(first.to_dict(spider=s), spider=s).callback == s.parse
