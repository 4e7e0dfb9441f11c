"""Generated English articles: seeded paragraphs of news-like words in a minimal article page.

Shared by the fault server, the synthetic foreign archives and tests (tests/ and bench/
never import each other).
"""

from __future__ import annotations

import html
import random

WORDS = ("the council met again on tuesday to debate the harbour budget and residents "
         "asked why the railway project was delayed for another year while traders said "
         "fuel prices kept rising across the region and teachers demanded new classrooms").split()


def paragraphs(seed: str, n: int = 6) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(40)).capitalize() + "." for _ in range(n)]


def article_html(title: str, paras: list[str], *, canonical: str | None = None,
                 charset: str = "utf-8", extra_body: str = "") -> str:
    canon = f'<link rel="canonical" href="{html.escape(canonical)}">' if canonical else ""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paras)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="{charset}">'
            f"<title>{html.escape(title)}</title>{canon}"
            f'<meta property="og:type" content="article"></head><body>'
            f"<article><h1>{html.escape(title)}</h1>{body}{extra_body}</article></body></html>")
