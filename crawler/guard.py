"""The address guard: a crawl never fetches from addresses that reach into this machine or its network.

A page on the open web can link or redirect to ``http://127.0.0.1:6379/``,
``http://0.0.0.0:8411/`` (which connects to this machine) or
``http://169.254.169.254/`` (cloud metadata); a crawler that follows it
becomes a tool for reaching the machine's own network (SSRF). So, before each
request is downloaded (redirects included: each hop is a new request), the
host is resolved and every address it resolves to is classified
(:func:`address_kind`). With ``PRESSKEEP_ALLOW_PRIVATE``

- ``auto`` (the default): a non-public address is refused unless it is
  loopback or private and a seed itself resolves to an address of the same
  kind (a crawl seeded on ``http://127.0.0.1:8000/`` may fetch loopback
  addresses, still no private-network ones). Only those two kinds widen:
  link-local, shared (CGNAT), documentation, benchmarking, multicast and
  reserved addresses are refused whatever the seeds, the seeds included;
- ``False``: every non-public address is refused, seeds included;
- ``True``: everything is allowed but unspecified addresses.

Unspecified addresses (``0.0.0.0`` and all of ``0.0.0.0/8``, ``::``, in any
spelling: ``0``, ``0x0``, ``[::ffff:0.0.0.0]``, a name resolving to them) are
refused in every mode: connecting to them reaches this machine's own services.
After the download the address actually connected to is checked again, so a
DNS answer that changed in between (rebinding) does not get a response archived.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from typing import Iterable
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import threads

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
MODES = ("auto", "true", "false")
_CACHE_MAX = 10_000


def _nets(*cidrs: str) -> tuple:
    return tuple(ipaddress.ip_network(c) for c in cidrs)


#: (kind, networks), first match wins; what matches none is public if ``is_global``
KINDS = (
    ("unspecified", _nets("0.0.0.0/8", "::/128")),
    ("loopback", _nets("127.0.0.0/8", "::1/128")),
    ("link-local", _nets("169.254.0.0/16", "fe80::/10")),
    ("private", _nets("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "fec0::/10")),
    ("shared", _nets("100.64.0.0/10")),
    ("documentation", _nets("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",
                            "2001:db8::/32", "3fff::/20")),
    ("benchmarking", _nets("198.18.0.0/15", "2001:2::/48")),
    ("multicast", _nets("224.0.0.0/4", "ff00::/8")),
    ("reserved", _nets("192.0.0.0/24", "240.0.0.0/4", "100::/64")),
)
#: the only kinds a seed of that kind makes fetchable in ``auto`` mode
WIDENABLE = frozenset({"loopback", "private"})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, NAT64, 6to4), if any."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def address_kind(ip: IPAddress) -> str | None:
    """None for a public address, else its kind: one of :data:`KINDS`' names."""
    ip = _embedded_ipv4(ip) or ip
    for kind, networks in KINDS:
        if any(ip in net for net in networks):
            return kind
    return None if ip.is_global and not ip.is_reserved else "reserved"


def ip_literal(host: str) -> IPAddress | None:
    """The address ``host`` spells, in any form a resolver accepts (``0``, ``0x7f.1``, ``[::]``)."""
    host = host.strip("[]")
    host = host[:-1] if host.endswith(".") else host  # "0.0.0.0." is the same host
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    if host and all(c in "0123456789abcdefxABCDEFX." for c in host):
        try:  # inet_aton's shorthand: decimal, octal and hex parts, fewer than four parts
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def resolve(host: str) -> list[IPAddress]:
    """Every address ``host`` resolves to (blocking); [] when it does not resolve."""
    literal = ip_literal(host)
    if literal is not None:
        return [literal]
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
            mode = parse_mode(crawler.settings.get("PRESSKEEP_ALLOW_PRIVATE"))
        except ValueError as exc:  # never let a typo open the guard
            logger.warning("presskeep: %s; refusing every non-public address", exc)
            mode = "false"
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
                self.seed_kinds |= await self.kinds_of(host) & WIDENABLE
        if self.seed_kinds and not self._announced:
            self._announced = True
            logger.info("presskeep: seeds are on %s addresses: those are allowed, other "
                        "non-public addresses are not", "/".join(sorted(self.seed_kinds)))

    async def kinds_of(self, host: str) -> frozenset[str]:
        kinds = self._kinds.get(host)
        if kinds is None:
            literal = ip_literal(host)
            addresses = [literal] if literal is not None else await maybe_deferred_to_future(
                threads.deferToThread(resolve, host))
            kinds = frozenset(k for k in map(address_kind, addresses) if k)
            if len(self._kinds) >= _CACHE_MAX:
                self._kinds.clear()
            self._kinds[host] = kinds
        return kinds

    def refused(self, kinds: Iterable[str]) -> set[str]:
        """The kinds among ``kinds`` this crawl may not fetch."""
        kinds = set(kinds)
        if self.mode == "true":
            return kinds & {"unspecified"}
        if self.mode == "false":
            return kinds
        return kinds - (self.seed_kinds & WIDENABLE)  # seed_kinds may be set from outside

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
        what = "/".join(sorted(kinds))
        article = "an" if what[0] in "aeiou" else "a"
        raise IgnoreRequest(f"refused by the address guard: {host} is {article} {what} address "
                            f"and {self.why(kinds)}")

    def why(self, kinds: set[str]) -> str:
        if "unspecified" in kinds:
            return "those reach this machine: never fetched"
        if self.mode == "false":
            return "PRESSKEEP_ALLOW_PRIVATE is False"
        if kinds - WIDENABLE:
            return "only PRESSKEEP_ALLOW_PRIVATE=True allows those"
        return "the seeds are not"
