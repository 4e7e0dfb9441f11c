"""Identity check: the cleaner's output on a fixed page corpus, saved and compared.

    .venv/bin/python -m bench.eval_identity --save /tmp/identity.json   # before a change
    .venv/bin/python -m bench.eval_identity --check /tmp/identity.json  # after: same dicts?

The corpus: every page of aeb-dev and naeb-dev, a sample of the generated benchmark
site (``--site-articles`` articles and every kind of hub: home, section first and
paginated pages, subsections, tags, static pages) and the HTML fixtures under tests/.
Each page gives ``extract(html, url).as_dict()``; ``--check`` lists the pages whose dict
differs and exits 1 when any does. ``--skip-known-hubs`` runs extract() as the crawl
does (``skip_known_hubs=True``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Iterator

from pipelines.clean import extract
from sample.evaluation import REPO, SETS, load_pages
from sample.large_site import sample_pages

SITE_URL = "http://bench.test"
FIXTURES = REPO / "tests" / "fixtures"
#: each fixture with the URL its test cleans it under (clean/*.html: the URL in its .json)
FIXTURE_URLS = {
    "clean_lists/deals.html": "https://www.example.org/shopping/winter-sales",
    "clean_prune_rules/figure_tail.html": "https://example.org/news/council",
    "clean_line_rules/captions.html": "https://example.org/news/council",
    "clean_liveblog/liveblog.html": "https://example.org/live/war",
}


def corpus(site_articles: int) -> Iterator[tuple[str, str | None, bytes]]:
    for name in SETS:
        for page in load_pages(name):
            yield f"{name}:{page.id}", page.url, page.html
    for path, text in sample_pages(site_articles):
        yield f"site:{path}", SITE_URL + path, text.encode("utf-8")
    urls = dict(FIXTURE_URLS)
    for meta in sorted((FIXTURES / "clean").glob("*.json")):
        urls[f"clean/{meta.stem}.html"] = json.loads(meta.read_text())["url"]
    for rel, url in sorted(urls.items()):
        yield f"fixture:{rel}", url, (FIXTURES / rel).read_bytes()


def run(site_articles: int, **options) -> dict[str, dict]:
    return {key: extract(html, url, **options).as_dict()
            for key, url, html in corpus(site_articles)}


def compare(old: dict[str, dict], new: dict[str, dict]) -> list[str]:
    """Keys whose output differs (or that only one side has), with the differing fields."""
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a != b:
            fields = sorted(f for f in set(a or {}) | set(b or {})
                            if (a or {}).get(f) != (b or {}).get(f))
            out.append(f"{key}: {', '.join(fields) if a and b else 'missing on one side'}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", type=Path, metavar="FILE")
    group.add_argument("--check", type=Path, metavar="FILE")
    parser.add_argument("--site-articles", type=int, default=200)
    parser.add_argument("--skip-known-hubs", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.site_articles, skip_known_hubs=args.skip_known_hubs)
    if args.save:
        args.save.write_text(json.dumps(result, ensure_ascii=False, sort_keys=True, indent=0))
        sys.stdout.write(f"saved {len(result)} pages to {args.save}\n")
        return 0
    diffs = compare(json.loads(args.check.read_text()), result)
    for line in diffs:
        sys.stdout.write(line + "\n")
    sys.stdout.write(f"{len(result)} pages, {len(diffs)} differ\n")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
