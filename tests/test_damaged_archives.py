"""Damage is isolated: a file or record that cannot be read is reported once (file, offset,
reason), skipped, and reading resyncs at the next record or file; summaries count what was
skipped by cause; exit 0 only when nothing was. Digests are checked while replaying: a
failure is named and the record used, unless --strict. index and wacz index every readable
file and name the rest."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sample import foreign_warcs as fw
from tests.conftest import presskeep, query

FAST = ("-s", "PRESSKEEP_CLEAN_WORKERS=0", "-s", "PRESSKEEP_PROGRESS_INTERVAL=0")
PAGES = [(f"http://damaged.test/story-{i}.html", fw.page(i, "damaged")) for i in range(1, 5)]
URLS = [url for url, _ in PAGES]
SKIPPED = 4


def replay(*args: str) -> subprocess.CompletedProcess:
    return presskeep("replay", *args, *FAST)


def article_urls(out: Path) -> set[str]:
    return {r["url"] for r in query(out / "presskeep.db", "SELECT url FROM articles")}


def warnings(proc: subprocess.CompletedProcess) -> list[str]:
    return [line for line in proc.stderr.splitlines() if line.startswith("presskeep: warning:")]


def test_a_corrupt_gzip_member_between_two_good_ones(tmp_path):
    warc = tmp_path / "members.warc.gz"
    offsets = fw.corrupt_member_warc(warc, PAGES[:3])
    out = tmp_path / "out"
    proc = replay(str(warc), "--out", str(out))
    assert proc.returncode == SKIPPED and "Traceback" not in proc.stderr, proc.stderr
    assert warnings(proc) == [f"presskeep: warning: {warc}: unreadable at offset {offsets[1]}: "
                              "corrupt gzip member: its header or data does not inflate"]
    assert proc.stderr.splitlines()[-1] == (
        "presskeep: error: finished, but skipped: unreadable stretch (1) (each reported "
        "above); the rest was replayed")
    assert article_urls(out) == {URLS[0], URLS[2]}


def test_a_file_gzipped_whole_is_one_line_not_a_negative_offset(tmp_path):
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress(b"".join(fw.response(u, b, "2018-08-08T08:08:08Z")
                                             for u, b in PAGES[:2])))
    fw.write(tmp_path / "good.warc.gz", [fw.response(URLS[3], PAGES[3][1], "2018-08-08T08:08:08Z")])
    proc = replay(str(whole), str(tmp_path / "good.warc.gz"), "--out", str(tmp_path / "out"))
    assert proc.returncode == SKIPPED and "Traceback" not in proc.stderr, proc.stderr
    assert warnings(proc) == [f"presskeep: warning: {whole}: unreadable at offset 0: a gzip member "
                              "holds more than one record (the file is gzipped whole, not record "
                              "by record; `warcio recompress` rewrites it)"]
    assert article_urls(tmp_path / "out") == {URLS[3]}  # the next file is read


def test_truncation_mid_record_and_a_page_named_warc(tmp_path):
    cut = tmp_path / "cut.warc.gz"
    at = fw.truncated_warc(cut, PAGES)
    page = tmp_path / "page.warc.gz"
    fw.html_named_warc(page)
    out = tmp_path / "out"
    proc = replay(str(cut), str(page), "--out", str(out))
    assert proc.returncode == SKIPPED and "Traceback" not in proc.stderr, proc.stderr
    lines = warnings(proc)
    assert len(lines) == 2, proc.stderr
    assert re.fullmatch(rf"presskeep: warning: {re.escape(str(cut))}: unreadable at offset {at}: "
                        r"record cut short \(\d+ bytes missing\)", lines[0]), lines[0]
    assert lines[1] == (f"presskeep: warning: {page}: unreadable at offset 0: not a WARC or ARC "
                        "file: begins with '<!doctype html>'")
    assert "skipped: record cut short (1), not a WARC or ARC file (1)" in proc.stderr
    assert article_urls(out) == set(URLS[:3])
    stats = json.loads(query(out / "presskeep.db", "SELECT stats FROM runs")[0]["stats"])
    assert stats["presskeep/replay/not_archives"] == 1 and stats["presskeep/replay/unreadable"] == 1


@pytest.mark.parametrize("kept", [60, 200])
def test_a_file_cut_inside_the_headers_of_its_last_record(tmp_path, kept):
    """warcio ends quietly at a gzip member cut before any of it inflates (60 bytes kept),
    and yields one cut inside its record's headers (200) as a record with no WARC-Type:
    both are a record cut short, not the end of the file."""
    cut = tmp_path / "cut-head.warc.gz"
    offsets = fw.write(cut, [fw.response(url, body, "2022-02-02T02:02:02Z") for url, body in PAGES])
    cut.write_bytes(cut.read_bytes()[:offsets[-1] + kept])
    proc = presskeep("extract", str(cut))
    assert proc.returncode == SKIPPED and "Traceback" not in proc.stderr, proc.stderr
    assert f"unreadable at offset {offsets[-1]}: " in proc.stderr
    assert "record cut short" in proc.stderr
    assert len(proc.stdout.splitlines()) == len(PAGES) - 1


def test_a_bad_digest_is_named_and_used_unless_strict(tmp_path):
    warc = tmp_path / "digest.warc"
    fw.bad_digest_warc(warc, PAGES[:2], bad=0)
    proc = replay(str(warc), "--out", str(tmp_path / "lenient"))
    assert proc.returncode == 0, proc.stderr
    lines = warnings(proc)
    assert len(lines) == 1 and lines[0].startswith(f"presskeep: warning: {warc}: noted at offset "
                                                   "0: block digest failed: sha1:")
    assert "payload digest failed" in lines[0]
    assert article_urls(tmp_path / "lenient") == set(URLS[:2])
    stats = json.loads(query(tmp_path / "lenient" / "presskeep.db", "SELECT stats FROM runs")
                       [0]["stats"])
    assert stats["presskeep/replay/digest_failed"] == 1
    strict = replay("--strict", str(warc), "--out", str(tmp_path / "strict"))
    assert strict.returncode == SKIPPED, strict.stderr
    assert warnings(strict)[0].startswith(f"presskeep: warning: {warc}: record skipped at offset 0:"
                                          " block digest failed")
    assert "skipped: digest failed (1)" in strict.stderr
    assert article_urls(tmp_path / "strict") == {URLS[1]}


def test_check_fails_an_uncompressed_warc_with_a_bad_digest(tmp_path):
    archive = tmp_path / "arch"
    (archive / "warc").mkdir(parents=True)
    fw.bad_digest_warc(archive / "warc" / "plain.warc", PAGES[:2])
    proc = presskeep("check", "--out", str(archive))
    assert proc.returncode == 1, proc.stderr
    assert "plain.warc: offset 0 <urn:uuid:" in proc.stderr and "digest failed" in proc.stderr
    assert "1 WARC/ARC files, 2 records" in proc.stderr
    single = presskeep("check", str(archive / "warc" / "plain.warc"))
    assert single.returncode == 1 and "block digest failed" in single.stderr


def test_digest_failures_of_one_file_are_one_line(tmp_path):
    warc = tmp_path / "wrong.warc.gz"
    recs = [fw.response(u, b, "2021-06-01T12:00:00Z").replace(b"<h1>", b"<h2>", 1)
            for u, b in PAGES]
    fw.write(warc, recs)
    proc = replay(str(warc), "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    lines = warnings(proc)
    assert len(lines) == 1 and lines[0].startswith(f"presskeep: warning: {warc}: noted: 4 records: "
                                                   "block digest failed")


def archive_with_damage(root: Path) -> tuple[Path, int, int]:
    """An archive whose warc/ holds a good WARC, an HTML page named .warc.gz, a WARC with a
    corrupt gzip member and one cut short; (its warc/, where each damage starts)."""
    warc = root / "warc"
    warc.mkdir(parents=True)
    fw.write(warc / "a-good.warc.gz", [fw.response(URLS[0], PAGES[0][1], "2020-01-01T00:00:00Z")])
    fw.html_named_warc(warc / "b-page.warc.gz")
    corrupt = fw.corrupt_member_warc(warc / "c-members.warc.gz", PAGES[1:4])[1]
    return warc, corrupt, fw.truncated_warc(warc / "d-cut.warc.gz", PAGES[:2])


def test_index_indexes_every_readable_file_and_names_the_others(tmp_path):
    warc, corrupt, cut = archive_with_damage(tmp_path / "arch")
    proc = presskeep("index", "--out", str(tmp_path / "arch"))
    assert proc.returncode == SKIPPED and "Traceback" not in proc.stderr, proc.stderr
    lines = warnings(proc)
    assert lines[:2] == [
        f"presskeep: warning: {warc / 'b-page.warc.gz'}: not a WARC or ARC file: begins with "
        "'<!doctype html>'",
        f"presskeep: warning: {warc / 'c-members.warc.gz'}: unreadable at offset {corrupt}: "
        "corrupt gzip member: its header or data does not inflate"]
    assert lines[2].startswith(f"presskeep: warning: {warc / 'd-cut.warc.gz'}: unreadable at "
                               f"offset {cut}: ") and "record cut short" in lines[2]
    assert len(lines) == 3, proc.stderr
    lines = (tmp_path / "arch" / "index.cdxj").read_text().splitlines()
    indexed = sorted((json.loads(x.split(" ", 2)[2])["filename"], json.loads(
        x.split(" ", 2)[2])["url"]) for x in lines)
    assert ("warc/a-good.warc.gz", URLS[0]) in indexed
    assert ("warc/c-members.warc.gz", URLS[1]) in indexed  # before the damage
    assert ("warc/c-members.warc.gz", URLS[3]) in indexed  # and after it


def test_wacz_packages_every_readable_file_and_names_the_others(tmp_path):
    warc, _, _ = archive_with_damage(tmp_path / "arch")
    replay(str(warc), "--out", str(tmp_path / "arch"))
    target = tmp_path / "pack.wacz"
    proc = presskeep("wacz", "--out", str(tmp_path / "arch"), "-o", str(target))
    assert proc.returncode == SKIPPED and "Traceback" not in proc.stderr, proc.stderr
    named = "\n".join(warnings(proc))
    for name in ("b-page.warc.gz", "c-members.warc.gz", "d-cut.warc.gz"):
        assert f"{warc / name}: " in named and named.count(name) == 1, named
    assert f"wrote {target}: 1 WARC file(s)" in proc.stderr
    valid = subprocess.run([str(Path(sys.executable).parent / "wacz"), "validate", "-f",
                            str(target)], capture_output=True, text=True, timeout=120)
    assert valid.returncode == 0, valid.stdout + valid.stderr
