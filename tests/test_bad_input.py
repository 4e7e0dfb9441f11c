"""Bad input to `presskeep crawl`: one clear line each, recorded in `captures`, the crawl goes on,
and the exit code says whether anything was archived. Never a traceback."""

from __future__ import annotations

import json
import socket

import pytest
from click.testing import CliRunner

from crawler.cli import main
from tests.conftest import crawl, query

QUICK = ("-s", "RETRY_TIMES=0", "-s", "DOWNLOAD_TIMEOUT=5")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def lines_about(stderr: str, text: str) -> list[str]:
    return [line for line in stderr.splitlines() if text in line]


@pytest.mark.parametrize("seed,message", [
    ("http://[::1/", "malformed URL"),
    ("http://example.org:99999/", "malformed URL"),
    ("ftp://example.org/file", "not an http(s) URL"),
    ("mailto:desk@example.org", "not an http(s) URL"),
    ("example.org/news", "not an http(s) URL"),
    ("http:///nohost", "no host"),
])
def test_bad_seed_is_one_line_and_exit_2(tmp_path, seed, message):
    # seeds are checked before Scrapy starts: the real command, in-process, is enough
    result = CliRunner().invoke(main, ["crawl", "http://127.0.0.1:9/", seed,
                                       "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert result.stderr.startswith("presskeep: error: ") and message in result.stderr
    assert not (tmp_path / "out").exists()  # refused before anything was created


def test_unknown_gzip_library_is_one_line_and_exit_2(tmp_path):
    result = CliRunner().invoke(main, ["crawl", "http://127.0.0.1:9/", "--out", str(tmp_path),
                                       "-s", "PRESSKEEP_WARC_GZIP_LIBRARY=lz4"])
    assert result.exit_code == 2
    assert "PRESSKEEP_WARC_GZIP_LIBRARY must be one of zlib-ng, zlib" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "warc").exists()


def test_unreachable_seed_is_one_line_and_leaves_no_archive(tmp_path):
    seed = f"http://127.0.0.1:{closed_port()}/"
    out = tmp_path / "out"
    proc = crawl(seed, out, *QUICK, check=False)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    about = lines_about(proc.stderr, seed)
    assert len(about) == 1 and "Connection refused" in about[0], proc.stderr
    assert proc.stderr.rstrip().endswith("presskeep: error: nothing was archived (see the errors "
                                         f"above); nothing was kept in {out}")
    assert not out.exists()  # the crawl created it, and put nothing in it


def test_bad_pages_among_good_ones(faults, tmp_path):
    base = faults.base_url
    dead = f"http://127.0.0.1:{closed_port()}/"
    out = tmp_path / "out"
    seeds = [base + p for p in ("/missing", "/status/500", "/pdf", "/undecodable", "/binary", "/ok")]
    proc = crawl(seeds[0], out, *seeds[1:], dead, *QUICK, "-s", "PRESSKEEP_DISCOVERY=False",
                 check=False)
    assert proc.returncode == 0, proc.stderr  # something was archived
    assert "Traceback" not in proc.stderr
    status = {r["url"]: r for r in query(out / "presskeep.db", "SELECT * FROM captures")}
    # 4xx/5xx: archived with their status, one line each
    assert status[base + "/missing"]["status"] == 404
    assert status[base + "/status/500"]["status"] == 500
    for path, code in (("/missing", 404), ("/status/500", 500)):
        assert lines_about(proc.stderr, base + path) == [
            f"presskeep: HTTP {code} (archived, not followed): {base}{path}"]
    # non-HTML and undecodable bodies: archived, never a line of their own
    assert status[base + "/pdf"]["content_type"] == "application/pdf"
    for path in ("/pdf", "/undecodable", "/binary"):
        assert status[base + path]["status"] == 200 and not lines_about(proc.stderr, base + path)
    # the unreachable one: one line, one error row; the good article made it
    assert len(lines_about(proc.stderr, dead)) == 1 and status[dead]["error"]
    assert query(out / "presskeep.db", "SELECT 1 FROM articles WHERE url = ?", [base + "/ok"])
    stats = json.loads(query(out / "presskeep.db", "SELECT stats FROM runs")[0]["stats"])
    assert stats["presskeep/pages/not_html"] >= 1
