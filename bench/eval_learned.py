"""Would a learned paragraph filter help? Cross-validated on the TUNE halves only.

    .venv/bin/pip install 'presskeep[learn]'        # scikit-learn, for this study only
    .venv/bin/python -m bench.eval_learned [--model logistic|boosting|forest] [--folds 5]

Each tune page is cleaned by ``extract()``; each of its paragraphs gets generic features
(length, position, share of the text before and after it, sentence end, list/table marks,
capitalisation, digits, links, label prefix, quote marks, short neighbours) and a label:
are ≥ 50 % of its 4-gram shingles in the ground truth? A classifier is trained on K-1 folds
of pages (both sets together, weighted by words) and drops, on the pages of the remaining
fold, the paragraphs it gives a keep-probability below each threshold. The printed F1 is the
benchmark's, over all tune pages, each scored by a model that never saw it.
``--exclude-truncated`` leaves out of training the pages whose truth stops mid-article
(< 50 % of our shingles in the truth while ≥ 95 % of the truth is in our text).

Held-out pages are never loaded. docs/cleaning.md, "Round 7", has the result.
"""

from __future__ import annotations

import argparse
import math
import re
import statistics
import sys
from dataclasses import dataclass

from bench.eval_data import SETS, load_pages
from bench.eval_score import precision_recall, share_in, shingles
from bench.eval_tune import _f1

THRESHOLDS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5)
_END = re.compile(r"[.!?…\"”’)\]:]$")
_LABEL = re.compile(r"^[\w ’']{1,30}:")
_LINKISH = ("http", "www.", "@")


@dataclass
class Para:
    text: str
    features: list[float]
    keep: bool


@dataclass
class TunePage:
    set: str
    id: str
    truth: str
    paras: list[Para]

    def text(self, keep=None) -> str:
        return "\n\n".join(p.text for i, p in enumerate(self.paras) if keep is None or keep[i])


def _short(text: str) -> bool:
    return 0 < len(text.split()) <= 12 and not _END.search(text)


def features(paragraphs: list[str], index: int) -> list[float]:
    text, count = paragraphs[index], len(paragraphs)
    words = text.split()
    total = sum(len(p.split()) for p in paragraphs) or 1
    after = sum(len(p.split()) for p in paragraphs[index + 1:])
    before = paragraphs[index - 1] if index else ""
    following = paragraphs[index + 1] if index + 1 < count else ""
    return [
        math.log1p(len(words)), index / max(1, count - 1), float(index == 0),
        float(index == count - 1), min(count - 1 - index, 10) / 10, min(index, 10) / 10,
        float(bool(_END.search(text))), float(text.startswith("- ")), float(text.startswith("|")),
        min(text.count("|"), 10) / 10,
        sum(1 for w in words if w[:1].isupper()) / max(1, len(words)),
        sum(c.isdigit() for c in text) / max(1, len(text)),
        float(any(mark in text for mark in _LINKISH)), float(bool(_LABEL.match(text))),
        after / total, len(words) / total, math.log1p(total), math.log1p(count),
        float(_short(before)), float(_short(following)), float(_short(text)),
        float(text.startswith(("“", '"'))), sum(text.count(q) for q in "“”\"") / max(1, len(words)),
    ]


def tune_pages() -> list[TunePage]:
    from pipelines.clean import extract

    pages = []
    for name in SETS:
        for page in load_pages(name, half="tune"):
            truth = page.truth.get("articleBody") or ""
            want = shingles(truth)
            paragraphs = extract(page.html, page.url).paragraphs
            paras = [Para(text, features(paragraphs, i), share_in(text, want) >= 0.5)
                     for i, text in enumerate(paragraphs)]
            pages.append(TunePage(name, page.id, truth, paras))
    return pages


def truncated(page: TunePage) -> bool:
    """The truth is a leading part of a much longer article we extracted."""
    text = page.text()
    return share_in(text, shingles(page.truth)) < 0.5 and share_in(page.truth, shingles(text)) >= 0.95


def _model(kind: str):
    if kind == "boosting":
        from sklearn.ensemble import GradientBoostingClassifier
        return GradientBoostingClassifier(n_estimators=150, max_depth=3, learning_rate=0.05,
                                          subsample=0.8, random_state=0)
    if kind == "forest":
        from sklearn.ensemble import RandomForestClassifier
        return RandomForestClassifier(n_estimators=200, min_samples_leaf=5, random_state=0)
    from sklearn.linear_model import LogisticRegression
    return LogisticRegression(max_iter=2000)


def cross_validate(pages: list[TunePage], kind: str, folds: int,
                   exclude: set[str]) -> dict[str, list[float]]:
    """Page id -> keep-probability of each paragraph, from a model that did not see the page."""
    out: dict[str, list[float]] = {}
    for fold in range(folds):
        train = [p for i, page in enumerate(pages) if i % folds != fold and page.id not in exclude
                 for p in page.paras]
        model = _model(kind)
        model.fit([p.features for p in train], [p.keep for p in train],
                  sample_weight=[max(1, len(p.text.split())) for p in train])
        for i, page in enumerate(pages):
            if i % folds == fold and page.paras:
                out[page.id] = list(model.predict_proba([p.features for p in page.paras])[:, 1])
    return out


def report(pages: list[TunePage], probs: dict[str, list[float]], threshold: float) -> str:
    parts = []
    for name in SETS:
        precisions, recalls, changed, worse = [], [], 0, 0
        for page in (p for p in pages if p.set == name):
            keep = [q >= threshold for q in probs.get(page.id, [])]
            before = precision_recall(page.truth, page.text())
            after = precision_recall(page.truth, page.text(keep))
            if not all(keep):
                changed += 1
                worse += _f1(*after) < _f1(*before) - 1e-9
            precisions.append(after[0])
            recalls.append(after[1])
        p, r = statistics.mean(precisions), statistics.mean(recalls)
        parts.append(f"{name} F1 {_f1(p, r):.4f} (P {p:.4f} R {r:.4f}, "
                     f"{changed} pages changed, {worse} worse)")
    return f"threshold {threshold:.2f}: " + "; ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=("logistic", "boosting", "forest"), default="logistic")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--exclude-truncated", action="store_true")
    args = parser.parse_args(argv)
    try:
        import sklearn  # noqa: F401
    except ImportError:
        sys.stderr.write("eval_learned: error: needs scikit-learn (pip install 'presskeep[learn]')\n")
        return 2
    pages = tune_pages()
    exclude = {p.id for p in pages if truncated(p)} if args.exclude_truncated else set()
    sys.stdout.write(f"{sum(len(p.paras) for p in pages)} paragraphs on {len(pages)} tune pages; "
                     f"{len(exclude)} truncated-truth pages left out of training\n")
    probs = cross_validate(pages, args.model, args.folds, exclude)
    for threshold in THRESHOLDS:
        sys.stdout.write(report(pages, probs, threshold) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
