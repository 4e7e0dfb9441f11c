"""`presskeep index` (CDXJ) and `presskeep wacz` (WACZ 1.1.1 that validates and loads in pywb)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from sample.daemons import free_port
from tests.conftest import ROOT, presskeep, query
from tests.replayers import replayweb_missing, replayweb_search

PYWB = ROOT / ".venv-pywb" / "bin"


@pytest.fixture(scope="module")
def package(crawled, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wacz") / "news.wacz"
    presskeep("wacz", "--out", str(crawled), "-o", str(out), check=True)
    return out


def test_index_writes_sorted_cdxj_relative_to_out(crawled, tmp_path):
    target = tmp_path / "index.cdxj"
    proc = presskeep("index", "--out", str(crawled), "-o", str(target), check=True)
    lines = target.read_text().splitlines()
    assert lines == sorted(lines) and "indexed" in proc.stderr
    entries = [json.loads(line.split(" ", 2)[2]) for line in lines]
    assert all(e["filename"].startswith("warc/") for e in entries)
    articles = query(crawled / "presskeep.db", "SELECT url, warc_file, warc_offset FROM articles")
    located = {(e["url"], e["filename"], int(e["offset"])) for e in entries}
    assert {(r[0], r[1], r[2]) for r in articles} <= located


def test_index_without_warcs_fails_cleanly(tmp_path):
    proc = presskeep("index", "--out", str(tmp_path))
    assert proc.returncode == 1 and proc.stderr.startswith("presskeep: error: no WARC files")


def test_wacz_validates_and_lists_the_article_pages(crawled, package):
    proc = subprocess.run([str(Path(sys.executable).parent / "wacz"), "validate", "-f",
                           str(package)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Validation succeeded" in proc.stdout
    with zipfile.ZipFile(package) as zf:
        meta = json.loads(zf.read("datapackage.json"))
        pages = [json.loads(line) for line in zf.read("pages/pages.jsonl").splitlines()]
        names = zf.namelist()
    assert meta["wacz_version"] == "1.1.1"
    assert "indexes/index.cdx.gz" in names and any(n.startswith("archive/") for n in names)
    urls = {r[0] for r in query(crawled / "presskeep.db", "SELECT DISTINCT url FROM articles")}
    assert pages[0]["format"] == "json-pages-1.0"
    assert {p["url"] for p in pages[1:]} == urls
    assert all(p.get("ts") and p.get("title") for p in pages[1:])


def test_wacz_pages_carry_the_article_text(crawled, package):
    """ReplayWeb.page searches url, title and text of pages.jsonl; no "hasText" in the
    header (it would then search only the file's first MiB)."""
    with zipfile.ZipFile(package) as zf:
        lines = [json.loads(line) for line in zf.read("pages/pages.jsonl").splitlines()]
    assert "hasText" not in lines[0]
    texts = dict(query(crawled / "presskeep.db", "SELECT url, text FROM latest_articles"))
    assert lines[1:] and all(p["text"] == texts[p["url"]] for p in lines[1:])


def rare_text_word(db: Path) -> tuple[str, set[str]]:
    """(word, titles): the word in the fewest article texts and in no title or URL, with
    the titles of the articles whose text has it (or a word starting with it)."""
    rows = query(db, "SELECT url, title, text FROM latest_articles ORDER BY url")
    tokens = [set(re.findall(r"[a-z]+", r["text"].lower())) for r in rows]
    elsewhere = " ".join(f"{r['url']} {r['title']}" for r in rows).lower()
    having = {w: {r["title"] for r, t in zip(rows, tokens) if any(x.startswith(w) for x in t)}
              for w in set().union(*tokens) if len(w) >= 5 and w not in elsewhere}
    word = min(having, key=lambda w: (len(having[w]), w))
    assert 0 < len(having[word]) < len(rows)
    return word, having[word]


def test_wacz_text_is_searchable_in_replaywebpage(crawled, package):
    if (why := replayweb_missing()):
        pytest.skip(why)
    word, titles = rare_text_word(crawled / "presskeep.db")
    shown = replayweb_search(package, word, lambda entries: len(entries) == len(titles))
    assert {t for t in titles for entry in shown if t in entry} == titles, (word, shown)


def test_wacz_without_database_fails_cleanly(tmp_path):
    proc = presskeep("wacz", "--out", str(tmp_path / "none"))
    assert proc.returncode == 1 and "presskeep: error: no database" in proc.stderr


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=20) as resp:
        return resp.status, resp.read()


def _wait_for(url: str, proc: subprocess.Popen, deadline: float = 30) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if proc.poll() is not None:
            pytest.fail(f"wayback exited: {proc.stdout.read() if proc.stdout else ''}")
        try:
            _get(url)
            return
        except OSError:
            time.sleep(0.3)
    pytest.fail("wayback did not start")


def test_wacz_loads_in_pywb(crawled, package, tmp_path):
    if not (PYWB / "wb-manager").exists():
        pytest.skip("pywb is not installed in .venv-pywb (`make pywb`; it cannot share .venv: "
                    "it pins redis<3, which breaks scrapy-redis)")
    run = dict(cwd=tmp_path, capture_output=True, text=True, timeout=120)
    subprocess.run([str(PYWB / "wb-manager"), "init", "news"], check=True, **run)
    add = subprocess.run([str(PYWB / "wb-manager"), "add", "--unpack-wacz", "news", str(package)],
                         **run)
    assert add.returncode == 0, add.stderr
    url, title = query(crawled / "presskeep.db", "SELECT url, title FROM articles LIMIT 1")[0]
    port = free_port()
    proc = subprocess.Popen([str(PYWB / "wayback"), "-b", "127.0.0.1", "-p", str(port)],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        base = f"http://127.0.0.1:{port}/news"
        _wait_for(f"{base}/cdx?url={url}", proc)
        status, cdx = _get(f"{base}/cdx?url={url}")
        assert status == 200 and url.encode() in cdx
        status, body = _get(f"{base}/2026id_/{url}")
        assert status == 200 and title.encode() in body
    finally:
        proc.terminate()
        proc.wait(timeout=20)
