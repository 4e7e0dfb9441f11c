"""CPU a page of the dates step: htmldate's find_date against htmldate_fast, in one process.

    .venv/bin/python -m bench.bench_dates [--every 10] [--rounds 6]

``clean_page`` (as a cleaning worker runs it) over every ``--every``-th page of the
5,000-article benchmark site (sample/large_site.py), with htmldate's ``find_date`` on a
copy of the tree (``htmldate_fast.find_date``) and with ``htmldate_fast.find_original_date``
(the page's own tree when nothing needs pruning), interleaved ABBA; best of ``--rounds`` in
CPU ms a page, and the mean CPU of the htmldate step alone.
"""

from __future__ import annotations

import argparse
import sys
import time

from pipelines.clean import dates
from pipelines.clean import htmldate_fast
from pipelines.crawlpage import clean_page
from sample.large_site import site_pages


def _pages(every: int) -> list[tuple[str, bytes]]:
    return [("http://bench.test" + path, text.encode())
            for i, (path, text) in enumerate(site_pages(5000, 1)) if i % every == 0]


def bench_dates(every: int, rounds: int) -> None:
    pages = _pages(every)
    step = {"find_date": 0.0, "htmldate_fast": 0.0}

    def timed(name, function):
        def run(tree, url):
            start = time.process_time()
            try:
                return function(tree, url)
            except Exception:  # noqa: BLE001 - as dates._htmldate
                return None
            finally:
                step[name] += time.process_time() - start
        return run

    variants = [("find_date", timed("find_date", htmldate_fast.find_date)),
                ("htmldate_fast", timed("htmldate_fast", htmldate_fast.find_original_date))]
    best = {name: float("inf") for name, _ in variants}
    saved = dates._htmldate
    try:
        for index in range(rounds):
            for name, function in (variants if index % 2 == 0 else variants[::-1]):
                dates._htmldate = function
                start = time.process_time()
                for url, body in pages:
                    clean_page(body, url, links=True)
                best[name] = min(best[name], time.process_time() - start)
    finally:
        dates._htmldate = saved
    for name, _ in variants:
        sys.stdout.write(f"{name:<13}: clean_page {best[name] / len(pages) * 1000:.3f} ms/page "
                         f"(best of {rounds}, {len(pages)} pages); htmldate step "
                         f"{step[name] / len(pages) / rounds * 1000:.3f} ms/page\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args(argv)
    bench_dates(args.every, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
