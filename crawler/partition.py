"""One crawl over several processes on one machine, without Redis: a URL-partitioned frontier.

``presskeep crawl --processes N`` starts N crawl processes (one per core is the point: a
crawl process is CPU-bound). Process ``i`` owns the URLs whose CRC-32 modulo N is ``i``:
it alone fetches them, keeps their seen-set and writes them to its shard
``OUT/shards/part-i/`` (the shard layout of docs/distributed.md). A link found by one
process and owned by another is sent, as a serialised Scrapy request, over a socket to the
parent process, which passes it on to its owner. Nothing is shared but those messages: no
locks, no round trip a page.

The parent also decides when the crawl is over. A process that runs out of work reports
``("idle", received)`` (how many forwarded requests it has taken in) and waits; the crawl
is over when every live process has reported idle *and* has taken in every request the
parent passed to it. Messages on one socket arrive in order, so a process's forwarded
requests always reach the parent before its idle report: when the condition holds, no
request is in flight anywhere. The parent then sends ``("stop",)`` to all, waits for them
and merges the shards into OUT (archive/merge.py).

Child side: :class:`Partition`, a spider middleware (forwarding what the spider yields) that
also listens on the socket (requests in, stop). Parent side: :func:`route`.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import socket
import zlib
from typing import Callable

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy.utils.request import request_from_dict

from crawler.compat import schedule_coro
from crawler.queues import request_dict
from crawler.requisites import is_requisite

logger = logging.getLogger(__name__)

#: environment variable that hands a child process its end of the socket pair
FD_ENV = "PRESSKEEP_PARTITION_FD"
_HEADER = 4


def owner(url: str, count: int) -> int:
    """The process (0..count-1) that owns ``url``: stable across processes and runs."""
    return zlib.crc32(url.encode("utf-8", "surrogatepass")) % count


def parse_partition(value: str) -> tuple[int, int]:
    """``"I/N"`` -> (I, N); ValueError unless 0 <= I < N."""
    index, sep, count = str(value).partition("/")
    if not sep:
        raise ValueError(f"partition must be I/N, got {value!r}")
    i, n = int(index), int(count)
    if not 0 <= i < n:
        raise ValueError(f"partition must be I/N with 0 <= I < N, got {value!r}")
    return i, n


def frame(message: tuple) -> bytes:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return len(data).to_bytes(_HEADER, "big") + data


async def read_frame(reader: asyncio.StreamReader) -> tuple | None:
    """The next message, or None at the end of the stream.

    Only our own processes are on the other end of the socket pair (created by the parent
    before it starts them), so pickle is safe here.
    """
    try:
        size = int.from_bytes(await reader.readexactly(_HEADER), "big")
        return pickle.loads(await reader.readexactly(size))  # noqa: S301 - see above
    except asyncio.IncompleteReadError:
        return None


class Partition(BaseSpiderMiddleware):
    """Keep the requests this process owns, forward the others; take forwarded ones in."""

    def __init__(self, crawler: Crawler, index: int, count: int, fd: int) -> None:
        super().__init__(crawler)
        self.index, self.count, self.fd = index, count, fd
        self.stats = crawler.stats
        self.writer: asyncio.StreamWriter | None = None
        self.pending: list[bytes] = []  # frames written before the socket is open
        self.received = 0
        self.reported: int | None = None
        self.stopping = False
        self.task: asyncio.Task | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "Partition":
        value = crawler.settings.get("PRESSKEEP_PARTITION")
        if not value:
            raise NotConfigured  # one crawl process (no message: this is the usual case)
        index, count = parse_partition(value)
        fd = crawler.settings.getint("PRESSKEEP_PARTITION_FD")
        if fd < 0:
            raise NotConfigured(f"PRESSKEEP_PARTITION is set but no socket ({FD_ENV})")
        mw = cls(crawler, index, count, fd)
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(mw.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    # -- out: what the spider yields ----------------------------------------------
    def get_processed_request(self, request: Request, response=None) -> Request | None:
        dest = owner(request.url, self.count)
        if dest == self.index:
            return request
        spider = self.crawler.spider  # the disk queue's dict: no getmembers (crawler/queues.py)
        self.send(("request", dest, request_dict(request, spider) or request.to_dict(spider=spider)))
        self.stats.inc_value("presskeep/partition/forwarded")
        return None

    def send(self, message: tuple) -> None:
        data = frame(message)
        if self.writer is None:
            self.pending.append(data)
        else:
            self.writer.write(data)

    # -- in: the parent's messages ------------------------------------------------
    def spider_opened(self, spider) -> None:
        spider.partition = self  # for requests the spider hands the engine directly
        self.task = asyncio.ensure_future(self.listen())

    async def listen(self) -> None:
        sock = socket.socket(fileno=self.fd)
        reader, self.writer = await asyncio.open_unix_connection(sock=sock)
        for data in self.pending:
            self.writer.write(data)
        self.pending.clear()
        while (message := await read_frame(reader)) is not None:
            if message[0] == "stop":
                self.stop()
                return
            self.take(message[1])
            if self.engine_idle():
                self.report_idle()  # a duplicate changes nothing: say so now, not in 5 s
        if not self.stopping:  # the parent is gone: stop (the job queue keeps what is left)
            logger.warning("presskeep: lost the parent process; stopping this part of the crawl")
            self.stop("shutdown")

    def engine_idle(self) -> bool:
        try:
            return self.crawler.engine is not None and self.crawler.engine.spider_is_idle()
        except RuntimeError:  # closing
            return False

    def take(self, data: dict) -> None:
        self.received += 1
        if self.stopping or self.crawler.engine is None or self.crawler.engine.spider is None:
            return
        spider = self.crawler.spider
        request = request_from_dict(data, spider=spider)
        if not self.admit(spider, request):  # seen here already, or over the caps
            self.stats.inc_value("presskeep/partition/duplicates")
            return
        try:
            self.crawler.engine.crawl(request)
        except Exception as exc:  # noqa: BLE001 - arrived while this process was closing
            logger.debug("presskeep: dropped %s (closing): %s", request.url, exc)
            self.stats.inc_value("presskeep/partition/dropped")
            return
        self.stats.inc_value("presskeep/partition/received")

    @staticmethod
    def admit(spider, request: Request) -> bool:
        """Whether this process takes a forwarded request: a page requisite by the
        requisites' seen-set (outside the scope, not a page: crawler/requisites.py), any
        other by the link filter."""
        if is_requisite(request) and spider.requisites is not None:
            return spider.requisites.admit(request.url)
        return any(spider.links.admit([request.url]))

    def stop(self, reason: str = "finished") -> None:
        self.stopping = True
        if self.crawler.engine is not None:
            schedule_coro(self.crawler.engine.close_spider_async(reason=reason))

    # -- idle: wait for the others --------------------------------------------------
    def report_idle(self) -> None:
        if self.reported != self.received:
            self.send(("idle", self.received))
            self.reported = self.received

    def spider_idle(self, spider) -> None:
        if self.stopping:
            return
        self.report_idle()
        raise DontCloseSpider

    def spider_closed(self, spider, reason: str) -> None:
        if self.writer is not None:
            self.writer.write(frame(("closed", {
                "reason": reason, "responses": self.stats.get_value("presskeep/capture/responses", 0),
                "articles": self.stats.get_value("presskeep/articles/kept", 0)})))
            self.writer.close()
        if self.task is not None and not self.task.done():
            self.task.cancel()


class Router:
    """The parent's side: pass requests to their owners, stop everyone once all are idle."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.writers: list[asyncio.StreamWriter | None] = [None] * count
        self.routed = [0] * count
        self.idle: list[int | None] = [None] * count
        self.alive = [True] * count
        self.stopped = False
        self.forwarded = 0
        self.closed: list[dict | None] = [None] * count  # each child's reason and counts

    async def serve(self, index: int, reader: asyncio.StreamReader) -> None:
        try:
            while (message := await read_frame(reader)) is not None:
                if message[0] == "request":
                    self.pass_on(message[1], message[2])
                elif message[0] == "idle":
                    self.idle[index] = message[1]
                elif message[0] == "closed":
                    self.closed[index] = message[1]
                self.check_done()
        finally:
            self.alive[index] = False
            writer, self.writers[index] = self.writers[index], None
            if writer is not None:
                writer.close()
            self.check_done()

    def pass_on(self, dest: int, data: dict) -> None:
        writer = self.writers[dest]
        if writer is None or not self.alive[dest]:  # gone (stopped early or failed): dropped
            return
        writer.write(frame(("request", data)))
        self.routed[dest] += 1
        self.forwarded += 1

    def check_done(self) -> None:
        live = [i for i in range(self.count) if self.alive[i]]
        if self.stopped or not live:
            return
        if all(self.idle[i] is not None and self.idle[i] == self.routed[i] for i in live):
            self.stopped = True
            for i in live:
                writer = self.writers[i]
                if writer is not None:
                    writer.write(frame(("stop",)))


def route(socks: list[socket.socket]) -> Router:
    """Run the router over the parent's ends of the socket pairs until every child is gone."""
    router = Router(len(socks))

    async def main() -> None:
        readers = []
        for i, sock in enumerate(socks):  # every writer exists before the first message
            reader, router.writers[i] = await asyncio.open_unix_connection(sock=sock)
            readers.append(reader)
        await asyncio.gather(*(router.serve(i, r) for i, r in enumerate(readers)))

    asyncio.run(main())
    return router


def preload(settings) -> None:
    """Import every component the crawl will load, before the children are forked.

    Each child then starts crawling without importing Scrapy, Twisted, lxml, warcio and our
    modules again (about 1.5 s of CPU a process on the benchmark machine).
    """
    from scrapy.utils.misc import load_object

    import crawler.spiders.news  # noqa: F401 - imported for its side effect (module cache)
    from crawler.addons import left_out

    skip = {path for _, path in left_out(settings)}
    for name in ("DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "EXTENSIONS", "ITEM_PIPELINES",
                 "DOWNLOAD_HANDLERS", "ADDONS"):
        paths = {**settings.getdict(f"{name}_BASE"), **settings.getdict(name)}
        for path, order in paths.items():
            if order is not None and isinstance(path, str) and path not in skip:
                try:
                    load_object(path)
                except (ImportError, NameError, ValueError):  # Scrapy reports it in the child
                    pass
    for name in ("SCHEDULER", "DOWNLOADER", "DUPEFILTER_CLASS", "SCHEDULER_PRIORITY_QUEUE",
                 "SCHEDULER_DISK_QUEUE", "SCHEDULER_MEMORY_QUEUE", "STATS_CLASS",
                 "REQUEST_FINGERPRINTER_CLASS"):
        path = settings.get(name)
        if isinstance(path, str):
            load_object(path)
    import twisted.internet.asyncioreactor  # noqa: F401 - not installed here, only imported


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    return exc.code if isinstance(exc.code, int) else 1


def run_children(count: int, child: Callable[[int], object]) -> tuple[list[int], Router]:
    """Fork ``count`` children, each running ``child(index)`` with its socket as fd
    ``$PRESSKEEP_PARTITION_FD``; route between them until all are gone. Their exit codes
    and the router.

    The children are forked (not spawned), so what the parent imported they have already
    (see :func:`preload`). They run in their own process group, so a Ctrl-C (SIGINT) or
    SIGTERM reaches each of them once, passed on by the parent (a second Ctrl-C forces
    them, as with one process); each stops cleanly and the parent waits for them. A child
    whose parent dies sees its socket close and stops too.
    """
    import os
    import signal
    import sys

    pairs = [socket.socketpair() for _ in range(count)]
    pids: list[int] = []
    sys.stdout.flush()
    sys.stderr.flush()
    for index, (_, theirs) in enumerate(pairs):
        pid = os.fork()
        if pid == 0:  # the child: never returns into the parent's code
            code = 1
            try:
                os.setpgid(0, 0)
                signal.signal(signal.SIGINT, signal.default_int_handler)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                for mine_, theirs_ in pairs:
                    mine_.close()
                    if theirs_ is not theirs:
                        theirs_.close()
                os.environ[FD_ENV] = str(theirs.detach())
                child(index)
                code = 0
            except SystemExit as exc:
                code = _exit_code(exc)
            except BaseException as exc:  # noqa: BLE001 - a child must not run the parent's code
                sys.stderr.write(f"presskeep: error: crawl process {index}: {exc!r}\n")
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        pids.append(pid)
        theirs.close()

    def forward(signum, frame) -> None:  # noqa: ARG001 - signal handler signature
        for pid in pids:
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass

    old_int = signal.signal(signal.SIGINT, forward)
    old_term = signal.signal(signal.SIGTERM, forward)
    try:
        router = route([mine for mine, _ in pairs])
        codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]
    finally:
        signal.signal(signal.SIGINT, old_int)
        signal.signal(signal.SIGTERM, old_term)
    return codes, router
