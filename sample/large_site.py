"""A deterministic, link-heavy news site written as static files for the crawl benchmark.

    python -m sample.large_site DIR --articles 5000

Shape (per article page, on average): ~45 KB of HTML, ~130 ``<a href>`` links
(masthead and section navigation, a "Latest" list, "Related" and "Most read"
lists, tags, a big footer and a few off-site social links), an inline style and
script blob like the ones real news sites ship, and 6-12 body paragraphs.
Section hubs are paginated (30 teasers a page); every article links to its
neighbours, so the whole site is reachable from ``/``.

Everything comes from ``random.Random(seed + i)``: the same arguments always
give byte-identical files.
"""

from __future__ import annotations

import argparse
import html
import random
import time
from pathlib import Path

from sample.site import page_head

SECTIONS = ("politics", "business", "sport", "world", "africa", "tech", "health", "science",
            "culture", "opinion", "travel", "money")
SUBSECTIONS = tuple(f"{s}/{k}" for s in SECTIONS[:4] for k in ("latest", "analysis", "video"))
STATIC = ("about", "contact", "advertise", "careers", "terms", "privacy", "cookies", "help",
          "newsletters", "podcasts", "archive", "corrections", "ethics", "team", "jobs", "events",
          "apps", "rss", "sitemap-html", "accessibility")
TAGS = tuple(f"tag-{k:03d}" for k in range(200))
PER_HUB_PAGE = 30

_WORDS = ("minister council market election budget farmers harbour railway teachers union "
          "district capital officials statement meeting price fuel tax rice nurses stadium "
          "agreement neighbouring calendar school reform court ruling police report survey "
          "hospital water power grid bank inflation exports cocoa gold mining coast festival "
          "league coach season transfer striker goal title cup final").split()

_STYLE = "<style>" + "".join(
    f".c{k}{{margin:{k % 7}px;padding:{k % 5}px;color:#{k * 7919 % 0xFFFFFF:06x};"
    f"font-size:{10 + k % 9}px;line-height:1.{k % 9}}}" for k in range(120)) + "</style>"
_SCRIPT = ("<script>window.__CFG__=" + "{" + ",".join(
    f'"k{k}":"{"abcdef"[k % 6] * (8 + k % 13)}"' for k in range(700)) + "};"
    "(function(){var a=document.querySelectorAll('a');for(var i=0;i<a.length;i++){"
    "a[i].dataset.t=i;}})();</script>")


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def article_path(i: int) -> str:
    section = SECTIONS[i % len(SECTIONS)]
    return f"/{section}/{2026 - i % 3}/{i % 12 + 1:02d}/story-{i}.html"


def hub_path(section: str, page: int) -> str:
    return f"/{section}/" if page == 0 else f"/{section}/page/{page + 1}.html"


def _title(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(6, 11))]
    return " ".join(words).capitalize()


def _paragraph(rng: random.Random) -> str:
    sentences = []
    for _ in range(rng.randint(3, 6)):
        words = [rng.choice(_WORDS) for _ in range(rng.randint(10, 22))]
        sentences.append(" ".join(words).capitalize() + ".")
    return " ".join(sentences)


def _head(title: str, extra: str = "") -> str:
    viewport = '<meta name="viewport" content="width=device-width">'
    return page_head(title, "Bench News", before=viewport, after=extra + _STYLE)


def _masthead() -> str:
    sections = "".join(f'<li><a href="{hub_path(s, 0)}">{s.title()}</a></li>' for s in SECTIONS)
    subs = "".join(f'<li><a href="/{s}/">{s.split("/")[1].title()}</a></li>' for s in SUBSECTIONS)
    return (f'<header class="masthead"><a class="logo" href="/">Bench News</a>'
            f'<nav class="main-nav"><ul>{sections}</ul><ul class="sub">{subs}</ul></nav>'
            '<div class="ad-slot" data-ad="top">Advertisement</div></header>')


def _footer() -> str:
    static = "".join(f'<li><a href="/{p}.html">{p.replace("-", " ").title()}</a></li>'
                     for p in STATIC)
    social = "".join(f'<a href="https://{s}.example.org/benchnews">{s}</a> '
                     for s in ("facebook", "x", "instagram", "youtube"))
    return (f'<footer class="site-footer"><ul>{static}</ul><p>{social}</p>'
            '<p>\u00a9 2026 Bench News. All rights reserved.</p></footer>' + _SCRIPT)


def _link_list(ids: list[int], titles: dict[int, str] | None = None) -> str:
    return "".join(f'<li><a href="{article_path(j)}">Story {j}: {_e((titles or {}).get(j, ""))}'
                   f'</a><span class="time">{(j * 7) % 59 + 1} minutes ago</span></li>'
                   for j in ids)


def render_article(i: int, n: int, seed: int) -> str:
    rng = random.Random(seed * 1_000_003 + i)
    title = _title(rng)
    path = article_path(i)
    latest = [(i - k) % n for k in range(1, 26)]
    related = [rng.randrange(n) for _ in range(20)]
    popular = [rng.randrange(n) for _ in range(20)]
    more = [(i + len(SECTIONS) * k) % n for k in range(1, 11)]
    tags = rng.sample(TAGS, 6)
    author = rng.choice(("Ama Mensah", "Kofi Boateng", "Jane Doe", "Sam Lee", "Efua Owusu"))
    body = "".join(f"<p>{_e(_paragraph(rng))}</p>" for _ in range(rng.randint(6, 12)))
    meta = (f'<link rel="canonical" href="{path}"><meta property="og:type" content="article">'
            f'<meta name="author" content="{author}">')
    tag_links = "".join(f'<a class="tag" href="/tags/{t}.html">{t}</a> ' for t in tags)
    return (_head(title, meta) + "<body>" + _masthead() +
            f'<div class="article-content"><h1>{_e(title)}</h1>'
            f'<p class="byline">By {author} | {i % 28 + 1} March 2026</p>'
            '<div class="player-wrap"><p>Listen to this article</p></div>'
            f'<div class="share-bar"><a href="{path}#share-fb">Share</a> '
            f'<a href="{path}#share-x">Post</a></div>'
            f"{body}<p class=\"tags\">{tag_links}</p>"
            f'<p class="pager"><a href="{article_path((i + 1) % n)}">Next story</a> '
            f'<a href="{article_path((i - 1) % n)}">Previous story</a></p></div>'
            f'<aside class="col-side"><h3>Latest Stories</h3><ul>{_link_list(latest)}</ul>'
            f'<h3>Most Read</h3><ol>{_link_list(popular)}</ol></aside>'
            f'<section class="related"><h3>Related</h3><ul>{_link_list(related)}</ul>'
            f'<h3>More in this section</h3><ul>{_link_list(more)}</ul></section>'
            '<div class="newsletter-box"><p>Sign up for our newsletter.</p></div>'
            + _footer() + "</body></html>")


def render_hub(title: str, ids: list[int], pager: list[tuple[str, str]]) -> str:
    items = "".join(f'<li><h2><a href="{article_path(j)}">Story {j}</a></h2>'
                    f'<p>{_e(_paragraph(random.Random(j))[:160])}\u2026</p></li>' for j in ids)
    nav = "".join(f'<a href="{href}">{_e(label)}</a> ' for label, href in pager)
    return (_head(title) + "<body>" + _masthead() +
            f'<main><h1>{_e(title)}</h1><ul class="teasers">{items}</ul>'
            f'<p class="pager">{nav}</p></main>' + _footer() + "</body></html>")


def site_pages(n: int, seed: int = 1):
    """Yield (path, html) for the whole site: articles, paginated hubs, tag and static pages."""
    for i in range(n):
        yield article_path(i), render_article(i, n, seed)
    for s_index, section in enumerate(SECTIONS):
        ids = [i for i in range(n) if i % len(SECTIONS) == s_index][::-1]
        pages = max(1, -(-len(ids) // PER_HUB_PAGE))
        for p in range(pages):
            pager = [(str(k + 1), hub_path(section, k)) for k in range(max(0, p - 5), min(pages, p + 6))]
            if p + 1 < pages:
                pager.append(("Next", hub_path(section, p + 1)))
            chunk = ids[p * PER_HUB_PAGE:(p + 1) * PER_HUB_PAGE]
            yield hub_path(section, p), render_hub(section.title(), chunk, pager)
    for sub in SUBSECTIONS:
        section = sub.split("/")[0]
        s_index = SECTIONS.index(section)
        ids = [i for i in range(n) if i % len(SECTIONS) == s_index][-PER_HUB_PAGE:]
        yield f"/{sub}/", render_hub(sub, ids, [(section, hub_path(section, 0))])
    for t_index, tag in enumerate(TAGS):
        ids = list(range(t_index % 97, n, 97))[:PER_HUB_PAGE]
        yield f"/tags/{tag}.html", render_hub(tag, ids, [])
    for name in STATIC:
        yield f"/{name}.html", render_hub(name.title(), [], [])
    yield "/", render_hub("Top stories", list(range(n - 1, max(-1, n - 41), -1)),
                          [(s, hub_path(s, 0)) for s in SECTIONS])


def hub_kind(path: str) -> str:
    """Which kind of non-article page ``path`` is (home, section, subsection, paginated, tag, static)."""
    if path == "/":
        return "home"
    if "/page/" in path:
        return "paginated"
    if path.startswith("/tags/"):
        return "tag"
    if path.endswith("/"):
        return "section" if path.count("/") == 2 else "subsection"
    return "static"


def sample_pages(articles: int, n: int = 5000, per_kind: int = 40, seed: int = 1):
    """(path, html) for the first ``articles`` articles of the ``n``-article site and up to
    ``per_kind`` pages of each :func:`hub_kind` (all kinds of hub: the cleaning benchmarks)."""
    kinds: dict[str, int] = {}
    for index, (path, text) in enumerate(site_pages(n, seed)):
        if index < n:
            if index < articles:
                yield path, text
            continue
        kind = hub_kind(path)
        kinds[kind] = kinds.get(kind, 0) + 1
        if kinds[kind] <= per_kind:
            yield path, text


def _file_for(root: Path, path: str) -> Path:
    return root / (path.lstrip("/") + "index.html" if path.endswith("/") else path.lstrip("/"))


def write_site(root: Path, n: int, seed: int = 1) -> int:
    """Write the site under ``root``; return the number of HTML pages."""
    count = 0
    made: set[Path] = set()
    for path, text in site_pages(n, seed):
        target = _file_for(root, path)
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        target.write_text(text, encoding="utf-8")
        count += 1
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")
    return count


def ensure_site(cache: Path, n: int, seed: int = 1) -> tuple[Path, int]:
    """The site for (n, seed) under ``cache``, generated once and reused."""
    root = cache / f"site-{n}-{seed}"
    stamp = root / ".pages"
    if stamp.exists():
        return root, int(stamp.read_text())
    count = write_site(root, n, seed)
    stamp.write_text(str(count))
    return root, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.monotonic()
    count = write_site(args.root, args.articles, args.seed)
    print(f"{count} pages in {time.monotonic() - started:.1f}s under {args.root}")


if __name__ == "__main__":
    main()
