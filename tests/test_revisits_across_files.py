"""Revisits resolve as pywb resolves them: by WARC-Refers-To-Target-URI + the closest date
(with the payload digest when it matches), else by URL and payload digest; across every
file given and the archive's own captures; header-less revisits (Content-Length 0) take
their original's HTTP head. A revisit whose original is nowhere is one counted line."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sample import foreign_warcs as fw
from tests.conftest import presskeep, query

FAST = ("-s", "PRESSKEEP_CLEAN_WORKERS=0", "-s", "PRESSKEEP_PROGRESS_INTERVAL=0")
URL = "http://revisits.test/story.html"
BODY = fw.page(1, "revisits")
DIGEST = fw.payload_digest_of(BODY)


def replay(*args: str) -> subprocess.CompletedProcess:
    return presskeep("replay", *args, *FAST)


def revisit_captures(out: Path) -> list[tuple]:
    return [tuple(r) for r in query(out / "presskeep.db",
                                    "SELECT url, status, length FROM captures WHERE "
                                    "record_type = 'revisit' ORDER BY url")]


def original(path: Path, url: str = URL, date: str = "2023-01-01T10:00:00Z") -> None:
    fw.write(path, [fw.response(url, BODY, date)])


def test_a_header_less_revisit_whose_original_is_in_another_file(tmp_path):
    original(tmp_path / "a-original.warc.gz")
    # the revisit names its original's date 3 seconds late, and to the millisecond
    fw.write(tmp_path / "b-revisit.warc", [fw.revisit(URL, "2023-02-01T10:00:00Z", URL,
                                                      "2023-01-01T10:00:03.250Z", DIGEST)])
    out = tmp_path / "out"
    proc = replay(str(tmp_path / "b-revisit.warc"), str(tmp_path / "a-original.warc.gz"),
                  "--out", str(out))
    assert proc.returncode == 0 and "original" not in proc.stderr, proc.stderr
    assert revisit_captures(out) == [(URL, 200, len(BODY))]  # the original's head and body


def test_a_revisit_whose_original_is_only_in_the_archives_captures(tmp_path):
    out = tmp_path / "out"
    original(tmp_path / "first.warc.gz")
    replay(str(tmp_path / "first.warc.gz"), "--out", str(out))
    http = fw.http_response(b"")[:-len(b"Content-Length: 0\r\n\r\n")] + b"\r\n"
    fw.write(tmp_path / "later.warc.gz", [fw.revisit(URL, "2023-03-01T10:00:00Z", None, None,
                                                     DIGEST, http=http)])
    proc = replay(str(tmp_path / "later.warc.gz"), "--out", str(out))
    assert proc.returncode == 0 and "original" not in proc.stderr, proc.stderr
    assert revisit_captures(out) == [(URL, 200, len(BODY))]
    served = query(out / "presskeep.db", "SELECT warc_file FROM captures WHERE record_type = "
                                         "'revisit'")[0][0]
    assert served == str((tmp_path / "later.warc.gz").resolve())


def test_revisits_seconds_after_their_originals_in_the_same_file(tmp_path):
    """A crawler's dedup revisits: of pages and of a stylesheet, their WARC-Refers-To-Date a
    few seconds off the original's WARC-Date, some with no usable digest."""
    css = "http://revisits.test/site.css"
    css_response = fw.warc_record("response", [
        ("WARC-Target-URI", css), ("WARC-Date", "2023-01-01T10:00:01Z"),
        ("WARC-Record-ID", fw.record_id(css)),
        ("Content-Type", "application/http; msgtype=response")],
        b"HTTP/1.1 200 OK\r\nContent-Type: text/css\r\nContent-Length: 9\r\n\r\nbody{a:b}")
    records = [fw.response(URL, BODY, "2023-01-01T10:00:00Z"), css_response]
    for n in range(1, 4):
        date = f"2023-01-0{n + 1}T10:00:00Z"
        records += [fw.revisit(URL, date, URL, "2023-01-01T10:00:02Z", None),  # no digest
                    fw.revisit(css, date, css, "2023-01-01T10:00:04Z", "sha1:WRONGWRONGWRONG",
                               http=b"HTTP/1.1 200 OK\r\nContent-Type: text/css\r\n\r\n")]
    fw.write(tmp_path / "dedup.warc.gz", records)
    out = tmp_path / "out"
    proc = replay(str(tmp_path / "dedup.warc.gz"), "--out", str(out))
    assert proc.returncode == 0 and "original" not in proc.stderr, proc.stderr
    assert revisit_captures(out) == [(URL, 200, len(BODY))] * 3


def test_revisits_without_an_original_are_one_counted_line(tmp_path):
    lost = [fw.revisit(f"http://revisits.test/lost-{n}.html", "2023-05-05T00:00:00Z",
                       f"http://revisits.test/lost-{n}.html", "2023-04-04T00:00:00Z",
                       f"sha1:LOST{n}LOST{n}") for n in range(3)]
    fw.write(tmp_path / "lost.warc", lost + [fw.response(URL, BODY, "2023-05-05T00:00:00Z")])
    proc = replay(str(tmp_path / "lost.warc"), "--out", str(tmp_path / "out"))
    assert proc.returncode == 4, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if "original" in line]
    assert lines == [
        "presskeep: warning: 3 revisit(s) of HTML pages whose original is in none of the files "
        "nor the archive: not replayed (first: http://revisits.test/lost-0.html at "
        f"{tmp_path / 'lost.warc'} offset 0)",
        "presskeep: error: finished, but skipped: revisit without its original (3) (each "
        "reported above); the rest was replayed"]
