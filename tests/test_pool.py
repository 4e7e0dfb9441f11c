"""The cleaning pool: real worker processes, real pipes, driven by a real asyncio loop."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from pipelines.clean import extract
from crawler.settings import PRESSKEEP_CLEAN_QUEUE as DEPTH
from pipelines.pool import CleanPool, WorkerDied

PAGE = ("<html><head><title>Harbour reopens</title></head><body><article><h1>Harbour reopens"
        "</h1>{paras}</article></body></html>")


def page(n: int, words: int = 40) -> bytes:
    para = "<p>" + " ".join(f"word{i}" for i in range(words)) + " harbour {n}.</p>"
    return PAGE.format(paras="".join(para.format(n=n) for _ in range(3))).encode()


def run(coro):
    return asyncio.run(coro)


def test_results_match_in_process_extraction():
    async def go():
        pool = CleanPool(2, DEPTH)
        try:
            bodies = [page(i) for i in range(20)]
            docs = await asyncio.gather(*(pool.extract(b, f"http://127.0.0.1/a/{i}")
                                          for i, b in enumerate(bodies)))
        finally:
            pool.close()
        return bodies, docs

    bodies, docs = run(go())
    for i, (body, doc) in enumerate(zip(bodies, docs)):
        assert doc.as_dict() == extract(body, f"http://127.0.0.1/a/{i}").as_dict()


def test_page_bigger_than_the_pipe_buffer():
    big = page(1, words=200_000)  # ~1.6 MB: more than a pipe holds
    assert len(big) > 1 << 20

    async def go():
        pool = CleanPool(1, DEPTH)
        try:
            return await asyncio.gather(pool.extract(big, "http://127.0.0.1/big"),
                                        pool.extract(page(2), "http://127.0.0.1/small"))
        finally:
            pool.close()

    big_doc, small_doc = run(go())
    assert big_doc.word_count > 600_000
    assert "harbour 2." in small_doc.text


def test_each_worker_holds_up_to_depth_tasks_that_fit_in_its_pipe():
    async def go():
        pool = CleanPool(1, DEPTH)
        try:
            worker = pool._workers[0]
            small = [asyncio.ensure_future(pool.extract(page(i), f"http://127.0.0.1/s/{i}"))
                     for i in range(DEPTH + 3)]
            await asyncio.sleep(0)  # every task submitted: DEPTH handed over, the rest wait
            held_small = len(worker.tasks)
            await asyncio.gather(*small)
            third = page(0, words=worker.capacity // 90)  # about a third of the pipe buffer
            big = [asyncio.ensure_future(pool.extract(third, f"http://127.0.0.1/b/{i}"))
                   for i in range(DEPTH)]
            await asyncio.sleep(0)
            held_big, queued = len(worker.tasks), sum(worker.sizes.values())
            docs = await asyncio.gather(*big)
            return held_small, held_big, queued, worker.capacity, docs, worker.sizes
        finally:
            pool.close()

    held_small, held_big, queued, capacity, docs, sizes = run(go())
    assert held_small == DEPTH
    assert 1 < held_big < DEPTH and queued <= capacity  # never more than the pipe holds
    assert all(doc.word_count > 0 for doc in docs) and not sizes


def test_worker_error_reaches_the_caller():
    async def go():
        pool = CleanPool(1, DEPTH)
        try:
            with pytest.raises((TypeError, AttributeError)):
                await pool.extract(12345, "http://127.0.0.1/x")  # not bytes/str
            return await pool.extract(page(3), "http://127.0.0.1/ok")  # pool still works
        finally:
            pool.close()

    assert "harbour 3." in run(go()).text


def test_killed_worker_fails_its_tasks_and_is_replaced():
    async def go():
        pool = CleanPool(1, DEPTH)
        try:
            await pool.extract(page(0), "http://127.0.0.1/warm")
            victim = pool._workers[0].process
            pending = [asyncio.ensure_future(pool.extract(page(i, 20_000), f"http://127.0.0.1/{i}"))
                       for i in range(2)]
            await asyncio.sleep(0)
            os.kill(victim.pid, signal.SIGKILL)
            outcomes = await asyncio.gather(*pending, return_exceptions=True)
            after = await pool.extract(page(9), "http://127.0.0.1/after")
            return victim, pool._workers[0].process, outcomes, after
        finally:
            pool.close()

    victim, fresh, outcomes, after = run(go())
    assert fresh.pid != victim.pid
    assert any(isinstance(o, WorkerDied) for o in outcomes)
    assert "harbour 9." in after.text


def test_close_stops_the_workers():
    async def go():
        pool = CleanPool(2, DEPTH, nice=5)
        await pool.extract(page(1), "http://127.0.0.1/1")
        procs = [w.process for w in pool._workers]
        pool.close()
        return procs

    procs = run(go())
    assert all(not p.is_alive() for p in procs)
    assert all(p.exitcode == 0 for p in procs)
