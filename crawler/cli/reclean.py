"""`presskeep reclean`: re-clean stored articles once a site's boilerplate is learned."""

from __future__ import annotations

import click

from crawler.cli.app import fail, main, out_option


@main.command()
@out_option
@click.option("--site", default=None, help="Only this site (host without www.).")
@click.option("--no-learn", "no_learn", is_flag=True,
              help="Use the stored site models as they are instead of relearning them from the archive.")
def reclean(out, site, no_learn):
    """Re-clean stored article rows from their WARC records with the learned site boilerplate.

    Rows are updated in place (no new versions); the search index follows.

    Example: presskeep reclean --out data --site news.example
    """
    from archive.db import DB_NAME, connect
    from archive.lock import archive_lock
    from crawler.reclean import reclean as run

    if not (out / DB_NAME).exists():
        fail(f"no archive database at {out / DB_NAME}")
    with archive_lock(out, "reclean"):
        db = connect(out / DB_NAME, create=False)
        stats = run(db, out, site, learn=not no_learn)
    if site and not stats.rows:
        fail(f"no article rows for site {site!r}")
    click.echo(f"presskeep: reclean: {stats.sites} sites, {stats.rows} rows, {stats.changed} changed, "
               f"{stats.unreadable} unreadable records", err=True)
