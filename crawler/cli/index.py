"""`presskeep index`: a CDXJ index of the archive's WARC files."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.cli.app import fail, main, out_option, setup_logging


@main.command()
@out_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Index file to write [default: OUT/index.cdxj].")
def index(out, output):
    """Write a sorted CDXJ index (cdxj-indexer) of every WARC file under OUT/warc.

    Filenames in the index are relative to OUT (warc/NAME.warc.gz), as in the database.

    Example: presskeep index --out data -o data/index.cdxj
    """
    from archive.cdxj import INDEX_NAME, archive_warcs, write_cdxj
    from archive.lock import writable

    setup_logging(0)
    warcs = archive_warcs(out)
    if not warcs:
        fail(f"no WARC files in {out / 'warc'}")
    if output is None and not writable(out):
        fail(f"read-only archive: {out}; write the index elsewhere with -o FILE")
    output = output or out / INDEX_NAME
    lines = write_cdxj(output, warcs, root=out)
    click.echo(f"presskeep: indexed {len(warcs)} WARC file(s): {lines} lines in {output}", err=True)
