"""Fewer garbage collections in the crawl process (PRESSKEEP_GC_THRESHOLD).

Python runs a young-generation collection every 700 net allocations of container
objects, and every tenth of those also scans the middle generation. A crawl allocates
Requests, Responses, Deferreds and their dicts at a high rate and keeps a growing share
of them alive (the frontier, the responses waiting for the cleaning workers), so each
collection has more to scan: on the benchmark site the crawl process spent 4.1-4.7 s of
a 46-50 s crawl in ~1,900 collections. With the first threshold at 10,000 it spends
0.5 s in ~27 (docs/performance.md, "What a crawled page costs"). Objects are freed as before: reference
counting frees almost everything the moment it is unused; only reference cycles wait
for a collection, now a little longer.
"""

from __future__ import annotations

import gc

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured


class GcThreshold:
    def __init__(self, crawler: Crawler, threshold: int) -> None:
        self.stats = crawler.stats
        self.before = gc.get_threshold()
        self.collections = self._collections()
        gc.set_threshold(threshold, *self.before[1:])
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "GcThreshold":
        threshold = crawler.settings.getint("PRESSKEEP_GC_THRESHOLD")
        if threshold <= 0:
            raise NotConfigured("PRESSKEEP_GC_THRESHOLD is 0: Python's own")
        return cls(crawler, threshold)

    @staticmethod
    def _collections() -> int:
        return sum(gen["collections"] for gen in gc.get_stats())

    def spider_closed(self, spider, reason: str) -> None:
        self.stats.set_value("presskeep/gc/collections", self._collections() - self.collections)
        gc.set_threshold(*self.before)
