"""`presskeep check`: verify WARC digests and that every row resolves to its record."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.cli.app import fail, main, out_option

MAX_SHOWN = 50


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@out_option
@click.option("-q", "--quiet", is_flag=True, help="Print nothing when the archive is sound.")
def check(paths, out, quiet):
    """Verify every WARC file's digests and every captures/articles row's WARC pointer.

    With PATHS (WARC, ARC or WACZ files, or directories of them), check those files'
    records and digests instead, with no database. Exit code 0 when sound, 1 with a
    report of each problem when not (a digest that fails, a stretch that cannot be read,
    a file that is no archive). Format slips warcio reads past (a record not followed by
    its blank lines, spaces in a target URI) are noted, not problems.

    Example: presskeep check --out data; presskeep check crawl.warc old.arc.gz pack.wacz
    """
    from archive.check import check_archive, check_files

    report = check_files(list(paths)) if paths else check_archive(out)
    for note in report.notes[:MAX_SHOWN]:
        click.echo(f"presskeep: note: {note}", err=True)
    for problem in report.problems[:MAX_SHOWN]:
        click.echo(f"  {problem}", err=True)
    if len(report.problems) > MAX_SHOWN:
        click.echo(f"  ... and {len(report.problems) - MAX_SHOWN} more", err=True)
    where = f"{len(paths)} path(s) given" if paths else str(out)
    summary = f"{report.files} WARC/ARC files, {report.records} records, "
    summary += f"{report.rows} rows checked in {where}" if not paths else f"checked in {where}"
    if not report.ok:
        fail(f"{len(report.problems)} problems: {summary}")
    if not quiet:
        click.echo(f"presskeep: ok: {summary}", err=True)
