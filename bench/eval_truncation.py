"""Pages whose ground truth stops before the article does, and the scores without them.

    .venv/bin/python -m bench.eval_truncation --half tune            # flagged pages + scores
    .venv/bin/python -m bench.eval_truncation --half held --show     # with the text at the cut

Some naeb-dev truths end mid-article (a long read cut where the annotator's paywall began, a
wiki guide whose truth is its two-paragraph intro): an extractor that returns the whole
article loses most of its precision there, and nothing on the page marks the cut. A page is
**flagged** when ours keeps, after the last of its paragraphs that are in the truth, at least
150 words of prose (paragraphs of ≥ 25 words ending a sentence) making up ≥ 30 % of its
words. The rule was written and checked on the tune halves only before it was first run on
a held half: it flags five of the seven naeb tune pages whose cut truth round 6 found by
hand (the wiki guide and four long reads; two shorter cuts, on pages of 5 and 32
paragraphs, stay under the thresholds) and no other tune page of either set.

This is a diagnostic of the benchmark: the extractors never see it, and the scores the
issue's targets refer to are the unfiltered ones from ``bench.eval_extract``.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
from dataclasses import dataclass

from bench.eval_data import SETS, load_pages
from bench.eval_extract import trafilatura_plain
from bench.eval_score import precision_recall, share_in, shingles
from bench.eval_tune import _f1 as f1

#: a paragraph is "in the truth" when this share of its 4-gram shingles is
IN_TRUTH = 0.5
#: prose after the truth's end: paragraphs of at least this many words ending a sentence
PROSE_WORDS = 25
TAIL_WORDS = 150
TAIL_SHARE = 0.3
_SENTENCE_END = re.compile(r"[.!?][\"”’)]?$")


@dataclass
class Cut:
    """Where the truth ends in our paragraphs, and how much prose follows."""

    flagged: bool
    tail_share: float
    last: int | None


def truth_cut(truth: str, paragraphs: list[str]) -> Cut:
    """Whether ``paragraphs`` (an extractor's output) run on in prose after ``truth`` ends."""
    want = shingles(truth)
    last = None
    for index, para in enumerate(paragraphs):
        if len(para.split()) < 4:
            continue
        if share_in(para, want) >= IN_TRUTH:
            last = index
    if last is None:
        return Cut(False, 0.0, None)
    prose = sum(len(p.split()) for p in paragraphs[last + 1:]
                if len(p.split()) >= PROSE_WORDS and _SENTENCE_END.search(p))
    total = sum(len(p.split()) for p in paragraphs)
    share = prose / max(total, 1)
    return Cut(prose >= TAIL_WORDS and share >= TAIL_SHARE, share, last)


def _f1(rows: list[tuple[float, float]]) -> float:
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
            out.write(f"{name} {args.half} {label:<12} all {len(rows)}: F1 {_f1(rows):.4f}   "
                      f"without the {len(rows) - len(rest)} flagged: "
                      f"F1 {_f1([rows[i] for i in rest]):.4f}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
