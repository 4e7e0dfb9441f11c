"""`presskeep check`: verify WARC digests and that every row resolves to its record."""

from __future__ import annotations

import click

from crawler.cli.app import fail, main, out_option

MAX_SHOWN = 50


@main.command()
@out_option
@click.option("-q", "--quiet", is_flag=True, help="Print nothing when the archive is sound.")
def check(out, quiet):
    """Verify every WARC file's digests and every captures/articles row's WARC pointer.

    Exit code 0 when the archive is sound, 1 with a report of each problem when not.

    Example: presskeep check --out data
    """
    from archive.check import check_archive

    report = check_archive(out)
    for problem in report.problems[:MAX_SHOWN]:
        click.echo(f"  {problem}", err=True)
    if len(report.problems) > MAX_SHOWN:
        click.echo(f"  ... and {len(report.problems) - MAX_SHOWN} more", err=True)
    summary = (f"{report.files} WARC files, {report.records} records, "
               f"{report.rows} rows checked in {out}")
    if not report.ok:
        fail(f"{len(report.problems)} problems: {summary}")
    if not quiet:
        click.echo(f"presskeep: ok: {summary}", err=True)
