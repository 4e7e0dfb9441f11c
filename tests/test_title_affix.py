"""The site's name that only the site's repetition gives away: a blog whose every ``<title>``
is "Headline – Regional Blog", with no og:site_name, no JSON-LD publisher and a host that
does not spell the name. Short headlines (two words) are what the generic rules cannot
tell from a site name, so their titles kept the suffix and their text opened with the
headline. The site model learns the suffix from the titles of the pages it has seen and
strips it; `reclean` relearns it from every page and fixes the first pages of the crawl.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timezone

import pytest

from pipelines.clean.headline import strip_affixes, title_ends
from pipelines.clean.identity import text_hash
from pipelines.clean.sitemodel import MIN_PAGES, SiteModel
from pipelines.textunits import units_of
from tests.conftest import crawl, presskeep, query

SUFFIX = "Regional Blog"
HEADLINES = ["Budget approved", "Bridge reopens", "Floods recede", "Mayor resigns",
             "Library expands", "Ferry returns", "Schools reopen", "Harvest begins",
             "Market moves", "Trams delayed"]
_WORDS = ("council river bridge harbour residents ferry market school library tram budget "
          "spring flood valley road station farmers clinic rainfall teachers").split()


def _prose(seed: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choices(_WORDS, k=45)).capitalize() + "." for _ in range(4)]


def page(n: int, headline: str) -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in _prose(n))
    return (f"<html lang='en'><head><title>{headline} – {SUFFIX}</title></head><body>"
            f"<header><h1><a href='/'>{SUFFIX}</a></h1><nav><a href='/'>Home</a></nav></header>"
            f"<main><article><h2>{headline}</h2><p class='meta'>March {n + 1}, 2026</p>"
            f"{paragraphs}</article></main><footer>A community blog.</footer></body></html>")


def path(n: int) -> str:
    return f"/2026/03/{n + 1:02d}/post-{n}.html"


def site_pages():
    from sample.site import Page

    when = datetime(2026, 3, 20, tzinfo=timezone.utc)
    html = {path(n): page(n, h) for n, h in enumerate(HEADLINES)}
    html["/"] = "<html><body><ul>" + "".join(
        f"<li><a href='{p}'>post</a></li>" for p in html) + "</ul></body></html>"
    return {p: Page(p, "text/html; charset=utf-8", text.encode(), when) for p, text in html.items()}


@pytest.fixture(scope="module")
def crawled_blog(tmp_path_factory):
    from sample.server import serve

    server = serve(site_pages)
    out = tmp_path_factory.mktemp("blog")
    try:
        crawl(server.base_url + "/", out)
    finally:
        server.stop()
    return out


def _rows(out):
    rows = query(out / "presskeep.db", "SELECT url, title, text, word_count, text_hash FROM articles")
    return {"/" + r["url"].split("/", 3)[3]: r for r in rows}


def _all_right(out) -> None:
    rows = _rows(out)
    assert sorted(rows) == sorted(path(n) for n in range(len(HEADLINES)))
    for n, headline in enumerate(HEADLINES):
        row = rows[path(n)]
        assert row["title"] == headline
        assert row["text"] == "\n\n".join(_prose(n))  # no headline line, no date line
        assert row["word_count"] == units_of(_prose(n)) and row["text_hash"] == text_hash(row["text"])


def test_crawl_learns_the_suffix_and_corrects_the_first_pages(crawled_blog):
    """From the fifth page the model knows the suffix; the four stored before it are
    corrected in place then (still in the write buffer or already in SQLite)."""
    _all_right(crawled_blog)
    [site] = query(crawled_blog / "presskeep.db", "SELECT model FROM sites")
    model = SiteModel.from_json(site["model"])
    assert model.title_affixes() == (set(), {"regionalblog"})
    [run] = query(crawled_blog / "presskeep.db", "SELECT stats FROM runs")
    assert json.loads(run["stats"])["presskeep/clean/site_model/retitled"] == MIN_PAGES - 1
    hits = query(crawled_blog / "presskeep.db", "SELECT count(*) AS n FROM articles_fts "
                 "WHERE articles_fts MATCH ?", ('"regional blog"',))
    assert hits[0]["n"] == 0  # the search index follows the corrected rows


def test_reclean_keeps_it_so(crawled_blog):
    presskeep("reclean", "--out", str(crawled_blog), check=True)
    _all_right(crawled_blog)


@pytest.mark.parametrize("batch", ["1", "500"])
def test_stored_and_buffered_rows_are_corrected(tmp_path, batch):
    """The first pages are already in SQLite (a batch of 1) or still buffered (500)."""
    from sample.server import serve

    server = serve(site_pages)
    try:
        crawl(server.base_url + "/", tmp_path, "-s", f"PRESSKEEP_DB_BATCH_SIZE={batch}")
    finally:
        server.stop()
    _all_right(tmp_path)


# -- the model, without a crawl -------------------------------------------------------
def _model(titles: list[str]) -> SiteModel:
    model = SiteModel("blog.example")
    for title in titles:
        model.observe_title(title)
    return model


def test_a_prefix_is_learned_and_headlines_are_not():
    titles = [f"Valley Voice | {h}" for h in HEADLINES]
    model = _model(titles)
    assert model.title_affixes() == ({"valleyvoice"}, set())
    assert model.clean_title("Valley Voice | Budget approved") == "Budget approved"
    assert model.clean_title("Budget approved") == "Budget approved"
    assert model.clean_title("Valley Voice") == "Valley Voice"  # a title is never emptied
    # fewer than MIN_PAGES titles: nothing learned yet
    assert _model(titles[:MIN_PAGES - 1]).title_affixes() == (set(), set())


def test_a_part_few_pages_repeat_is_kept():
    """A section name or a series on a few of many pages is not the site's affix."""
    titles = [f"{h} · Opinion – {SUFFIX}" if i < 5 else f"{h} – {SUFFIX}"
              for i, h in enumerate(HEADLINES * 3)]
    model = _model(titles)
    assert model.title_affixes() == (set(), {"regionalblog"})
    assert model.clean_title("Budget approved · Opinion") == "Budget approved · Opinion"


def test_affixes_survive_json_and_merge():
    model = _model([f"{h} – {SUFFIX}" for h in HEADLINES])
    again = SiteModel.from_json(model.to_json())
    assert (again.titles, again.affixes) == (model.titles, model.affixes)
    old = json.loads(model.to_json())
    del old["titles"], old["affixes"]  # a model stored before titles were learned
    assert SiteModel.from_json(json.dumps(old)).title_affixes() == (set(), set())
    half = _model([f"{h} – {SUFFIX}" for h in HEADLINES[:3]])
    assert half.merge(_model([f"{h} – {SUFFIX}" for h in HEADLINES[3:]])).title_affixes() == \
        (set(), {"regionalblog"})


@pytest.mark.parametrize("title, ends", [
    ("Budget approved – Regional Blog", ("budgetapproved", "regionalblog")),
    ("Regional Blog | Budget approved", ("regionalblog", "budgetapproved")),
    ("Budget approved — Regional Blog", ("budgetapproved", "regionalblog")),
    ("Budget approved · Regional Blog", ("budgetapproved", "regionalblog")),
    ("Regional Blog : Budget approved", ("regionalblog", "budgetapproved")),
    ("Budget approved - Regional Blog", ("budgetapproved", "regionalblog")),
    ("Budget approved", None),
    ("Self-driving trams: a review", None),
])
def test_title_ends_split_on_the_usual_separators(title, ends):
    assert title_ends(title) == ends


def test_strip_affixes_only_at_the_ends():
    assert strip_affixes("Regional Blog – Budget approved – Regional Blog", {"regionalblog"},
                         {"regionalblog"}) == "Budget approved"
    assert strip_affixes("Why Regional Blog matters – Regional Blog", set(),
                         {"regionalblog"}) == "Why Regional Blog matters"
