"""CPU milliseconds per page for each stage of our extractor (median and mean over a set).

    .venv/bin/python -m bench.eval_stages            # or: python -m bench.eval_extract --stages

Thread CPU time, so a loaded machine inflates the figures less than wall time would.
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import Callable

from bench.eval_data import SETS, load_pages
from pipelines.clean import boilerplate, body, metadata
from pipelines.clean.html import decode_html, parse_html


def _timed(fn: Callable, *args):
    start = time.thread_time()
    out = fn(*args)
    return out, (time.thread_time() - start) * 1000


def stage_times(html: bytes, url: str | None) -> dict[str, float]:
    times: dict[str, float] = {}
    text, times["decode"] = _timed(decode_html, html)
    tree, times["parse"] = _timed(parse_html, text)
    _, times["metadata"] = _timed(metadata.extract_metadata, tree, text, url)
    pruned, times["prune"] = _timed(boilerplate.prune, tree)
    traf, times["trafilatura"] = _timed(body.trafilatura_paragraphs, pruned, url)
    gate, times["gate"] = _timed(body.needs_second_opinion, traf, pruned)
    read, times["readability"] = (_timed(body.readability_paragraphs, pruned, url) if gate
                                  else ([], 0.0))
    best, times["choose+filter"] = _timed(body.combine, traf, read)
    times["total"] = sum(times.values())
    return times


def main(sets: list[str] | None = None) -> int:
    for name in sets or list(SETS):
        rows: dict[str, list[float]] = {}
        for page in load_pages(name):
            for stage, ms in stage_times(page.html, page.url).items():
                rows.setdefault(stage, []).append(ms)
        sys.stdout.write(f"{name}: CPU ms per page (median / mean)\n")
        for stage, values in rows.items():
            sys.stdout.write(f"  {stage:<22}{statistics.median(values):7.1f} "
                             f"{statistics.mean(values):7.1f}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or None))
