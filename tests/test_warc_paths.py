"""A row's ``warc_file`` is not a path to anything: merge, serve and check open only the archive's WARCs.

A hostile shard names ``/etc/passwd``, a ``../`` path to a file outside the
archive and a symlink out of its ``warc/``; a forged replay run registers
``/etc/passwd`` too. Merge skips those rows (one counted line), serve answers
404 to them, check reports them without opening them. A real replay of a WARC
kept outside the archive (rows name it absolutely) is still served.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
from io import BytesIO
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.errors import WarcPathError
from archive.paths import WarcPaths, begins_record, is_plain_relative
from tests.conftest import presskeep, query
from tests.replay_warcs import article_html, heritrix_warc
from tests.serving import ServeProcess, http

SITE = "http://127.0.0.1:9/"
TEXT = "The ferry company ordered two electric boats for the river crossing this spring. " * 12
SECRET = "TOP-SECRET-NOT-A-WARC"
REPLAY = ("-s", "PRESSKEEP_PROGRESS_INTERVAL=0", "-s", "PRESSKEEP_CLEAN_WORKERS=0")


def site_warc(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    heritrix_warc(path, [(SITE + "news/ferry.html", article_html("Electric ferries", TEXT))])
    return path


def record_of(data: bytes):
    """The WARC record ``data`` holds (served by /record/...)."""
    return next(iter(ArchiveIterator(BytesIO(data))))


def hostile_rows(db: Path, targets: list[str]) -> list[int]:
    """Copies of the first response row, each naming one of ``targets``; their ids."""
    conn = sqlite3.connect(db)
    try:
        cols = [r[1] for r in conn.execute("PRAGMA table_info(captures)") if r[1] != "id"]
        row = conn.execute(f"SELECT {', '.join(cols)} FROM captures WHERE record_type = 'response' "
                           "ORDER BY id LIMIT 1").fetchone()
        ids = []
        for n, target in enumerate(targets):
            values = dict(zip(cols, row), warc_file=target, warc_record_id=f"<urn:uuid:evil-{n}>",
                          url=f"{SITE}evil/{n}", warc_length=4096)
            cur = conn.execute(f"INSERT INTO captures ({', '.join(values)}) VALUES "
                               f"({', '.join('?' for _ in values)})", list(values.values()))
            ids.append(cur.lastrowid)
        conn.execute("INSERT INTO runs (started, command, args) VALUES (?, 'replay', ?)",
                     ["2026-11-30T00:00:00Z", json.dumps({"warcs": ["/etc/passwd", str(
                         db.parent.parent / "secret.txt")]})])  # a forged registration
        conn.commit()
        return ids
    finally:
        conn.close()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict:
    """A shard (a replayed WARC inside it) with rows naming files outside it."""
    base = tmp_path_factory.mktemp("hostile")
    (base / "secret.txt").write_text(SECRET + "\n")
    shard = base / "shards" / "w1"
    site_warc(shard / "warc" / "site.warc.gz")
    presskeep("replay", str(shard / "warc"), "--out", str(shard), *REPLAY, check=True)
    os.symlink(base / "secret.txt", shard / "warc" / "evil.warc.gz")
    escape = os.path.relpath(base / "secret.txt", shard)  # ../../secret.txt
    targets = ["/etc/passwd", "../../../etc/hostname", escape, "warc/evil.warc.gz",
               str(base / "secret.txt")]
    ids = hostile_rows(shard / "presskeep.db", targets)
    return {"base": base, "shard": shard, "targets": targets, "ids": ids}


def test_merge_skips_rows_that_point_outside_the_shard(hostile):
    out = hostile["base"] / "merged"
    proc = presskeep("merge", str(hostile["base"] / "shards"), "--out", str(out))
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    files = {r["warc_file"] for r in query(out / "presskeep.db", "SELECT warc_file FROM captures "
                                                                "WHERE warc_file IS NOT NULL")}
    assert files == {"warc/site.warc.gz"}
    assert sorted(p.name for p in (out / "warc").iterdir()) == ["site.warc.gz"]
    warnings = [x for x in proc.stderr.splitlines() if x.startswith("presskeep: warning:")]
    assert any("5 captures row(s) skipped" in x for x in warnings), proc.stderr
    assert any("evil.warc.gz: not a regular file" in x for x in warnings), proc.stderr
    with ServeProcess(out) as ui:
        for (cid,) in query(out / "presskeep.db", "SELECT id FROM captures WHERE warc_file "
                                                  "IS NOT NULL"):
            status, _, body = http(ui.port, f"/record/capture/{cid}")
            assert status == 200 and record_of(body).rec_type in ("response", "request")


def test_serve_opens_no_file_outside_the_archive(hostile):
    """Served as it is (a copied archive, a hand-edited database): every hostile row is a 404."""
    with ServeProcess(hostile["shard"]) as ui:
        for cid in hostile["ids"]:
            for path in (f"/record/capture/{cid}", f"/original/capture/{cid}"):
                status, _, body = http(ui.port, path)
                assert status == 404, (path, status)
                assert SECRET.encode() not in body and b"root:" not in body
        good, = query(hostile["shard"] / "presskeep.db", "SELECT id FROM captures WHERE "
                      "warc_file = 'warc/site.warc.gz' AND record_type = 'response'")
        status, _, body = http(ui.port, f"/record/capture/{good[0]}")
        assert status == 200 and record_of(body).rec_type == "response"


def test_check_reports_them_without_opening_them(hostile):
    proc = presskeep("check", "--out", str(hostile["shard"]))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    out = proc.stdout + proc.stderr
    for target in hostile["targets"]:
        assert any(target in line and "not opened" in line for line in out.splitlines()), target
    assert "passwd: unreadable" not in out


@pytest.mark.parametrize("offset", [-5, 1 << 62, 7])
def test_absurd_offsets_are_404(hostile, tmp_path, offset):
    arch = tmp_path / "arch"
    shutil.copytree(hostile["shard"], arch, symlinks=True)
    conn = sqlite3.connect(arch / "presskeep.db")
    cid = conn.execute("SELECT id FROM captures WHERE warc_file = 'warc/site.warc.gz' "
                       "ORDER BY id LIMIT 1").fetchone()[0]
    conn.execute("UPDATE captures SET warc_offset = ? WHERE id = ?", [offset, cid])
    conn.commit()
    conn.close()
    with ServeProcess(arch) as ui:
        assert http(ui.port, f"/record/capture/{cid}")[0] == 404
        assert http(ui.port, f"/original/capture/{cid}")[0] == 404


def test_replay_of_a_warc_outside_the_archive_is_still_served(tmp_path):
    warc = site_warc(tmp_path / "elsewhere" / "site.warc.gz")
    out = tmp_path / "arch"
    presskeep("replay", str(warc), "--out", str(out), *REPLAY, check=True)
    row, = query(out / "presskeep.db", "SELECT id, warc_file FROM captures "
                                       "WHERE record_type = 'response'")
    assert row["warc_file"] == str(warc.resolve())  # named absolutely, left where it is
    article, = query(out / "presskeep.db", "SELECT id FROM articles")
    with ServeProcess(out) as ui:
        status, _, raw = http(ui.port, f"/record/capture/{row['id']}")
        assert status == 200
        record = record_of(raw)
        assert record.rec_headers.get_header("WARC-Target-URI") == SITE + "news/ferry.html"
        status, _, page = http(ui.port, f"/original/article/{article['id']}")
        assert status == 200 and b"Electric ferries" in page
    assert presskeep("check", "--out", str(out)).returncode == 0


# -- the rule itself ----------------------------------------------------------------------------
@pytest.mark.parametrize("name,ok", [
    ("warc/a.warc.gz", True), ("imports/x.warc", True), ("/etc/passwd", False),
    ("../x.warc.gz", False), ("warc/../../x", False), ("", False), (".", False),
    ("warc/a\x00.warc", False), ("warc\\..\\x", False),
])
def test_plain_relative_names(name, ok):
    assert is_plain_relative(name) is ok


def test_the_rule(tmp_path):
    root = tmp_path / "arch"
    (root / "warc").mkdir(parents=True)
    elsewhere = site_warc(tmp_path / "other" / "site.warc.gz")
    inside = site_warc(root / "warc" / "site.warc.gz")
    (root / "warc" / "out.warc.gz").symlink_to(elsewhere)
    paths = WarcPaths(root, [str(elsewhere)])
    assert paths.record_path("warc/site.warc.gz", 0) == inside.resolve()
    assert paths.record_path(str(elsewhere), 0) == elsewhere
    for name in ("warc/out.warc.gz", "/etc/passwd", "../other/site.warc.gz"):
        with pytest.raises(WarcPathError):
            paths.path(name)
    with pytest.raises(WarcPathError):  # registered, but not a WARC
        WarcPaths(root, ["/etc/passwd"]).record_path("/etc/passwd", 0)
    # older replay runs listed the paths as typed: matched by their trailing parts
    assert WarcPaths(root, ["other/site.warc.gz"]).path(str(elsewhere)) == elsewhere


def test_a_warc_dir_symlinked_to_another_disk_is_inside(tmp_path):
    disk = tmp_path / "disk"
    site_warc(disk / "site.warc.gz")
    root = tmp_path / "arch"
    root.mkdir()
    (root / "warc").symlink_to(disk)
    assert WarcPaths(root).record_path("warc/site.warc.gz", 0) == (disk / "site.warc.gz").resolve()


def test_begins_record(tmp_path):
    warc = site_warc(tmp_path / "site.warc.gz")
    assert begins_record(warc, 0)
    assert not begins_record(warc, 3) and not begins_record(warc, -1)
    assert not begins_record("/etc/passwd") and not begins_record(tmp_path)
    sock = tmp_path / "sock"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(sock))
        assert not begins_record(sock)
