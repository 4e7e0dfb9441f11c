"""Per-page body scores on the TUNE halves only (never the held-out pages), for error analysis.

    .venv/bin/python -m bench.eval_tune                  # ours, both tune halves, worst pages

Held-out pages are never loaded here: decisions are made from these figures alone.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Callable

from sample.evaluation import SETS, f1, load_pages, precision_recall


def page_scores(fn: Callable[[bytes, str | None], str], sets=SETS) -> dict[str, list]:
    """set -> [(id, precision, recall, cpu ms)] over the tune half."""
    out: dict[str, list] = {}
    for name in sets:
        rows = out.setdefault(name, [])
        for page in load_pages(name, half="tune"):
            start = time.thread_time()
            text = fn(page.html, page.url)
            ms = (time.thread_time() - start) * 1000
            p, r = precision_recall(page.truth.get("articleBody") or "", text)
            rows.append((page.id, p, r, ms))
    return out


def summary(rows: list) -> tuple[float, float, float, float]:
    p = statistics.mean(r[1] for r in rows)
    rc = statistics.mean(r[2] for r in rows)
    return f1(p, rc), p, rc, statistics.median(r[3] for r in rows)


def ours_text(html: bytes, url: str | None) -> str:
    from pipelines.clean import extract

    return extract(html, url).text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-s", "--set", action="append", choices=SETS)
    parser.add_argument("--worst", type=int, default=15)
    args = parser.parse_args(argv)
    scores = page_scores(ours_text, args.set or SETS)
    for name, rows in scores.items():
        score, p, r, ms = summary(rows)
        sys.stdout.write(f"{name} tune: F1 {score:.4f} P {p:.4f} R {r:.4f} median {ms:.1f} ms\n")
        for pid, pp, rr, _ in sorted(rows, key=lambda x: f1(x[1], x[2]))[:args.worst]:
            sys.stdout.write(f"   {pid:<40} F1 {f1(pp, rr):.3f} P {pp:.3f} R {rr:.3f}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
