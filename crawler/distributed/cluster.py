"""What the workers of one distributed crawl share: Redis keys, connecting, seeding.

:func:`configure` turns a worker's settings into distributed mode (the ``Distributed``
add-on calls it when ``PRESSKEEP_REDIS_URL`` is set); :func:`enqueue` seeds the crawl
(``presskeep enqueue``).
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Iterable

import redis

from archive.merge import shard_dir


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
        "SCHEDULER": "crawler.distributed.scheduler.LeasingScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True, "SCHEDULER_QUEUE_KEY": keys.requests,
        "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter, "JOBDIR": None,
        "PRESSKEEP_REDIS_SHARD": str(shard),
    }
    for name, value in values.items():
        settings.set(name, value, priority="cmdline")
    settings.set_in_component_priority_dict(
        "EXTENSIONS", "crawler.distributed.frontier.RedisFrontier", 10)
    settings.set_in_component_priority_dict(
        "DOWNLOADER_MIDDLEWARES", "crawler.distributed.hostslots.HostSlots", 970)
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
