"""A site with a crawl trap beside real pagination, on a free loopback port.

- ``/calendar/YYYY/MM/``: CALENDAR_MONTHS month pages from 2026-01; each links only the
  next month (and the site's navigation, as every page does) and holds no article;
- ``/archive/page/N``: LISTING_PAGES listing pages; each links the next one and
  ARTICLES_PER_PAGE new articles, ``/news/2026/story-N-K.html``, each a real article of
  its own text that links the next story (the first of the next listing page after the
  last): a chain of one URL pattern too, but of articles.

Run it by hand with ``python -m tests.trapsite``.
"""

from __future__ import annotations

import html
from datetime import datetime, timezone

from sample.server import SiteServer, serve
from sample.site import Page
from sample.articles import article_html, paragraphs

CALENDAR_MONTHS = 200
LISTING_PAGES = 60
ARTICLES_PER_PAGE = 10
HTML = "text/html; charset=utf-8"
NAV = '<nav><a href="/">Home</a> <a href="/archive/page/1">Archive</a> ' \
      '<a href="/calendar/2026/01/">Events</a></nav>'
WHEN = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


def month_path(index: int) -> str:
    """The path of the ``index``-th calendar month (0: 2026-01)."""
    year, month = divmod(index, 12)
    return f"/calendar/{2026 + year}/{month + 1:02d}/"


def story_path(page: int, k: int) -> str:
    return f"/news/2026/story-{page}-{k}.html"


def _hub(title: str, links: str) -> str:
    return (f"<!DOCTYPE html><html><head><title>{html.escape(title)}</title></head><body>"
            f"{NAV}<main><h1>{html.escape(title)}</h1>{links}</main></body></html>")


def calendar_page(index: int) -> str:
    return _hub(f"Events {month_path(index)[10:-1]}",
                f'<p>No events this month.</p><a href="{month_path(index + 1)}">next month</a>')


def listing_page(page: int) -> str:
    items = "".join(f'<li><h2><a href="{story_path(page, k)}">Story {page}.{k}</a></h2></li>'
                    for k in range(ARTICLES_PER_PAGE))
    return _hub(f"Archive, page {page}",
                f'<ul>{items}</ul><a href="/archive/page/{page + 1}">older stories</a>')


def build_trap_site() -> dict[str, Page]:
    pages: dict[str, Page] = {}

    def add(path: str, body: str) -> None:
        pages[path] = Page(path, HTML, body.encode("utf-8"), WHEN)

    add("/", _hub("Trap site", "<p>Welcome.</p>"))
    for index in range(CALENDAR_MONTHS):
        add(month_path(index), calendar_page(index))
    for page in range(1, LISTING_PAGES + 1):
        add(f"/archive/page/{page}", listing_page(page))
        for k in range(ARTICLES_PER_PAGE):
            following = story_path(page, k + 1) if k + 1 < ARTICLES_PER_PAGE else \
                story_path(page + 1, 0)
            add(story_path(page, k), article_html(f"Story {page}.{k}", paragraphs(
                f"story-{page}-{k}"), extra_body=f'{NAV}<a href="{following}">Next story</a>'))
    return pages


def serve_trap_site() -> SiteServer:
    return serve(build_trap_site)


if __name__ == "__main__":
    import time

    server = serve_trap_site()
    print(f"trap site on {server.base_url}/ (Ctrl-C to stop)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
