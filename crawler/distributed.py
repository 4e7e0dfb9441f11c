"""Distributed crawling on Redis: scrapy-redis's scheduler and dupefilter, plus a small shim.

Any number of ``presskeep crawl --redis URL`` workers share one request queue
and one dupefilter (scrapy-redis 0.9.x). What this module adds at our boundary
(docs/distributed.md tells the whole story):

- :class:`LeasingScheduler` subclasses scrapy-redis's scheduler: a popped request
  is moved atomically into the worker's *in-flight* hash (a lease) instead of
  vanishing, the queue is never cleared when one worker finishes, and
  ``PRESSKEEP_MAX_PAGES`` is counted cluster-wide.
- :class:`RedisFrontier` (extension) keeps the worker alive in Redis, acknowledges
  leases once the request is fully handled and its rows are committed, gives
  the leases of dead workers back to the queue, turns URLs pushed by
  ``presskeep enqueue`` into requests (scrapy-redis's spider mixin relies on
  ``start_requests()``, which Scrapy >= 2.16 never calls), waits while idle and
  stops after ``PRESSKEEP_REDIS_IDLE_TIMEOUT``, and stops the crawl cleanly when
  Redis goes away.
- :class:`HostSlots` (downloader middleware) enforces per-host concurrency and
  delay for the whole cluster with a slot table in Redis.

The engine's private slot (is a request completely handled? wake an idle engine when
another worker queued work) and scrapy-redis's request encoding are reached through
crawler/compat.py.
"""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import time
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit

import redis
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.asyncio import create_looping_call, sleep
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.misc import load_object
from scrapy_redis.scheduler import Scheduler
from twisted.internet.defer import DeferredLock

from archive.merge import shard_dir
from crawler.compat import decode_request, encode_request, in_progress, schedule_coro, wake_engine
from crawler.links import Scope, normalize

logger = logging.getLogger(__name__)

REASON_LOST = "redis_lost"
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
_REQUEUE = """
if ARGV[1] == '1' and redis.call('EXISTS', KEYS[3]) == 1 then return -1 end
local flat = redis.call('HGETALL', KEYS[2])
for i = 1, #flat, 2 do redis.call('ZADD', KEYS[1], flat[i + 1], flat[i]) end
redis.call('DEL', KEYS[2])
return #flat / 2
"""
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
if nxt > now then return nxt - now end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
if tonumber(ARGV[3]) > 0 then
  redis.call('SET', KEYS[2], now + tonumber(ARGV[3]), 'PX', ARGV[3])
end
return 0
"""
_RENEW = """
local t = redis.call('TIME')
local until_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, 'XX', until_ms, ARGV[i + 1])
  redis.call('PEXPIRE', key, ARGV[1])
end
return #KEYS
"""
_CLEAR_IF_LAST = """
if redis.call('ZCARD', KEYS[1]) > 0 or redis.call('LLEN', KEYS[2]) > 0 then return 0 end
if #redis.call('KEYS', ARGV[1]) > 0 or #redis.call('KEYS', ARGV[2]) > 0 then return 0 end
for i = 3, #KEYS do redis.call('DEL', KEYS[i]) end
return 1
"""


class RedisUnavailable(Exception):
    """Redis cannot be reached (at start) or was lost (mid-crawl)."""


class Keys:
    """Every Redis key one crawl uses, under one prefix (``PRESSKEEP_REDIS_KEY``)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.requests = f"{prefix}:requests"
        self.dupefilter = f"{prefix}:dupefilter"
        self.start_urls = f"{prefix}:start_urls"
        self.seeds = f"{prefix}:seeds"
        self.pages = f"{prefix}:pages"

    def inflight(self, worker: str) -> str:
        return f"{self.prefix}:inflight:{worker}"

    def worker(self, worker: str) -> str:
        return f"{self.prefix}:worker:{worker}"

    def host(self, host: str) -> tuple[str, str]:
        return f"{self.prefix}:host:{host}:slots", f"{self.prefix}:host:{host}:next"

    @property
    def shared(self) -> list[str]:
        """The keys that describe one crawl (cleared when its last worker finishes)."""
        return [self.dupefilter, self.seeds, self.pages]


# -- connecting and configuring ---------------------------------------------------------------

def connect(url: str, timeout: float = 5.0) -> redis.Redis:
    """A client for ``url``, checked with PING; :class:`RedisUnavailable` otherwise."""
    try:
        client = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=timeout)
        client.ping()
    except (redis.RedisError, ValueError) as exc:
        raise RedisUnavailable(f"cannot reach Redis at {url}: {exc}") from exc
    return client


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def configure(settings) -> Path:
    """Switch ``settings`` (with PRESSKEEP_REDIS_URL set) to distributed mode; return the shard."""
    worker = settings.get("PRESSKEEP_WORKER_ID") or default_worker_id()
    shard = shard_dir(settings.get("PRESSKEEP_OUT"), worker)
    url = settings.get("PRESSKEEP_REDIS_URL")
    keys = Keys(settings.get("PRESSKEEP_REDIS_KEY"))
    values = {
        "REDIS_URL": url, "PRESSKEEP_WORKER_ID": worker, "PRESSKEEP_OUT": str(shard),
        "SCHEDULER": "crawler.distributed.LeasingScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True, "SCHEDULER_QUEUE_KEY": keys.requests,
        "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter, "JOBDIR": None,
        "PRESSKEEP_REDIS_SHARD": str(shard),
    }
    for name, value in values.items():
        settings.set(name, value, priority="cmdline")
    settings.set_in_component_priority_dict("EXTENSIONS", "crawler.distributed.RedisFrontier", 10)
    settings.set_in_component_priority_dict(
        "DOWNLOADER_MIDDLEWARES", "crawler.distributed.HostSlots", 970)
    return shard


def enqueue(client: redis.Redis, keys: Keys, urls: Iterable[str]) -> int:
    """Seed a running (or future) cluster: scope first, then the start-URL list."""
    urls = list(urls)
    if not urls:
        return 0
    with client.pipeline() as pipe:
        pipe.sadd(keys.seeds, *urls)
        pipe.rpush(keys.start_urls, *(json.dumps({"url": u}) for u in urls))
        pipe.execute()
    return len(urls)


def live_workers(client: redis.Redis, keys: Keys) -> int:
    return sum(1 for _ in client.scan_iter(match=keys.worker("*"), count=100))


# -- the scheduler ----------------------------------------------------------------------------

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


# -- the frontier extension ------------------------------------------------------------------

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
        self.slots: HostSlots | None = None  # set by the HostSlots middleware
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
        if self.slots is not None:
            self.slots.renew()

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


# -- cluster-wide politeness -----------------------------------------------------------------

class HostSlots:
    """Per-host concurrency and delay for the whole cluster, as a slot table in Redis.

    Before a request goes out, the worker takes one of the host's
    ``CONCURRENT_REQUESTS_PER_DOMAIN`` slots (a sorted set of holders whose
    scores are expiry times, renewed with every heartbeat, so a dead worker's
    slots free themselves after PRESSKEEP_REDIS_WORKER_TTL) and the host's
    next start time must have passed (``DOWNLOAD_DELAY`` after the previous
    start, by any worker). The clock is Redis's own.
    """

    def __init__(self, crawler: Crawler, frontier: RedisFrontier) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.frontier = frontier
        self.keys = frontier.keys
        self.limit = max(1, settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"))
        self.delay_ms = int(settings.getfloat("DOWNLOAD_DELAY") * 1000)
        self.lease_ms = frontier.ttl * 1000
        self._acquire = frontier.server.register_script(_ACQUIRE)
        self._renew = frontier.server.register_script(_RENEW)
        self._serial = 0
        self._locks: dict[str, DeferredLock] = {}
        self.held: dict[str, str] = {}  # holder -> host
        frontier.slots = self

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "HostSlots":
        frontier = crawler.get_extension(RedisFrontier)
        if frontier is None:
            raise NotConfigured("RedisFrontier is not enabled")
        return cls(crawler, frontier)

    async def process_request(self, request: Request) -> None:
        """Wait for a cluster-wide slot; one request per host and worker asks Redis at a time."""
        host = urlsplit(request.url).hostname or ""
        lock = self._locks.setdefault(host, DeferredLock())
        await maybe_deferred_to_future(lock.acquire())
        try:
            await self._take_slot(request, host)
        finally:
            lock.release()
            if not lock.locked and not lock.waiting:
                self._locks.pop(host, None)

    async def _take_slot(self, request: Request, host: str) -> None:
        self._serial += 1
        holder = f"{self.frontier.worker}:{os.getpid()}:{self._serial}"
        waited = False
        while not self.frontier.is_lost:
            try:
                wait_ms = self._acquire(keys=list(self.keys.host(host)),
                                        args=[holder, self.limit, self.delay_ms, self.lease_ms])
            except redis.RedisError as exc:
                self.frontier.lost(exc)
                return
            if wait_ms == 0:
                request.meta["_presskeep_slot"] = (host, holder)
                self.held[holder] = host
                return
            if not waited:
                self.crawler.stats.inc_value("presskeep/redis/slot_waits")
                waited = True
            await sleep((wait_ms if wait_ms > 0 else 5 + 10 * random.random()) / 1000)

    def release(self, request: Request) -> None:
        slot = request.meta.pop("_presskeep_slot", None)
        if slot is not None:
            self.held.pop(slot[1], None)
        if slot is None or self.frontier.is_lost:
            return
        try:
            self.frontier.server.zrem(self.keys.host(slot[0])[0], slot[1])
        except redis.RedisError as exc:
            self.frontier.lost(exc)

    def renew(self) -> None:
        """Keep the slots this worker holds for another TTL (called with each heartbeat)."""
        if self.held:
            holders = list(self.held)
            self._renew(keys=[self.keys.host(self.held[h])[0] for h in holders],
                        args=[self.lease_ms, *holders])

    def process_response(self, request: Request, response):
        self.release(request)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self.release(request)
        return None


__all__ = ["HostSlots", "Keys", "LeasingScheduler", "RedisFrontier",
           "RedisUnavailable", "configure", "connect", "enqueue", "shard_dir"]
