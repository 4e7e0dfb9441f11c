"""Near-duplicate dedup: presskeep's MinHash/LSH (archive/neardup.py) beside datasketch's.

    .venv/bin/python -m bench.bench_neardup --rows 100000 --work /tmp/pk-bench-export

On the export benchmark's synthetic archive (bench/bench_export.py: ~3 % exact and ~2 %
near copies of earlier texts), the texts an export reads (latest versions, fetch order)
go through each detector in turn, in one process; per detector: seconds, rows dropped,
and how far its drops agree with presskeep's. datasketch runs twice: as its
documentation shows (shingles as bytes, its SHA-1 hash, MinHashLSH choosing its bands)
and fed presskeep's shingle hashes and bands (the same LSH recall). It is not a
dependency of presskeep (docs/dataset.md says why): ``pip install datasketch`` first,
or only presskeep's row is printed.
"""

from __future__ import annotations

import argparse
import importlib.util
import sqlite3
import time
from pathlib import Path

from archive.neardup import NearDuplicates, lsh_bands, shingle_hashes, word_tokens

_LATEST = ("SELECT a.id, a.text FROM articles a WHERE a.version = (SELECT MAX(b.version) "
           "FROM articles b WHERE b.url = a.url) ORDER BY a.fetched_at, a.id")


class Datasketch:
    """datasketch's MinHash and MinHashLSH behind presskeep's ``seen(text)``."""

    def __init__(self, threshold: float, num_perm: int = 128, own_hashes: bool = False) -> None:
        from datasketch import MinHashLSH

        self.threshold, self.num_perm, self.own_hashes = threshold, num_perm, own_hashes
        params = lsh_bands(threshold, num_perm) if own_hashes else None
        self.lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, params=params)
        self.kept: dict[int, object] = {}

    def signature(self, text: str | None):
        from datasketch import LeanMinHash, MinHash

        if self.own_hashes:
            m = MinHash(self.num_perm, hashfunc=int)
            m.update_batch(shingle_hashes(text).tolist())
        else:
            tokens = word_tokens(text)
            grams = [" ".join(tokens[i:i + 3]) for i in range(max(1, len(tokens) - 2))]
            m = MinHash(self.num_perm)
            m.update_batch([g.encode() for g in grams])
        return LeanMinHash(m)

    def seen(self, text: str | None) -> bool:
        m = self.signature(text)
        if any(m.jaccard(self.kept[key]) >= self.threshold for key in self.lsh.query(m)):
            return True
        key = len(self.kept)
        self.kept[key] = m
        self.lsh.insert(key, m)
        return False


def run(name: str, detector, rows: list[tuple[int, str]]) -> dict:
    started = time.process_time()
    dropped = {rid for rid, text in rows if detector.seen(text)}
    return {"name": name, "seconds": time.process_time() - started, "dropped": dropped}


def main(argv: list[str] | None = None) -> None:
    from bench.bench_export import generate

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--work", default="/tmp/presskeep-bench-export")
    ap.add_argument("--threshold", type=float, default=0.9)
    args = ap.parse_args(argv)
    root = generate(Path(args.work) / f"archive-{args.rows}", args.rows)
    rows = sqlite3.connect(root / "presskeep.db").execute(_LATEST).fetchall()
    results = [run("presskeep (numpy)", NearDuplicates(args.threshold), rows)]
    if importlib.util.find_spec("datasketch") is None:
        print("datasketch is not installed (pip install datasketch): presskeep's row only")
    else:
        results += [run("datasketch, as documented", Datasketch(args.threshold), rows),
                    run("datasketch, presskeep's hashes and bands",
                        Datasketch(args.threshold, own_hashes=True), rows)]
    base = results[0]["dropped"]
    print(f"{len(rows):,} texts, threshold {args.threshold}\n")
    print("| detector | CPU seconds | rows/s | dropped | same drops as presskeep | only here | "
          "only presskeep |\n|---|---|---|---|---|---|---|")
    for r in results:
        got = r["dropped"]
        print(f"| {r['name']} | {r['seconds']:.1f} | {len(rows) / r['seconds']:,.0f} | "
              f"{len(got):,} | {len(got & base):,} | {len(got - base):,} | {len(base - got):,} |")


if __name__ == "__main__":
    main()
