"""Near-duplicate texts: MinHash over word 3-grams with a lean LSH index, all in numpy.

``export --dedup near`` keeps a text unless its estimated Jaccard similarity with a text
kept before reaches the threshold (docs/dataset.md). The words of a text come from a
``tokens`` callable: by default :func:`word_tokens` (lowercased runs of word characters);
a caller may pass another (a script-aware tokenizer for languages written without spaces).
Why not datasketch's MinHash and MinHashLSH: docs/dataset.md (the same decisions, two to
three times slower; bench/bench_neardup.py).
"""

from __future__ import annotations

import re
import zlib
from typing import Any, Callable

#: a text's words, in order
Tokens = Callable[[str | None], list[str]]

_TOKEN = re.compile(r"\w+")
_MIX = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9)


def word_tokens(text: str | None) -> list[str]:
    """The lowercased runs of word characters of ``text``."""
    return _TOKEN.findall((text or "").lower())


def shingle_hashes(text: str | None, tokens: Tokens = word_tokens):
    """32-bit hashes of the word 3-grams of ``text`` (a unique uint64 array)."""
    import numpy as np

    words = tokens(text)
    h = np.fromiter(map(zlib.crc32, map(str.encode, words)), np.uint64, len(words))
    if len(h) < 3:
        return np.array([zlib.crc32(" ".join(words).encode())], dtype=np.uint64)
    mixed = h[:-2] * np.uint64(_MIX[0]) + h[1:-1] * np.uint64(_MIX[1]) + h[2:] * np.uint64(_MIX[2])
    return np.unique(mixed >> np.uint64(32))


def lsh_bands(threshold: float, num_perm: int, recall: float = 0.95) -> tuple[int, int]:
    """(bands, rows per band): the fewest bands that still find ``recall`` of pairs at
    ``threshold``. Candidates are then verified, so false positives only cost time."""
    for rows in range(num_perm, 0, -1):
        bands = num_perm // rows
        if 1 - (1 - threshold ** rows) ** bands >= recall:
            return bands, rows
    return num_perm, 1


class NearDuplicates:
    """MinHash over word 3-grams with a lean LSH index, all in numpy.

    The signature takes, per permutation, the minimum of the multiply-shift hash
    ``(a * x + b) >> 32`` over the shingle hashes. Kept texts leave only their
    signature (num_perm uint32 in chunked arrays) and one dict entry per band;
    candidates from the bands are verified against the stored signature, so a text
    is a duplicate when its estimated Jaccard similarity with an earlier kept text
    reaches the threshold.
    """

    CHUNK = 1 << 16

    def __init__(self, threshold: float = 0.9, num_perm: int = 128, seed: int = 1,
                 tokens: Tokens = word_tokens) -> None:
        import numpy as np

        rng = np.random.default_rng(seed)
        self._a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
        self._b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
        self.threshold, self.num_perm, self.tokens = threshold, num_perm, tokens
        self.bands, self.rows = lsh_bands(threshold, num_perm)
        self.tables: list[dict[int, Any]] = [{} for _ in range(self.bands)]
        self.chunks: list[Any] = []
        self.kept = 0

    def signature(self, text: str | None):
        import numpy as np

        x = shingle_hashes(text, self.tokens)
        # the shift is monotonic, so min-then-shift equals shift-then-min, on 1/n the data
        return ((x[:, None] * self._a + self._b).min(axis=0) >> np.uint64(32)).astype(np.uint32)

    def seen(self, text: str | None) -> bool:
        """True if ``text`` is a near-duplicate of one kept before; else keep it."""
        sig = self.signature(text)
        keys = [hash(sig[i * self.rows:(i + 1) * self.rows].tobytes()) for i in range(self.bands)]
        candidates = set()
        for table, key in zip(self.tables, keys):
            found = table.get(key)
            if found is not None:
                candidates.update(found if isinstance(found, tuple) else (found,))
        if any(self._similar(sig, c) for c in sorted(candidates)):
            return True
        self._keep(sig, keys)
        return False

    def _similar(self, sig, index: int) -> bool:
        other = self.chunks[index // self.CHUNK][index % self.CHUNK]
        return float((sig == other).mean()) >= self.threshold

    def _keep(self, sig, keys: list[int]) -> None:
        import numpy as np

        index = self.kept
        if index % self.CHUNK == 0:
            self.chunks.append(np.empty((self.CHUNK, self.num_perm), dtype=sig.dtype))
        self.chunks[-1][index % self.CHUNK] = sig
        for table, key in zip(self.tables, keys):
            found = table.get(key)
            if found is None:
                table[key] = index
            else:
                table[key] = (found if isinstance(found, tuple) else (found,)) + (index,)
        self.kept += 1
