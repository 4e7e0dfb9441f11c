"""Page requisites benchmark: presskeep and `wget --page-requisites -H` on a site whose pages
have requisites on a second host, in one run.

    python -m bench.requisites                   # 300 articles, 3 rounds
    python -m bench.requisites --articles 1000 --rounds 1

The site is the bundled sample site (sample/site.py) with ``--articles`` articles, its
stylesheets (one @imports the other), web font, script, icon and images on a second
loopback host (sample/server.py). Each round runs, on the same servers:

- ``wget -p -H``: ``wget --recursive --level=inf --page-requisites --span-hosts
  --domains=<the two hosts>`` into a WARC file (wget reads srcset and CSS too, not the
  lazy-loading ``data-src`` attributes);
- ``presskeep``: ``presskeep crawl`` with requisites (the default);
- ``presskeep --no-requisites``: the pages only, for reference.

Each row: responses archived (robots.txt included), of them from the second host, bytes
of WARC written, wall time, responses per second, and that rate against wget's of the
same round. Crawls pass ``-s AUTOTHROTTLE_ENABLED=False`` as bench/run.py does.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

from bench.measure import Run, run
from bench.run import CRAWL_SETTINGS, env, presskeep_argv, ROOT
from sample.server import serve
from sample.site import build_site


def warc_stats(files: list[Path], second_host: str) -> tuple[int, int, int]:
    """(responses, of them from ``second_host``, bytes on disk) of the WARC files."""
    responses = second = 0
    for path in files:
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type in ("response", "revisit"):
                    responses += 1
                    host = urlsplit(rec.rec_headers.get_header("WARC-Target-URI")).netloc
                    second += host == second_host
    return responses, second, sum(p.stat().st_size for p in files)


def wget(base: str, assets: str, work: Path) -> tuple[Run, list[Path]]:
    hosts = ",".join(urlsplit(u).hostname for u in (base, assets))
    argv = ["wget", "--recursive", "--level=inf", "--page-requisites", "--span-hosts",
            f"--domains={hosts}", "--no-verbose", "--tries=1", f"--warc-file={work / 'wget'}",
            f"--directory-prefix={work / 'wget-files'}", base + "/"]
    result = run("wget -p -H", argv)
    shutil.rmtree(work / "wget-files", ignore_errors=True)
    return result, sorted(work.glob("wget*.warc.gz"))


def presskeep(label: str, base: str, out: Path, *extra: str) -> tuple[Run, list[Path]]:
    settings = [x for s in CRAWL_SETTINGS for x in ("-s", s)]
    result = run(label, presskeep_argv("crawl", base + "/", "--out", str(out), *settings, *extra),
                 env=env(), cwd=str(ROOT))
    return result, sorted((out / "warc").glob("*.warc.gz"))


def one_round(articles: int, work: Path) -> list[tuple[Run, tuple[int, int, int]]]:
    server = serve(lambda: build_site(articles))
    second = urlsplit(server.assets_url).netloc
    try:
        runs = [wget(server.base_url, server.assets_url, work),
                presskeep("presskeep", server.base_url, work / "pk"),
                presskeep("presskeep --no-requisites", server.base_url, work / "pk-bare",
                          "--no-requisites")]
    finally:
        server.stop()
    return [(r, warc_stats(files, second)) for r, files in runs]


def rate(r: Run, responses: int) -> float:
    return responses / r.seconds if r.seconds and r.returncode == 0 else 0.0


def report(rounds: list[list[tuple[Run, tuple[int, int, int]]]]) -> str:
    lines = ["| round | tool | responses | from the second host | WARC bytes | wall time | "
             "responses/s | vs wget |", "|---|---|---|---|---|---|---|---|"]
    ratios: dict[str, list[float]] = {}
    for n, results in enumerate(rounds, 1):
        wget_rate = rate(results[0][0], results[0][1][0])
        for r, (responses, second, size) in results:
            ratio = rate(r, responses) / wget_rate if wget_rate else 0.0
            ratios.setdefault(r.label, []).append(ratio)
            status = "" if r.returncode == 0 else f" (exit {r.returncode})"
            lines.append(f"| {n} | {r.label}{status} | {responses} | {second} | {size:,} | "
                         f"{r.seconds:.1f} s | {rate(r, responses):.1f} | {ratio:.2f}x |")
    lines += ["", "median vs wget: " + ", ".join(
        f"{label} {statistics.median(v):.2f}x" for label, v in ratios.items())]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="presskeep vs wget -p -H on a site with "
                                                 "page requisites")
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    if shutil.which("wget") is None:
        print("bench.requisites: wget is not installed", file=sys.stderr)
        return 1
    rounds = []
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="pk-requisites-") as tmp:
            rounds.append(one_round(args.articles, Path(tmp)))
    print(report(rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
