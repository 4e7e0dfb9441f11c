"""Pages whose ground truth stops before the article does, and the scores without them.

    .venv/bin/python -m bench.eval_truncation --half tune            # flagged pages + scores
    .venv/bin/python -m bench.eval_truncation --half held --show     # with the text at the cut

The rule that flags a page whose truth stops mid-article is ``truth_cut`` in
sample/evaluation.py (its docstring says how it was fixed). This prints the flagged pages
and each set's body F1 with and without them, for ours and for trafilatura. The extractors
never see the flag; the reported scores (``bench.eval_extract``) are the unfiltered ones.
"""

from __future__ import annotations

import argparse
import statistics
import sys

from sample.evaluation import (SETS, f1, load_pages, precision_recall, trafilatura_plain,
                               truth_cut)


def _set_f1(rows: list[tuple[float, float]]) -> float:
    """The benchmark's F1: of the mean precision and the mean recall over pages."""
    if not rows:
        return 0.0
    return f1(statistics.mean(r[0] for r in rows), statistics.mean(r[1] for r in rows))


def main(argv: list[str] | None = None) -> int:
    from pipelines.clean import extract

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=("tune", "held"), required=True)
    parser.add_argument("-s", "--set", action="append", choices=SETS)
    parser.add_argument("--show", action="store_true", help="print the text at each cut")
    args = parser.parse_args(argv)
    out = sys.stdout
    for name in args.set or SETS:
        ours_rows, traf_rows, flags = [], [], []
        for page in load_pages(name, half=args.half):
            truth = page.truth.get("articleBody") or ""
            paragraphs = extract(page.html, page.url).paragraphs
            ours_rows.append(precision_recall(truth, "\n".join(paragraphs)))
            traf_rows.append(precision_recall(truth, trafilatura_plain(page.html, page.url)["text"]))
            cut = truth_cut(truth, paragraphs)
            flags.append(cut.flagged)
            if cut.flagged:
                p, r = ours_rows[-1]
                out.write(f"{name} {page.id} P {p:.3f} R {r:.3f} prose after the truth "
                          f"{cut.tail_share:.0%} {page.url}\n")
                if args.show:
                    out.write(f"    truth ends: …{paragraphs[cut.last][-160:]}\n")
                    out.write(f"    page goes on: {paragraphs[cut.last + 1][:160]}…\n")
        rest = [i for i, flagged in enumerate(flags) if not flagged]
        for label, rows in (("ours", ours_rows), ("trafilatura", traf_rows)):
            out.write(f"{name} {args.half} {label:<12} all {len(rows)}: F1 {_set_f1(rows):.4f}   "
                      f"without the {len(rows) - len(rest)} flagged: "
                      f"F1 {_set_f1([rows[i] for i in rest]):.4f}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
