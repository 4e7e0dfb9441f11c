"""The bundled sample news site: deterministic pages in three templates.

Template "ghana" is the seed-like page: a text-to-speech player line ("Audio By
Carbonatix") inside the article column and a "Latest Stories" list with
relative times ("38 minutes -"). Template "daily" has a share bar, a
newsletter box and "Most Read"; template "wire" has "Listen to this article",
a cookie banner and "Related" links. Hubs, a robots.txt, a sitemap, an RSS
feed, a PDF and a PNG complete the site. Every page has requisites on a second host:
stylesheets, a web font, a script, an icon and images (sample/assets.py).
"""

from __future__ import annotations

import html
import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sample.assets import asset_files, figures, head_tags, logo

TEMPLATES = ("ghana", "daily", "wire")
SECTIONS = ("politics", "business", "sport")
SITE_NAME = "Sample News"
# A template line no generic rule knows: only the learned site model removes it.
DESK_LINE = "Reporting by the Sample News desk; editing by the night team."

_SUBJECTS = ["The finance minister", "Local farmers", "The city council", "Health officials",
             "A group of students", "The national team", "Opposition lawmakers", "Traders in the market",
             "The central bank", "Teachers' unions", "Residents of the district", "The new coach"]
_VERBS = ["announced", "criticised", "welcomed", "questioned", "approved", "rejected",
          "debated", "celebrated", "postponed", "reviewed", "defended", "proposed"]
_OBJECTS = ["a plan to repair rural roads", "the rising price of fuel", "new rules for street vendors",
            "a budget for the coming year", "the results of the regional election",
            "a programme to train young nurses", "plans for a new football stadium",
            "the reopening of the harbour", "a tax on imported rice", "the delayed railway project",
            "an agreement with neighbouring countries", "changes to the school calendar"]
_TAILS = ["on Tuesday", "after a long meeting", "despite strong objections", "in a statement",
          "during a press conference", "earlier this week", "at a rally in the capital",
          "according to officials", "in a surprise move", "after months of talks"]
_QUOTES = ["\u201cWe have listened to the people and we will act,\u201d said a spokesperson.",
           "\u201cThis is only the beginning,\u201d one observer noted.",
           "\u201cNobody expected the decision to come so quickly,\u201d a resident said."]


@dataclass
class Page:
    path: str
    content_type: str
    body: bytes
    last_modified: datetime


@dataclass
class Article:
    slug: str
    section: str
    template: str
    title: str
    author: str
    published: datetime
    paragraphs: list[str]


def _sentence(rng: random.Random) -> str:
    return f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_TAILS)}."


def _paragraph(rng: random.Random) -> str:
    parts = [_sentence(rng) for _ in range(rng.randint(2, 4))]
    if rng.random() < 0.3:
        parts.append(rng.choice(_QUOTES))
    return " ".join(parts)


def make_articles(n: int = 36, seed: int = 7) -> list[Article]:
    rng = random.Random(seed)
    base = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)
    out = []
    for i in range(n):
        section = SECTIONS[i % len(SECTIONS)]
        template = TEMPLATES[i % len(TEMPLATES)]
        words = f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)}"
        title = words[0].upper() + words[1:]
        slug = "-".join(w.strip("'\u2019").lower() for w in title.split())[:70].strip("-") + f"-{i}"
        out.append(Article(slug=slug, section=section, template=template, title=title,
                           author=rng.choice(["Ama Mensah", "Kofi Boateng", "Jane Doe", "Sam Lee"]),
                           published=base - timedelta(hours=5 * i),
                           paragraphs=[_paragraph(rng) for _ in range(rng.randint(5, 8))]))
    return out


def article_path(a: Article) -> str:
    return f"/{a.section}/{a.published:%Y/%m/%d}/{a.slug}.html"


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def page_head(title: str, site: str, before: str = "", after: str = "") -> str:
    """The doctype and ``<head>`` of a page of either generated site (this one and
    sample/large_site.py): "TITLE | SITE", og:site_name, ``before`` and ``after`` it."""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{_e(title)} | {site}</title>{before}"
            f'<meta property="og:site_name" content="{site}">{after}</head>')


def _head(title: str, extra: str = "") -> str:
    feed = '<link rel="alternate" type="application/rss+xml" href="/feed.xml">'
    return page_head(title, SITE_NAME, after=feed + head_tags() + extra)


def _nav() -> str:
    links = "".join(f'<li><a href="/{s}/">{s.title()}</a></li>' for s in SECTIONS)
    return (f'<header class="masthead"><a href="/">{logo()}{SITE_NAME}</a><nav class="main-nav"><ul>'
            f'{links}</ul></nav></header>')


def _footer() -> str:
    return ('<footer class="site-footer"><p>\u00a9 2026 Sample News. All rights reserved.</p>'
            '<a href="/about.html">About us</a> <a href="/feed.xml">RSS</a></footer>')


def _latest(articles: list[Article], me: Article) -> str:
    items = []
    for k, other in enumerate(a for a in articles if a is not me):
        if k == 6:
            break
        items.append(f'<li><a href="{article_path(other)}">{_e(other.title)}</a>'
                     f'<span class="time">{38 + 7 * k} minutes -</span></li>')
    return "".join(items)


def _jsonld(a: Article, url: str) -> str:
    data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": a.title,
            "author": [{"@type": "Person", "name": a.author}],
            "datePublished": a.published.isoformat(), "mainEntityOfPage": url}
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def _body_html(a: Article) -> str:
    return "".join(f"<p>{_e(p)}</p>" for p in a.paragraphs)


def render_article(a: Article, articles: list[Article]) -> str:
    url = article_path(a)
    meta = (f'<link rel="canonical" href="{url}"><meta property="og:type" content="article">'
            f'<meta name="author" content="{_e(a.author)}">' + _jsonld(a, url))
    head = _head(a.title, meta)
    byline = (f'<p class="byline">By {_e(a.author)} | {a.published:%d %B %Y}</p>'
              + figures(a.section))
    latest = _latest(articles, a)
    if a.template == "ghana":
        main = (f'<div class="article-content"><h1>{_e(a.title)}</h1>{byline}'
                '<div class="player-wrap"><p>Audio By Carbonatix</p></div>'
                f'{_body_html(a)}</div>'
                f'<div class="col-side"><h3>Latest Stories</h3><ul>{latest}</ul></div>')
    elif a.template == "daily":
        main = (f'<article><h1>{_e(a.title)}</h1>{byline}'
                '<div class="share-bar"><a href="#">Share on Facebook</a> <a href="#">Share on X</a>'
                '</div>'
                f'{_body_html(a)}<p>{DESK_LINE}</p>'
                '<div class="newsletter-box"><p>Sign up for our newsletter to get the top stories '
                'every morning.</p></div></article>'
                f'<aside><h3>Most Read</h3><ol>{latest}</ol></aside>')
    else:
        main = ('<div class="cookie-banner"><p>We use cookies to improve your experience on our '
                'site.</p></div>'
                f'<main><h1>{_e(a.title)}</h1>{byline}<p>Listen to this article</p>'
                f'{_body_html(a)}<p>{DESK_LINE}</p><h3>Related</h3><ul>{latest}</ul></main>')
    return f"{head}<body>{_nav()}{main}{_footer()}</body></html>"


def render_hub(title: str, articles: list[Article]) -> str:
    items = "".join(f'<li><h2><a href="{article_path(a)}">{_e(a.title)}</a></h2>'
                    f"<p>{_e(a.paragraphs[0][:120])}\u2026</p></li>" for a in articles)
    return f'{_head(title)}<body>{_nav()}<main><h1>{_e(title)}</h1><ul class="teasers">{items}</ul></main>{_footer()}</body></html>'


def render_feed(articles: list[Article]) -> str:
    items = "".join(f"<item><title>{_e(a.title)}</title><link>{{BASE}}{article_path(a)}</link>"
                    f"<pubDate>{a.published:%a, %d %b %Y %H:%M:%S +0000}</pubDate></item>"
                    for a in articles[:20])
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{SITE_NAME}</title>{items}</channel></rss>'


def render_sitemap(paths: list[tuple[str, datetime]]) -> str:
    urls = "".join(f"<url><loc>{{BASE}}{p}</loc><lastmod>{d:%Y-%m-%d}</lastmod></url>" for p, d in paths)
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'


def render_sitemap_index(paths: list[str]) -> str:
    maps = "".join(f"<sitemap><loc>{{BASE}}{p}</loc></sitemap>" for p in paths)
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{maps}</sitemapindex>')


def render_news_sitemap(articles: list[Article]) -> str:
    urls = "".join(f"<url><loc>{{BASE}}{article_path(a)}</loc><news:news><news:publication>"
                   f"<news:name>{SITE_NAME}</news:name><news:language>en</news:language>"
                   f"</news:publication><news:publication_date>{a.published.isoformat()}"
                   f"</news:publication_date><news:title>{_e(a.title)}</news:title></news:news></url>"
                   for a in articles)
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset '
            'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}</urlset>')


# smallest valid PDF and PNG bodies: non-HTML resources the crawl must archive too
_PDF = (b"%PDF-1.1\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>"
        b"endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
_PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                     "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def build_site(n_articles: int = 36) -> dict[str, Page]:
    """Path → Page for the whole sample site."""
    articles = make_articles(n_articles)
    when = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
    pages: dict[str, Page] = {}

    def add(path: str, ctype: str, body: str | bytes, modified: datetime = when) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        pages[path] = Page(path, ctype, data, modified)

    html_type = "text/html; charset=utf-8"
    add("/", html_type, render_hub("Top stories", articles[:12]).replace(
        "</ul></main>", '</ul><p><a href="/reports/annual-report.pdf">Annual report (PDF)</a> '
        '<a href="/img/logo.png">Logo</a> <a href="/about.html">About</a></p></main>'))
    for section in SECTIONS:
        add(f"/{section}/", html_type, render_hub(section.title(),
                                                 [a for a in articles if a.section == section]))
    for a in articles:
        add(article_path(a), html_type, render_article(a, articles), a.published)
    add("/about.html", html_type, render_hub("About Sample News", []))
    add("/reports/annual-report.pdf", "application/pdf", _PDF)
    add("/img/logo.png", "image/png", _PNG)
    add("/feed.xml", "application/rss+xml", render_feed(articles))
    add("/sitemap.xml", "application/xml",
        render_sitemap([(article_path(a), a.published) for a in articles]))
    add("/news-sitemap.xml", "application/xml", render_news_sitemap(articles[:10]))
    add("/sitemap_index.xml", "application/xml",
        render_sitemap_index(["/news-sitemap.xml", "/sitemap.xml"]))
    add("/robots.txt", "text/plain",
        "User-agent: *\nDisallow: /private/\nSitemap: {BASE}/sitemap_index.xml\n")
    add("/private/secret.html", html_type, render_hub("Private", []))
    for path, (ctype, body) in asset_files().items():  # served from the second host
        add(path, ctype, body)
    return pages


def seed_article(n_articles: int = 36) -> Article:
    """The first seed-like ("ghana" template) article of the site."""
    return next(a for a in make_articles(n_articles) if a.template == "ghana")
