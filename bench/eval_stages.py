"""CPU milliseconds per page for each stage of our extractor (median and mean over a set).

    .venv/bin/python -m bench.eval_stages                 # both sets, each page once
    .venv/bin/python -m bench.eval_stages --repeat 3 aeb-dev
    .venv/bin/python -m bench.eval_stages --repeat 3 --site 200   # benchmark-site pages only

Thread CPU time, so a loaded machine inflates the figures less than wall time would. With
``--repeat N`` each page is cleaned N times and each stage's lowest time is kept (the
usual way to take scheduler noise out of a micro-benchmark); ``end-to-end`` is one
``extract()`` call timed as a whole (also best of N). ``--site N`` times N articles and
every kind of hub page of the generated benchmark site (``sample.large_site.sample_pages``) instead
of the sets, articles and hubs reported apart. ``end-to-end (crawl)`` is ``extract()`` as the
crawl calls it (``skip_known_hubs=True``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Callable

from pipelines.clean import boilerplate, body, extract, metadata
from pipelines.clean.html import decode_html, parse_html
from sample.evaluation import SETS, load_pages
from sample.large_site import sample_pages


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
    kept, times["line rules"] = _timed(boilerplate.filter_paragraphs, traf)
    times["readability (fallback)"] = 0.0
    if not kept:
        _, times["readability (fallback)"] = _timed(body.readability_paragraphs, pruned, url)
    times["total"] = sum(times.values())
    _, times["end-to-end"] = _timed(extract, html, url)
    _, times["end-to-end (crawl)"] = _timed(lambda: extract(html, url, skip_known_hubs=True))
    return times


def _report(name: str, pages, repeat: int) -> None:
    rows: dict[str, list[float]] = {}
    for html, url in pages:
        runs = [stage_times(html, url) for _ in range(max(1, repeat))]
        for stage in runs[0]:
            rows.setdefault(stage, []).append(min(run[stage] for run in runs))
    sys.stdout.write(f"{name}: CPU ms per page (median / mean), best of {repeat}\n")
    for stage, values in rows.items():
        sys.stdout.write(f"  {stage:<24}{statistics.median(values):7.1f} "
                         f"{statistics.mean(values):7.1f}\n")


def _site(articles: int) -> dict[str, list[tuple[bytes, str]]]:
    groups: dict[str, list[tuple[bytes, str]]] = {"site articles": [], "site hubs": []}
    for path, text in sample_pages(articles):
        group = "site articles" if "/story-" in path else "site hubs"
        groups[group].append((text.encode("utf-8"), "http://bench.test" + path))
    return groups


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", metavar="SET", help=f"one of {', '.join(SETS)}")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--site", type=int, metavar="N",
                        help="time N benchmark-site articles and its hub pages instead")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.sets) - set(SETS))
    if unknown:
        parser.error(f"unknown set(s): {', '.join(unknown)}")
    if args.site:
        for name, pages in _site(args.site).items():
            _report(name, pages, args.repeat)
        return 0
    for name in args.sets or list(SETS):
        _report(name, ((page.html, page.url) for page in load_pages(name)), args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
