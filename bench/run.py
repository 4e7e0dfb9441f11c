"""The crawl benchmark: wget and presskeep on the same local site, in one run.

    python -m bench.run                          # 5,000 articles: wget, full, archive, archive2,
                                                 # replay, export
    python -m bench.run --scenarios wget,full    # a subset (full2: full pipeline, 2 processes)
    python -m bench.run --rounds 3               # the same, three times over: median ratios
    python -m bench.run --memory 10000,50000     # peak RSS of archive-only and full crawls by size
    python -m bench.run --scenarios full,recrawl --rounds 6 --ab PRESSKEEP_CLEAN_WORKERS=1
                                                 # A/B: each round runs the scenarios with and
                                                 # without the setting, in alternating order

The site (sample/large_site.py) is generated once into --cache and served by nginx
(sample/daemons.py) on a free loopback port. Every presskeep scenario runs the
real CLI verb in a subprocess, so it measures whatever `presskeep crawl`,
`replay` and `export` do at the time. Crawls pass ``-s AUTOTHROTTLE_ENABLED=False``
(a local site has no latency for AutoThrottle to learn from; its start delay
would only measure itself) and ``-s PRESSKEEP_PROGRESS_INTERVAL=0``.

pages/s counts the responses each tool archived (robots.txt included) over the
wall time of its whole process (start-up included). Peak RSS is the largest
process (its own VmHWM) and the whole process tree (sampled every 50 ms, crawl process
plus cleaning workers). Peak PSS (tree) sums the tree's proportional set sizes,
sampled every 0.5 s: `--processes` forks its crawl processes from a parent that has
imported everything, and RSS counts the pages they share once per process.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
from pathlib import Path

from bench.measure import Run, run
from sample.daemons import Nginx
from sample.large_site import ensure_site

ROOT = Path(__file__).resolve().parent.parent
CRAWL_SETTINGS = ("AUTOTHROTTLE_ENABLED=False", "PRESSKEEP_PROGRESS_INTERVAL=0")
SCENARIOS = ("wget", "full", "archive", "archive2", "replay", "export")
#: not in the default run: the full pipeline over two crawl processes (`full2`); the same
#: crawl again into the full pipeline's archive, as a scheduled recrawl runs (`recrawl`)
MORE_SCENARIOS = ("full2", "recrawl")


def presskeep_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "crawler.cli", *args]


def env() -> dict:
    return dict(os.environ, PYTHONPATH=str(ROOT))


def wget(url: str, work: Path) -> Run:
    argv = ["wget", "--recursive", "--level=inf", "--no-verbose", "--tries=1",
            f"--warc-file={work / 'wget'}", f"--directory-prefix={work / 'wget-files'}", url]
    result = run("wget", argv)
    match = re.search(r"Downloaded: (\d+) files", result.stderr)
    result.extra["pages"] = int(match.group(1)) if match else 0
    shutil.rmtree(work / "wget-files", ignore_errors=True)
    return result


def captures(out: Path) -> int:
    db = out / "presskeep.db"
    if not db.exists():
        return 0
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM captures WHERE status IS NOT NULL").fetchone()[0]
    finally:
        conn.close()


def articles(out: Path) -> int:
    conn = sqlite3.connect(out / "presskeep.db")
    try:
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        conn.close()


#: extra -s NAME=VALUE for every presskeep crawl (--set)
EXTRA_SETTINGS: list[str] = []


def crawl(label: str, url: str, out: Path, *extra: str) -> Run:
    """One `presskeep crawl` into ``out``; pages and articles count what this crawl added
    (a recrawl into the same ``out`` counts its own)."""
    settings = [x for s in (*CRAWL_SETTINGS, *EXTRA_SETTINGS) for x in ("-s", s)]
    before = (captures(out), articles(out)) if (out / "presskeep.db").exists() else (0, 0)
    result = run(label, presskeep_argv("crawl", url, "--out", str(out), *settings, *extra),
                 env=env(), cwd=str(ROOT))
    result.extra["pages"] = captures(out) - before[0]
    result.extra["articles"] = articles(out) - before[1] if captures(out) else 0
    return result


def verb_help(verb: str) -> str | None:
    import subprocess

    proc = subprocess.run(presskeep_argv(verb, "--help"), capture_output=True, text=True,
                          env=env(), cwd=str(ROOT))
    return proc.stdout if proc.returncode == 0 else None


def replay(label: str, warcs: list[Path], out: Path, cores: str | None) -> Run:
    argv = presskeep_argv("replay", *map(str, warcs), "--out", str(out))
    if cores:
        argv = ["taskset", "-c", cores, *argv]
    result = run(label, argv, env=env(), cwd=str(ROOT))
    result.extra["pages"] = articles(out) if (out / "presskeep.db").exists() else 0
    result.extra["unit"] = "articles"
    return result


def export(out: Path, target: Path) -> Run:
    argv = presskeep_argv("export", "--out", str(out), "--format", "jsonl", "-o", str(target))
    result = run("export jsonl", argv, env=env(), cwd=str(ROOT))
    rows = sum(1 for _ in target.open()) if target.exists() else 0
    result.extra.update(pages=rows, unit="rows")
    return result


def rate(r: Run) -> float:
    return r.extra.get("pages", 0) / r.seconds if r.seconds and r.returncode == 0 else 0.0


def row(r: Run, wget_rate: float | None) -> str:
    ratio = f"{rate(r) / wget_rate:.2f}x" if wget_rate and r.label.startswith(("presskeep", "wget")) else ""
    unit = r.extra.get("unit", "pages")
    status = "" if r.returncode == 0 else f" (exit {r.returncode})"
    cpu_ms = cpu_per_unit(r)
    return (f"| {r.label}{status} | {r.extra.get('pages', 0)} {unit} | {r.seconds:.1f} s | "
            f"{rate(r):.1f} | {ratio} | {cpu_ms:.1f} ms | {r.peak_rss_mb:.0f} MB | "
            f"{r.peak_tree_mb:.0f} MB | {r.peak_tree_pss_mb:.0f} MB |")


HEADER = ("| scenario | work | wall time | per s | vs wget | CPU per unit | peak RSS (largest "
          "process) | peak RSS (tree) | peak PSS (tree) |\n|---|---|---|---|---|---|---|---|---|")


def speed(args, site: Path, work: Path) -> list[Run]:
    """Every scenario, ``args.rounds`` times over (each round tagged in ``extra['round']``);
    with ``--ab``, twice a round: A as given, B with the extra settings, the order
    alternating from round to round (A B, B A, ...)."""
    results: list[Run] = []
    variants = [("A", []), ("B", args.ab)] if args.ab else [("", [])]
    for n in range(1, args.rounds + 1):
        for name, extra in (variants if n % 2 else variants[::-1]):
            EXTRA_SETTINGS[:] = [*args.pairs, *extra]
            here = work / f"round-{n}{name}"
            here.mkdir()
            done = one_round(args, site, here)
            for r in done:
                r.extra.update(round=n, variant=name, scenario=r.label)
                r.label += f" [{name}]" if name else ""
            results += done
            if not args.keep:
                shutil.rmtree(here, ignore_errors=True)
    return results


def cpu_per_unit(r: Run) -> float:
    return 1000 * r.cpu_seconds / max(r.extra.get("pages", 0), 1)


def ab_report(results: list[Run], ab: list[str]) -> str:
    """Each scenario's CPU per unit under A and B over the rounds, and B/A round by round."""
    lines = [f"A/B over {max(r.extra['round'] for r in results)} rounds: B = A with "
             f"{' '.join('-s ' + pair for pair in ab)}; CPU ms per unit (user + sys of the "
             "process and its children)", "",
             "| scenario | A: median (min-max) | B: median (min-max) | B/A each round | "
             "B/A median |", "|---|---|---|---|---|"]
    for scenario in dict.fromkeys(r.extra["scenario"] for r in results):
        runs = {v: {r.extra["round"]: cpu_per_unit(r) for r in results
                    if r.extra["scenario"] == scenario and r.extra["variant"] == v}
                for v in ("A", "B")}
        ratios = [runs["B"][n] / runs["A"][n] for n in sorted(runs["A"]) if n in runs["B"]]
        cells = [f"{statistics.median(v.values()):.2f} ({min(v.values()):.2f}-"
                 f"{max(v.values()):.2f})" for v in runs.values()]
        lines.append(f"| {scenario} | {cells[0]} | {cells[1]} | "
                     f"{' / '.join(f'{x:.3f}' for x in ratios)} | "
                     f"{statistics.median(ratios):.3f} |")
    return "\n".join(lines)


def one_round(args, site: Path, work: Path) -> list[Run]:
    results: list[Run] = []
    wanted = args.scenarios
    with Nginx(site) as server:
        url = server.base_url + "/"
        if "wget" in wanted:
            results.append(wget(url, work))
        if "full" in wanted or "recrawl" in wanted:
            results.append(crawl("presskeep full pipeline", url, work / "full"))
        if "recrawl" in wanted:
            results.append(crawl("presskeep recrawl (full pipeline, same OUT)", url, work / "full"))
        if "full2" in wanted:
            results.append(crawl("presskeep full, 2 processes (--processes 2)", url,
                                 work / "full2", "--processes", "2"))
        if "archive" in wanted or "replay" in wanted:
            results.append(crawl("presskeep archive-only (--no-clean)", url, work / "archive",
                                 "--no-clean"))
        if "archive2" in wanted:
            results.append(crawl("presskeep archive-only, 2 processes (--no-clean --processes 2)",
                                 url, work / "archive2", "--no-clean", "--processes", "2"))
    if "replay" in wanted:
        if verb_help("replay") is None:
            print("presskeep replay is not available yet: replay scenario skipped", file=sys.stderr)
        else:
            warcs = sorted((work / "archive" / "warc").glob("*.warc.gz"))
            results.append(replay("replay, 1 core (taskset -c 0)", warcs, work / "replay1", "0"))
            results.append(replay("replay, 2 cores", warcs, work / "replay2", None))
    if "export" in wanted:
        if verb_help("export") is None or not (work / "full").exists():
            print("presskeep export is not available (or no full crawl): skipped", file=sys.stderr)
        else:
            results.append(export(work / "full", work / "export.jsonl"))
    return results


def memory(args, work: Path) -> list[Run]:
    results = []
    for n in args.memory:
        site, _ = ensure_site(args.cache, n)
        with Nginx(site) as server:
            for label, extra in (("archive-only", ("--no-clean",)), ("full", ()),
                                 ("archive2", ("--no-clean", "--processes", "2"))):
                if label not in args.memory_modes:
                    continue
                out = work / f"mem-{label}-{n}"
                results.append(crawl(f"presskeep {label}, {n} articles", server.base_url + "/",
                                     out, *extra))
                shutil.rmtree(out, ignore_errors=True)
    return results


def ratios(results: list[Run]) -> dict[str, float]:
    """Each scenario's ratio in one round: pages/s against that round's wget; replay's
    2-core speed-up against its 1-core run."""
    wget_rate = next((rate(r) for r in results if r.label.startswith("wget")), None)
    out = {r.label: rate(r) / wget_rate for r in results
           if wget_rate and r.label.startswith("presskeep")}
    one = [rate(r) for r in results if r.label.startswith("replay, 1")]
    two = [rate(r) for r in results if r.label.startswith("replay, 2")]
    if one and two and one[0]:
        out["replay speed-up on 2 cores"] = two[0] / one[0]
    return out


def report(results: list[Run]) -> str:
    rounds = sorted({r.extra.get("round", 1) for r in results})
    lines = []
    per_round = []
    for n in rounds:
        done = [r for r in results if r.extra.get("round", 1) == n]
        wget_rate = next((rate(r) for r in done if r.label.startswith("wget")), None)
        if len(rounds) > 1:
            lines.append(f"\nround {n} of {len(rounds)}")
        lines += [HEADER] + [row(r, wget_rate) for r in done]
        per_round.append(ratios(done))
        speedup = per_round[-1].get("replay speed-up on 2 cores")
        if speedup:
            lines.append(f"\nreplay speed-up on 2 cores: {speedup:.2f}x")
    if len(rounds) > 1:
        lines += ["", f"median of {len(rounds)} rounds (each ratio against the same round's wget)",
                  "", "| scenario | median | rounds |", "|---|---|---|"]
        for label in per_round[0]:
            values = [r[label] for r in per_round if label in r]
            each = " / ".join(f"{v:.2f}" for v in values)
            lines.append(f"| {label} | {statistics.median(values):.2f}x | {each} |")
    return "\n".join(lines).lstrip("\n")


def parse_args(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description="presskeep vs wget on a local site")
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS),
                        help=f"comma-separated, from {', '.join(SCENARIOS + MORE_SCENARIOS)}")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run the scenarios this many times over; report each round's "
                             "ratios and their median")
    parser.add_argument("--memory", default="", help="comma-separated site sizes (articles)")
    parser.add_argument("--memory-modes", default="archive-only,full",
                        help="comma-separated, from archive-only, full, archive2")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "presskeep-bench")
    parser.add_argument("--keep", action="store_true", help="keep the crawl outputs")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("-s", "--set", dest="pairs", action="append", default=[],
                        metavar="NAME=VALUE", help="extra setting for the presskeep crawls")
    parser.add_argument("--ab", action="append", default=[], metavar="NAME=VALUE",
                        help="A/B: every round also runs the scenarios with this setting "
                             "(repeatable), in alternating order; report CPU per unit of both")
    args = parser.parse_args(argv)
    args.scenarios = [s for s in args.scenarios.split(",") if s]
    args.memory = [int(s) for s in args.memory.split(",") if s]
    args.memory_modes = args.memory_modes.split(",")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    EXTRA_SETTINGS[:] = args.pairs
    args.cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="run-", dir=args.cache))
    try:
        if args.memory:
            results = memory(args, work)
        else:
            site, pages = ensure_site(args.cache, args.articles)
            print(f"site: {args.articles} articles, {pages} HTML pages ({site})", file=sys.stderr)
            results = speed(args, site, work)
        print(report(results))
        if args.ab and results:
            print("\n" + ab_report(results, args.ab))
        if args.json:
            args.json.write_text(json.dumps([r.__dict__ | {"stdout": "", "stderr": r.stderr[-2000:]}
                                             for r in results], indent=1))
        for r in results:
            if r.returncode:
                print(f"--- {r.label} failed:\n{r.stderr[-2000:]}", file=sys.stderr)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
