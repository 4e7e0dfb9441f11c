"""`presskeep export`: archived articles → a JSONL, CSV or Parquet dataset."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Callable, Iterator

import click

from crawler import __version__
from crawler.cli.app import force_option, main, out_option, setup_logging


def shingle_tokens(text: str | None) -> list[str]:
    """The tokens `--dedup near` shingles: words, and single characters in the scripts
    written without spaces (pipelines.textunits.tokens), so that the word 3-grams of
    archive.neardup are character 3-grams in Chinese, Japanese, Thai, Lao, Khmer and
    Burmese. archive/ may not import pipelines/, so the command passes it in."""
    from pipelines.textunits import tokens

    return tokens(text or "")


@contextmanager
def progress_bar(total: int | None) -> Iterator[Callable[[int], None] | None]:
    """A rich progress bar on stderr when it is a terminal; nothing otherwise."""
    if total is None:
        yield None
        return
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    with Progress(TextColumn("exporting"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("export", total=total)
        yield lambda n: bar.advance(task, n)


def summary(result, fmt: str, target: str) -> str:
    where = "stdout" if target == "-" else ", ".join(str(p) for p in result.files)
    if len(result.files) > 3:
        where = f"{len(result.files)} files {result.files[0]} … {result.files[-1]}"
    card = f"; dataset card {result.card}" if result.card else ""
    return (f"presskeep: exported {result.rows} articles as {fmt} to {where}; "
            f"{result.dropped} duplicates dropped; {result.seconds:.1f}s "
            f"({result.rate:,.0f} rows/s){card}")


@main.command("export")
@out_option
@click.option("--format", "fmt", default=None, metavar="jsonl|csv|parquet",
              help="Output format (default: from the -o extension).")
@click.option("-o", "--output", "output", required=True, metavar="FILE",
              help="Output file; '-' for stdout (jsonl and csv).")
@force_option
@click.option("--site", "sites", multiple=True, help="Only this site (repeatable).")
@click.option("--language", "languages", multiple=True, help="Only this language code (repeatable).")
@click.option("--since", default=None, metavar="DATE", help="On or after DATE (ISO 8601).")
@click.option("--until", default=None, metavar="DATE",
              help="Up to DATE inclusive (a bare date covers that whole day).")
@click.option("--date-field", type=click.Choice(["published", "fetched"]), default="published",
              show_default=True, help="Which date --since/--until test.")
@click.option("--min-words", type=click.IntRange(min=0), default=0, help="At least N words.")
@click.option("--query", default=None, help="Full-text search (SQLite FTS5 syntax) on title+text.")
@click.option("--all-versions", is_flag=True, help="Every stored version, not only the latest.")
@click.option("--dedup", type=click.Choice(["none", "exact", "near"]), default="none",
              show_default=True, help="Drop duplicate texts, keeping the earliest capture.")
@click.option("--threshold", type=float, default=0.9, show_default=True,
              help="Jaccard similarity for --dedup near.")
@click.option("--shard-size", type=click.IntRange(min=0), default=0,
              help="Rows per file: FILE becomes STEM-00000.EXT, STEM-00001.EXT, ...")
@click.option("--no-card", is_flag=True,
              help="Do not write README.md, the dataset card, beside the file(s).")
@click.option("-v", "--verbose", count=True, help="More log output.")
def export_cmd(out, fmt, output, force, sites, languages, since, until, date_field, min_words, query,
               all_versions, dedup, threshold, shard_size, no_card, verbose):
    """Export archived articles as a dataset (schema: docs/dataset.md).

    An existing -o FILE (or shard) is replaced only with --force; the archive's own files,
    symbolic links and devices never are. CSV cells that a spreadsheet would run as a
    formula get a ' in front (JSONL and Parquet keep the raw text). README.md, the dataset
    card (columns, filters, counts by language and site; YAML front matter that Hugging
    Face `datasets` reads), is written beside the file(s) and published with them, unless
    --no-card or -o -; an existing README.md is replaced only with --force.

    Example: presskeep export --out data --format parquet -o articles.parquet --dedup exact
    """
    from archive.export import (ExportOptions, Filters, count_matching, export, format_for,
                                open_archive, parse_bound)

    setup_logging(verbose)
    filters = Filters(
        sites=sites, languages=languages, date_field=date_field, min_words=min_words,
        query=query, all_versions=all_versions,
        since=parse_bound(since) if since else None,
        until=parse_bound(until, upper=True) if until else None,
    )
    opts = ExportOptions(format=format_for(output, fmt), filters=filters, dedup=dedup,
                         threshold=threshold, shard_size=shard_size, tokens=shingle_tokens,
                         card=not no_card, software=f"presskeep {__version__}")
    opts.check()
    total = None
    if sys.stderr.isatty():
        conn = open_archive(out)
        try:
            total = count_matching(conn, filters)
        finally:
            conn.close()
    try:
        with progress_bar(total) as progress:
            result = export(out, output, opts, progress=progress, force=force)
    except BrokenPipeError:  # `presskeep export -o - | head`: the reader has had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    click.echo(summary(result, opts.format, output), err=True)

