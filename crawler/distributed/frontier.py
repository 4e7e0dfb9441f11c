"""One worker's life in a distributed crawl (extension): heartbeat, leases, seeds, idling.

:class:`RedisFrontier` keeps the worker alive in Redis, acknowledges leases once the
request is fully handled and its rows are committed, gives the leases of dead workers back
to the queue, turns URLs pushed by ``presskeep enqueue`` into requests (scrapy-redis's
spider mixin relies on ``start_requests()``, which Scrapy >= 2.16 never calls), waits
while idle and stops after ``PRESSKEEP_REDIS_IDLE_TIMEOUT``, and stops the crawl cleanly
when Redis goes away.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from typing import Any, Callable
from urllib.parse import urlsplit

import redis
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.asyncio import create_looping_call

from crawler.compat import in_progress, schedule_coro, wake_engine
from crawler.distributed.cluster import Keys, connect
from crawler.links import Scope, normalize

logger = logging.getLogger(__name__)

REASON_LOST = "redis_lost"
_REQUEUE = """
if ARGV[1] == '1' and redis.call('EXISTS', KEYS[3]) == 1 then return -1 end
local flat = redis.call('HGETALL', KEYS[2])
for i = 1, #flat, 2 do redis.call('ZADD', KEYS[1], flat[i + 1], flat[i]) end
redis.call('DEL', KEYS[2])
return #flat / 2
"""
_CLEAR_IF_LAST = """
if redis.call('ZCARD', KEYS[1]) > 0 or redis.call('LLEN', KEYS[2]) > 0 then return 0 end
if #redis.call('KEYS', ARGV[1]) > 0 or #redis.call('KEYS', ARGV[2]) > 0 then return 0 end
for i = 3, #KEYS do redis.call('DEL', KEYS[i]) end
return 1
"""


class RedisFrontier:
    """One worker's life in the cluster: heartbeat, leases, seeds, idling, losing Redis."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.url = settings.get("PRESSKEEP_REDIS_URL")
        self.keys = Keys(settings.get("PRESSKEEP_REDIS_KEY"))
        self.worker = settings.get("PRESSKEEP_WORKER_ID")
        self.idle_timeout = settings.getfloat("PRESSKEEP_REDIS_IDLE_TIMEOUT")
        self.ttl = max(1, settings.getint("PRESSKEEP_REDIS_WORKER_TTL"))
        self.interval = settings.getfloat("PRESSKEEP_REDIS_TICK")
        self.server = connect(self.url)
        self._requeue = self.server.register_script(_REQUEUE)
        self._clear_if_last = self.server.register_script(_CLEAR_IF_LAST)
        self.leases: dict[Request, bytes] = {}
        self.is_lost = False
        self.last_busy = time.monotonic()
        self.seed_count = -1
        self.guard_hosts: set[str] = set()
        #: called with each heartbeat (the HostSlots middleware renews its slots)
        self.on_heartbeat: list[Callable[[], None]] = []
        self.ticks = 0
        self._task = create_looping_call(self.tick)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "RedisFrontier":
        if not crawler.settings.get("PRESSKEEP_REDIS_URL"):
            raise NotConfigured("PRESSKEEP_REDIS_URL is not set")
        return cls(crawler)

    # -- lifecycle ------------------------------------------------------------
    def spider_opened(self, spider) -> None:
        self.last_busy = time.monotonic()
        self.heartbeat()
        requeued = self._requeue(keys=self._requeue_keys(self.worker), args=["0"])
        if requeued:
            logger.warning("presskeep: %d in-flight requests of an earlier run of worker %s "
                           "are back in the queue", requeued, self.worker)
            self.stats.inc_value("presskeep/redis/requeued", requeued)
        seeds = list(getattr(spider, "seeds", []))
        if seeds:
            self.server.sadd(self.keys.seeds, *seeds)
        self.refresh_scope()
        self._task.start(self.interval, now=False)
        logger.info("presskeep: worker %s joined the crawl at %s", self.worker, self.url)

    def spider_closed(self, spider, reason: str) -> None:
        if self._task.running:
            self._task.stop()
        if self.is_lost:
            return
        try:
            self.ack()
            back = self._requeue(keys=self._requeue_keys(self.worker), args=["0"])
            self.stats.inc_value("presskeep/redis/requeued", back or 0)
            self.server.delete(self.keys.worker(self.worker))
            if reason == "finished":
                self.clear_if_last()
        except redis.RedisError as exc:
            logger.error("presskeep: Redis lost while leaving the crawl: %s", exc)

    def clear_if_last(self) -> None:
        patterns = [self.keys.worker("*"), self.keys.inflight("*")]
        cleared = self._clear_if_last(keys=[self.keys.requests, self.keys.start_urls,
                                            *self.keys.shared], args=patterns)
        if cleared:
            logger.info("presskeep: last worker out: crawl state cleared from Redis")

    # -- the periodic tick --------------------------------------------------
    def tick(self) -> None:
        if self.is_lost:
            return
        self.ticks += 1
        try:
            self.heartbeat()
            self.ack()
            self.poll_start_urls()
            if self.ticks % 5 == 0:
                self.reap()
            if self.cluster_busy():
                self.last_busy = time.monotonic()
                wake_engine(self.crawler)
            elif time.monotonic() - self.last_busy >= self.idle_timeout:
                wake_engine(self.crawler)  # let spider_idle see the timeout now
        except redis.RedisError as exc:
            self.lost(exc)

    def heartbeat(self) -> None:
        self.server.set(self.keys.worker(self.worker), f"{socket.gethostname()} {os.getpid()}",
                        ex=self.ttl)
        for renew in self.on_heartbeat:
            renew()

    def _requeue_keys(self, worker: str) -> list[str]:
        return [self.keys.requests, self.keys.inflight(worker), self.keys.worker(worker)]

    # -- leases ---------------------------------------------------------------
    def leased(self, request: Request, data: bytes) -> None:
        self.leases[request] = data
        self.last_busy = time.monotonic()
        if self.crawler.spider is not None and normalize(request.url) not in self._scope():
            self.refresh_scope()

    def ack(self) -> None:
        """Acknowledge completely handled requests, once their rows are committed."""
        busy = in_progress(self.crawler)
        done = [r for r in self.leases if r not in busy]
        if not done:
            return
        self._flush_store()
        self.server.hdel(self.keys.inflight(self.worker), *(self.leases[r] for r in done))
        for request in done:
            del self.leases[request]
        self.stats.inc_value("presskeep/redis/acked", len(done))

    def _flush_store(self) -> None:
        from crawler.session import ArchiveSession

        session = self.crawler.get_extension(ArchiveSession)
        if session is not None:
            session.store.flush()

    def reap(self) -> None:
        """Give the leases of workers that stopped heart-beating back to the queue."""
        prefix = self.keys.inflight("")
        for key in self.server.scan_iter(match=prefix + "*", count=100):
            worker = key.decode()[len(prefix):]
            if worker == self.worker:
                continue
            back = self._requeue(keys=self._requeue_keys(worker), args=["1"])
            if back and back > 0:
                logger.warning("presskeep: worker %s is gone: %d of its requests are back in "
                               "the queue", worker, back)
                self.stats.inc_value("presskeep/redis/requeued", back)

    # -- seeds and scope ----------------------------------------------------
    def poll_start_urls(self) -> None:
        spider = self.crawler.spider
        with self.server.pipeline() as pipe:
            pipe.lrange(self.keys.start_urls, 0, 99)
            pipe.ltrim(self.keys.start_urls, 100, -1)
            raw, _ = pipe.execute()
        if not raw or spider is None:
            return
        self.refresh_scope()
        for url in filter(None, (_start_url(item) for item in raw)):
            self.crawler.engine.crawl(spider.request(url, depth=0))
            self.stats.inc_value("presskeep/redis/seeds")
        self.last_busy = time.monotonic()

    def _scope(self) -> Scope | Any:
        links = getattr(self.crawler.spider, "links", None)
        return links.scope if links is not None else ()

    def refresh_scope(self) -> None:
        """Widen this worker's scope to every seed the cluster was given."""
        links = getattr(self.crawler.spider, "links", None)
        if links is None or self.server.scard(self.keys.seeds) == self.seed_count:
            return
        seeds = sorted(s.decode() for s in self.server.smembers(self.keys.seeds))
        self.seed_count = len(seeds)
        links.scope = Scope(links.scope.kind, seeds)
        self.allow_seed_addresses(seeds)

    def allow_seed_addresses(self, seeds: list[str]) -> None:
        """Tell the address guard (crawler/guard.py) about seeds other workers were given.

        A loopback or private seed is allowed where a worker's own seeds are; in a
        cluster the seeds arrive through Redis, so each worker learns them here,
        before requests for them can reach the guard (host look-ups block, once
        per new seed host).
        """
        from crawler.guard import AddressGuard, address_kind, resolve

        guard = self.crawler.get_downloader_middleware(AddressGuard)
        if guard is None or getattr(guard, "mode", None) != "auto":
            return
        for host in sorted({urlsplit(u).hostname or "" for u in seeds} - self.guard_hosts - {""}):
            guard.seed_kinds |= {k for k in map(address_kind, resolve(host)) if k}
            self.guard_hosts.add(host)

    # -- idling ----------------------------------------------------------------
    def cluster_busy(self) -> bool:
        if self.leases or self.server.zcard(self.keys.requests) or \
                self.server.llen(self.keys.start_urls):
            return True
        return any(True for _ in self.server.scan_iter(match=self.keys.inflight("*"), count=100))

    def spider_idle(self, spider) -> None:
        if self.is_lost:
            return
        idle = time.monotonic() - self.last_busy
        if idle < self.idle_timeout:
            raise DontCloseSpider
        logger.info("presskeep: worker %s idle for %.0f s: stopping", self.worker, idle)

    # -- losing Redis ------------------------------------------------------
    def lost(self, exc: Exception) -> None:
        if self.is_lost:
            return
        self.is_lost = True
        self.stats.set_value("presskeep/redis/lost", str(exc)[:200])
        logger.error("presskeep: lost Redis at %s (%s): stopping worker %s; everything "
                     "fetched so far stays archived", self.url, exc, self.worker)
        schedule_coro(self.crawler.engine.close_spider_async(reason=REASON_LOST))


def _start_url(item: bytes) -> str | None:
    """A URL from a start-URL list entry: scrapy-redis's JSON ``{"url": ...}`` or a bare URL."""
    text = item.decode("utf-8", "replace").strip()
    if text.startswith("{"):
        try:
            text = str(json.loads(text).get("url") or "")
        except (ValueError, AttributeError):
            return None
    return normalize(text)
