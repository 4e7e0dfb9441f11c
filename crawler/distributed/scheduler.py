"""The scheduler of a distributed crawl: scrapy-redis's, with leases and a shared page budget.

A popped request is moved atomically into the worker's *in-flight* hash (a lease) instead
of vanishing (the frontier acknowledges it once handled, or gives it back when the worker
dies); the dupefilter, the page budget and the queue are one atomic step; the shared queue
is never cleared when one worker finishes.
"""

from __future__ import annotations

import logging

import redis
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.utils.misc import load_object
from scrapy_redis.scheduler import Scheduler

from crawler.compat import decode_request, encode_request
from crawler.distributed.cluster import Keys, RedisUnavailable
from crawler.distributed.frontier import RedisFrontier

logger = logging.getLogger(__name__)

_POP_AND_LEASE = """
local item = redis.call('ZPOPMIN', KEYS[1])
if #item == 0 then return nil end
redis.call('HSET', KEYS[2], item[1], item[2])
return item[1]
"""
_ENQUEUE = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
if tonumber(ARGV[4]) > 0 and redis.call('INCR', KEYS[3]) > tonumber(ARGV[4]) then return 2 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""


class LeasingScheduler(Scheduler):
    """scrapy-redis's scheduler with leases, a cluster-wide page budget and no clearing."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "LeasingScheduler":
        try:
            instance = cls.from_settings(crawler.settings)
        except redis.RedisError as exc:
            raise RedisUnavailable(f"cannot reach Redis: {exc}") from exc
        instance.stats = crawler.stats
        instance.crawler = crawler
        instance.keys = Keys(crawler.settings.get("PRESSKEEP_REDIS_KEY"))
        instance.worker = crawler.settings.get("PRESSKEEP_WORKER_ID")
        instance.max_pages = crawler.settings.getint("PRESSKEEP_MAX_PAGES")
        instance._pop = instance.server.register_script(_POP_AND_LEASE)
        instance._enqueue = instance.server.register_script(_ENQUEUE)
        return instance

    @property
    def frontier(self) -> "RedisFrontier | None":
        return self.crawler.get_extension(RedisFrontier)

    def open(self, spider) -> None:
        self.spider = spider
        self.queue = load_object(self.queue_cls)(
            server=self.server, spider=spider, key=self.queue_key, serializer=self.serializer)
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        links = getattr(spider, "links", None)
        if links is not None and links.max_pages:  # --max-pages counts for the whole cluster
            self.max_pages, links.max_pages = links.max_pages, 0
        waiting = len(self.queue)
        if waiting:
            logger.info("presskeep: joining a crawl with %d requests queued", waiting)

    def close(self, reason: str) -> None:
        """Never clear the shared queue: other workers may still be crawling."""

    def _lost(self, exc: Exception) -> None:
        if self.frontier is not None:
            self.frontier.lost(exc)

    def _alive(self) -> bool:
        return self.frontier is None or not self.frontier.is_lost

    def enqueue_request(self, request: Request) -> bool:
        """Dupefilter, page budget and queue in one atomic step: a worker killed in between
        can never leave a URL marked as seen but not queued."""
        if not self._alive():
            return False
        try:
            if request.dont_filter:
                self.queue.push(request)
                outcome = 1
            else:
                outcome = self._enqueue(
                    keys=[self.df.key, self.queue.key, self.keys.pages],
                    args=[self.df.request_fingerprint(request), -request.priority,
                          encode_request(self.queue, request), self.max_pages])
        except redis.RedisError as exc:
            self._lost(exc)
            return False
        if outcome != 1:
            self.stats.inc_value("presskeep/redis/duplicates" if outcome == 0
                                 else "presskeep/redis/over_budget")
            return False
        self.stats.inc_value("presskeep/redis/enqueued")
        return True

    def next_request(self) -> Request | None:
        if not self._alive():
            return None
        try:
            data = self._pop(keys=[self.queue_key, self.keys.inflight(self.worker)])
        except redis.RedisError as exc:
            self._lost(exc)
            return None
        if data is None:
            return None
        request = decode_request(self.queue, data)
        self.stats.inc_value("presskeep/redis/leased")
        if self.frontier is not None:
            self.frontier.leased(request, data)
        return request

    def has_pending_requests(self) -> bool:
        if not self._alive():
            return False
        try:
            return len(self) > 0
        except redis.RedisError as exc:
            self._lost(exc)
            return False
