"""`presskeep extract` on saved pages and on WARC files."""

from __future__ import annotations

import json
import time

import pytest

from sample.site import seed_article
from tests.conftest import SHARED, crawl, presskeep
from tests.test_export_timestamps import RFC3339

AEB = SHARED / "benchmarks" / "aeb-dev" / "html"


@pytest.mark.skipif(not AEB.is_dir(), reason="../shared/benchmarks/aeb-dev is not beside the repo")
def test_extract_88_saved_pages_in_seconds():
    pages = sorted(AEB.glob("*.html.gz"))
    started = time.monotonic()
    proc = presskeep("extract", *map(str, pages), check=True)
    elapsed = time.monotonic() - started
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(rows) == len(pages) == 88
    assert set(rows[0]) >= {"path", "url", "title", "text", "authors", "published", "language"}
    assert sum(1 for r in rows if len(r["text"]) > 200) >= 80
    dates = [r["published"] for r in rows if r["published"]]
    assert len(dates) >= 60 and all(RFC3339.fullmatch(d) for d in dates), dates[:5]
    assert elapsed < 60, f"88 pages took {elapsed:.1f}s"


def test_extract_from_warc(crawled):
    warcs = sorted((crawled / "warc").glob("*.warc.gz"))
    proc = presskeep("extract", *map(str, warcs), check=True)
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    seed = seed_article()
    match = [r for r in rows if r["title"] == seed.title]
    assert match and "Audio By Carbonatix" not in match[0]["text"]
    assert match[0]["url"].startswith("http://127.0.0.1:")


def test_extract_rejects_missing_and_empty(tmp_path):
    proc = presskeep("extract", str(tmp_path / "nope.html"))
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    empty = tmp_path / "empty.warc.gz"
    empty.write_bytes(b"")
    proc = presskeep("extract", str(empty))
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith("presskeep: error:")


def test_warc_rotation(news_site, tmp_path):
    crawl(news_site.base_url + "/", tmp_path, "-s", "PRESSKEEP_WARC_MAX_SIZE=20000")
    files = sorted((tmp_path / "warc").glob("*.warc.gz"))
    assert len(files) >= 3
    serials = [f.name.split("-")[2] for f in files]
    assert serials == sorted(serials) and len(set(serials)) == len(serials)
    from warcio.archiveiterator import ArchiveIterator

    for path in files:
        with open(path, "rb") as fh:
            assert next(iter(ArchiveIterator(fh))).rec_type == "warcinfo"
