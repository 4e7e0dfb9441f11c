"""Retries that wait as long as the server asks: ``Retry-After`` on 429 and 503 (and any
``RETRY_HTTP_CODES`` status).

Scrapy's ``RetryMiddleware`` retries at once. This subclass (same settings, same
retry counting, in the same place: 550) reads ``Retry-After`` (seconds or an HTTP
date), waits that long before handing the retry back, and gives up (the response
stays archived and is handled as an error page) when the server asks for more than
``PRESSKEEP_RETRY_AFTER_MAX`` seconds. Only the response being retried waits; the
rest of the crawl goes on.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.utils.response import response_status_message

from crawler.compat import retry

logger = logging.getLogger(__name__)


def retry_after(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header value asks for (None: absent or unreadable)."""
    if not value:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "RetryAfterMiddleware":
        mw = super().from_crawler(crawler)
        mw.max_wait = crawler.settings.getfloat("PRESSKEEP_RETRY_AFTER_MAX")
        return mw

    async def process_response(self, request: Request, response: Response,
                               spider=None) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        wait = retry_after(response.headers.get(b"Retry-After"))
        stats = self.crawler.stats
        if wait is not None and wait > self.max_wait:
            stats.inc_value("presskeep/retry/after_too_long")
            logger.info("presskeep: not retrying %s: Retry-After %.0f s is over "
                        "PRESSKEEP_RETRY_AFTER_MAX", request.url, wait)
            return response
        again = retry(self, request, response_status_message(response.status))
        if again is None:
            return response
        if wait:
            stats.inc_value("presskeep/retry/after_waited")
            stats.inc_value("presskeep/retry/after_seconds", wait)
            await asyncio.sleep(wait)
        return again
