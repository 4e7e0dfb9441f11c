"""`presskeep merge`: combine the shards of a distributed crawl into one archive."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.cli.app import main


def model_merger():
    """The cleaner's site-model merge, when it offers one (else: keep the model with most pages)."""
    try:
        from pipelines.clean import boilerplate
    except ImportError:
        return None
    return getattr(boilerplate, "merge_site_models", None)


@main.command()
@click.argument("shards", nargs=-1, required=True,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The merged archive (WARC files under OUT/warc, database OUT/presskeep.db).")
@click.option("--recover", is_flag=True,
              help="Finish WARC files that killed workers left open (only once they are gone).")
def merge(shards, out, recover):
    """Merge worker shards (OUT/shards/* of `crawl --redis`) into one database and WARC set.

    Example: presskeep merge data/shards --out merged
    """
    from archive.merge import merge as merge_shards

    report = merge_shards(shards, out, recover=recover, merge_models=model_merger())
    click.echo(f"presskeep: merged {len(report.shards)} shard(s) into {out}: "
               f"{report.warc_files} WARC files, {report.captures} captures, "
               f"{report.articles} articles, {report.sites} sites "
               f"({report.duplicate_captures} duplicate captures and "
               f"{report.duplicate_articles} duplicate articles dropped)", err=True)
