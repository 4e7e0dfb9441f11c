"""robots.txt, obeyed for every request, including those that arrive while it is being fetched.

Scrapy 2.19's RobotsTxtMiddleware lets each request that comes in while a
host's robots.txt is still downloading await the same Deferred. The first
awaiter's callback returns None, so from the second waiter on every request
sees "no robots.txt" and is let through: three seeds on one host, and the
third one ignored ``Disallow``. Here each waiter gets a Deferred of its own
that is fired with the parser, and the shared chain keeps its value.
"""

from __future__ import annotations

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Request
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from crawler.compat import robots_parsers


def _relay(shared: Deferred) -> Deferred:
    """A new Deferred fired with ``shared``'s result; ``shared`` passes its result on unchanged."""
    own: Deferred = Deferred()

    def fire(result):
        own.callback(result)
        return result

    shared.addBoth(fire)
    return own


class RobotsTxt(RobotsTxtMiddleware):
    """Scrapy's middleware (same settings, stats and logs) with the waiter fix."""

    async def robot_parser(self, request: Request):
        netloc = urlparse_cached(request).netloc
        pending = robots_parsers(self).get(netloc)
        if isinstance(pending, Deferred):  # someone is fetching it: wait for our own copy
            return await maybe_deferred_to_future(_relay(pending))
        return await super().robot_parser(request)
