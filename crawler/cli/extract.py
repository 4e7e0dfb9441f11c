"""`presskeep extract`: saved pages or WARC files → JSON Lines of clean articles on stdout."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Iterator

import click

from archive.errors import WarcReadError
from crawler.cli.app import fail, main


def _pages_from_file(path: Path) -> Iterator[tuple[str | None, bytes, str | None]]:
    """(URL, body, Content-Type header) of each page in a WARC or saved HTML file."""
    name = path.name.lower()
    if name.endswith((".warc", ".warc.gz", ".arc", ".arc.gz")):
        from archive.read import iter_html_responses

        for rec in iter_html_responses(path):
            yield rec.url, rec.body, rec.content_type or None
        return
    data = path.read_bytes()
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    yield None, data, None


def _site_models(out: Path | None):
    """The archive's stored site models (read-only use), or None without --out."""
    if out is None:
        return None
    from archive.db import DB_NAME, connect
    from pipelines.store import SiteModels

    if not (out / DB_NAME).exists():
        fail(f"no archive database at {out / DB_NAME}")
    return SiteModels(connect(out / DB_NAME, create=False))


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--url", default=None, help="The URL the saved page came from (helps metadata).")
@click.option("--out", "out", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Archive whose learned site boilerplate to apply (OUT/presskeep.db).")
def extract(paths, url, out):
    """Clean saved pages (.html, .html.gz) or WARC files into JSON Lines on stdout.

    With --out, the boilerplate presskeep learned for each page's site while
    crawling OUT is removed too.

    Example: presskeep extract page.html.gz crawl.warc.gz --out data > articles.jsonl
    """
    from pipelines.clean import extract as clean

    models = _site_models(out)
    count = 0
    for path in paths:
        try:
            for page_url, body, content_type in _pages_from_file(path):
                try:
                    doc = clean(body, page_url or url, content_type=content_type)
                    if models is not None and doc.site:
                        doc.paragraphs = models.get(doc.site).filter(doc.paragraphs)
                except Exception as exc:  # one bad page: say so, go on
                    click.echo(f"presskeep: cannot clean {page_url or path}: {exc}", err=True)
                    continue
                row = {"path": str(path), "url": doc.url, "title": doc.title, "text": doc.text,
                       "authors": doc.authors, "published": doc.published,
                       "language": doc.language}
                sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
                count += 1
        except (OSError, EOFError, WarcReadError) as exc:
            fail(str(exc) if isinstance(exc, WarcReadError) else f"cannot read {path}: {exc}")
    if not count:
        fail("no HTML pages found")
