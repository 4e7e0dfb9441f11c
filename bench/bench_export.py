"""Export benchmark: rows/s and peak RSS per format on a synthetic archive, beside a floor.

    .venv/bin/python -m bench.bench_export --rows 100000 --work /tmp/pk-bench-export

builds (once, cached under --work) an archive of N synthetic articles
(sample/synthetic_archive.py), then runs each export in a fresh subprocess (so peak RSS is
that export's own) as the command runs it (card included; `near` shingles by script,
`near-words` with plain word tokens) and the reference: one sqlite3 cursor → fetchall → pyarrow table →
zstd Parquet of the same rows with no conversion, the floor for any Python exporter.
Prints a Markdown table for docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from sample.synthetic_archive import generate

ROOT = Path(__file__).resolve().parent.parent


# -- one measurement (in its own process) --------------------------------------------
def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_export(root: Path, fmt: str, out: Path, dedup: str) -> dict:
    """One export as `presskeep export` runs it (its near-dedup tokens, the dataset card);
    ``near-words`` is near dedup with the library's default word tokens, for comparison."""
    from archive.export import ExportOptions, export
    from archive.neardup import word_tokens
    from crawler.cli.export import shingle_tokens

    import pyarrow.parquet  # noqa: F401  (imports count in the baseline, not the export)

    base = _rss_mb()
    tokens = word_tokens if dedup == "near-words" else shingle_tokens
    opts = ExportOptions(format=fmt, dedup=dedup.partition("-")[0], tokens=tokens, card=True)
    result = export(root, out, opts, force=True)
    return {"rows": result.rows, "dropped": result.dropped, "seconds": result.seconds,
            "base_rss_mb": base}


def measure_reference(root: Path, out: Path) -> dict:
    """The floor: cursor → fetchall → pyarrow table → zstd Parquet, same rows, no conversion."""
    import sqlite3

    import pyarrow as pa
    import pyarrow.parquet as pq

    from archive.export import NAMES

    base = _rss_mb()
    started = time.monotonic()
    conn = sqlite3.connect(root / "presskeep.db")
    cursor = conn.execute(
        f"SELECT {', '.join('a.' + n for n in NAMES)} FROM articles a WHERE a.version = "
        "(SELECT MAX(b.version) FROM articles b WHERE b.url = a.url) ORDER BY a.fetched_at, a.id")
    rows = cursor.fetchall()
    table = pa.table(dict(zip(NAMES, (pa.array(col) for col in zip(*rows)))))
    pq.write_table(table, out, compression="zstd")
    return {"rows": len(rows), "dropped": 0, "seconds": time.monotonic() - started,
            "base_rss_mb": base}


def _child(args: argparse.Namespace) -> None:
    root, out = Path(args.archive), Path(args.output)
    if args.format == "reference":
        got = measure_reference(root, out)
    else:
        got = measure_export(root, args.format, out, args.dedup)
    got["peak_rss_mb"] = _rss_mb()
    got["bytes"] = sum(p.stat().st_size for p in out.parent.glob(out.name + "*"))
    (out.parent / "README.md").unlink(missing_ok=True)  # the card, written beside it
    print(json.dumps(got))


# -- the runner ---------------------------------------------------------------------
CASES = [("reference", "none"), ("parquet", "none"), ("jsonl", "none"), ("csv", "none"),
         ("parquet", "exact"), ("parquet", "near")]


def run_case(root: Path, work: Path, fmt: str, dedup: str) -> dict:
    ext = "parquet" if fmt == "reference" else fmt
    out = work / f"out-{fmt}-{dedup}.{ext}"
    cmd = [sys.executable, "-m", "bench.bench_export", "--child", "--archive", str(root),
           "--format", fmt, "--dedup", dedup, "--output", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=True)
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    out.unlink(missing_ok=True)
    return {"format": fmt, "dedup": dedup, **got}


def table(results: list[dict]) -> str:
    ref = next((r for r in results if r["format"] == "reference"), None)
    lines = ["| export | dedup | rows | dropped | seconds | rows/s | vs reference | "
             "peak RSS MB (after imports) | output MB |", "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        rate = r["rows"] / r["seconds"]
        ratio = f"{rate / (ref['rows'] / ref['seconds']):.2f}x" if ref else "-"
        lines.append(f"| {r['format']} | {r['dedup']} | {r['rows']:,} | {r['dropped']:,} | "
                     f"{r['seconds']:.1f} | {rate:,.0f} | {ratio} | "
                     f"{r['peak_rss_mb']:.0f} ({r['base_rss_mb']:.0f}) | {r['bytes'] / 1e6:.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--work", default="/tmp/presskeep-bench-export")
    ap.add_argument("--cases", default=",".join(f"{f}:{d}" for f, d in CASES),
                    help="format:dedup pairs, comma-separated")
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs per case (interleaved); the fastest is kept, and the highest RSS")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--archive", help=argparse.SUPPRESS)
    ap.add_argument("--format", help=argparse.SUPPRESS)
    ap.add_argument("--dedup", default="none", help=argparse.SUPPRESS)
    ap.add_argument("--output", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return _child(args)
    work = Path(args.work)
    root = work / f"archive-{args.rows}"
    started = time.monotonic()
    generate(root, args.rows)
    print(f"archive of {args.rows:,} synthetic articles ready in {time.monotonic() - started:.1f}s "
          f"({(root / 'presskeep.db').stat().st_size / 1e6:.0f} MB)", file=sys.stderr)
    cases = [(c.partition(":")[0], c.partition(":")[2] or "none") for c in args.cases.split(",")]
    best: dict[tuple[str, str], dict] = {}
    for _ in range(args.repeat):
        for fmt, dedup in cases:
            got = run_case(root, work, fmt, dedup)
            print(json.dumps(got), file=sys.stderr)
            prev = best.setdefault((fmt, dedup), got)
            rss = max(prev["peak_rss_mb"], got["peak_rss_mb"])
            if got["seconds"] < prev["seconds"]:
                best[(fmt, dedup)] = got
            best[(fmt, dedup)]["peak_rss_mb"] = rss
    print(table([best[c] for c in cases]))


if __name__ == "__main__":
    main()
