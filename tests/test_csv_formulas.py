"""CSV exports neutralise formulas (OWASP's CSV-injection rule); JSONL and Parquet keep the
raw text. One archive is crawled from a local page titled with a formula; another is stored
through archive.db.Store with a dangerous value in every text column.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime, timezone
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from archive.db import Store
from archive.export import ExportOptions, export
from archive.export_files import neutralise_formula
from sample.server import serve
from sample.site import Page
from pipelines.clean.identity import text_hash
from tests.conftest import crawl, presskeep

TITLE = '=HYPERLINK("http://x","y")'
AUTHOR = "@SUM(1+1)"
DANGEROUS = tuple("=+-@\t\r")
WHEN = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
STORY = " ".join(f"The harbour authority said on Tuesday that fuel prices rose again, "
                 f"the {n}th rise this year." for n in range(12))


def story_page() -> str:
    paragraphs = "".join(f"<p>{STORY}</p>" for _ in range(4))
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{TITLE}</title>'
            f'<meta name="author" content="{AUTHOR}">'
            '<meta property="article:published_time" content="2026-11-19T08:00:00Z"></head>'
            f"<body><article><h1>{TITLE}</h1><p>By {AUTHOR}</p>{paragraphs}</article>"
            "</body></html>")


@pytest.fixture(scope="module")
def crawled_formula(tmp_path_factory) -> Path:
    html = "text/html; charset=utf-8"
    pages = {"/": Page("/", html, b'<html><body><a href="/news/story.html">story</a>'
                                  b"</body></html>", WHEN),
             "/news/story.html": Page("/news/story.html", html, story_page().encode(), WHEN)}
    server = serve(pages)
    try:
        out = tmp_path_factory.mktemp("formula")
        crawl(server.base_url + "/", out)
    finally:
        server.stop()
    return out


def csv_rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_crawled_formula_title_is_neutralised_in_csv_only(crawled_formula, tmp_path):
    for fmt in ("csv", "jsonl", "parquet"):
        presskeep("export", "--out", str(crawled_formula), "-o", str(tmp_path / f"a.{fmt}"),
                  "--no-card", check=True)
    [row] = csv_rows(tmp_path / "a.csv")
    assert row["title"] == "'" + TITLE
    assert not [v for v in row.values() if v.lstrip()[:1] in DANGEROUS]
    [line] = (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["title"] == TITLE
    assert pq.read_table(tmp_path / "a.parquet").column("title").to_pylist() == [TITLE]


RAW = {"title": TITLE, "canonical_url": "+cmd|' /C calc'!A0", "site": "-2+3",
       "language": "\t=1", "text": "  @SUM(1+1) and then the story", "authors": [AUTHOR],
       "payload_digest": "\r=1+1"}


@pytest.fixture(scope="module")
def stored_formula(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("stored")
    store = Store.open(root)
    store.db["runs"].insert({"id": 1, "command": "test"})
    row = {"run_id": 1, "url": "http://a.example/1.html", "published": "2026-11-10",
           "modified": None, "word_count": 7, "fetched_at": "2026-11-20T10:00:00Z",
           "warc_file": "warc/x.warc.gz", "warc_offset": -5, "warc_length": 999,
           "warc_record_id": "<urn:uuid:1>", **RAW, "authors": json.dumps(RAW["authors"]),
           "text_hash": text_hash(RAW["text"])}
    store.add_article(row)
    store.close()
    return root


def test_every_text_column_is_neutralised_numbers_stay_numbers(stored_formula, tmp_path):
    export(stored_formula, tmp_path / "a.csv", ExportOptions(format="csv"))
    [row] = csv_rows(tmp_path / "a.csv")
    for name, value in RAW.items():
        if name != "authors":
            assert row[name] == "'" + value, name
    assert row["authors"] == json.dumps([AUTHOR])  # a JSON array: starts with "[", inert
    assert row["warc_offset"] == "-5"  # a number: written unquoted and left alone
    assert ",-5," in (tmp_path / "a.csv").read_text(encoding="utf-8")
    export(stored_formula, tmp_path / "a.jsonl", ExportOptions(format="jsonl"))
    export(stored_formula, tmp_path / "a.parquet", ExportOptions(format="parquet"))
    got = json.loads((tmp_path / "a.jsonl").read_text(encoding="utf-8"))
    table = pq.read_table(tmp_path / "a.parquet").to_pylist()[0]
    for name, value in RAW.items():
        assert got[name] == value and table[name] == value, name


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"), (" =1", "' =1"), ("\n @x", "'\n @x"), ("\u00a0=1", "'\u00a0=1"),
    ("a=1", "a=1"), ("", ""), ("   ", "   "), ("'=1", "'=1"), ("1-2", "1-2"),
])
def test_neutralise_formula(value, expected):
    assert neutralise_formula(value) == expected
