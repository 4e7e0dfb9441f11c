"""Scrapy's AutoThrottle with a recrawl's answers counted as the fast answers they are.

Scrapy's policy lowers a host's download delay only on a 200: an error page or redirect
is small and quick, and letting it lower the delay would speed up a crawl that is
failing. An incremental recrawl of an unchanged site gets almost nothing but 304s
(crawler/incremental.py), so the delay stayed at ``AUTOTHROTTLE_START_DELAY`` for the
whole recrawl (sample site with 89 articles: 73 s against 7 s for the first crawl).
:class:`RecrawlAutoThrottle` lets a 304 lower it too; a 200 that repeats the last payload
(an identical-payload-digest revisit) already did. Only the delay between requests
changes: the number of requests a host gets at once stays at most
``CONCURRENT_REQUESTS_PER_DOMAIN`` (crawler/downloader.py), and every other status still
only ever raises the delay.
"""

from __future__ import annotations

from scrapy.core.downloader import Slot
from scrapy.http import Response

from crawler.compat import HookedAutoThrottle

#: answers whose latency may lower the delay: the page, and the page unchanged
FAST_STATUSES = frozenset({200, 304})


class RecrawlAutoThrottle(HookedAutoThrottle):
    """AutoThrottle (same settings, same signal) whose delay goes down on 304s too."""

    def adjust_delay(self, slot: Slot, latency: float, response: Response) -> None:
        # Scrapy's policy (scrapy/extensions/throttle.py) with FAST_STATUSES for its 200
        target = latency / self.target_concurrency
        new_delay = max(target, (slot.delay + target) / 2.0)
        new_delay = min(max(self.mindelay, new_delay), self.maxdelay)
        if response.status not in FAST_STATUSES and new_delay <= slot.delay:
            return
        slot.delay = new_delay
