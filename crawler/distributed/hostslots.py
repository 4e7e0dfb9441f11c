"""Per-host politeness for a whole distributed crawl (downloader middleware)."""

from __future__ import annotations

import os
import random
from urllib.parse import urlsplit

import redis
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import sleep
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import DeferredLock

from crawler.distributed.frontier import RedisFrontier

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
        frontier.on_heartbeat.append(self.renew)

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
