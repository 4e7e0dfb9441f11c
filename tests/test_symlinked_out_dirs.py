"""OUT/warc and OUT/job may be symlinks to another disk (a big one for the WARC files)."""

from __future__ import annotations

from tests.conftest import crawl, query


def test_symlinked_warc_and_job_directories(news_site, tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "bigdisk"
    for name in ("warc", "job"):
        (elsewhere / name).mkdir(parents=True)
    out.mkdir()
    (out / "warc").symlink_to(elsewhere / "warc")
    (out / "job").symlink_to(elsewhere / "job")
    (elsewhere / "job" / "stale").mkdir()  # an old job's files: cleared, the link kept
    (elsewhere / "job" / "stale" / "queue").write_text("x")
    for _ in range(2):  # a fresh crawl, then an incremental one over the same links
        proc = crawl(news_site.base_url + "/", out, "--max-pages", "5")
        assert "Traceback" not in proc.stderr, proc.stderr
    assert (out / "job").is_symlink() and (out / "warc").is_symlink()
    assert not (elsewhere / "job" / "stale").exists()
    assert list((elsewhere / "warc").glob("*.warc.gz"))
    assert query(out / "presskeep.db", "SELECT count(*) AS n FROM runs")[0]["n"] == 2
