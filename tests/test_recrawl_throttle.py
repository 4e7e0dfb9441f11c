"""The throttle presskeep runs lowers a host's delay on a recrawl's 304s (Scrapy's own kept
it at AUTOTHROTTLE_START_DELAY for a whole recrawl), and still never on error answers."""

from __future__ import annotations

import pytest
from scrapy.core.downloader import Slot
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Response
from scrapy.settings import Settings
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler

URL = "http://127.0.0.1:9/a.html"


@pytest.fixture
def throttle() -> AutoThrottle:
    """The AutoThrottle extension presskeep's settings enable, ready as on spider_opened."""
    settings = Settings()
    settings.setmodule("crawler.settings")
    enabled = [load_object(p) for p in build_component_list(settings.getwithbase("EXTENSIONS"))]
    found = [cls for cls in enabled if isinstance(cls, type) and issubclass(cls, AutoThrottle)]
    assert len(found) == 1, found
    crawler = get_crawler(settings_dict={k: v for k, v in settings.items()
                                         if k.startswith("AUTOTHROTTLE") or k == "DOWNLOAD_DELAY"})
    ext = found[0].from_crawler(crawler)
    ext.mindelay, ext.maxdelay = ext._min_delay(), ext._max_delay()
    return ext


def answers(ext: AutoThrottle, status: int, count: int, latency: float = 0.004) -> Slot:
    slot = Slot(concurrency=8, delay=ext._start_delay(), jitter=0)
    for _ in range(count):
        ext._adjust_delay(slot, latency, Response(URL, status=status))
    return slot


def test_304s_lower_the_delay_like_200s(throttle):
    start = throttle._start_delay()
    assert start > 0.1  # presskeep's default politeness
    not_modified, ok = answers(throttle, 304, 10), answers(throttle, 200, 10)
    assert not_modified.delay == ok.delay < start / 100


def test_error_answers_still_never_lower_the_delay(throttle):
    assert answers(throttle, 503, 10).delay == throttle._start_delay()
    assert answers(throttle, 503, 3, latency=8).delay > throttle._start_delay()

