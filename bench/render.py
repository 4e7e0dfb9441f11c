"""What `crawl --render` costs: never, auto and always on the benchmark site, in one run.

    .venv/bin/python -m bench.render --articles 300 --rounds 3

The site (sample/large_site.py, served by nginx as in bench/run.py) has no app shells:
``auto`` must cost next to nothing there (its rule reads only pages that gave no article,
pipelines/appshell.py), ``always`` loads every HTML page in Chromium. Each round runs the
three modes in a rotating order into fresh archives; pages/s counts the responses the
crawl itself archived (``presskeep/capture/responses``: the pages, not what the browser
fetched) over the wall time of the whole command. Peak RSS is the process tree's (crawl
process, cleaning workers, Playwright's driver and Chromium), sampled every 50 ms.
Prints a Markdown table for docs/performance.md with each mode's median ratio to ``never``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
from pathlib import Path

from bench.measure import Run
from bench.run import crawl
from sample.daemons import Nginx
from sample.large_site import ensure_site

MODES = ("never", "auto", "always")


def run_stats(out: Path) -> dict:
    conn = sqlite3.connect(out / "presskeep.db")
    try:
        return json.loads(conn.execute("SELECT stats FROM runs ORDER BY id DESC LIMIT 1")
                          .fetchone()[0] or "{}")
    finally:
        conn.close()


def one(mode: str, url: str, work: Path) -> Run:
    out = work / f"out-{mode}"
    shutil.rmtree(out, ignore_errors=True)
    result = crawl(f"--render {mode}", url, out, "--render", mode)
    stats = run_stats(out) if (out / "presskeep.db").exists() else {}
    result.extra.update(
        pages=stats.get("presskeep/capture/responses", 0),
        rendered=stats.get("presskeep/render/pages", 0),
        browser=stats.get("presskeep/render/responses", 0),
        articles=stats.get("presskeep/articles/kept", 0))
    shutil.rmtree(out, ignore_errors=True)
    return result


def rate(r: Run) -> float:
    return r.extra["pages"] / r.seconds if r.seconds and r.returncode == 0 else 0.0


def report(rounds: list[dict[str, Run]], modes: tuple[str, ...] = MODES) -> str:
    lines = ["| mode | pages | rendered | browser responses | articles | pages/s (median) | "
             "vs never | peak RSS (tree, max) |", "|---|---|---|---|---|---|---|---|"]
    base = statistics.median(rate(r["never"]) for r in rounds)
    for mode in modes:
        runs = [r[mode] for r in rounds]
        last = runs[-1]
        speed = statistics.median(rate(r) for r in runs)
        ratios = [rate(r[mode]) / rate(r["never"]) for r in rounds if rate(r["never"])]
        lines.append(
            f"| {mode} | {last.extra['pages']} | {last.extra['rendered']} | "
            f"{last.extra['browser']} | {last.extra['articles']} | {speed:.1f} | "
            f"{statistics.median(ratios):.3f}x | {max(r.peak_tree_mb for r in runs):.0f} MB |")
    lines.append(f"\nnever: {base:.1f} pages/s (median of {len(rounds)} rounds); per-round "
                 "ratios: " + "; ".join(
                     ", ".join(f"{m} {rate(r[m]) / rate(r['never']):.3f}" for m in modes[1:])
                     for r in rounds if rate(r["never"])))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--modes", default=",".join(MODES),
                        help="comma-separated, never first (the reference)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "pkbench")
    args = parser.parse_args(argv)
    modes = tuple(m for m in MODES if m in args.modes.split(","))
    if modes[:1] != ("never",):
        parser.error("--modes must include never (the reference)")
    site, _ = ensure_site(args.cache, args.articles)
    rounds: list[dict[str, Run]] = []
    with Nginx(site) as server, tempfile.TemporaryDirectory() as tmp:
        for i in range(args.rounds):
            order = modes[i % len(modes):] + modes[:i % len(modes)]
            results = {mode: one(mode, server.base_url + "/", Path(tmp)) for mode in order}
            for mode in order:
                r = results[mode]
                print(f"round {i + 1}: {r.label}: exit {r.returncode}, {r.extra['pages']} "
                      f"pages in {r.seconds:.1f} s, {r.extra['rendered']} rendered",
                      file=sys.stderr, flush=True)
                if r.returncode:
                    print(r.stderr[-1500:], file=sys.stderr)
            rounds.append(results)
    print(report(rounds, modes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
