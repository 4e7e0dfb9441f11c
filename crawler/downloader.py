"""Scrapy's downloader with its per-host concurrency limit actually enforced.

Scrapy 2.19's downloader (``process_queue``: crawler/compat.py names its private hooks)
takes requests off a download slot's queue while ``slot.free_transfer_slots() > 0``,
but a request only enters ``slot.transferring``
once the task that downloads it first runs. Under the asyncio reactor that task is created
with ``loop.create_task`` (not started eagerly), so the loop empties the whole queue: with
no download delay (AutoThrottle off, ``DOWNLOAD_DELAY = 0``) a host got as many requests
at once as were queued for it, whatever ``CONCURRENT_REQUESTS_PER_DOMAIN`` said (measured
on the sample site with a 20 ms answer delay: 11 at once with a limit of 1;
tests/test_processes.py). Here the request is counted as transferring when it is taken off
the queue; Scrapy's own download adds it again (a set) and removes it when done.

A stopped crawl (SIGINT/SIGTERM) stops within seconds (crawler/stopping.py): Scrapy's
graceful stop waits for every request already handed to the downloader, queued ones
included, so a slow site held a pause for as long as they all took.
:meth:`PoliteDownloader.stop_downloads` sends the queued ones back to the scheduler (the
job keeps them for the resumed crawl) and starts no more; :meth:`abort_transfers` cancels
the downloads in flight, which go back the same way.
"""

from __future__ import annotations

import asyncio
from time import monotonic

from scrapy import Request
from scrapy.core.downloader import Slot
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from twisted.python.failure import Failure

from crawler.compat import HookedDownloader


def again(request: Request) -> Request:
    """``request`` as it goes back to the scheduler, unsent (the dupefilter has seen it).

    A request the engine downloads for a component (robots.txt: ``NO_CALLBACK``) is
    not scheduled: it fails with IgnoreRequest instead.
    """
    if request.callback is NO_CALLBACK:
        raise IgnoreRequest("the crawl is stopping")
    return request.replace(dont_filter=True)


def _current_task() -> asyncio.Task | None:
    """The asyncio task downloading now; None under a Twisted reactor without asyncio."""
    try:
        return asyncio.current_task()
    except RuntimeError:
        return None


class PoliteDownloader(HookedDownloader):
    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        self.stopping = False
        self.transfers: dict[Request, asyncio.Task] = {}  # downloads in flight (asyncio)
        self._aborted: set[Request] = set()

    def stop_downloads(self) -> int:
        """Start no more downloads; send the queued requests back. How many went back."""
        self.stopping = True
        return sum(self._requeue(slot) for slot in self.slots.values())

    def abort_transfers(self) -> int:
        """Cancel the downloads in flight; each request goes back. How many were cancelled."""
        for request, task in list(self.transfers.items()):
            self._aborted.add(request)
            task.cancel()
        return len(self._aborted)

    def _requeue(self, slot: Slot) -> int:
        count = 0
        while slot.queue:
            request, queue_dfd = slot.queue.popleft()
            try:
                queue_dfd.callback(again(request))  # the engine schedules a returned Request
            except IgnoreRequest:
                queue_dfd.errback(Failure())
            count += 1
        return count

    async def download(self, slot: Slot, request: Request) -> Response:
        task = _current_task()
        if task is not None:
            self.transfers[request] = task
        try:
            return await super().download(slot, request)
        except asyncio.CancelledError:
            if request not in self._aborted or task is None:
                raise
            task.uncancel()
            return again(request)  # type: ignore[return-value]  (the engine schedules it)
        finally:
            self.transfers.pop(request, None)
            self._aborted.discard(request)

    def process_queue(self, slot: Slot) -> None:
        if self.stopping:
            self._requeue(slot)
            return
        if slot.latercall:
            return  # a delayed call will process the queue
        now = monotonic()
        delay = slot.download_delay()
        if delay:
            penalty = delay - now + slot.lastseen
            if penalty > 0:
                self.process_later(slot, penalty)
                return
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            slot.transferring.add(request)  # now, not when the download task first runs
            self.start_download(slot, request, queue_dfd)
            if delay:  # no burst when a delay between requests is configured
                self.process_queue(slot)
                break
