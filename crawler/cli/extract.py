"""`presskeep extract`: saved pages or WARC files → JSON Lines of clean articles on stdout."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Iterator

import click

from archive.errors import WarcReadError
from crawler.cli.app import SKIPPED, fail, main


def _is_page(ref) -> bool:
    return (ref.rec_type == "response" and 200 <= ref.status < 300
            and "html" in ref.content_type.lower())


def _warc_pages(path: Path, problems: list[str]) -> Iterator[tuple[str | None, bytes, str | None]]:
    """The HTML pages of a WARC file; each record skipped, stretch resynced past or body
    cut is reported in one line (file and offset) and added to ``problems``."""
    from archive.decode import MAX_BODY_SIZE
    from archive.reader import RecordCache, load_payload, scan_file

    bad: list = []
    cache = RecordCache(size=4)
    for ref in scan_file(path, bad, cache=cache, check_digests=True):
        if not _is_page(ref):
            continue
        payload = load_payload(ref.path, ref.offset, cache)
        where = f"{path}: record at offset {ref.offset}"
        if payload.problem:
            click.echo(f"presskeep: warning: {where}: {payload.problem}; cleaned as archived",
                       err=True)
        if payload.truncated:
            problems.append(f"{where}: body over {MAX_BODY_SIZE} bytes (a decompression bomb "
                            "or an oversized record): cut, not cleaned")
            click.echo(f"presskeep: warning: {problems[-1]}", err=True)
            continue
        yield ref.url, payload.body, ref.content_type or None
    for spot in bad:
        problems.append(str(spot))
        click.echo(f"presskeep: warning: {spot}", err=True)


def _pages_from_file(path: Path, problems: list[str]) -> Iterator[tuple[str | None, bytes, str | None]]:
    name = path.name.lower()
    if name.endswith((".warc", ".warc.gz", ".arc", ".arc.gz")):
        yield from _warc_pages(path, problems)
        return
    data = _saved_page(path, problems)
    if data is not None:
        yield None, data, None


def _saved_page(path: Path, problems: list[str]) -> bytes | None:
    """A saved page's bytes (gunzipped for .gz); None (reported) past MAX_BODY_SIZE."""
    from archive.decode import MAX_BODY_SIZE, decode_body, read_bounded

    with open(path, "rb") as fh:
        data, cut = read_bounded(fh)
    if path.name.lower().endswith(".gz"):
        decoded = decode_body(data, [("Content-Encoding", "gzip")])
        if decoded.problem:
            raise OSError(decoded.problem)
        data, cut = decoded.body, cut or decoded.truncated
    if cut:
        problems.append(f"{path}: longer than {MAX_BODY_SIZE} bytes (a decompression bomb?): "
                        "not cleaned")
        click.echo(f"presskeep: warning: {problems[-1]}", err=True)
        return None
    return data


def _site_models(out: Path | None):
    """The archive's stored site models (read-only use), or None without --out."""
    if out is None:
        return None
    from archive.db import DB_NAME, connect_for_reading
    from pipelines.sitemodels import SiteModels

    if not (out / DB_NAME).exists():
        fail(f"no archive database at {out / DB_NAME}")
    return SiteModels(connect_for_reading(out / DB_NAME))


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
    count, problems = 0, []
    for path in paths:
        try:
            for page_url, body, content_type in _pages_from_file(path, problems):
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
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        fail(f"{problems[0]}{more}; {count} page(s) extracted", SKIPPED if count else 1)
    if not count:
        fail("no HTML pages found")
