"""`presskeep wacz`: package the archive as a WACZ (py-wacz) for ReplayWeb.page and pywb."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.cli.app import SKIPPED, fail, force_option, main, out_option, setup_logging


@main.command()
@out_option
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="WACZ file to write [default: OUT/archive.wacz, replaced on each run].")
@force_option
@click.option("--title", default="presskeep archive", show_default=True, help="Package title.")
@click.option("--validate/--no-validate", default=True, show_default=True,
              help="Run py-wacz's validation on the result.")
@click.option("--page-text/--no-page-text", default=True, show_default=True,
              help="Put each article's text in pages.jsonl (ReplayWeb.page's full-text search).")
def wacz(out, output, force, title, validate, page_text):
    """Package OUT's WARC files, their CDXJ index and a pages.jsonl of the article pages
    (url, title and text: ReplayWeb.page searches them).

    Articles replayed from WARC files outside OUT are packaged with those files. A file
    that is no archive is left out, a damaged stretch left out of the index, each named
    in one line (exit code 4).
    The result is WACZ 1.1.1: `wacz validate` passes, ReplayWeb.page opens it,
    and pywb loads it with `wb-manager add --unpack-wacz COLL FILE`. An existing -o FILE
    is replaced only with --force; the archive's own files never are.

    Example: presskeep wacz --out data -o news.wacz
    """
    from archive.cdxj import archive_warcs
    from archive.db import DB_NAME, connect_for_reading
    from archive.lock import writable
    from archive.output import check_target
    from archive.wacz import article_pages, create_wacz, referenced_warcs

    setup_logging(0)
    if output is None and not writable(out):
        fail(f"read-only archive: {out}; write the package elsewhere with -o FILE")
    target = output or out / "archive.wacz"
    force = force or output is None  # the default output is derived: replaced on each run
    check_target(target, force=force, archive=out, parents=True)  # before any reading
    db_path = out / DB_NAME
    if not db_path.exists():
        fail(f"no database at {db_path}")
    db = connect_for_reading(db_path)  # read-only media too
    try:
        warcs = archive_warcs(out) + referenced_warcs(db, out)
        if not warcs:
            fail(f"no WARC files in {out / 'warc'} and none referenced by the database")
        # streamed into pages.jsonl: the texts are never all in memory at once
        pages = article_pages(db, {p.name for p in warcs}, text=page_text)
        problems: list[str] = []
        count = create_wacz(target, warcs, pages, title=title, validate=validate,
                            force=force, archive=out, problems=problems)
    finally:
        db.conn.close()
    for problem in problems:
        click.echo(f"presskeep: warning: {problem}", err=True)
    packed = len(warcs) - sum(p.endswith("not packaged") for p in problems)
    click.echo(f"presskeep: wrote {target}: {packed} WARC file(s), {count} article pages",
               err=True)
    if validate:
        click.echo(f"presskeep: {target} is a valid WACZ", err=True)
    if problems:
        fail(f"{len(problems)} unreadable file(s) or stretch(es) not packaged or not indexed "
             "(each named above); the rest is packaged", SKIPPED)
