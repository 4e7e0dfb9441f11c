"""Scrapy's downloader with its per-host concurrency limit actually enforced.

Scrapy 2.19's ``Downloader._process_queue`` takes requests off a download slot's queue
while ``slot.free_transfer_slots() > 0``, but a request only enters ``slot.transferring``
once the task that downloads it first runs. Under the asyncio reactor that task is created
with ``loop.create_task`` (not started eagerly), so the loop empties the whole queue: with
no download delay (AutoThrottle off, ``DOWNLOAD_DELAY = 0``) a host got as many requests
at once as were queued for it, whatever ``CONCURRENT_REQUESTS_PER_DOMAIN`` said (measured
on the sample site with a 20 ms answer delay: 11 at once with a limit of 1;
tests/test_processes.py). Here the request is counted as transferring when it is taken off
the queue; Scrapy's own ``_download`` adds it again (a set) and removes it when done.
"""

from __future__ import annotations

from time import monotonic

from scrapy.core.downloader import Downloader, Slot
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import _schedule_coro


class PoliteDownloader(Downloader):
    def _process_queue(self, slot: Slot) -> None:
        if slot.latercall:
            return  # a delayed call will process the queue
        now = monotonic()
        delay = slot.download_delay()
        if delay:
            penalty = delay - now + slot.lastseen
            if penalty > 0:
                slot.latercall = call_later(penalty, self._latercall, slot)
                return
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            slot.transferring.add(request)  # now, not when the download task first runs
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
            if delay:  # no burst when a delay between requests is configured
                self._process_queue(slot)
                break
