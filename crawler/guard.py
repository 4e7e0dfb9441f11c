"""The address guard: a public crawl never fetches from private, loopback or link-local addresses.

A page on the open web can link or redirect to ``http://127.0.0.1:6379/`` or
``http://169.254.169.254/`` (cloud metadata); a crawler that follows it
becomes a tool for reaching the machine's own network (SSRF). So, before each
request is downloaded (redirects included: each hop is a new request), the
host is resolved and every address it resolves to is classified. A non-public
address is refused unless

- ``PRESSKEEP_ALLOW_PRIVATE`` is ``True`` (allow everything), or
- it is ``auto`` (the default) and a seed itself resolves to an address of the
  same kind: a crawl seeded on ``http://127.0.0.1:8000/`` may fetch loopback
  addresses, but still no link-local or private-network ones.

``False`` refuses every non-public address, seeds included. After the
download the address actually connected to is checked again, so a DNS answer
that changed in between (rebinding) does not get a response archived.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from typing import Iterable
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import threads

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
MODES = ("auto", "true", "false")
_CACHE_MAX = 10_000


def address_kind(ip: IPAddress) -> str | None:
    """None for a public address, else "loopback", "link-local", "private" or "reserved"."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_unspecified or ip.is_multicast or ip.is_reserved:
        return "reserved"
    if ip.is_private:
        return "private"
    return None if ip.is_global else "reserved"


def resolve(host: str) -> list[IPAddress]:
    """Every address ``host`` resolves to (blocking); [] when it does not resolve."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


def parse_mode(value) -> str:
    text = str(value).strip().lower()
    text = {"1": "true", "yes": "true", "0": "false", "no": "false"}.get(text, text)
    if text not in MODES:
        raise ValueError(f"PRESSKEEP_ALLOW_PRIVATE must be auto, True or False, not {value!r}")
    return text


class AddressGuard:
    """Downloader middleware (just before the download handler) that refuses non-public hosts."""

    def __init__(self, crawler: Crawler, mode: str) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.mode = mode
        self._kinds: dict[str, frozenset[str]] = {}  # host -> kinds of its non-public addresses
        self.seed_kinds: set[str] = set()
        self._seed_hosts: set[str] = set()
        self._announced = False
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "AddressGuard":
        try:
            mode = parse_mode(crawler.settings.get("PRESSKEEP_ALLOW_PRIVATE", "auto"))
        except ValueError as exc:  # never let a typo open the guard
            logger.warning("presskeep: %s; refusing every non-public address", exc)
            mode = "false"
        if mode == "true":
            raise NotConfigured("PRESSKEEP_ALLOW_PRIVATE is True: private addresses allowed")
        return cls(crawler, mode)

    async def spider_opened(self, spider) -> None:
        seeds = list(getattr(spider, "seeds", None) or getattr(spider, "start_urls", None) or [])
        await self.add_seeds(seeds)

    async def add_seeds(self, urls: Iterable[str]) -> None:
        """Remember what kinds of non-public address the seeds are on (``auto`` mode)."""
        if self.mode != "auto":
            return
        for url in urls:
            host = (urlsplit(url).hostname or "").lower()
            if host and host not in self._seed_hosts:
                self._seed_hosts.add(host)
                self.seed_kinds |= await self.kinds_of(host)
        if self.seed_kinds and not self._announced:
            self._announced = True
            logger.info("presskeep: seeds are on %s addresses: those are allowed, other "
                        "non-public addresses are not", "/".join(sorted(self.seed_kinds)))

    async def kinds_of(self, host: str) -> frozenset[str]:
        kinds = self._kinds.get(host)
        if kinds is None:
            addresses = await maybe_deferred_to_future(threads.deferToThread(resolve, host))
            kinds = frozenset(k for k in map(address_kind, addresses) if k)
            if len(self._kinds) >= _CACHE_MAX:
                self._kinds.clear()
            self._kinds[host] = kinds
        return kinds

    def refused(self, kinds: Iterable[str]) -> set[str]:
        return set(kinds) - self.seed_kinds

    async def process_request(self, request: Request) -> None:
        if request.meta.get("depth") == 0 and "redirect_urls" not in request.meta:
            await self.add_seeds([request.url])  # a seed queued from elsewhere (Redis)
        host = (urlparse_cached(request).hostname or "").lower()
        bad = self.refused(await self.kinds_of(host)) if host else set()
        if bad:
            self.refuse(request, host, bad)

    def process_response(self, request: Request, response: Response) -> Response:
        """The address really connected to must pass too (DNS can change in between)."""
        if response.ip_address is not None and not request.meta.get("proxy"):  # not a proxy's
            bad = self.refused(k for k in [address_kind(response.ip_address)] if k)
            if bad:
                self.refuse(request, str(response.ip_address), bad)
        return response

    def refuse(self, request: Request, host: str, kinds: set[str]) -> None:
        self.stats.inc_value("presskeep/guard/refused")
        why = "the seeds are not" if self.mode == "auto" else "PRESSKEEP_ALLOW_PRIVATE is False"
        raise IgnoreRequest(f"refused by the address guard: {host} is a "
                            f"{'/'.join(sorted(kinds))} address and {why}")
