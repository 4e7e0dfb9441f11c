"""Security: the address guard, robots.txt, file names, SQL parameters, the web UI's sandbox.

Every crawl targets the loopback fault server; the guard tests prove a refused
request never reached it.
"""

from __future__ import annotations

import ast
import gzip
import ipaddress
import re
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.guard import address_kind, parse_mode, resolve
from tests.conftest import ROOT, crawl, query
from tests.faults import HOSTILE_TITLE

QUICK = ("-s", "RETRY_TIMES=0", "-s", "PRESSKEEP_DISCOVERY=False")


# -- the address guard ----------------------------------------------------------------------
@pytest.mark.parametrize("ip,kind", [
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"),
    ("::ffff:127.0.0.1", "loopback"), ("10.1.2.3", "private"), ("172.16.0.1", "private"),
    ("192.168.1.1", "private"), ("fd00::1", "private"), ("169.254.169.254", "link-local"),
    ("fe80::1", "link-local"), ("0.0.0.0", "unspecified"), ("224.0.0.1", "multicast"),
    ("100.64.0.1", "shared"), ("240.0.0.1", "reserved"), ("8.8.8.8", None),
    ("2606:4700:4700::1111", None), ("93.184.216.34", None),
])
def test_address_kinds(ip, kind):
    assert address_kind(ipaddress.ip_address(ip)) == kind


def test_resolve_literals_and_names_without_network():
    assert resolve("127.0.0.1") == [ipaddress.ip_address("127.0.0.1")]
    assert resolve("[::1]") == [ipaddress.ip_address("::1")]
    assert all(address_kind(ip) == "loopback" for ip in resolve("localhost"))
    assert resolve("name.invalid") == []


@pytest.mark.parametrize("value,mode", [("auto", "auto"), (True, "true"), ("False", "false"),
                                        ("0", "false"), ("yes", "true")])
def test_allow_private_values(value, mode):
    assert parse_mode(value) == mode
    with pytest.raises(ValueError):
        parse_mode("sometimes")  # the guard then refuses every non-public address


def test_strict_guard_refuses_a_loopback_seed_before_connecting(faults, tmp_path):
    seed = faults.base_url + "/ok?strict"
    proc = crawl(seed, tmp_path / "out", *QUICK, "-s", "PRESSKEEP_ALLOW_PRIVATE=False", check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    line, = [x for x in proc.stderr.splitlines() if seed in x]
    assert "refused by the address guard: 127.0.0.1 is a loopback address" in line
    assert not (tmp_path / "out").exists()  # nothing archived: the crawl left no archive
    assert "/ok?strict" not in faults.hits and not any("robots" in p for p in faults.hits
                                                       if p.endswith("?strict"))


def test_redirect_to_another_kind_of_address_is_refused(faults, tmp_path):
    # a loopback seed makes loopback allowed, not 0.0.0.0 (which Linux would connect to us)
    port = faults.server_address[1]
    target = f"http://0.0.0.0:{port}/ok?redirected"
    seed = f"{faults.base_url}/to/{target}"
    proc = crawl(seed, tmp_path / "out", *QUICK, check=False)
    assert proc.returncode == 0, proc.stderr  # the 302 itself was archived
    db = tmp_path / "out/presskeep.db"
    assert [r["status"] for r in query(db, "SELECT status FROM captures WHERE url = ?", [seed])] \
        == [302]
    row, = query(db, "SELECT * FROM captures WHERE url = ?", [target])
    assert "0.0.0.0 is an unspecified address and those reach this machine" in row["error"]
    assert "/ok?redirected" not in faults.hits  # never connected


# -- robots.txt, file names, SQL --------------------------------------------------------------
def warcinfo(out: Path) -> str:
    text = ""
    for path in (out / "warc").glob("*.warc.gz"):
        with open(path, "rb") as fh:
            rec = next(iter(ArchiveIterator(fh)))
            assert rec.rec_type == "warcinfo"
            text += rec.content_stream().read().decode()
    return text


@pytest.fixture(scope="module")
def hostile_crawl(faults, tmp_path_factory) -> Path:
    """A default crawl of pages that try SQL and HTML injection, and of a robots-disallowed page."""
    out = tmp_path_factory.mktemp("hostile") / "out"
    sql_url = faults.base_url + "/ok?q=" + quote("'); DROP TABLE captures; --")
    private = [faults.base_url + f"/private/{n}" for n in ("one", "two", "three")]
    crawl(faults.base_url + "/hostile", out, sql_url, *private, *QUICK)
    return out


def test_robots_txt_obeyed_by_default_and_recorded(faults, hostile_crawl):
    # five seeds on one host: Scrapy's own middleware let the third one in (crawler/robots.py)
    rows = query(hostile_crawl / "presskeep.db", "SELECT * FROM captures WHERE url LIKE ?",
                 [faults.base_url + "/private/%"])
    assert len(rows) == 3
    assert all("Forbidden by robots.txt" in (r["error"] or "") for r in rows)
    info = warcinfo(hostile_crawl)
    assert "robots: obey" in info and "setting-PRESSKEEP_ALLOW_PRIVATE: auto" in info


def test_robots_txt_off_is_recorded_and_names_stay_safe(faults, tmp_path):
    out = tmp_path / "out"
    proc = crawl(faults.base_url + "/private/secret", out, *QUICK, "-s", "ROBOTSTXT_OBEY=False",
                 "-s", "PRESSKEEP_WARC_PREFIX=../../escaped", "-s", "PRESSKEEP_WORKER_ID=/etc/x",
                 check=False)
    assert proc.returncode == 0, proc.stderr
    row, = query(out / "presskeep.db", "SELECT * FROM captures WHERE url LIKE '%/private/secret'")
    assert row["status"] == 200
    assert "robots: ignore" in warcinfo(out)
    # nothing was written outside OUT, and every name inside is one of ours
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    safe = re.compile(r"^[A-Za-z0-9_.-]+$")
    for path in out.rglob("*"):
        assert safe.match(path.name), path
        assert ".." not in path.relative_to(out).parts
    assert all(p.name.startswith("escaped-") for p in (out / "warc").iterdir())


def test_sql_metacharacters_are_stored_verbatim(faults, hostile_crawl):
    db = hostile_crawl / "presskeep.db"
    tables = {r["name"] for r in query(db, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"captures", "articles", "runs"} <= tables
    urls = {r["url"] for r in query(db, "SELECT url FROM captures")}
    assert faults.base_url + "/ok?q=" + quote("'); DROP TABLE captures; --") in urls
    titles = [r["title"] for r in query(db, "SELECT title FROM articles")]
    assert HOSTILE_TITLE in titles


#: functions that pass a non-literal SQL string to execute(); each was read: the string is
#: built from code constants and column names, every value goes in as a ? parameter.
AUDITED_SQL = {
    ("archive/check.py", "_check_rows"), ("archive/db.py", "insert_rows"),
    ("archive/db.py", "migrate"), ("archive/db.py", "rows"),
    ("archive/export_query.py", "run_query"), ("archive/merge.py", "_columns"),
    ("archive/merge.py", "_copy_rows"), ("archive/merge.py", "_merge_runs"),
    ("archive/merge.py", "_skipped_rows"),
    ("archive/reader/revisits.py", "has_article"), ("archive/reader/revisits.py", "_query_one"),
    ("archive/reader/revisits.py", "_first"),
    ("archive/wacz.py", "article_pages"), ("web/queries.py", "choices"),
    ("web/queries.py", "search"),
    ("crawler/reclean.py", "_rows"), ("crawler/reclean.py", "_write"),
}


class _SqlCalls(ast.NodeVisitor):
    def __init__(self, path: str) -> None:
        self.path, self.stack, self.found = path, ["<module>"], set()

    def visit_FunctionDef(self, node) -> None:  # noqa: N802
        self.stack.append(node.name)
        self.generic_visit(node)
        self.stack.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node: ast.Call) -> None:  # noqa: N802
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in ("execute", "executemany",
                                                             "executescript") and node.args:
            if not isinstance(node.args[0], ast.Constant):
                self.found.add((self.path, self.stack[-1]))
        self.generic_visit(node)


def test_all_sql_is_parameterised():
    found = set()
    for top in ("crawler", "pipelines", "archive", "web"):
        for path in sorted((ROOT / top).rglob("*.py")):
            visitor = _SqlCalls(str(path.relative_to(ROOT)))
            visitor.visit(ast.parse(path.read_text()))
            found |= visitor.found
    new = sorted(found - AUDITED_SQL)
    assert not new, (f"SQL built at run time in {new}: check that every value is a ? "
                     "parameter, then add the function to AUDITED_SQL")


# -- the web UI ---------------------------------------------------------------------------------
def get(url: str) -> tuple[int, dict, bytes]:
    with urllib.request.urlopen(url, timeout=10) as resp:
        body = resp.read()
        if resp.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        return resp.status, dict(resp.headers), body


@pytest.fixture(scope="module")
def ui(hostile_crawl):
    from web.server import ArchiveServer

    server = ArchiveServer(hostile_crawl, port=0).start()
    yield server
    server.shutdown()
    server.server_close()


def test_ui_binds_loopback_by_default(ui):
    from crawler.cli import main

    assert ui.server_address[0] == "127.0.0.1"
    host = next(p for p in main.commands["serve"].params if p.name == "host")
    assert host.default == "127.0.0.1"


def test_ui_escapes_archived_text(ui, hostile_crawl):
    aid = query(hostile_crawl / "presskeep.db", "SELECT id FROM articles WHERE title = ?",
                [HOSTILE_TITLE])[0]["id"]
    for path in ("/", f"/article/{aid}", "/?q=harbour"):
        status, headers, body = get(ui.url.rstrip("/") + path)
        text = body.decode()
        assert status == 200 and "<script" not in text.lower(), path
        assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "&lt;script&gt;alert(&quot;pk-title&quot;)" in text or \
           "&lt;script&gt;alert(&#x27;" in text or "&lt;/title&gt;&lt;script&gt;" in text


def test_ui_serves_archived_html_only_sandboxed(ui, hostile_crawl):
    aid = query(hostile_crawl / "presskeep.db", "SELECT id FROM articles WHERE title = ?",
                [HOSTILE_TITLE])[0]["id"]
    _, _, page = get(f"{ui.url}article/{aid}")
    frames = re.findall(rb"<iframe[^>]*>", page)
    assert frames and all(b'sandbox=""' in f for f in frames)
    status, headers, body = get(f"{ui.url}original/article/{aid}")
    assert status == 200 and b"<script>document.title" in body  # the original, as archived
    csp = [d.strip() for d in headers["Content-Security-Policy"].split(";")]
    assert "sandbox" in csp and "default-src 'none'" in csp
    assert not any(d.startswith("script-src") for d in csp)
