"""Recrawl benchmark: wall time of a first crawl and of a recrawl of the unchanged sample
site into the same archive, with presskeep's default settings (AutoThrottle on).

    .venv/bin/python -m bench.recrawl --articles 89 --repeat 2

Each repeat serves the sample site (sample/site.py, ETag and Last-Modified on every page)
on a free loopback port and runs ``presskeep crawl`` twice into a fresh --out: the first
crawl, then the recrawl that gets 304s. ``--every-page`` runs the recrawl with
``PRESSKEEP_SKIP_UNCHANGED=False``, so every article is requested again (the default skips
those a sitemap dates before their last capture). Prints a Markdown table for
docs/scheduling.md; the target is a recrawl within 1.5x the first crawl.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sample.server import serve
from sample.site import build_site

ROOT = Path(__file__).resolve().parent.parent


def crawl(url: str, out: Path, *settings: str) -> float:
    argv = [sys.executable, "-m", "crawler.cli", "crawl", url, "--out", str(out),
            "-s", "PRESSKEEP_PROGRESS_INTERVAL=0"]
    for setting in settings:
        argv += ["-s", setting]
    start = time.monotonic()
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    seconds = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit(f"crawl failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return seconds


def run_counts(out: Path, run_id: int) -> dict[str, int]:
    conn = sqlite3.connect(out / "presskeep.db")
    try:
        rows = conn.execute("SELECT status, COUNT(*) FROM captures WHERE run_id = ? "
                            "GROUP BY status", [run_id]).fetchall()
        stats = json.loads(conn.execute("SELECT stats FROM runs WHERE id = ?",
                                        [run_id]).fetchone()[0] or "{}")
    finally:
        conn.close()
    counts = {str(status): n for status, n in rows}
    counts["skipped"] = stats.get("presskeep/discovery/skipped_unchanged", 0)
    return counts


def once(articles: int, every_page: bool) -> dict:
    server = serve(lambda: build_site(articles))
    try:
        with tempfile.TemporaryDirectory(prefix="pk-recrawl-") as tmp:
            out = Path(tmp) / "out"
            first = crawl(server.base_url + "/", out)
            extra = ["PRESSKEEP_SKIP_UNCHANGED=False"] if every_page else []
            second = crawl(server.base_url + "/", out, *extra)
            return {"first": first, "recrawl": second, "counts1": run_counts(out, 1),
                    "counts2": run_counts(out, 2)}
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=89)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--every-page", action="store_true",
                        help="recrawl with PRESSKEEP_SKIP_UNCHANGED=False (every page a 304)")
    args = parser.parse_args(argv)
    print("| repeat | first crawl (s) | recrawl (s) | ratio | first crawl answers | "
          "recrawl answers |")
    print("| --- | --- | --- | --- | --- | --- |")
    for i in range(args.repeat):
        r = once(args.articles, args.every_page)
        print(f"| {i + 1} | {r['first']:.1f} | {r['recrawl']:.1f} | "
              f"{r['recrawl'] / r['first']:.2f} | {_answers(r['counts1'])} | "
              f"{_answers(r['counts2'])} |", flush=True)


def _answers(counts: dict[str, int]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()) if v)


if __name__ == "__main__":
    main()
