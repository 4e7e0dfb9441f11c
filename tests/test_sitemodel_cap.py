"""Learned site boilerplate never empties an article: its removal is capped at half the words.

Templated reports (weather, markets) repeat the same sentences with other numbers on every
page; digits do not count in a block's key, so after five pages each sentence is "learned
template". The cap (``pipelines.clean.sitemodel.MIN_KEPT_SHARE``) keeps at least half of
each page's words.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from sample.server import serve
from sample.site import Page
from pipelines.clean import extract
from pipelines.clean.sitemodel import SiteModel, block_key
from tests.conftest import crawl, query

HTML = "text/html; charset=utf-8"
WHEN = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
PLACES = ("Accra", "Kumasi", "Tamale", "Takoradi", "Cape Coast")
FORECAST = [
    "Morning temperatures will start near {lo} degrees and climb to {hi} degrees by the early "
    "afternoon, with a light breeze of {w} kilometres an hour from the south west.",
    "The chance of rain stays at {r} percent through the day, rising to {r2} percent after "
    "sunset as clouds build over the hills to the north of the city.",
    "Humidity will hover around {h} percent, so the heat index may feel like {hi2} degrees "
    "in the sun; drink water and avoid long walks at midday.",
    "Visibility should remain above {v} kilometres on the main roads, and the harbour "
    "authority expects waves of about {wave} metres along the coast.",
    "Sunrise is at 6:{m:02d} and sunset at 18:{m2:02d}; the ultraviolet index peaks at {uv} "
    "around noon, which is high for most skin types.",
]


def report(day: int) -> tuple[str, list[str]]:
    """The title and paragraphs of the ``day``-th report: the same sentences, other numbers
    and places."""
    place = PLACES[day % len(PLACES)]
    nums = dict(lo=20 + day % 5, hi=28 + day % 6, w=5 + day, r=10 + 2 * day, r2=15 + 3 * day,
                h=60 + day, hi2=31 + day % 7, v=8 + day % 4, wave=1 + day % 3, m=day + 10,
                m2=day + 20, uv=6 + day % 5)
    paras = [f"{place} forecast for November {day + 1}: mostly sunny after a cloudy start."]
    paras += [sentence.format(**nums) for sentence in FORECAST]
    return f"{place} weather, November {day + 1}", paras


def report_html(day: int) -> str:
    title, paras = report(day)
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta property="og:type" content="article"></head><body><article><h1>{title}</h1>'
            f"{body}</article></body></html>")


def report_path(day: int) -> str:
    return f"/weather/2026/11/{day + 1:02d}/forecast.html"


REPORTS = 20
HALF = 0.5  # the guarantee: learned boilerplate never takes a page below half its words


def build_reports_site() -> dict[str, Page]:
    links = "".join(f'<li><a href="{report_path(d)}">Report {d}</a></li>' for d in range(REPORTS))
    pages = {"/": Page("/", HTML, f"<html><body><ul>{links}</ul></body></html>".encode(), WHEN)}
    for day in range(REPORTS):
        pages[report_path(day)] = Page(report_path(day), HTML, report_html(day).encode(), WHEN)
    return pages


def words(paragraphs: list[str]) -> int:
    return sum(len(p.split()) for p in paragraphs)


def test_five_template_identical_articles_keep_half_their_words():
    """Five short articles, only numbers differ: the fifth used to lose every paragraph."""
    model = SiteModel("reports.example")
    for day in range(5):
        doc = extract(report_html(0).replace("November 1", f"November {day + 1}").encode(),
                      "http://reports.example" + report_path(day))
        keys = [block_key(p) for p in doc.paragraphs]
        model.observe(doc.paragraphs, keys)
        kept = model.filter(doc.paragraphs, keys)
        assert words(kept) >= HALF * doc.word_count > 0, day
    assert model.learned() == len(doc.paragraphs)  # every block is learned, yet half stays


def test_cap_removes_outermost_blocks_first():
    model = SiteModel("s", pages=10, blocks={block_key(t): [10, 10] for t in ("head", "tail")})
    body = ["head", "one two three four", "five six", "tail"]
    assert model.filter(body) == body[1:3]
    # a learned block in the middle goes only while half the words stay
    model.blocks[block_key("one two three four")] = [10, 10]
    assert model.filter(body) == ["one two three four", "five six"]


@pytest.fixture(scope="module")
def crawled_reports(tmp_path_factory):
    server = serve(build_reports_site)
    out = tmp_path_factory.mktemp("reports") / "out"
    try:
        crawl(server.base_url + "/", out, "-s", "PRESSKEEP_DISCOVERY=False")
    finally:
        server.stop()
    return out


def test_twenty_templated_reports_keep_their_bodies(crawled_reports):
    db = crawled_reports / "presskeep.db"
    rows = query(db, "SELECT url, text, word_count FROM articles")
    assert len(rows) == REPORTS
    for row in rows:
        day = int(row["url"].split("/")[-2]) - 1
        full = extract(report_html(day).encode(), row["url"]).word_count
        assert row["text"].strip() and row["word_count"] >= HALF * full, row["url"]
    stats = json.loads(query(db, "SELECT stats FROM runs")[0]["stats"])
    assert stats["presskeep/clean/site_model/capped"] > 0  # the template was learned
