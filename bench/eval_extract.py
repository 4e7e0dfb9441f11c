"""Score extractor configurations on aeb-dev and naeb-dev, side by side.

    .venv/bin/python -m bench.eval_extract                 # ours + baselines, both halves
    .venv/bin/python -m bench.eval_extract -c ours -c trafilatura --half held
    .venv/bin/python -m bench.eval_extract --stages        # ms per stage of ours

Prints body F1 / precision / recall / exact-match and CPU ms per page (median, mean) per set
and half, plus title / date / author accuracy on naeb-dev. Ground truth is read only here,
never by the extractors.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Callable

from bench.eval_data import SETS, load_pages
from bench.eval_score import Tally

Extractor = Callable[[bytes, str | None], dict]


def ours(html: bytes, url: str | None) -> dict:
    from pipelines.clean import extract

    doc = extract(html, url)
    return {"text": doc.text, "title": doc.title, "date": doc.published, "authors": doc.authors}


def _decode(html: bytes) -> str:
    from pipelines.clean.html import decode_html

    return decode_html(html)


def trafilatura_plain(html: bytes, url: str | None) -> dict:
    import trafilatura

    doc = trafilatura.bare_extraction(_decode(html), url=url, favor_precision=True,
                                      include_comments=False, with_metadata=True)
    if doc is None:
        return {"text": ""}
    doc = doc if isinstance(doc, dict) else doc.as_dict()
    authors = [a.strip() for a in (doc.get("author") or "").split(";") if a.strip()]
    return {"text": doc.get("text") or "", "title": doc.get("title"), "date": doc.get("date"),
            "authors": authors}


def readability_plain(html: bytes, url: str | None) -> dict:
    import html_text
    from readability import Document

    doc = Document(_decode(html), url=url)
    return {"text": html_text.extract_text(doc.summary(html_partial=True)),
            "title": doc.short_title()}


def readability_trafilatura(html: bytes, url: str | None) -> dict:
    import trafilatura
    from readability import Document

    summary = Document(_decode(html), url=url).summary()
    text = trafilatura.extract(summary, favor_precision=True, include_comments=False)
    return {"text": text or ""}


CONFIGS: dict[str, Extractor] = {
    "ours": ours,
    "trafilatura": trafilatura_plain,
    "readability": readability_plain,
    "readability>trafilatura": readability_trafilatura,
}


def evaluate(extractor: Extractor, name: str, half: str | None = None,
             root=None) -> dict[str, Tally]:
    """Tallies keyed by '<set>/<half>' for one extractor."""
    tallies: dict[str, Tally] = {}
    for page in load_pages(name, root, half):
        start = time.thread_time()
        pred = extractor(page.html, page.url)
        ms = (time.thread_time() - start) * 1000
        tally = tallies.setdefault(f"{page.set}/{page.half}", Tally())
        tally.add_body(page.truth.get("articleBody") or "", pred.get("text"), ms)
        if "title" in page.truth:
            tally.add_meta(page.truth, pred)
    return tallies


def page_f1(extractor: Extractor, name: str, root=None) -> dict[str, float]:
    """Body F1 of each page of one set, by page id."""
    from bench.eval_score import precision_recall

    out: dict[str, float] = {}
    for page in load_pages(name, root):
        p, r = precision_recall(page.truth.get("articleBody") or "",
                                extractor(page.html, page.url).get("text"))
        out[page.id] = 2 * p * r / (p + r) if p + r else 0.0
    return out


def _fmt(value: float | None, digits: int = 3) -> str:
    return "   -  " if value is None else f"{value:.{digits}f}"


def format_rows(results: dict[str, dict[str, dict]]) -> list[str]:
    head = (f"{'config':<24}{'set/half':<15}{'pages':>5}  {'F1':>6} {'prec':>6} {'recall':>6} "
            f"{'exact':>6} {'cpu ms':>7} {'(mean)':>7}  {'title':>6} {'date':>6} {'author':>6}")
    lines = [head, "-" * len(head)]
    for config, by_key in results.items():
        for key, s in sorted(by_key.items()):
            lines.append(
                f"{config:<24}{key:<15}{s['pages']:>5}  {_fmt(s['f1'])} {_fmt(s['precision'])} "
                f"{_fmt(s['recall'])} {_fmt(s['exact'])} {_fmt(s['ms_median'], 1):>7} "
                f"{_fmt(s['ms_mean'], 1):>7}  {_fmt(s['title'])} {_fmt(s['date'])} "
                f"{_fmt(s['author'])}")
    return lines


def run(configs: list[str], sets: list[str], half: str | None) -> dict[str, dict[str, dict]]:
    results: dict[str, dict[str, dict]] = {}
    for config in configs:
        merged: dict[str, Tally] = {}
        for name in sets:
            merged.update(evaluate(CONFIGS[config], name, half))
        summaries = {key: t.summary() for key, t in merged.items()}
        for name in sets:
            both = [t for key, t in merged.items() if key.startswith(name + "/")]
            if len(both) == 2:
                summaries[f"{name}/all"] = _combine(both).summary()
        results[config] = summaries
    return results


def _combine(tallies: list[Tally]) -> Tally:
    out = Tally()
    for t in tallies:
        for attr in ("precision", "recall", "ms", "titles", "dates", "authors"):
            getattr(out, attr).extend(getattr(t, attr))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", action="append", choices=sorted(CONFIGS))
    parser.add_argument("-s", "--set", action="append", choices=SETS)
    parser.add_argument("--half", choices=("tune", "held"))
    parser.add_argument("--json", help="also write the summaries to this file")
    parser.add_argument("--stages", action="store_true", help="time each stage of ours")
    args = parser.parse_args(argv)
    if args.stages:
        from bench.eval_stages import main as stages_main

        return stages_main(args.set or list(SETS))
    results = run(args.config or list(CONFIGS), args.set or list(SETS), args.half)
    sys.stdout.write("\n".join(format_rows(results)) + "\n")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
