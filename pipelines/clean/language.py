"""The language of a page: detected from its clean text, the markup as a hint.

CLD2 (``pycld2``: Chromium's compact language detector, the one Common Crawl annotates its
pages with) reads a bounded sample of the title and text: its tables are compiled into the
wheel, nothing is downloaded, and a 2,000-character sample takes ~0.1 ms. On the benchmark
pages and the multilingual test pages it agrees with every honest ``lang`` declaration
(docs/cleaning.md, "Language"; ``python -m bench.eval_language``).

The text wins where it and the markup disagree (a Japanese body under ``<html lang="en">``
is Japanese); the declared language is kept when the text is too short to tell, when the
detector is unsure, or when the declared language holds a share of the text (a bilingual
page, an English story quoting Spanish).
"""

from __future__ import annotations

import re

import pycld2

#: characters of title + text the detector reads
SAMPLE = 2000
#: below this many bytes of letters (CLD2's count: 40 Latin letters, 20 CJK characters) the
#: text does not overrule the markup
MIN_LETTER_BYTES = 40
#: the declared language is kept when the detector gives it at least this share of the text
DECLARED_SHARE = 30
#: CLD2's older or regional codes -> ISO 639-1
_CODES = {"iw": "he", "jw": "jv", "in": "id", "ji": "yi", "tl": "fil", "zh-hant": "zh",
          "nb": "no", "mo": "ro"}


def _code(code: str) -> str:
    code = code.lower()
    code = _CODES.get(code, code)
    return code.split("-", 1)[0]


def detect(text: str) -> tuple[list[tuple[str, int]], bool, int]:
    """([(ISO code, percent of the text)], reliable, bytes of letters read) for up to three
    languages CLD2 finds in ``text``'s first :data:`SAMPLE` characters."""
    sample = text[:SAMPLE]
    try:
        reliable, letters, found = pycld2.detect(sample, isPlainText=True, bestEffort=True)
    except (pycld2.error, ValueError):  # invalid UTF-8 (lone surrogates), control bytes
        try:
            sample = sample.encode("utf-8", "replace").decode("utf-8")
            sample = "".join(c for c in sample if c.isprintable() or c.isspace())
            reliable, letters, found = pycld2.detect(sample, isPlainText=True, bestEffort=True)
        except (pycld2.error, ValueError):
            return [], False, 0
    langs = [(_code(code), percent) for _name, code, percent, _score in found
             if code != "un" and percent > 0]
    return langs, bool(reliable), letters


_DECLARED = re.compile(r"[a-z]{2,3}")


def _declared(code: str | None) -> str | None:
    """A declared language as a code (``"en-GB"``, ``"zh_Hant"`` -> ``"en"``, ``"zh"``); None
    for what is not one (``"x-default"``, a template placeholder)."""
    code = _code((code or "").strip().replace("_", "-"))
    return code if _DECLARED.fullmatch(code) else None


def page_language(title: str | None, text: str, declared: str | None) -> str | None:
    """The page's language: ISO 639-1 (639-3 where a language has no two-letter code)."""
    declared = _declared(declared)
    langs, reliable, letters = detect(f"{title}\n\n{text}" if title else text)
    if not langs:
        return declared
    if letters < MIN_LETTER_BYTES:
        return declared or langs[0][0]
    if declared and (not reliable or any(code == declared and percent >= DECLARED_SHARE
                                         for code, percent in langs)):
        return declared
    return langs[0][0]
