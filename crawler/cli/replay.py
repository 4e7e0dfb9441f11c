"""`presskeep replay`: archived responses → the crawl's cleaning and storing pipelines, offline."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.cli.app import SKIPPED, fail, main, out_option, setup_logging
from crawler.cli.common import crawl_settings, parse_settings


def expand(paths: tuple[Path, ...]) -> list[str]:
    """The record sources named (archive/containers.py expand_inputs): files, the WARC, ARC
    and WACZ files of each directory, the WARCs inside each WACZ; one order, each once."""
    from archive.containers import ARCHIVE_SUFFIXES, WACZ_SUFFIX, expand_inputs

    for path in paths:
        if path.is_dir() and not any(p.name.lower().endswith(ARCHIVE_SUFFIXES + (WACZ_SUFFIX,))
                                     for p in path.iterdir()):
            fail(f"no WARC, ARC or WACZ files (*.warc, *.warc.gz, *.arc, *.arc.gz, *.wacz) in "
                 f"{path}", 2)
    return expand_inputs(paths)


def run_replay(settings, warcs: list[str], strict: bool = False):
    """Run the replay spider in this process; return the crawler (stats, spider, session)."""
    from scrapy.crawler import CrawlerProcess

    from crawler.spiders.replay import ReplaySpider

    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(ReplaySpider)
    setup_logging(settings.getint("PRESSKEEP_VERBOSE"))
    process.crawl(crawler, warcs=warcs, strict=strict)
    process.start()
    return crawler


def changes(out: Path, run_id: int) -> tuple[int, int]:
    """(articles new to the database, articles whose text changed) in replay run ``run_id``."""
    from archive.db import DB_NAME, connect

    db = connect(out / DB_NAME)
    try:
        new = db.execute("SELECT COUNT(DISTINCT url) FROM articles WHERE run_id = ? AND version = 1",
                         [run_id]).fetchone()[0]
        changed = db.execute(
            "SELECT COUNT(DISTINCT url) FROM articles WHERE run_id = ? AND version > 1 "
            "AND url IN (SELECT url FROM articles WHERE run_id < ?)", [run_id, run_id]).fetchone()[0]
    finally:
        db.conn.close()
    return new, changed


def summary(stats: dict, files: int, new: int, changed: int, had_db: bool) -> str:
    line = (f"presskeep: replayed {stats.get('presskeep/replay/records', 0)} HTML records "
            f"({stats.get('presskeep/replay/revisits', 0)} of them revisits) from {files} "
            f"file(s) ({stats.get('presskeep/replay/scanned', 0)} responses and revisits read), "
            f"{stats.get('presskeep/articles/kept', 0)} articles kept")
    if had_db:
        line += f"; {changed} articles' text changed compared with the database, {new} new"
    return line


@main.command()
@click.argument("warcs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@out_option
@click.option("--strict", is_flag=True,
              help="Skip records whose digests fail (default: use them, and say so).")
@click.option("-s", "--set", "pairs", multiple=True, metavar="NAME=VALUE",
              help="Any Scrapy or PRESSKEEP_* setting (repeatable).")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def replay(warcs, out, strict, pairs, verbose):
    """Re-run cleaning and storing over archived responses in WARCS: WARC, ARC or WACZ
    files, or directories of them.

    No network access: responses come from the archived records, and rows point at
    them. Reads archives from wget, wpull, Heritrix, Common Crawl, warcio/pywb and
    browsertrix too; damage is reported (file, offset, reason) and passed over.

    Example: presskeep replay site.warc.gz old.arc.gz pack.wacz data/warc/ --out data
    """
    from archive.containers import resolved
    from archive.db import DB_NAME
    from archive.lock import archive_lock
    from crawler.session import ArchiveSession

    files = expand(warcs)
    overrides = parse_settings(pairs)
    had_db = (out / DB_NAME).exists()
    setup_logging(verbose)
    settings = crawl_settings(out, overrides, {"warcs": [resolved(p) for p in files],
                                               "settings": overrides})
    settings.set("PRESSKEEP_VERBOSE", verbose, priority="cmdline")
    with archive_lock(out, "replay"):  # busy (a crawl, another replay): one line, exit 3
        crawler = run_replay(settings, files, strict)
        session = crawler.get_extension(ArchiveSession)
        new, changed = changes(out, session.run_id) if session else (0, 0)
    stats = crawler.stats.get_stats() if crawler.stats else {}
    scan = crawler.spider.scan
    click.echo(summary(stats, len(files), new, changed, had_db), err=True)
    report_damage(scan)
    if stats.get("finish_reason") == "write_failed":
        fail(f"{stats.get('presskeep/error')}; the replay stopped there. Free some space and "
             "run the same command again (rows already stored are not duplicated)")
    if not scan.counts.get("records") and scan.bad:
        fail("nothing readable in " + ", ".join(files))
    if not stats.get("presskeep/replay/records"):
        click.echo(f"presskeep: no archived HTML responses in {', '.join(files)}: "
                   "nothing to replay (0 rows)", err=True)
    skipped = skips(scan, stats)
    if skipped:
        fail(f"finished, but skipped: {skipped} (each reported above); the rest was "
             "replayed", SKIPPED)


def report_damage(scan) -> None:
    """One line a bad spot (a file's noted ones: one a cause), one for unresolved revisits."""
    from archive.reader.damage import collapsed

    for spot in collapsed(scan.bad):
        click.echo(f"presskeep: warning: {spot}", err=True)
    if scan.unresolved:
        first = scan.unresolved[0]
        click.echo(f"presskeep: warning: {len(scan.unresolved)} revisit(s) of HTML pages whose "
                   f"original is in none of the files nor the archive: not replayed (first: "
                   f"{first.url} at {first.path} offset {first.offset})", err=True)


def skips(scan, stats: dict) -> str:
    """What a replay could not use, by cause ("not a WARC or ARC file (2), ...")."""
    from archive.reader import SKIPPED as SKIPPED_KIND
    from archive.reader import UNREADABLE, by_cause, in_words
    from archive.reader.damage import NO_ORIGINAL

    counts = by_cause(scan.bad, (UNREADABLE, SKIPPED_KIND))
    counts[NO_ORIGINAL] += len(scan.unresolved)
    counts["body cut at DOWNLOAD_MAXSIZE"] += stats.get("presskeep/replay/truncated", 0)
    return in_words(+counts)
