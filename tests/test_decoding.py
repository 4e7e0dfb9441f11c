"""One decoding path: pages in latin-1, windows-1251, Shift_JIS, GBK and EUC-KR that declare
no charset (none in the header, no BOM, no <meta>) come out as the same, right text from a
real crawl, a replay of its WARC files, `presskeep extract` on them and on the saved pages."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from sample.server import serve
from sample.site import Page
from pipelines.clean.html import decode, detect_encoding
from tests.conftest import crawl, presskeep, query
from sample.multilingual import STORIES

FRENCH = [
    "Le président de la région a présenté mardi un plan décennal pour protéger les quartiers "
    "situés le long du fleuve contre les inondations, après que les orages de l'été dernier ont "
    "forcé des milliers d'habitants à quitter leur maison.",
    "« Nous ne pouvons pas empêcher la pluie, mais nous pouvons éviter qu'elle ne devienne une "
    "catastrophe », a déclaré l'élu devant la presse à l'hôtel de région. Les premiers travaux "
    "débuteront au printemps prochain, a-t-il précisé.",
]
#: (path, encoding, headline, paragraphs)
PAGES = [
    ("/fr", "latin-1", "La région dévoile son plan contre les crues", FRENCH),
    ("/ru", "cp1251", STORIES["ru"].headline, STORIES["ru"].paragraphs[:3]),
    ("/ja", "shift_jis", STORIES["ja"].headline, STORIES["ja"].paragraphs[:3]),
    ("/zh", "gbk", STORIES["zh"].headline, STORIES["zh"].paragraphs[:3]),
    ("/ko", "euc-kr", STORIES["ko"].headline, STORIES["ko"].paragraphs[:3]),
]
WHEN = datetime(2026, 3, 10, tzinfo=timezone.utc)


def _html(headline: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<html><head><title>{headline}</title></head><body><nav><a href='/'>Home</a></nav>"
            f"<article><h1>{headline}</h1>{body}</article></body></html>")


def _body(encoding: str, headline: str, paragraphs: list[str]) -> bytes:
    return _html(headline, paragraphs).encode(encoding)


@pytest.mark.parametrize("path, encoding, headline, paragraphs", PAGES, ids=[p[1] for p in PAGES])
def test_undeclared_bytes_are_decoded_right(path, encoding, headline, paragraphs):
    body = _body(encoding, headline, paragraphs)
    assert decode(body, "text/html")[1] == _html(headline, paragraphs)
    assert decode(body)[1] == _html(headline, paragraphs)
    assert detect_encoding("<p>déjà</p>".encode("utf-8")) == "utf-8"


def test_declarations_win_over_detection():
    body = _body("cp1251", STORIES["ru"].headline, STORIES["ru"].paragraphs[:1])
    assert decode(body, "text/html; charset=koi8-r")[0] == "koi8-r"
    meta = b"<html><head><meta charset='koi8-r'></head>" + body[6:]
    assert decode(meta)[0] == "koi8-r"
    assert decode(b"\xef\xbb\xbf" + "<p>déjà</p>".encode("utf-8"), "text/html; charset=latin-1") \
        == ("utf-8", "<p>déjà</p>")


@pytest.fixture(scope="module")
def site():
    pages = {"/": Page("/", "text/html", b"<html><body>" + b"".join(
        f"<a href='{p}'>{p}</a> ".encode() for p, *_ in PAGES) + b"</body></html>", WHEN)}
    for path, encoding, headline, paragraphs in PAGES:
        pages[path] = Page(path, "text/html", _body(encoding, headline, paragraphs), WHEN)
    server = serve(pages)
    yield server
    server.stop()


def _rows(out) -> dict:
    return {r["url"].rsplit("/", 1)[1]: r for r in
            query(out / "presskeep.db", "SELECT url, title, text FROM articles")}


def test_crawl_replay_and_extract_give_the_same_right_text(site, tmp_path):
    out = tmp_path / "out"
    crawl(site.base_url + "/", out)  # cleaned in the crawl process
    rows = _rows(out)
    warcs = sorted(str(p) for p in (out / "warc").glob("*.warc.gz"))
    # replayed with a cleaning worker
    presskeep("replay", *warcs, "--out", str(tmp_path / "replayed"), "-s",
              "PRESSKEEP_PROGRESS_INTERVAL=0", "-s", "PRESSKEEP_CLEAN_WORKERS=1", check=True)
    replayed = _rows(tmp_path / "replayed")
    from_warc = [json.loads(line) for line in
                 presskeep("extract", *warcs, check=True).stdout.splitlines()]
    by_url = {r["url"].rsplit("/", 1)[1]: r for r in from_warc if r["url"].rsplit("/", 1)[1]}
    for path, encoding, headline, paragraphs in PAGES:
        name = path.lstrip("/")
        saved = tmp_path / f"{name}.html"
        saved.write_bytes(_body(encoding, headline, paragraphs))
        from_file = json.loads(presskeep("extract", str(saved), check=True).stdout)
        want = "\n\n".join(paragraphs)
        assert rows[name]["text"] == want, encoding
        assert rows[name]["title"] == headline
        assert replayed[name]["text"] == want and replayed[name]["title"] == headline
        assert by_url[name]["text"] == want and by_url[name]["title"] == headline
        assert from_file["text"] == want and from_file["title"] == headline
