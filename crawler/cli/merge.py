"""`presskeep merge`: combine the shards of a distributed crawl into one archive."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.cli.app import main


@main.command()
@click.argument("shards", nargs=-1, required=True,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The merged archive (WARC files under OUT/warc, database OUT/presskeep.db).")
@click.option("--recover", is_flag=True,
              help="Finish WARC files that killed workers left open (only once they are gone).")
def merge(shards, out, recover):
    """Merge worker shards (OUT/shards/* of `crawl --redis`) into one database and WARC set.

    Only the shards' own WARC files are merged (regular files in SHARD/warc), and
    only rows that point at them; others are skipped with one warning line.

    Example: presskeep merge data/shards --out merged
    """
    from archive.lock import archive_lock
    from archive.merge import merge as merge_shards
    from pipelines.sitemodels import merge_site_models

    with archive_lock(out, "merge"):
        report = merge_shards(shards, out, recover=recover, merge_models=merge_site_models)
    for line in report.skipped_files + report.skipped_rows:
        click.echo(f"presskeep: warning: {line}", err=True)
    click.echo(f"presskeep: merged {len(report.shards)} shard(s) into {out}: "
               f"{report.warc_files} WARC files, {report.captures} captures, "
               f"{report.articles} articles, {report.sites} sites "
               f"({report.duplicate_captures} duplicate captures and "
               f"{report.duplicate_articles} duplicate articles dropped)", err=True)
