"""`presskeep wacz`: package the archive as a WACZ (py-wacz) for ReplayWeb.page and pywb."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.cli.app import fail, main, out_option, setup_logging


@main.command()
@out_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="WACZ file to write [default: OUT/archive.wacz].")
@click.option("--title", default="presskeep archive", show_default=True, help="Package title.")
@click.option("--validate/--no-validate", default=True, show_default=True,
              help="Run py-wacz's validation on the result.")
def wacz(out, output, title, validate):
    """Package OUT's WARC files, their CDXJ index and a pages.jsonl of the article pages.

    Articles replayed from WARC files outside OUT are packaged with those files.
    The result is WACZ 1.1.1: `wacz validate` passes, ReplayWeb.page opens it,
    and pywb loads it with `wb-manager add --unpack-wacz COLL FILE`.

    Example: presskeep wacz --out data -o news.wacz
    """
    from archive.cdxj import archive_warcs
    from archive.db import DB_NAME, connect_for_reading
    from archive.lock import writable
    from archive.wacz import article_pages, create_wacz, referenced_warcs, validate_wacz

    setup_logging(0)
    db_path = out / DB_NAME
    if not db_path.exists():
        fail(f"no database at {db_path}")
    db = connect_for_reading(db_path)  # read-only media too
    try:
        warcs = archive_warcs(out) + referenced_warcs(db, out)
        if not warcs:
            fail(f"no WARC files in {out / 'warc'} and none referenced by the database")
        pages = list(article_pages(db, {p.name for p in warcs}))
    finally:
        db.conn.close()
    if output is None and not writable(out):
        fail(f"read-only archive: {out}; write the package elsewhere with -o FILE")
    output = output or out / "archive.wacz"
    count = create_wacz(output, warcs, pages, title=title)
    click.echo(f"presskeep: wrote {output}: {len(warcs)} WARC file(s), {count} article pages",
               err=True)
    if validate:
        ok, log = validate_wacz(output)
        if not ok:
            fail(f"{output} failed validation: {log.strip().splitlines()[-1:]}")
        click.echo(f"presskeep: {output} is a valid WACZ", err=True)
