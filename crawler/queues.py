"""The scheduler's disk queue (JOBDIR) without Scrapy's per-request method search.

Scrapy 2.19 stores each scheduled request as ``request.to_dict(spider=spider)``, which
finds the names of the callback and errback with ``inspect.getmembers`` over the whole
spider: ~60 us a request, 13 % of the crawl process's time while the first pages of a
site add ~100 new URLs each (py-spy, docs/performance.md). A bound method of the spider
names itself (``__name__``) once checked against the spider; anything else goes through
Scrapy's own ``to_dict``. The stored dict is the one ``to_dict`` builds, so queues written
by either are read back by ``request_from_dict`` alike.
"""

from __future__ import annotations

from typing import Any, Callable

from scrapy import Request
from scrapy.squeues import PickleLifoDiskQueue

from crawler.compat import push_dict

_UNKNOWN = object()


def method_name(spider: Any, func: Callable | str | None) -> Any:
    """The spider attribute name of ``func`` (a bound method of ``spider``), None for None,
    the string itself for a string; ``_UNKNOWN`` otherwise."""
    if func is None or isinstance(func, str):
        return func
    name = getattr(func, "__name__", None)
    if getattr(func, "__self__", None) is not spider or name is None:
        return _UNKNOWN
    same = getattr(spider, name, None)
    return name if getattr(same, "__func__", None) is getattr(func, "__func__", _UNKNOWN) \
        else _UNKNOWN


def request_dict(request: Request, spider: Any) -> dict[str, Any] | None:
    """``request.to_dict(spider=spider)`` for a plain request with spider-method callbacks."""
    callback, errback = method_name(spider, request.callback), method_name(spider, request.errback)
    if callback is _UNKNOWN or errback is _UNKNOWN or type(request) is not Request:
        return None
    d = {"url": request.url, "callback": callback, "errback": errback,
         "headers": dict(request.headers)}
    for attr in request.attributes:
        d.setdefault(attr, getattr(request, attr))
    return d


class LifoDiskQueue(PickleLifoDiskQueue):
    """Scrapy's default disk queue (pickle, LIFO), pushing with :func:`request_dict`."""

    def push(self, request: Request) -> None:
        d = request_dict(request, self.spider)
        if d is None:
            super().push(request)
        else:
            push_dict(self, d)
