"""Script-aware text measures: how long a text is, and its tokens, in any writing system.

Counting words by spaces is wrong for scripts written without spaces between words: a
Japanese article of 1,000 characters holds a few dozen spaces. A text's length here is in
**units**, meant as "English-equivalent words":

* one unit per space-separated word in scripts that separate words (Latin, Cyrillic, Greek,
  Arabic, Hebrew, Devanagari and the other Indic scripts, ...), plus
* for runs of characters of the scripts below, characters / divisor (``DIVISORS``):
  Chinese characters 1.5 (a Chinese text: Han without kana), Japanese (Han and kana, in a
  text with kana) 2, Korean Hangul syllables 2 (Korean puts spaces between phrases — a word
  and its particles — which counted as words undercount by a third), Thai, Lao, Khmer and
  Myanmar (Burmese) code points 5 (vowel signs and tone marks are code points of their own).

The divisors were measured on this repository's parallel test pages: the same news story
written in English (246 words) and in each language (sample/multilingual.py; docs/cleaning.md
has the table): Chinese 1.46 characters per English word, Japanese 1.95, Korean 1.92
syllables, Thai 4.87 code points.

This module is dependency-free (``re`` only) and imports nothing of presskeep, so any layer —
archive/ included — can use it or carry a copy.

    >>> units("The council met on Tuesday.")
    5
    >>> units("東京都は二十日、新しい防災計画を発表した。")  # 19 Han/kana characters, Japanese
    10
    >>> tokens("Tokyo 東京都")
    ['tokyo', '東', '京', '都']
"""

from __future__ import annotations

import re

#: Han (CJK ideographs, extensions A-H, compatibility) and the ideographic iteration marks
_HAN = "\u3005-\u3007\u3021-\u3029\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
#: hiragana, katakana (with its extensions and half-width forms, the prolonged sound mark)
_KANA = "\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f"
#: Hangul syllables and jamo
_HANGUL = "\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff"
#: Thai, Lao, Myanmar (and extensions), Khmer (and its symbols)
_SOUTHEAST = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u19e0-\u19ff\ua9e0-\ua9ff\uaa60-\uaa7f"
_ALL = _HAN + _KANA + _HANGUL + _SOUTHEAST
#: characters (code points) per unit
DIVISORS = {"chinese": 1.5, "japanese": 2.0, "korean": 2.0, "southeast": 5.0}

_HAN_RUN = re.compile(f"[{_HAN}]+")
_KANA_RUN = re.compile(f"[{_KANA}]+")
_HANGUL_RUN = re.compile(f"[{_HANGUL}]+")
_SOUTHEAST_RUN = re.compile(f"[{_SOUTHEAST}]+")
_DENSE = re.compile(f"[{_ALL}]")
_DENSE_RUN = re.compile(f"[{_ALL}]+")
_UNSPACED = _HAN + _KANA + _SOUTHEAST
_TOKEN = re.compile(f"[{_UNSPACED}]|[^\\W{_UNSPACED}]+")
_WORD = re.compile(r"\w+")


def _count(pattern: re.Pattern, text: str) -> int:
    return sum(map(len, pattern.findall(text)))


def _dense(text: str) -> float:
    kana = _count(_KANA_RUN, text)
    han = _count(_HAN_RUN, text)
    han_units = (han + kana) / DIVISORS["japanese"] if kana else han / DIVISORS["chinese"]
    return (han_units + _count(_HANGUL_RUN, text) / DIVISORS["korean"]
            + _count(_SOUTHEAST_RUN, text) / DIVISORS["southeast"])


def units(text: str) -> int:
    """The length of ``text`` in words, counting scripts written without spaces by
    characters (see the module's docstring); rounded half up, at least 1 for a text that
    has a letter or digit."""
    if text.isascii() or not _DENSE.search(text):  # the common case: one split, no regex
        return _words(text)
    words = _words(_DENSE_RUN.sub(" ", text))
    dense = _dense(text)
    return words + max(1, int(dense + 0.5)) if dense else words


def _words(text: str) -> int:
    """Space-separated tokens that hold a letter or digit (a dash or a bullet is no word)."""
    tokens = text.split()
    return len(tokens) - sum(1 for w in tokens if not (w[0].isalnum() or w[-1].isalnum()
                                                       or any(c.isalnum() for c in w)))


def units_of(paragraphs: list[str]) -> int:
    """:func:`units` of the paragraphs together."""
    return sum(units(p) for p in paragraphs)


def is_dense(text: str, share: float = 0.5) -> bool:
    """Whether at least ``share`` of the letters of ``text`` are in the scripts counted by
    characters (Han, kana, Hangul, Thai, Lao, Khmer, Myanmar)."""
    dense = len(_DENSE.findall(text))
    letters = sum(1 for c in text if c.isalpha())
    return bool(letters) and dense >= share * letters


def tokens(text: str, lower: bool = True) -> list[str]:
    """Tokens for n-gram shingles and word overlaps: words (``\\w+`` runs) in scripts that
    put spaces between words (Korean included), and every single character in the scripts
    that do not (Han, kana, Thai, Lao, Khmer, Myanmar), so that word 3-grams become character
    3-grams there ("東京都" → 東, 京, 都). Lower-cased unless ``lower`` is false."""
    text = text.lower() if lower else text
    if text.isascii():  # the common case: the same tokens from a simpler pattern, 2x faster
        return _WORD.findall(text)
    return _TOKEN.findall(text)
