"""A news site where some articles are app shells: HTML with an empty ``<div id="root">``
and a script that fetches the article as JSON (``/api/story/N.json``) and builds it.

Served on a free loopback port by sample/server.py's server, which counts nothing; this
handler also counts the hits per path, so tests can tell what the browser fetched.
``/story/leak`` is a shell whose script first tries addresses the address guard refuses
(link-local cloud metadata, a private network host): a crawl must never reach them.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timezone

from sample.server import SiteHandler, SiteServer
from sample.site import Page, _e, article_path, make_articles, page_head, render_article

WHEN = datetime(2026, 11, 20, tzinfo=timezone.utc)
#: what the leaky shell's script tries to reach before its own API
REFUSED_URLS = ("http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/internal")

APP_JS = """
const id = document.getElementById('root').dataset.story;
const refused = JSON.parse(document.getElementById('root').dataset.refused || '[]');
Promise.all(refused.map(u => fetch(u).catch(() => null))).then(() =>
  fetch('/api/story/' + id + '.json')).then(r => r.json()).then(story => {
  document.title = story.title + ' | App News';
  const article = document.createElement('article');
  const h1 = document.createElement('h1');
  h1.textContent = story.title;
  article.appendChild(h1);
  const by = document.createElement('p');
  by.className = 'byline';
  by.textContent = 'By ' + story.author;
  article.appendChild(by);
  for (const text of story.paragraphs) {
    const p = document.createElement('p');
    p.textContent = text;
    article.appendChild(p);
  }
  document.getElementById('root').appendChild(article);
});
"""


def shell_html(story: str, refused: tuple[str, ...] = ()) -> str:
    data = f' data-refused="{_e(json.dumps(list(refused)))}"' if refused else ""
    return (page_head("Loading", "App News") + '<body><div id="root" data-story="'
            f'{story}"{data}></div><script src="/static/app.js"></script></body></html>')


def _page(path: str, ctype: str, text: str) -> Page:
    return Page(path, ctype, text.encode("utf-8"), WHEN)


def build_app_site(shells: int = 6, plain: int = 6, leak: bool = False) -> dict[str, Page]:
    """``shells`` app-shell articles (/story/N), ``plain`` ordinary ones, an index linking
    them all; ``leak``: also /story/leak, whose script tries :data:`REFUSED_URLS`."""
    articles = make_articles(shells + plain, seed=23)
    html, js, data = "text/html; charset=utf-8", "application/javascript", "application/json"
    pages = {"/static/app.js": _page("/static/app.js", js, APP_JS)}
    links = []
    for n, a in enumerate(articles[:shells], 1):
        pages[f"/story/{n}"] = _page(f"/story/{n}", html, shell_html(str(n)))
        story = {"title": a.title, "author": a.author, "paragraphs": a.paragraphs}
        pages[f"/api/story/{n}.json"] = _page(f"/api/story/{n}.json", data, json.dumps(story))
        links.append(f"/story/{n}")
    for a in articles[shells:]:
        pages[article_path(a)] = _page(article_path(a), html, render_article(a, articles))
        links.append(article_path(a))
    if leak:
        a = make_articles(1, seed=29)[0]  # a text of its own: not a duplicate of a story's
        pages["/story/leak"] = _page("/story/leak", html, shell_html("leak", REFUSED_URLS))
        story = {"title": "The leak story", "author": a.author, "paragraphs": a.paragraphs}
        pages["/api/story/leak.json"] = _page("/api/story/leak.json", data, json.dumps(story))
        links.append("/story/leak")
    items = "".join(f'<li><a href="{href}">{href}</a></li>' for href in links)
    pages["/"] = _page("/", html, page_head("Front page", "App News")
                       + f"<body><h1>App News</h1><ul>{items}</ul></body></html>")
    return pages


def articles_of(shells: int = 6, plain: int = 6):
    """The articles behind :func:`build_app_site` (shells first), for expected texts."""
    return make_articles(shells + plain, seed=23)


class CountingHandler(SiteHandler):
    def do_GET(self) -> None:  # noqa: N802
        self.server.hits[self.path.split("?", 1)[0]] += 1  # type: ignore[attr-defined]
        super().do_GET()


def serve_app_site(**kwargs) -> SiteServer:
    server = SiteServer(build_app_site(**kwargs), handler=CountingHandler)
    server.hits = Counter()  # type: ignore[attr-defined]
    return server.start()
