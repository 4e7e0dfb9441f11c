"""The one module that touches Scrapy's (and scrapy-redis's) private internals.

presskeep fixes a few Scrapy behaviours by subclassing its components (crawler/downloader.py,
keepalive.py, robots.py, queues.py, retry.py, throttle.py), frees a response's cached tree early
(crawler/links.py), watches the engine's slot (crawler/distributed/) and schedules a
coroutine the way Scrapy does. Every private name that takes is used here and nowhere else,
so a new Scrapy means reading this one file against it:

- :data:`SCRAPY_CHECKED` and :data:`SCRAPY_REDIS_CHECKED` are the versions it was read
  against; pyproject.toml bounds both to those minor versions, and
  tests/test_compat.py fails when the installed ones are not in the lists.
- On import, the private methods used are looked up: a Scrapy without one of them stops
  presskeep at start-up with :class:`ScrapyInternalsChanged` (an ImportError; the
  ``presskeep`` command says it in one line, naming the method), not mid-crawl. A private attribute that is gone raises the same where it is read. An
  unchecked version that still has them all runs, with one warning.
"""

from __future__ import annotations

import logging
from importlib.metadata import version
from typing import Any, Callable, Coroutine

import scrapy
from scrapy.core.downloader import Downloader, Slot
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Request, Response
from scrapy.squeues import PickleLifoDiskQueue
from scrapy.utils import defer as _defer
from scrapy.utils.asyncio import call_later

logger = logging.getLogger(__name__)

#: the Scrapy versions this module was read against
SCRAPY_CHECKED = ("2.19.0",)
#: the scrapy-redis versions its two private queue methods were read against
SCRAPY_REDIS_CHECKED = ("0.9.1",)
#: the scrapy-playwright versions its one private handler method was read against
#: (crawler/render_handler.py; pyproject.toml bounds it below 0.1)
SCRAPY_PLAYWRIGHT_CHECKED = ("0.0.48",)
_CHECKED = {"Scrapy": SCRAPY_CHECKED, "scrapy-redis": SCRAPY_REDIS_CHECKED,
            "scrapy-playwright": SCRAPY_PLAYWRIGHT_CHECKED}

#: (owner, private name) of every private method used, looked up on import
PRIVATE_METHODS: tuple[tuple[Any, str], ...] = (
    (Downloader, "_process_queue"), (Downloader, "_download"), (Downloader, "_latercall"),
    (Downloader, "_wait_for_download"), (RetryMiddleware, "_retry"),
    (RobotsTxtMiddleware, "robot_parser"), (_defer, "_schedule_coro"),
    (AutoThrottle, "_adjust_delay"),
)


class ScrapyInternalsChanged(ImportError):
    """A private name presskeep relies on is not in the installed Scrapy (or scrapy-redis)."""

    def __init__(self, where: str, package: str = "Scrapy") -> None:
        checked = _CHECKED[package]
        super().__init__(
            f"the installed {package} ({version(package)}) has no {where}, which presskeep "
            f"relies on; it was checked on {package} {', '.join(checked)} (crawler/compat.py)")


def missing_methods() -> list[str]:
    """The private methods of :data:`PRIVATE_METHODS` the installed Scrapy lacks."""
    return [f"{getattr(owner, '__qualname__', owner.__name__)}.{name}"
            for owner, name in PRIVATE_METHODS if not callable(getattr(owner, name, None))]


def _check() -> None:
    missing = missing_methods()
    if missing:
        raise ScrapyInternalsChanged(" or ".join(missing))
    if scrapy.__version__ not in SCRAPY_CHECKED:
        logger.warning("presskeep: Scrapy %s is not a version presskeep was checked on (%s); "
                       "see crawler/compat.py", scrapy.__version__, ", ".join(SCRAPY_CHECKED))


def _private(obj: Any, name: str, package: str = "Scrapy") -> Any:
    try:
        return getattr(obj, name)
    except AttributeError:
        raise ScrapyInternalsChanged(f"{type(obj).__qualname__}.{name}", package) from None


_check()

#: Scrapy's own way to run a coroutine without keeping a handle (a task under asyncio)
schedule_coro: Callable[[Coroutine[Any, Any, Any]], None] = _defer._schedule_coro


class HookedDownloader(Downloader):
    """Scrapy's downloader with the private methods presskeep overrides or calls under
    public names: :meth:`process_queue` (Scrapy's ``_process_queue``, which takes requests
    off a slot's queue), :meth:`download` (``_download``, one download in its slot),
    :meth:`start_download` and :meth:`process_later`."""

    def _process_queue(self, slot: Slot) -> None:
        self.process_queue(slot)

    def process_queue(self, slot: Slot) -> None:
        super()._process_queue(slot)

    async def _download(self, slot: Slot, request: Request) -> Response:
        return await self.download(slot, request)

    async def download(self, slot: Slot, request: Request) -> Response:
        return await super()._download(slot, request)

    def start_download(self, slot: Slot, request: Request, queue_dfd) -> None:
        """Download ``request`` (taken off ``slot``'s queue), firing ``queue_dfd``."""
        schedule_coro(self._wait_for_download(slot, request, queue_dfd))

    def process_later(self, slot: Slot, delay: float) -> None:
        """Process ``slot``'s queue again in ``delay`` seconds (its download delay)."""
        slot.latercall = call_later(delay, self._latercall, slot)


class HookedAutoThrottle(AutoThrottle):
    """Scrapy's AutoThrottle with its delay policy (``_adjust_delay``, called with each
    response's latency) under a public name, :meth:`adjust_delay`."""

    def _adjust_delay(self, slot: Slot, latency: float, response: Response) -> None:
        self.adjust_delay(slot, latency, response)

    def adjust_delay(self, slot: Slot, latency: float, response: Response) -> None:
        super()._adjust_delay(slot, latency, response)


def connection_pool(handler: Any) -> Any:
    """The Twisted ``HTTPConnectionPool`` of Scrapy's HTTP/1.1 download handler."""
    return _private(handler, "_pool")


def robots_parsers(middleware: RobotsTxtMiddleware) -> dict:
    """RobotsTxtMiddleware's netloc -> parser (or the Deferred of one being fetched)."""
    return _private(middleware, "_parsers")


def retry(middleware: RetryMiddleware, request: Request, reason: str) -> Request | None:
    """RetryMiddleware's retry of ``request`` (its counting, stats and logs), or None when
    the retries are used up."""
    return middleware._retry(request, reason)


def drop_cached_selector(response: Response) -> None:
    """Let go of the Selector (and its lxml tree) Scrapy caches on a text response."""
    if getattr(response, "_cached_selector", None) is not None:
        response._cached_selector = None


def push_dict(queue: PickleLifoDiskQueue, request_dict: dict[str, Any]) -> None:
    """Push a request already turned into ``request.to_dict()``'s dict (the pickling queue
    under Scrapy's request-to-dict layer)."""
    super(PickleLifoDiskQueue, queue).push(request_dict)


def _engine_slot(crawler: Any) -> Any:
    engine = crawler.engine
    return None if engine is None else _private(engine, "_slot")


def in_progress(crawler: Any) -> set:
    """Requests the engine is still downloading, parsing or piping (their items included)."""
    slot = _engine_slot(crawler)
    return slot.inprogress if slot is not None else set()


def wake_engine(crawler: Any) -> None:
    """Ask an idle engine to look at the scheduler now, not at its next 5-second heartbeat."""
    slot = _engine_slot(crawler)
    if slot is not None and slot.closing is None:
        slot.nextcall.schedule()


def encode_request(queue: Any, request: Request) -> bytes:
    """scrapy-redis's serialised form of ``request`` in ``queue``."""
    return _private(queue, "_encode_request", "scrapy-redis")(request)


def decode_request(queue: Any, data: bytes) -> Request:
    """The request ``data`` (from :func:`encode_request`) stands for."""
    return _private(queue, "_decode_request", "scrapy-redis")(data)


async def start_browser_driver(handler: Any) -> None:
    """Start the Playwright driver of a scrapy-playwright handler made after the engine
    started (scrapy-playwright's ``_launch``, which it runs on ``engine_started``; the
    browser itself is launched with the first page)."""
    await _private(handler, "_launch", "scrapy-playwright")()
