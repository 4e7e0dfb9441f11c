"""Round 7 measurements: CPU a page of the dates step and of the FTS index, old vs new.

    .venv/bin/python -m bench.bench_round7 dates [--every 10] [--rounds 6]
    .venv/bin/python -m bench.bench_round7 fts [--rows 5000] [--rounds 4]

``dates``: ``clean_page`` (as a cleaning worker runs it) over every ``--every``-th page of
the 5,000-article benchmark site, with htmldate's ``find_date`` (old) and with
``htmldate_fast.find_original_date`` (new), interleaved ABBA in one process; best of
``--rounds`` in CPU ms a page, and the mean CPU of the htmldate step alone.

``fts``: ``Store`` writes of ``--rows`` article rows (bench-site titles and texts) with
a capture row each, with the FTS triggers (as now), without FTS, and with the FTS rows
inserted per batch at flush instead of per row by a trigger.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

from archive import db as adb
from sample.large_site import site_pages
from pipelines.clean import dates
from pipelines.clean import htmldate_fast
from pipelines.crawlpage import clean_page


def _pages(every: int) -> list[tuple[str, bytes]]:
    return [("http://bench.test" + path, text.encode())
            for i, (path, text) in enumerate(site_pages(5000, 1)) if i % every == 0]


def bench_dates(every: int, rounds: int) -> None:
    pages = _pages(every)
    step = {"old": 0.0, "new": 0.0}

    def timed(name, function):
        def run(tree, url):
            start = time.process_time()
            try:
                return function(tree, url)
            except Exception:  # noqa: BLE001 - as dates._htmldate
                return None
            finally:
                step[name] += time.process_time() - start
        return run

    variants = [("old", timed("old", htmldate_fast.find_date)),
                ("new", timed("new", htmldate_fast.find_original_date))]
    best = {name: float("inf") for name, _ in variants}
    saved = dates._htmldate
    try:
        for index in range(rounds):
            for name, function in (variants if index % 2 == 0 else variants[::-1]):
                dates._htmldate = function
                start = time.process_time()
                for url, body in pages:
                    clean_page(body, url, links=True)
                best[name] = min(best[name], time.process_time() - start)
    finally:
        dates._htmldate = saved
    for name, _ in variants:
        sys.stdout.write(f"{name}: clean_page {best[name] / len(pages) * 1000:.3f} ms/page "
                         f"(best of {rounds}, {len(pages)} pages); htmldate step "
                         f"{step[name] / len(pages) / rounds * 1000:.3f} ms/page\n")


def _rows(n: int) -> list[dict]:
    docs = []
    for url, body in _pages(1):
        page = clean_page(body, url)
        if page.doc is not None and page.doc.is_article:
            docs.append(page.doc.as_dict())
        if len(docs) >= 500:
            break
    rows = []
    for i in range(n):
        doc = docs[i % len(docs)]
        url = f"http://bench.test/a/{i}.html"
        rows.append({"run_id": 1, "url": url, "canonical_url": url, "site": "bench.test",
                     "title": doc["title"], "authors": doc.get("authors"),
                     "published": doc.get("published"), "language": "en",
                     "text": f"{doc['text']} {i}", "word_count": len(doc["text"].split()),
                     "text_hash": f"{i:040x}", "fetched_at": adb.utcnow(),
                     "warc_file": "x.warc.gz", "warc_offset": i * 1000, "warc_length": 1000,
                     "warc_record_id": f"<urn:uuid:{i}>", "payload_digest": "sha1:X"})
    return rows


def _store_run(mode: str, rows: list[dict]) -> float:
    db = adb.connect(os.path.join(tempfile.mkdtemp(), "presskeep.db"))
    db.execute("INSERT INTO runs (id, command) VALUES (1, 'bench')")
    if mode != "triggers":
        for name in ("articles_ai", "articles_ad", "articles_au"):
            db.execute(f"DROP TRIGGER IF EXISTS [{name}]")
    store = adb.Store(db)
    if mode == "batched":
        commit, last = store._commit, [0]

        def batched(captures, articles):
            with db.atomic():
                commit(captures, articles)
                db.execute("INSERT INTO articles_fts (rowid, title, text) "
                           "SELECT id, title, text FROM articles WHERE id > ?", [last[0]])
                last[0] = db.execute("SELECT max(id) FROM articles").fetchone()[0] or 0
        store._commit = batched
    rows = [dict(row) for row in rows]
    start = time.process_time()
    for row in rows:
        store.add_capture({"run_id": 1, "url": row["url"], "status": 200,
                           "fetched_at": row["fetched_at"]})
        store.add_article(row)
    store.flush()
    spent = time.process_time() - start
    store.close()
    return spent / len(rows) * 1000


def bench_fts(n: int, rounds: int) -> None:
    rows = _rows(n)
    modes = ["triggers", "none", "batched"]
    best = {mode: float("inf") for mode in modes}
    for index in range(rounds):
        for mode in (modes if index % 2 == 0 else modes[::-1]):
            best[mode] = min(best[mode], _store_run(mode, rows))
    for mode in modes:
        sys.stdout.write(f"{mode}: {best[mode]:.3f} ms/row (best of {rounds}, {n} rows)\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("dates", "fts"))
    parser.add_argument("--every", type=int, default=10)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=0)
    args = parser.parse_args(argv)
    if args.what == "dates":
        bench_dates(args.every, args.rounds or 6)
    else:
        bench_fts(args.rows, args.rounds or 4)
    return 0


if __name__ == "__main__":
    sys.exit(main())
