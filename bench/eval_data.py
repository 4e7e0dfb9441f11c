"""Benchmark page sets: aeb-dev and naeb-dev under ../shared/benchmarks, split in two halves.

The split is deterministic: pages are sorted by id; even positions form the ``tune`` half,
odd positions the ``held`` (held-out) half.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parent.parent
BENCHMARKS = REPO.parent / "shared" / "benchmarks"
SETS = ("aeb-dev", "naeb-dev")
HALVES = ("tune", "held")


@dataclass(frozen=True)
class Page:
    set: str
    id: str
    half: str
    url: str | None
    html: bytes
    truth: dict


def benchmarks_dir(root: Path | None = None) -> Path:
    return Path(root) if root else BENCHMARKS


def half_of(index: int) -> str:
    return HALVES[index % 2]


def load_pages(name: str, root: Path | None = None, half: str | None = None) -> Iterator[Page]:
    """Pages of one set (optionally one half), in sorted id order."""
    base = benchmarks_dir(root) / name
    truth = json.loads((base / "ground-truth.json").read_text(encoding="utf-8"))
    for index, page_id in enumerate(sorted(truth)):
        if half and half_of(index) != half:
            continue
        html = gzip.decompress((base / "html" / f"{page_id}.html.gz").read_bytes())
        yield Page(name, page_id, half_of(index), truth[page_id].get("url"), html, truth[page_id])
