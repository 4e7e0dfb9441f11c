"""presskeep export: schema, counts, filters, dedup, shards, bad input, provenance.

Small archives are built directly through archive.db.Store; one real crawl (the
`crawled` fixture) checks that every row's provenance resolves to its WARC record.
Outputs are read back with pyarrow and the json/csv modules.
"""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from archive.db import Store
from archive.errors import ExportError
from archive.export import (ExportOptions, Filters, arrow_schema, export, parse_bound,
                            parse_timestamp)
from crawler.cli import main
from pipelines.clean.identity import text_hash
from tests.conftest import presskeep, query

UTC = timezone.utc
_RNG = random.Random(5)
_VOCAB = [f"w{i}" for i in range(3000)]


def words(n: int) -> str:
    return " ".join(_RNG.choices(_VOCAB, k=n))


T1, T2, T3 = words(200), words(150), words(60)
T2_NEAR = T2.replace(T2.split()[70], "changed", 1)
T1_SHOUTY = "  " + T1.upper().replace(" ", "\n ") + " "  # same normalised hash as T1


def article(n: int, text: str, **kw) -> dict:
    row = {"run_id": 1, "url": f"http://a.example/{n}.html", "canonical_url": None,
           "site": "a.example", "title": f"Title {n}", "authors": json.dumps(["Ama Mensah"]),
           "published": "2026-11-10", "modified": None, "language": "en", "text": text,
           "word_count": len(text.split()), "text_hash": text_hash(text),
           "fetched_at": f"2026-11-20T10:00:{n:02d}.000000Z", "warc_file": "warc/x.warc.gz",
           "warc_offset": n * 1000, "warc_length": 999, "warc_record_id": f"<urn:uuid:{n}>",
           "payload_digest": f"sha1:{n}"}
    row.update(kw)
    return row


ROWS = [
    article(1, T1),
    article(2, T2, site="b.example", language="fr", published="2026-11-12T06:00:00+02:00",
            authors="[]", title='He said "hi", then left'),
    article(3, T1_SHOUTY, published=None),  # exact duplicate of 1, captured later
    article(4, T2_NEAR, site="b.example", published="2026-11-14T23:30:00-02:00"),  # near dup of 2
    article(5, T3 + " harbour", language="de", published="2026-11-11T12:00:00Z", title=""),
    article(6, words(80), url="http://a.example/1.html", published="2026-11-15"),  # v2 of url 1
]


def build(root: Path, rows: list[dict]) -> Path:
    store = Store.open(root)
    store.db["runs"].insert({"id": 1, "command": "test"})
    for row in rows:
        store.add_article(dict(row))
    store.close()
    return root


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("archive"), ROWS)


def ids(root: Path, tmp: Path, **kw) -> list[int]:
    """Ids exported (jsonl) with these filters / options."""
    opts = {k: kw.pop(k) for k in ("dedup", "threshold") if k in kw}
    out = tmp / f"ids-{random.random()}.jsonl"
    export(root, out, ExportOptions(format="jsonl", filters=Filters(**kw), **opts))
    return [json.loads(line)["id"] for line in out.read_text().splitlines()]


# -- schema and read-back ---------------------------------------------------------
def test_parquet_schema_types_and_values(archive, tmp_path):
    out = tmp_path / "a.parquet"
    result = export(archive, out, ExportOptions(format="parquet"))
    table = pq.read_table(out)
    assert table.schema.equals(arrow_schema(), check_metadata=False)
    assert table.schema.field("authors").type == pa.list_(pa.string())
    assert table.schema.field("published").type == pa.timestamp("us", tz="UTC")
    assert table.schema.metadata[b"presskeep.schema_version"] == b"1"
    # latest version only: url 1 has versions 1 (id 1) and 2 (id 6)
    assert result.rows == table.num_rows == 5
    rows = {r["id"]: r for r in table.to_pylist()}
    assert sorted(rows) == [2, 3, 4, 5, 6]
    assert rows[2]["published"] == datetime(2026, 11, 12, 4, 0, tzinfo=UTC)
    assert rows[4]["published"] == datetime(2026, 11, 15, 1, 30, tzinfo=UTC)
    assert rows[6]["published"] == datetime(2026, 11, 15, tzinfo=UTC)
    assert rows[3]["published"] is None and rows[3]["modified"] is None
    assert rows[2]["authors"] == [] and rows[5]["authors"] == ["Ama Mensah"]
    assert rows[6]["version"] == 2 and rows[6]["url"] == "http://a.example/1.html"
    assert rows[2]["fetched_at"] == datetime(2026, 11, 20, 10, 0, 2, tzinfo=UTC)
    assert (rows[5]["warc_file"], rows[5]["warc_offset"], rows[5]["warc_length"]) == \
        ("warc/x.warc.gz", 5000, 999)
    assert rows[5]["text"] == T3 + " harbour" and rows[5]["title"] == ""
    assert [r["id"] for r in table.to_pylist()] == [2, 3, 4, 5, 6]  # capture order


def test_jsonl_and_csv_carry_the_same_rows(archive, tmp_path):
    export(archive, tmp_path / "a.jsonl", ExportOptions(format="jsonl"))
    export(archive, tmp_path / "a.csv", ExportOptions(format="csv"))
    lines = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text().splitlines()]
    with open(tmp_path / "a.csv", newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == list(arrow_schema().names)
        table = list(reader)
    assert [r["id"] for r in lines] == [2, 3, 4, 5, 6]
    assert [int(r["id"]) for r in table] == [2, 3, 4, 5, 6]
    for j, c in zip(lines, table):
        assert set(j) == set(arrow_schema().names)
        assert c["text"] == j["text"] and c["title"] == j["title"]
        assert json.loads(c["authors"]) == j["authors"]
        assert (c["published"] or None) == j["published"]
        assert int(c["warc_offset"]) == j["warc_offset"]
    assert lines[0]["published"] == "2026-11-12T04:00:00Z"
    assert lines[0]["fetched_at"] == "2026-11-20T10:00:02Z"
    assert lines[0]["title"] == 'He said "hi", then left'
    assert lines[1]["published"] is None
    # NULL is an empty CSV field, an empty string a quoted one
    raw = (tmp_path / "a.csv").read_text().splitlines()
    assert any(line.startswith('5,"http://a.example/5.html",,"a.example","",') for line in raw)


def test_parse_timestamp_is_robust():
    assert parse_timestamp("2026-11-18") == datetime(2026, 11, 18, tzinfo=UTC)
    assert parse_timestamp("2026-11-18T06:00:00+00:00") == datetime(2026, 11, 18, 6, tzinfo=UTC)
    assert parse_timestamp("2026-11-18T06:00:00.5Z").microsecond == 500000
    assert parse_timestamp("2026-11-18 06:00") == datetime(2026, 11, 18, 6, tzinfo=UTC)
    assert parse_timestamp("18 November 2026") == datetime(2026, 11, 18, tzinfo=UTC)
    assert parse_timestamp("soon") is None and parse_timestamp(None) is None


# -- filters ------------------------------------------------------------------------
def test_filters(archive, tmp_path):
    assert ids(archive, tmp_path, all_versions=True) == [1, 2, 3, 4, 5, 6]
    assert ids(archive, tmp_path, sites=["b.example"]) == [2, 4]
    assert ids(archive, tmp_path, sites=["b.example", "a.example"]) == [2, 3, 4, 5, 6]
    assert ids(archive, tmp_path, languages=["fr", "de"]) == [2, 5]
    assert ids(archive, tmp_path, min_words=150) == [2, 3, 4]
    assert ids(archive, tmp_path, query="harbour") == [5]
    assert ids(archive, tmp_path, query="harbour OR hi") == [2, 5]
    # published (UTC): 2 = 11-12T04:00, 4 = 11-15T01:30, 5 = 11-11T12:00, 6 = 11-15; 3 has none
    assert ids(archive, tmp_path, since=parse_bound("2026-11-12")) == [2, 4, 6]
    assert ids(archive, tmp_path, until=parse_bound("2026-11-12", upper=True)) == [2, 5]
    assert ids(archive, tmp_path, since=parse_bound("2026-11-15T01:00:00Z"),
               until=parse_bound("2026-11-15T01:30:00+00:00", upper=True)) == [4]
    fetched = dict(date_field="fetched", since=parse_bound("2026-11-20T10:00:04Z"))
    assert ids(archive, tmp_path, **fetched) == [4, 5, 6]
    assert ids(archive, tmp_path, sites=["b.example"], languages=["en"]) == [4]


# -- dedup --------------------------------------------------------------------------
def test_dedup_exact_keeps_the_earliest(archive, tmp_path):
    out = tmp_path / "e.parquet"
    result = export(archive, out, ExportOptions(format="parquet", dedup="exact",
                                                filters=Filters(all_versions=True)))
    assert result.dropped == 1 and result.rows == 5
    assert pq.read_table(out).column("id").to_pylist() == [1, 2, 4, 5, 6]
    # without the older version in the set, 3 is the earliest copy of its text
    assert ids(archive, tmp_path, dedup="exact") == [2, 3, 4, 5, 6]


def test_dedup_near(archive, tmp_path):
    out = tmp_path / "n.jsonl"
    result = export(archive, out, ExportOptions(format="jsonl", dedup="near",
                                                filters=Filters(all_versions=True)))
    assert result.dropped == 2  # 3 (exact copy of 1) and 4 (one word off 2)
    assert [json.loads(x)["id"] for x in out.read_text().splitlines()] == [1, 2, 5, 6]
    assert ids(archive, tmp_path, all_versions=True, dedup="near", threshold=1.0) == [1, 2, 4, 5, 6]


def test_near_dedup_earliest_capture_wins_over_id_order(tmp_path):
    late = article(1, T2, fetched_at="2026-11-21T00:00:00Z")
    early = article(2, T2_NEAR, fetched_at="2026-11-19T00:00:00Z")
    root = build(tmp_path / "arch", [late, early])
    assert ids(root, tmp_path, dedup="near") == [2]
    assert ids(root, tmp_path, dedup="exact") == [2, 1]


# -- shards, atomic output ------------------------------------------------------------
def test_shards(archive, tmp_path, caplog):
    out = tmp_path / "s.parquet"
    result = export(archive, out, ExportOptions(format="parquet", shard_size=2))
    names = [p.name for p in result.files]
    assert names == ["s-00000.parquet", "s-00001.parquet", "s-00002.parquet"]
    assert [pq.read_metadata(p).num_rows for p in result.files] == [2, 2, 1]
    assert pq.read_table(tmp_path, schema=arrow_schema()).num_rows == 5
    assert not out.exists() and not list(tmp_path.glob(".*part*"))
    export(archive, out, ExportOptions(format="parquet", shard_size=4), force=True)
    assert "s-00002.parquet and later shards are from an earlier export" in caplog.text


def test_failure_leaves_no_partial_file(archive, tmp_path):
    out = tmp_path / "a.parquet"
    out.write_bytes(b"the previous export")

    def boom(n):
        raise KeyboardInterrupt

    for fmt, shard in (("parquet", 0), ("csv", 1)):
        opts = ExportOptions(format=fmt, batch_size=1, shard_size=shard)
        with pytest.raises(KeyboardInterrupt):
            export(archive, out, opts, progress=boom, force=True)
    assert out.read_bytes() == b"the previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.parquet"]


def test_row_groups_follow_the_byte_budget(archive, tmp_path):
    out = tmp_path / "rg.parquet"
    export(archive, out, ExportOptions(format="parquet", batch_size=1, row_group_bytes=1))
    assert pq.read_metadata(out).num_row_groups == 5
    export(archive, out, ExportOptions(format="parquet", batch_size=1), force=True)
    assert pq.read_metadata(out).num_row_groups == 1


# -- the CLI --------------------------------------------------------------------------
def run(*args: str):
    return CliRunner().invoke(main, ["export", *args])


def test_cli_writes_file_and_summary(archive, tmp_path):
    out = tmp_path / "x.csv"
    res = run("--out", str(archive), "-o", str(out), "--site", "b.example", "--dedup", "near")
    assert res.exit_code == 0, res.output
    assert res.stderr.strip().splitlines() == [
        f"presskeep: exported 1 articles as csv to {out}; 1 duplicates dropped; "
        + res.stderr.split("dropped; ")[1].strip()]
    assert len(list(csv.DictReader(open(out, newline="", encoding="utf-8")))) == 1


@pytest.mark.parametrize("args, message", [
    (["-o", "{tmp}/x.xml"], "give --format jsonl, csv or parquet"),
    (["-o", "{tmp}/x.out", "--format", "xml"], "unknown format 'xml'"),
    (["-o", "{tmp}/missing/x.csv"], "does not exist"),
    (["-o", "-", "--format", "parquet"], "need a file name"),
    (["-o", "{tmp}/x.csv", "--site", "nowhere.example"], "no articles match the filters"),
    (["-o", "{tmp}/x.csv", "--query", "AND OR ("], "bad --query"),
    (["-o", "{tmp}/x.csv", "--since", "someday"], "not a date: 'someday'"),
    (["-o", "{tmp}/x.csv", "--dedup", "near", "--threshold", "1.5"], "--threshold"),
])
def test_cli_bad_input_is_one_line(archive, tmp_path, args, message):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    res = run("--out", str(archive), *args)
    assert res.exit_code == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("presskeep: error: ") and message in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_cli_missing_and_empty_archive(tmp_path):
    res = run("--out", str(tmp_path / "none"), "-o", str(tmp_path / "x.csv"))
    assert res.exit_code == 1 and "no archive at" in res.stderr
    assert not (tmp_path / "none").exists()
    Store.open(tmp_path / "empty").close()
    res = run("--out", str(tmp_path / "empty"), "-o", str(tmp_path / "x.csv"))
    assert res.exit_code == 1 and "has no articles yet" in res.stderr
    assert not (tmp_path / "x.csv").exists()


def test_cli_unwritable_directory(archive, tmp_path):
    locked = tmp_path / "ro"
    locked.mkdir(mode=0o555)
    try:
        res = run("--out", str(archive), "-o", str(locked / "x.jsonl"))
    finally:
        locked.chmod(0o755)
    import os
    if os.geteuid() == 0:  # root writes anywhere: then it simply works
        assert res.exit_code == 0
    else:
        assert res.exit_code == 1 and "not writable" in res.stderr


def test_cli_stdout_jsonl_in_a_real_process(archive):
    proc = presskeep("export", "--out", str(archive), "--format", "jsonl", "-o", "-",
                     "--language", "en")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["id"] for r in rows] == [3, 4, 6]
    assert proc.stderr.startswith("presskeep: exported 3 articles as jsonl to stdout;")
    assert "\x1b[" not in proc.stderr  # no progress bar when stderr is not a terminal


# -- provenance on a real crawl ---------------------------------------------------------
def test_provenance_resolves_to_warc_records(crawled, tmp_path):
    out = tmp_path / "crawl.parquet"
    proc = presskeep("export", "--out", str(crawled), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    table = pq.read_table(out)
    latest = query(crawled / "presskeep.db", "SELECT COUNT(*) FROM latest_articles")[0][0]
    assert table.num_rows == latest > 0
    for row in table.to_pylist():
        with open(crawled / row["warc_file"], "rb") as fh:
            fh.seek(row["warc_offset"])
            chunk = fh.read(row["warc_length"])
        record = next(iter(ArchiveIterator(io.BytesIO(chunk))))
        assert record.rec_type == "response"
        assert record.rec_headers.get_header("WARC-Target-URI") == row["url"]
        assert record.rec_headers.get_header("WARC-Record-ID") == row["warc_record_id"]
        assert record.rec_headers.get_header("WARC-Payload-Digest") == row["payload_digest"]
        assert row["title"] and row["title"] in record.content_stream().read().decode("utf-8")
        assert row["fetched_at"].tzinfo is not None and row["word_count"] > 0


def test_library_errors_are_named(tmp_path):
    with pytest.raises(ExportError):
        export(tmp_path, tmp_path / "x.jsonl", ExportOptions(format="jsonl"))


def test_minhash_estimates_jaccard_and_bands_favour_recall():
    from archive.neardup import NearDuplicates, lsh_bands, shingle_hashes

    nd = NearDuplicates(0.9)
    base = words(300).split()
    for changed in (3, 15, 40):
        other = base[:]
        for i in range(changed):
            other[i * 7] = f"x{i}"
        a, b = set(shingle_hashes(" ".join(base))), set(shingle_hashes(" ".join(other)))
        truth = len(a & b) / len(a | b)
        est = float((nd.signature(" ".join(base)) == nd.signature(" ".join(other))).mean())
        assert abs(est - truth) < 0.12, (changed, truth, est)
    bands, rows = lsh_bands(0.9, 128)
    assert bands * rows <= 128 and 1 - (1 - 0.9 ** rows) ** bands >= 0.95


def test_cli_stdout_reader_going_away_is_quiet(tmp_path):
    import os
    import subprocess
    import sys

    from sample.synthetic_archive import generate
    from tests.conftest import ROOT

    root = generate(tmp_path / "big", 2500)  # two fetch batches
    proc = subprocess.Popen([sys.executable, "-m", "crawler.cli", "export", "--out", str(root),
                             "--format", "jsonl", "-o", "-"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=ROOT,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert json.loads(proc.stdout.readline())["id"] == 1
    proc.stdout.close()
    assert proc.wait(timeout=60) == 0
    assert proc.stderr.read() == b""
