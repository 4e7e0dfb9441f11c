"""Distributed crawling: 1 process vs 1 and N Redis workers on the same local site, in one run.

    python -m bench.bench_distributed                      # 2,000 articles, 2 workers
    python -m bench.bench_distributed --articles 5000 --workers 2 -s PRESSKEEP_CLEAN_WORKERS=0

The site is sample/large_site.py's link-heavy generated site, served by nginx
(sample/daemons.py), so the server never is what the crawlers wait for. A fresh
redis-server (sample/daemons.py) runs on a free loopback port for each
distributed scenario. Worker 0 gets the seed URL, the others start empty and
take work from the shared queue; all stop PRESSKEEP_REDIS_IDLE_TIMEOUT seconds
after the cluster ran dry, so two times are reported:

- wall: from starting the processes until the last one exited (start-up and
  the idle wait included);
- span: first to last fetch (``captures.fetched_at``) over all shards, the
  crawl itself.

Speed-up is pages/s (span) of N workers over pages/s (span) of 1 worker.
"crawler CPU" is the user+system CPU time the crawl processes used (their
cleaning workers included): with N workers on N free cores, span x cores
bounds it; far less means the workers waited (for the machine, or each other).
The load average before and after is printed: other work on the machine
takes cores away from the workers.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from sample.daemons import Nginx, RedisServer
from sample.large_site import ensure_site

ROOT = Path(__file__).resolve().parent.parent
BASE_SETTINGS = ("AUTOTHROTTLE_ENABLED=False", "PRESSKEEP_PROGRESS_INTERVAL=0",
                 "PRESSKEEP_REDIS_IDLE_TIMEOUT=3", "PRESSKEEP_REDIS_TICK=0.5")


def argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "crawler.cli", *args]


def _stamp(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()


def shard_stats(dbs: list[Path]) -> dict:
    """Pages (captures with a status), per-shard counts, first and last fetch over all shards."""
    per, first, last = [], [], []
    for db in dbs:
        conn = sqlite3.connect(db)
        try:
            n, lo, hi = conn.execute("SELECT count(*), min(fetched_at), max(fetched_at) "
                                     "FROM captures WHERE status IS NOT NULL").fetchone()
        finally:
            conn.close()
        per.append(n)
        if lo:
            first.append(_stamp(lo))
            last.append(_stamp(hi))
    span = (max(last) - min(first)) if first else 0.0
    return {"pages": sum(per), "per_worker": per, "span": span}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def single(url: str, out: Path, settings: list[str]) -> dict:
    cpu = children_cpu()
    started = time.monotonic()
    proc = subprocess.run(argv("crawl", url, "--out", str(out), *settings), env=env(),
                          cwd=ROOT, capture_output=True, text=True)
    wall = time.monotonic() - started
    result = shard_stats([out / "presskeep.db"])
    return {**result, "wall": wall, "rc": proc.returncode, "label": "1 process (no Redis)",
            "cpu": children_cpu() - cpu}


def cluster(url: str, out: Path, workers: int, settings: list[str], work: Path) -> dict:
    with RedisServer(work / f"redis-{workers}") as redis:
        cpu = children_cpu()
        started = time.monotonic()
        procs = []
        for i in range(workers):
            seed = [url] if i == 0 else []
            procs.append(subprocess.Popen(
                argv("crawl", *seed, "--redis", redis.url, "--worker-id", f"w{i}",
                     "--out", str(out), *settings),
                env=env(), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
        codes = [p.wait() for p in procs]
        wall = time.monotonic() - started
        cpu = children_cpu() - cpu
        for p in procs:
            p.stderr.close()
    result = shard_stats(sorted(out.glob("shards/*/presskeep.db")))
    label = f"{workers} Redis worker{'s' if workers > 1 else ''}"
    return {**result, "wall": wall, "rc": max(codes), "label": label, "cpu": cpu}


def env() -> dict:
    return dict(os.environ, PYTHONPATH=str(ROOT))


def report(results: list[dict], base: dict) -> str:
    lines = ["| run | pages | pages per worker | wall | span | pages/s (span) | speed-up "
             "| crawler CPU |", "|---|---|---|---|---|---|---|---|"]
    base_rate = base["pages"] / base["span"] if base["span"] else 0
    for r in results:
        rate = r["pages"] / r["span"] if r["span"] else 0
        speed = f"{rate / base_rate:.2f}x" if base_rate else ""
        status = "" if r["rc"] == 0 else f" (exit {r['rc']})"
        lines.append(f"| {r['label']}{status} | {r['pages']} | "
                     f"{' / '.join(map(str, r['per_worker']))} | {r['wall']:.1f} s | "
                     f"{r['span']:.1f} s | {rate:.1f} | {speed} | {r['cpu']:.0f} s |")
    return "\n".join(lines)


def parse_args(args: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "presskeep-bench")
    parser.add_argument("-s", "--set", dest="pairs", action="append", default=[],
                        help="extra crawl setting NAME=VALUE for every run (repeatable)")
    return parser.parse_args(args)


def main(args: list[str] | None = None) -> int:
    opts = parse_args(args)
    load = f"{os.getloadavg()[0]:.1f}"
    site, count = ensure_site(opts.cache, opts.articles)
    settings = [x for s in (*BASE_SETTINGS, *opts.pairs) for x in ("-s", s)]
    with tempfile.TemporaryDirectory(prefix="presskeep-dist-") as tmp, Nginx(site) as server:
        work = Path(tmp)
        url = server.base_url + "/"
        results = [single(url, work / "single", settings),
                   cluster(url, work / "one", 1, settings, work),
                   cluster(url, work / "many", opts.workers, settings, work)]
    print(f"site: {count} pages ({opts.articles} articles), {os.cpu_count()} cores, "
          f"load average before/after: {load} / {os.getloadavg()[0]:.1f}, "
          f"settings: {' '.join(opts.pairs) or 'defaults'}")
    print(report(results, results[1]))
    return 0 if all(r["rc"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
