"""`-o` never clobbers: export (JSONL, CSV, Parquet), index and wacz refuse an existing file
without --force, never write over the archive's own files (even with --force), refuse links,
directories, FIFOs and devices, and a failed write leaves no partial or temporary file.

Each command runs on a copy of one real crawl (the `crawled` fixture), so nothing here can
damage the archive other tests read.
"""

from __future__ import annotations

import hashlib
import os
import random
import resource
import shutil
import signal
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.db import Store
from crawler.cli import main
from pipelines.clean.identity import text_hash
from tests.conftest import presskeep, query

COMMANDS = {
    "export-jsonl": ["export", "--format", "jsonl"],
    "export-csv": ["export", "--format", "csv"],
    "export-parquet": ["export", "--format", "parquet"],
    "index": ["index"],
    "wacz": ["wacz", "--no-validate"],
}
EXPORTS = [name for name in COMMANDS if name.startswith("export")]


@pytest.fixture(scope="module")
def archive(crawled, tmp_path_factory) -> Path:
    """A copy of the crawl, with a lock file as a running crawl leaves it."""
    out = tmp_path_factory.mktemp("outputs") / "archive"
    shutil.copytree(crawled, out, ignore=shutil.ignore_patterns("*.lock"))
    (out / "crawl.lock").write_text("12345\n")
    return out


def run(command: str, archive: Path, target: Path | str, *extra: str):
    args = [*COMMANDS[command], "--out", str(archive), "-o", str(target), *extra]
    return CliRunner().invoke(main, args)


def one_line(res, code: int) -> str:
    assert res.exit_code == code, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("presskeep: error: "), res.stderr
    return lines[0]


def digests(root: Path) -> dict[str, str]:
    """sha256 of every file of the archive (the database, WARCs, lock)."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if ".part" in p.name or ".tmp" in p.name)


# -- an existing file ----------------------------------------------------------------
@pytest.mark.parametrize("command", COMMANDS)
def test_refuses_existing_file_without_force(archive, tmp_path, command):
    target = tmp_path / "existing.out"
    target.write_bytes(b"an earlier result")
    res = run(command, archive, target)
    assert one_line(res, 2) == f"presskeep: error: {target} exists (use --force to replace it)"
    assert target.read_bytes() == b"an earlier result"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing.out"]
    res = run(command, archive, target, "--force")
    assert res.exit_code == 0, res.output
    assert target.read_bytes() != b"an earlier result" and target.stat().st_size > 0
    assert leftovers(tmp_path) == []


# -- the archive's own files ---------------------------------------------------------
def _own_targets(archive: Path, tmp_path: Path) -> dict[str, Path]:
    warc = sorted((archive / "warc").glob("*.warc.gz"))[0]
    alias = tmp_path / "alias"  # a symlinked parent directory
    alias.symlink_to(archive, target_is_directory=True)
    hard = tmp_path / "hard.db"  # another name of the database's inode
    os.link(archive / "presskeep.db", hard)
    link = tmp_path / "link.db"
    link.symlink_to(archive / "presskeep.db")
    return {"db": archive / "presskeep.db", "wal": archive / "presskeep.db-wal",
            "warc": warc, "new file in warc/": archive / "warc" / "new.out",
            "lock": archive / "crawl.lock", "db via a linked directory": alias / "presskeep.db",
            "hard link to the db": hard, "symlink to the db": link}


@pytest.mark.parametrize("command", COMMANDS)
def test_never_writes_over_the_archive_files(archive, tmp_path, command):
    before = digests(archive)
    for what, target in _own_targets(archive, tmp_path).items():
        for extra in ((), ("--force",)):
            line = one_line(run(command, archive, target, *extra), 2)
            assert "is one of the archive's own files" in line, (what, line)
        assert digests(archive) == before, what
    assert (tmp_path / "link.db").is_symlink()
    assert not (archive / "warc" / "new.out").exists() and leftovers(archive / "warc") == []
    assert query(archive / "presskeep.db", "SELECT count(*) FROM articles")[0][0] > 0


# -- links, directories, devices -----------------------------------------------------
def _odd_target(kind: str, tmp_path: Path) -> tuple[Path, str]:
    target = tmp_path / kind
    if kind == "symlink":
        (tmp_path / "real.out").write_text("pointed at")
        target.symlink_to(tmp_path / "real.out")
        return target, "is a symbolic link"
    if kind == "dangling-symlink":
        target.symlink_to(tmp_path / "nowhere")
        return target, "is a symbolic link"
    if kind == "directory":
        target.mkdir()
        return target, "is a directory"
    if kind == "fifo":
        os.mkfifo(target)
        return target, "is not a regular file"
    if os.geteuid() != 0:
        pytest.skip("creating a device node (a copy of /dev/full) needs root")
    os.mknod(target, stat.S_IFCHR | 0o666, os.makedev(1, 7))  # what /dev/full is
    return target, "is not a regular file"


@pytest.mark.parametrize("kind", ["symlink", "dangling-symlink", "directory", "fifo",
                                  "device"])
@pytest.mark.parametrize("command", COMMANDS)
def test_refuses_links_directories_and_devices(archive, tmp_path, command, kind):
    target, message = _odd_target(kind, tmp_path)
    mode = os.lstat(target).st_mode
    for extra in ((), ("--force",)):
        if kind == "fifo":  # a real process with a timeout: opening a FIFO would block forever
            proc = presskeep(*COMMANDS[command], "--out", str(archive), "-o", str(target),
                             *extra, timeout=120)
            code, stderr = proc.returncode, proc.stderr
        else:
            res = run(command, archive, target, *extra)
            code, stderr = res.exit_code, res.stderr
        assert code == 2, stderr
        lines = stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"presskeep: error: {target} {message}")
        assert os.lstat(target).st_mode == mode  # still the same kind of file
    if kind == "symlink":
        assert (tmp_path / "real.out").read_text() == "pointed at"
    assert leftovers(tmp_path) == []


# -- failures leave nothing behind ---------------------------------------------------
def _file_size_limit(limit: int):
    def apply() -> None:  # a full disk as seen by write(): EFBIG past `limit` bytes
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    return apply


@pytest.fixture(scope="module")
def big_archive(tmp_path_factory) -> Path:
    """60 articles of 3,000 random words: every export format is well over 64 KB."""
    rng = random.Random(3)
    vocab = [f"word{i}" for i in range(5000)]
    root = tmp_path_factory.mktemp("big")
    store = Store.open(root)
    store.db["runs"].insert({"id": 1, "command": "test"})
    for n in range(60):
        text = " ".join(rng.choices(vocab, k=3000))
        store.add_article({"run_id": 1, "url": f"http://a.example/{n}", "site": "a.example",
                           "title": f"Story {n}", "text": text, "word_count": 3000,
                           "text_hash": text_hash(text), "fetched_at": "2026-11-20T10:00:00Z"})
    store.close()
    return root


@pytest.mark.parametrize("command, limit", [(name, 64_000) for name in EXPORTS]
                         + [("index", 2_000), ("wacz", 40_000)])
def test_failed_write_leaves_no_partial_file(archive, big_archive, tmp_path, command, limit):
    target = tmp_path / "existing.out"
    target.write_bytes(b"an earlier result")
    source = big_archive if command in EXPORTS else archive
    proc = presskeep(*COMMANDS[command], "--out", str(source), "-o", str(target), "--force",
                     preexec_fn=_file_size_limit(limit), timeout=120)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "File too large" in lines[0], proc.stderr
    assert target.read_bytes() == b"an earlier result"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing.out"]


@pytest.mark.parametrize("command", EXPORTS)
def test_export_matching_nothing_leaves_the_target(archive, tmp_path, command):
    target = tmp_path / "existing.out"
    target.write_bytes(b"an earlier result")
    res = run(command, archive, target, "--force", "--site", "nowhere.example")
    assert "no articles match the filters" in one_line(res, 1)
    assert target.read_bytes() == b"an earlier result"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing.out"]


# -- shards and default outputs ------------------------------------------------------
def test_shards_follow_the_same_rules(archive, tmp_path):
    later = tmp_path / "a-00001.csv"  # a shard of an earlier export, the first one gone
    later.write_text("an earlier shard")
    res = run("export-csv", archive, tmp_path / "a.csv", "--shard-size", "3")
    assert one_line(res, 2) == f"presskeep: error: {later} exists (use --force to replace it)"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-00001.csv"]
    assert later.read_text() == "an earlier shard"
    res = run("export-csv", archive, tmp_path / "a.csv", "--shard-size", "3", "--force")
    assert res.exit_code == 0, res.output
    assert later.read_text() != "an earlier shard" and leftovers(tmp_path) == []


@pytest.mark.parametrize("command", ["index", "wacz"])
def test_default_output_is_replaced_on_each_run(archive, command):
    for _ in range(2):
        res = CliRunner().invoke(main, [*COMMANDS[command], "--out", str(archive)])
        assert res.exit_code == 0, res.output
    assert leftovers(archive) == []


def test_a_name_that_appears_meanwhile_is_not_replaced(tmp_path):
    from archive.errors import OutputRefused
    from archive.output import OutputFiles

    target = tmp_path / "a.csv"
    files = OutputFiles()
    files.add(target).write_text("ours")
    target.write_text("someone else's")  # created between the check and the publish
    with pytest.raises(OutputRefused, match="exists"):
        files.commit()
    assert target.read_text() == "someone else's" and leftovers(tmp_path) == []
    forced = OutputFiles(force=True)
    forced.add(target).write_text("ours")
    target.unlink()
    target.symlink_to(tmp_path / "elsewhere")  # turned into a link meanwhile
    with pytest.raises(OutputRefused, match="symbolic link"):
        forced.commit()
    assert target.is_symlink() and not (tmp_path / "elsewhere").exists()
    assert leftovers(tmp_path) == []
