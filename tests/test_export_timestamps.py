"""Every timestamp of every export format in one form: RFC 3339, UTC, whole seconds
(``2026-11-20T10:00:00Z``), whatever form the page or the WARC gave it in. A date known only
to the day is that day at midnight UTC; an unparseable one is null. Parquet's timestamps are
the same instants as the JSON and CSV strings, and the --since/--until bounds see them too.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from archive.export import ExportOptions, Filters, export, parse_bound
from archive.export_files import COLUMNS
from archive.timestamps import rfc3339
from tests.test_export import T1, article, build

RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
TS_FIELDS = [name for name, kind in COLUMNS if kind == "ts"]
UTC = timezone.utc

#: (published as stored, modified as stored, fetched_at as stored) → what every format shows
CASES = [
    (("2026-11-18", None, "2026-11-20T10:00:01.123456Z"),
     ("2026-11-18T00:00:00Z", None, "2026-11-20T10:00:01Z")),
    (("2026-11-18T06:00:00+02:00", "2026-11-18T07:30:15.999-05:00", "2026-11-20T10:00:02Z"),
     ("2026-11-18T04:00:00Z", "2026-11-18T12:30:15Z", "2026-11-20T10:00:02Z")),
    (("2026-11-18T06:00:00.5", "18 November 2026", "2026-11-20T10:00:03.000000Z"),
     ("2026-11-18T06:00:00Z", "2026-11-18T00:00:00Z", "2026-11-20T10:00:03Z")),
    (("soon", "", "2026-11-20T10:00:04.999999Z"),
     (None, None, "2026-11-20T10:00:04Z")),
    (("0999-01-02T03:04:05Z", None, "2026-11-20T10:00:05.5+01:00"),
     ("0999-01-02T03:04:05Z", None, "2026-11-20T09:00:05Z")),
]


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    rows = [article(n, T1, url=f"http://a.example/t{n}", published=p, modified=m, fetched_at=f)
            for n, ((p, m, f), _) in enumerate(CASES, 1)]
    return build(tmp_path_factory.mktemp("timestamps"), rows)


def expected() -> list[dict]:
    return [dict(zip(TS_FIELDS, want)) for _, want in CASES]


def test_jsonl_has_one_form(archive, tmp_path):
    out = tmp_path / "t.jsonl"
    export(archive, out, ExportOptions(format="jsonl"))
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [{k: r[k] for k in TS_FIELDS} for r in lines] == expected()


def test_csv_has_one_form(archive, tmp_path):
    out = tmp_path / "t.csv"
    export(archive, out, ExportOptions(format="csv"))
    with open(out, newline="", encoding="utf-8") as fh:
        table = list(csv.DictReader(fh))
    assert [{k: r[k] or None for k in TS_FIELDS} for r in table] == expected()


def test_parquet_holds_the_same_instants(archive, tmp_path):
    out = tmp_path / "t.parquet"
    export(archive, out, ExportOptions(format="parquet"))
    rows = pq.read_table(out).to_pylist()
    assert [{k: rfc3339(r[k]) for k in TS_FIELDS} for r in rows] == expected()
    assert all(r[k] is None or r[k].microsecond == 0 for r in rows for k in TS_FIELDS)


def test_bounds_see_what_the_output_shows(archive, tmp_path):
    out = tmp_path / "b.jsonl"
    # 10:00:01.123456 is shown as 10:00:01, so --until 10:00:01 holds it
    until = parse_bound("2026-11-20T10:00:01Z", upper=True)
    export(archive, out, ExportOptions(format="jsonl", filters=Filters(
        date_field="fetched", until=until)))
    assert sorted(json.loads(x)["fetched_at"] for x in out.read_text().splitlines()) == \
        ["2026-11-20T09:00:05Z", "2026-11-20T10:00:01Z"]


def test_rfc3339():
    assert rfc3339(datetime(2026, 11, 20, 11, 0, 0, 999999, tzinfo=timezone.utc)) == \
        "2026-11-20T11:00:00Z"
    assert rfc3339(datetime(5, 1, 2, 3, 4, 5)) == "0005-01-02T03:04:05Z"
    assert rfc3339(None) is None
