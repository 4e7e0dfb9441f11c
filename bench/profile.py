"""Profile the crawl process with py-spy and summarise where its time goes.

    python -m bench.profile [--articles 5000] [--no-clean] [--top 25]

Runs ``presskeep crawl`` on the benchmark site under ``py-spy record`` (crawl
process only, 100 samples/s, idle samples dropped) and prints the functions
with the largest inclusive and self share of the samples, and a breakdown by
area (link extraction, scheduling, WARC writing, ...).
"""

from __future__ import annotations

import argparse
import collections
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.run import CRAWL_SETTINGS, ROOT, env, presskeep_argv
from sample.daemons import Nginx
from sample.large_site import ensure_site

#: (area, substring of a frame "function (file:line)") — first match from the leaf wins
AREAS = (
    ("link extraction", ("links.py", "parsel", "selector.py")),
    ("WARC writing", ("warcio", "archive/warc.py", "gzip", "zlib")),
    ("SQLite", ("sqlite_utils", "archive/db.py", "sqlite3")),
    ("cleaning (in process)", ("pipelines/clean", "readability", "trafilatura")),
    ("cleaning (pool hand-off)", ("concurrent/futures", "multiprocessing")),
    ("capture middleware", ("crawler/capture.py", "crawler/incremental.py")),
    ("scheduler + dupefilter + queues", ("scheduler.py", "dupefilters.py", "pqueues.py",
                                         "queuelib", "squeues.py", "request.py:fingerprint",
                                         "pickle")),
    ("HTTP download (Twisted)", ("http11.py", "twisted/web", "twisted/internet", "h2")),
    ("Scrapy middlewares/engine", ("scrapy/",)),
)


def frames(line: str) -> tuple[list[str], int]:
    stack, _, count = line.rpartition(" ")
    return stack.split(";"), int(count)


def area_of(stack: list[str]) -> str:
    for frame in reversed(stack):
        for area, needles in AREAS:
            if any(n in frame for n in needles):
                return area
    return "other"


def summarise(raw: Path, top: int) -> str:
    inclusive: collections.Counter[str] = collections.Counter()
    self_time: collections.Counter[str] = collections.Counter()
    areas: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        if not line.strip():
            continue
        stack, count = frames(line)
        total += count
        self_time[stack[-1]] += count
        for name in set(stack):
            inclusive[name] += count
        areas[area_of(stack)] += count
    out = [f"{total} samples (100/s, active only)", "", "| area | share |", "|---|---|"]
    out += [f"| {a} | {c / total:.1%} |" for a, c in areas.most_common()]
    out += ["", "| inclusive | function |", "|---|---|"]
    out += [f"| {c / total:.1%} | `{f}` |" for f, c in inclusive.most_common(top)]
    out += ["", "| self | function |", "|---|---|"]
    out += [f"| {c / total:.1%} | `{f}` |" for f, c in self_time.most_common(top)]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--no-clean", action="store_true")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "presskeep-bench")
    parser.add_argument("--raw", type=Path, help="keep py-spy's raw (collapsed) output here")
    parser.add_argument("-s", "--set", dest="pairs", action="append", default=[])
    args = parser.parse_args(argv)
    pyspy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    site, _ = ensure_site(args.cache, args.articles)
    work = Path(tempfile.mkdtemp(prefix="profile-", dir=args.cache))
    raw = args.raw or work / "profile.txt"
    settings = [x for s in (*CRAWL_SETTINGS, *args.pairs) for x in ("-s", s)]
    try:
        with Nginx(site) as server:
            argv_ = presskeep_argv("crawl", server.base_url + "/", "--out", str(work / "out"),
                                   *settings, *(["--no-clean"] if args.no_clean else []))
            subprocess.run([pyspy, "record", "--format", "raw", "--rate", "100", "--nonblocking",
                            "-o", str(raw), "--", *argv_], env=env(), cwd=str(ROOT), check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(summarise(raw, args.top))
    finally:
        shutil.rmtree(work / "out", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
