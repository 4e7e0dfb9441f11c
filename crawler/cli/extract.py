"""`presskeep extract`: saved pages or WARC files → JSON Lines of clean articles on stdout."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Iterator

import click

from archive.errors import WarcReadError
from archive.timestamps import dataset_time, rfc3339
from crawler.cli.app import SKIPPED, fail, main


#: saved pages a directory given to extract holds (besides WARC, ARC and WACZ files)
PAGE_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")


def _content_type(payload) -> str:
    return next((v for k, v in payload.headers if k.lower() == "content-type"), "")


def _warc_pages(sources: list[str], problems: list[str], strict: bool
                ) -> Iterator[tuple[str, str | None, bytes, str | None]]:
    """(source, url, body, Content-Type) of every HTML page in the archives ``sources`` (revisits with
    their original's body); each record skipped, stretch resynced past or body cut is
    reported in one line (file and offset) and added to ``problems``; records used with a
    doubt (a failed digest) are reported, not added."""
    from archive.decode import MAX_BODY_SIZE
    from archive.reader import NOTED, ArchiveScan, RecordCache, load_ref
    from archive.reader.damage import collapsed

    scan = ArchiveScan(cache=RecordCache(size=4), strict=strict)
    for ref in scan.refs(sources):
        try:
            payload = load_ref(ref, scan.cache)
        except WarcReadError as exc:
            problems.append(str(exc))
            click.echo(f"presskeep: warning: {exc}", err=True)
            continue
        where = f"{ref.path}: record at offset {ref.offset}"
        if payload.problem:
            click.echo(f"presskeep: warning: {where}: {payload.problem}; cleaned as archived",
                       err=True)
        if payload.truncated:
            problems.append(f"{where}: body over {MAX_BODY_SIZE} bytes (a decompression bomb "
                            "or an oversized record): cut, not cleaned")
            click.echo(f"presskeep: warning: {problems[-1]}", err=True)
            continue
        ctype = _content_type(payload)
        if "html" in ctype.lower() or not ctype:
            yield ref.path, ref.url, payload.body, ctype or None
    for spot in collapsed(scan.bad):
        if spot.kind != NOTED:
            problems.append(str(spot))
        click.echo(f"presskeep: warning: {spot}", err=True)
    if scan.unresolved:
        problems.append(f"{len(scan.unresolved)} revisit(s) whose original is in none of the "
                        f"files (first: {scan.unresolved[0].url})")
        click.echo(f"presskeep: warning: {problems[-1]}", err=True)


def _inputs(paths: tuple[Path, ...]) -> tuple[list[Path], list[str]]:
    """(saved pages, archive sources) the paths name, in the order given; a directory gives
    both kinds."""
    from archive.containers import ARCHIVE_SUFFIXES, WACZ_SUFFIX, expand_inputs

    archives = ARCHIVE_SUFFIXES + (WACZ_SUFFIX,)
    pages: list[Path] = []
    sources: list[Path] = []
    for path in paths:
        if path.is_dir():
            pages += sorted(p for p in path.iterdir()
                            if p.is_file() and p.name.lower().endswith(PAGE_SUFFIXES))
            sources.append(path)
        elif path.name.lower().endswith(archives):
            sources.append(path)
        else:
            pages.append(path)
    return pages, expand_inputs(sources, in_name_order=False)


def _pages(paths: tuple[Path, ...], problems: list[str], strict: bool
           ) -> Iterator[tuple[str, str | None, bytes, str | None]]:
    pages, sources = _inputs(paths)
    for path in pages:
        try:
            data = _saved_page(path, problems)
        except (OSError, EOFError) as exc:
            problems.append(f"cannot read {path}: {exc}")
            click.echo(f"presskeep: warning: {problems[-1]}", err=True)
            continue
        if data is not None:
            yield str(path), None, data, None
    yield from _warc_pages(sources, problems, strict)


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


def _apply_model(model, doc) -> None:
    """What the crawl's site model does to a page, without learning: the site's title affix
    stripped (and a body line that repeats the stripped title), its template blocks dropped."""
    from pipelines.clean.extract import drop_title

    title = model.clean_title(doc.title)
    if title != doc.title:
        doc.title, doc.paragraphs = title, drop_title(doc.paragraphs, title)
    doc.paragraphs = model.filter(doc.paragraphs)


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
@click.option("--strict", is_flag=True,
              help="Skip records whose digests fail (default: use them, and say so).")
def extract(paths, url, out, strict):
    """Clean saved pages (.html, .html.gz) or WARC, ARC and WACZ files (or directories of
    them) into JSON Lines on stdout.

    With --out, the boilerplate presskeep learned for each page's site while
    crawling OUT is removed too.

    Example: presskeep extract page.html.gz crawl.warc.gz pack.wacz --out data > articles.jsonl
    """
    from pipelines.clean import extract as clean

    models = _site_models(out)
    count, problems = 0, []
    for path, page_url, body, content_type in _pages(paths, problems, strict):
        try:
            doc = clean(body, page_url or url, content_type=content_type)
            if models is not None and doc.site:
                _apply_model(models.get(doc.site), doc)
        except Exception as exc:  # one bad page: say so, go on
            click.echo(f"presskeep: cannot clean {page_url or path}: {exc}", err=True)
            continue
        row = {"path": path, "url": doc.url, "title": doc.title, "text": doc.text,
               "authors": doc.authors, "published": rfc3339(dataset_time(doc.published)),
               "language": doc.language}
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        fail(f"{problems[0]}{more}; {count} page(s) extracted", SKIPPED if count else 1)
    if not count:
        fail("no HTML pages found")
