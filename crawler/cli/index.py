"""`presskeep index`: a CDXJ index of the archive's WARC files."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.cli.app import SKIPPED, fail, force_option, main, out_option, setup_logging


@main.command()
@out_option
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Index file to write [default: OUT/index.cdxj, replaced on each run].")
@force_option
def index(out, output, force):
    """Write a sorted CDXJ index (cdxj-indexer) of every WARC (and ARC) file under OUT/warc.

    Filenames in the index are relative to OUT (warc/NAME.warc.gz), as in the database.
    A file that is no archive, or a damaged stretch, is named in one line and left out;
    the rest is indexed (exit code 4).
    An existing -o FILE is replaced only with --force; the archive's own files never are.

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
    target = output or out / INDEX_NAME
    lines, problems = write_cdxj(target, warcs, root=out, force=force or output is None)
    for problem in problems:
        click.echo(f"presskeep: warning: {problem}", err=True)
    click.echo(f"presskeep: indexed {len(warcs)} WARC file(s): {lines} lines in {target}", err=True)
    if problems:
        fail(f"{len(problems)} unreadable file(s) or stretch(es) not indexed (each named above); "
             "the rest is indexed", SKIPPED)
