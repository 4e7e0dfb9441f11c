"""The sample site answering each request after a delay, counting requests in flight.

Slow enough that a crawl lasts long enough to be shared between processes (distributed
workers, `crawl --processes`) and its concurrency observed at the server.
"""

from __future__ import annotations

import threading
import time

from sample.server import SiteHandler, SiteServer
from sample.site import build_site


class SlowHandler(SiteHandler):
    """The sample site, each answer after ``server.delay`` seconds; counts requests in flight."""

    def do_GET(self) -> None:  # noqa: N802
        server = self.server
        with server.lock:
            server.active += 1
            server.max_active = max(server.max_active, server.active)
            server.starts.append(time.monotonic())
        time.sleep(server.delay)
        with server.lock:  # before the answer is sent: a client never sees us as still busy
            server.active -= 1
        super().do_GET()


def slow_site(delay: float, articles: int = 90) -> SiteServer:
    server = SiteServer(build_site(articles), handler=SlowHandler)
    server.lock, server.active, server.max_active, server.starts = threading.Lock(), 0, 0, []
    server.delay = delay
    return server.start()
