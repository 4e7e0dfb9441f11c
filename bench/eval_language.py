"""Language of the text against the markup's, and on the multilingual test pages.

    .venv/bin/python -m bench.eval_language

For every aeb-dev and naeb-dev page that declares a language (``<html lang>``, og:locale,
content-language) it prints how often ``extract().language`` agrees with the declaration
and lists the pages where it does not; then the accuracy on the 21 pages of
sample/multilingual.py (seven languages, three of them under a lying ``lang="en"``), and the
CPU time of the detection itself (``language.page_language``) per page.
"""

from __future__ import annotations

import statistics
import sys
import time

from sample.evaluation import SETS, load_pages


def _declared(html: bytes) -> str | None:
    from pipelines.clean.html import decode_html, parse_html
    from pipelines.clean.metadata import find_language

    tree = parse_html(decode_html(html))
    return find_language(tree) if tree is not None else None


def _timed_language(doc, declared: str | None) -> tuple[str | None, float]:
    from pipelines.clean.language import page_language

    start = time.thread_time()
    lang = page_language(doc.title, doc.text, declared)
    return lang, (time.thread_time() - start) * 1000


def benchmark_pages() -> tuple[int, int, list[str], list[float]]:
    """(pages declaring a language, agreeing, disagreement lines, detection ms per page)."""
    from pipelines.clean import extract

    declaring = agreeing = 0
    lines: list[str] = []
    times: list[float] = []
    for name in SETS:
        for page in load_pages(name):
            declared = _declared(page.html)
            doc = extract(page.html, page.url)
            _, ms = _timed_language(doc, declared)
            times.append(ms)
            if not declared:
                continue
            declaring += 1
            if doc.language == declared:
                agreeing += 1
            else:
                lines.append(f"  {name}/{page.id[:12]} declared {declared}, text {doc.language}: "
                             f"{(doc.title or '')[:70]}")
    return declaring, agreeing, lines, times


def fixture_pages() -> tuple[int, int, list[str]]:
    """(pages, right, wrong lines) on sample/multilingual.py."""
    from pipelines.clean import extract
    from sample.multilingual import LANGS, pages, paths

    site = pages()
    right, wrong = 0, []
    for lang in LANGS:
        for kind, path in paths(lang).items():
            doc = extract(site[path].replace("{BASE}", "http://news.test").encode(),
                          "http://news.test" + path)
            if doc.language == lang:
                right += 1
            else:
                wrong.append(f"  {lang} {kind}: {doc.language}")
    return len(LANGS) * 3, right, wrong


def main() -> int:
    declaring, agreeing, lines, times = benchmark_pages()
    print(f"aeb-dev + naeb-dev: {agreeing}/{declaring} pages that declare a language agree "
          f"({agreeing / max(1, declaring):.3f})")
    print("\n".join(lines))
    total, right, wrong = fixture_pages()
    print(f"sample/multilingual.py: {right}/{total} right")
    print("\n".join(wrong))
    print(f"detection CPU ms per page (aeb + naeb, {len(times)} pages): median "
          f"{statistics.median(times):.3f}, mean {statistics.mean(times):.3f}, "
          f"max {max(times):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
