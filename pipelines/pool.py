"""Cleaning worker processes driven from the crawl's event loop, with no helper threads.

``concurrent.futures.ProcessPoolExecutor`` hands each task over through two helper
threads in the crawl process (a queue feeder and a manager) and wakes the manager
with a pipe write on every ``submit()``. That write releases the GIL, a helper thread
takes it, and the crawl thread then waits for it to come back: in a profile of the
full-pipeline crawl the wake-up write cost ~3 ms of wall time a page on the thread
that every response goes through (docs/performance.md).

:class:`CleanPool` keeps one duplex pipe per worker instead. The crawl thread
pickles a task and writes it straight into an idle-enough worker's pipe (never more
than fits in the pipe buffer, so the write does not block), and reads results when
the event loop reports the pipe readable. Workers run ``pipelines.clean.extract`` or
``pipelines.crawlpage.clean_page`` (which also reads the page's links) at a lower CPU
priority (``PRESSKEEP_CLEAN_NICE``): the crawl process is the one process every page
waits for, the workers take the CPU it leaves.
"""

from __future__ import annotations

import asyncio
import collections
import fcntl
import logging
import multiprocessing
import os
import pickle
import signal
from multiprocessing.connection import Connection
from typing import Any

logger = logging.getLogger(__name__)

#: Linux F_SETPIPE_SZ; a bigger pipe buffer lets a whole page wait in it
_F_SETPIPE_SZ = 1031
PIPE_SIZE = 1 << 20


class WorkerDied(RuntimeError):
    """A cleaning worker exited while it held tasks."""


def _tasks() -> dict[str, Any]:
    """What a worker can be asked to run, by name."""
    from pipelines.clean import extract
    from pipelines.crawlpage import clean_page

    return {"extract": extract, "clean_page": clean_page}


def _worker_main(inbox: Connection, outbox: Connection, nice: int) -> None:
    tasks = _tasks()
    # Ctrl-C and a TERM sent to the whole process group are the crawl's to handle: it
    # finishes or pauses and then closes the pool; a parent that dies closes our pipe.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if nice:
        os.nice(nice)
    while True:
        try:
            msg = inbox.recv_bytes()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if not msg:
            return
        task_id, name, args, kwargs = pickle.loads(msg)
        try:
            result: tuple[bool, Any] = (True, tasks[name](*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - the crawl decides what a failure means
            result = (False, exc)
        try:
            reply = pickle.dumps((task_id, *result), pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 - e.g. an exception that cannot be pickled
            reply = pickle.dumps((task_id, False, RuntimeError(f"{type(exc).__name__}: {exc}")))
        try:
            outbox.send_bytes(reply)
        except OSError:
            return


def _grow_pipe(conn: Connection) -> int:
    """Enlarge the pipe buffer (Linux); the size now in effect, 64 KB if not possible."""
    try:
        return fcntl.fcntl(conn.fileno(), _F_SETPIPE_SZ, PIPE_SIZE)
    except OSError:
        return 1 << 16


class _Worker:
    def __init__(self, ctx, nice: int) -> None:
        inbox, self.send = ctx.Pipe(duplex=False)  # os pipes: one each way
        self.conn, outbox = ctx.Pipe(duplex=False)
        self.capacity = _grow_pipe(self.send)
        _grow_pipe(outbox)
        self.process = ctx.Process(target=_worker_main, args=(inbox, outbox, nice), daemon=True,
                                   name="presskeep-clean")
        self.process.start()
        inbox.close()
        outbox.close()
        self.tasks: dict[int, asyncio.Future] = {}
        self.sizes: dict[int, int] = {}  # bytes of each task handed over, until it is answered


class CleanPool:
    """``workers`` spawn processes that run ``extract(body, url, **kwargs)`` or
    ``clean_page(body, url, **kwargs)`` (pipelines/crawlpage.py); ``depth``: tasks handed
    to one worker before it answers (``PRESSKEEP_CLEAN_QUEUE``: one in work, the rest
    waiting in its pipe, never more than the pipe holds); ``nice``: the workers' nice
    increment."""

    def __init__(self, workers: int, depth: int, nice: int = 0) -> None:
        self._ctx = multiprocessing.get_context("spawn")
        self._nice = nice
        self._depth = max(1, depth)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._workers = [_Worker(self._ctx, nice) for _ in range(workers)]
        self._waiting: collections.deque[tuple[int, bytes]] = collections.deque()
        self._futures: dict[int, asyncio.Future] = {}
        self._next_id = 0
        self._closed = False

    def _attach(self) -> None:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
            for worker in self._workers:
                self._watch(worker)

    def _watch(self, worker: _Worker) -> None:
        assert self._loop is not None
        self._loop.add_reader(worker.conn.fileno(), self._on_readable, worker)

    async def extract(self, *args, **kwargs):
        """Clean one page in a worker; the :class:`~pipelines.clean.Extraction` it returns."""
        return await self.run("extract", *args, **kwargs)

    async def run(self, task: str, *args, **kwargs):
        """Run ``task`` (``extract`` or ``clean_page``) in a worker; what it returns."""
        if self._closed:
            raise RuntimeError("cleaning pool is closed")
        self._attach()
        assert self._loop is not None
        task_id = self._next_id
        self._next_id += 1
        future = self._loop.create_future()
        self._futures[task_id] = future
        self._waiting.append((task_id, pickle.dumps((task_id, task, args, kwargs),
                                                    pickle.HIGHEST_PROTOCOL)))
        self._dispatch()
        return await future

    def _dispatch(self) -> None:
        while self._waiting:
            task_id, msg = self._waiting[0]
            worker = self._pick(len(msg))
            if worker is None:
                return
            self._waiting.popleft()
            future = self._futures.get(task_id)
            if future is None or future.done():  # cancelled while waiting
                self._futures.pop(task_id, None)
                continue
            worker.tasks[task_id] = future
            worker.sizes[task_id] = len(msg) + 8
            try:
                worker.send.send_bytes(msg)
            except OSError:
                self._replace(worker)

    def _pick(self, size: int) -> _Worker | None:
        """The least busy worker that can take a message of ``size`` bytes without blocking:
        an idle one, or one whose unanswered tasks leave room for it in the pipe buffer."""
        best = min(self._workers, key=lambda w: len(w.tasks))
        busy = len(best.tasks)
        if busy == 0 or (busy < self._depth and sum(best.sizes.values()) + size + 8 <= best.capacity):
            return best
        return None

    def _on_readable(self, worker: _Worker) -> None:
        try:
            task_id, ok, value = pickle.loads(worker.conn.recv_bytes())
        except (EOFError, OSError):
            self._replace(worker)
            self._dispatch()
            return
        worker.tasks.pop(task_id, None)
        worker.sizes.pop(task_id, None)
        future = self._futures.pop(task_id, None)
        if future is not None and not future.done():
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        self._dispatch()

    def _replace(self, worker: _Worker) -> None:
        """A worker died: fail what it held, start another in its place."""
        if self._loop is not None:
            self._loop.remove_reader(worker.conn.fileno())
        for task_id, future in worker.tasks.items():
            self._futures.pop(task_id, None)
            if not future.done():
                future.set_exception(WorkerDied(f"cleaning worker exited ({worker.process.exitcode})"))
        worker.tasks.clear()
        worker.sizes.clear()
        worker.conn.close()
        worker.send.close()
        logger.warning("presskeep: a cleaning worker exited (code %s); starting another",
                       worker.process.exitcode)
        if self._closed:
            self._workers.remove(worker)
            return
        fresh = _Worker(self._ctx, self._nice)
        self._workers[self._workers.index(worker)] = fresh
        if self._loop is not None:
            self._watch(fresh)

    def close(self) -> None:
        """Stop the workers (tasks still running are abandoned) and wait for them."""
        self._closed = True
        for worker in self._workers:
            if self._loop is not None:
                self._loop.remove_reader(worker.conn.fileno())
            try:
                worker.send.send_bytes(b"")
            except OSError:
                pass
        for worker in self._workers:
            worker.process.join(timeout=10)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()
            worker.send.close()
        for future in self._futures.values():
            if not future.done():
                future.cancel()
        self._futures.clear()
        self._waiting.clear()
