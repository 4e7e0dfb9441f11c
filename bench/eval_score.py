"""Scores for extraction: the article-extraction-benchmark shingle metric and metadata accuracy.

Body: ``\\w+`` tokens, 4-token shingles as multisets, per page TP/FP/FN, precision and
recall per page (both 1 when FP = FN = 0), averaged over pages, F1 of the averages.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

_TOKEN = re.compile(r"\w+", re.UNICODE)
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-",
                         "\xa0": " "})


def shingles(text: str | None, n: int = 4) -> Counter:
    tokens = _TOKEN.findall(text or "")
    grams = (" ".join(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1)))
    return Counter(g for g in grams if g)


def share_in(text: str | None, want: Counter) -> float:
    """Share of ``text``'s 4-gram shingles that are in ``want`` (e.g. a truth's shingles)."""
    got = shingles(text)
    return sum((got & want).values()) / max(1, sum(got.values()))


def precision_recall(truth: str | None, pred: str | None) -> tuple[float, float]:
    """Per-page shingle precision and recall, as the benchmark computes them."""
    want, got = shingles(truth), shingles(pred)
    tp = sum((want & got).values())
    fp = sum((got - want).values())
    fn = sum((want - got).values())
    if fp == fn == 0:
        return 1.0, 1.0
    if tp == 0:
        return 0.0, 0.0
    return tp / (tp + fp), tp / (tp + fn)


def norm_title(title: str | None) -> str:
    text = unicodedata.normalize("NFKC", title or "").translate(_QUOTES)
    return " ".join(text.split()).strip(" .").casefold()


def title_match(truth: str | None, pred: str | None) -> bool:
    return bool(truth) and norm_title(truth) == norm_title(pred)


def date_match(truth: str | None, pred: str | None) -> bool:
    return bool(truth) and bool(pred) and pred[:10] == truth[:10]


def _names(value: str | list[str] | None) -> set[str]:
    if isinstance(value, str):
        value = re.split(r"\s*[,;]\s*|\s+and\s+", value)
    return {" ".join(unicodedata.normalize("NFKC", v).split()).casefold() for v in value or [] if v
            and v.strip()}


def author_f1(truth: str | None, pred: str | list[str] | None) -> float:
    """Set F1 of normalised author names; 1 when both are empty."""
    want, got = _names(truth), _names(pred)
    if not want and not got:
        return 1.0
    hit = len(want & got)
    if not hit:
        return 0.0
    p, r = hit / len(got), hit / len(want)
    return 2 * p * r / (p + r)


@dataclass
class Tally:
    """Running sums for one extractor on one page set."""

    precision: list[float] = field(default_factory=list)
    recall: list[float] = field(default_factory=list)
    ms: list[float] = field(default_factory=list)
    titles: list[bool] = field(default_factory=list)
    dates: list[bool] = field(default_factory=list)
    authors: list[float] = field(default_factory=list)

    def add_body(self, truth: str, pred: str | None, ms: float) -> None:
        p, r = precision_recall(truth, pred)
        self.precision.append(p)
        self.recall.append(r)
        self.ms.append(ms)

    def add_meta(self, truth: dict, pred: dict) -> None:
        self.titles.append(title_match(truth.get("title"), pred.get("title")))
        self.dates.append(date_match(truth.get("date"), pred.get("date")))
        self.authors.append(author_f1(truth.get("authors"), pred.get("authors")))

    def summary(self) -> dict[str, float | None]:
        def mean(xs: list) -> float | None:
            return sum(xs) / len(xs) if xs else None

        p, r = mean(self.precision) or 0.0, mean(self.recall) or 0.0
        exact = [pp == rr == 1.0 for pp, rr in zip(self.precision, self.recall)]
        ms = sorted(self.ms)
        return {"pages": len(self.precision), "f1": 2 * p * r / (p + r) if p + r else 0.0,
                "precision": p, "recall": r, "exact": mean(exact),
                "ms_median": ms[len(ms) // 2] if ms else None, "ms_mean": mean(ms),
                "title": mean(self.titles), "date": mean(self.dates),
                "author": mean(self.authors)}
