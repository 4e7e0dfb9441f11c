"""`presskeep replay`: archived responses → the crawl's cleaning and storing pipelines, offline."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.cli.app import SKIPPED, fail, main, out_option, setup_logging
from crawler.cli.common import crawl_settings, parse_settings

WARC_GLOBS = ("*.warc", "*.warc.gz")


def expand(paths: tuple[Path, ...]) -> list[Path]:
    """The WARC files named, with each directory replaced by the WARC files in it (sorted)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for g in WARC_GLOBS for p in path.glob(g))
            if not found:
                fail(f"no WARC files (*.warc, *.warc.gz) in {path}", 2)
            files.extend(found)
        else:
            files.append(path)
    return files


def run_replay(settings, warcs: list[Path]):
    """Run the replay spider in this process; return the crawler (stats, spider, session)."""
    from scrapy.crawler import CrawlerProcess

    from crawler.spiders.replay import ReplaySpider

    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(ReplaySpider)
    setup_logging(settings.getint("PRESSKEEP_VERBOSE"))
    process.crawl(crawler, warcs=[str(p) for p in warcs])
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
            f"from {files} WARC file(s) ({stats.get('presskeep/replay/scanned', 0)} responses "
            f"read), {stats.get('presskeep/articles/kept', 0)} articles kept")
    if had_db:
        line += f"; {changed} articles' text changed compared with the database, {new} new"
    return line


@main.command()
@click.argument("warcs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@out_option
@click.option("-s", "--set", "pairs", multiple=True, metavar="NAME=VALUE",
              help="Any Scrapy or PRESSKEEP_* setting (repeatable).")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def replay(warcs, out, pairs, verbose):
    """Re-run cleaning and storing over archived responses in WARCS (files or directories).

    No network access: responses come from the WARC records, and rows point at
    them. Works on WARCs from wget, Heritrix, warcio/pywb and browsertrix too.

    Example: presskeep replay site.warc.gz data/warc/ --out data
    """
    from archive.db import DB_NAME
    from archive.lock import archive_lock
    from crawler.session import ArchiveSession

    files = expand(warcs)
    overrides = parse_settings(pairs)
    had_db = (out / DB_NAME).exists()
    setup_logging(verbose)
    settings = crawl_settings(out, overrides, {"warcs": [str(p.resolve()) for p in files],
                                               "settings": overrides})
    settings.set("PRESSKEEP_VERBOSE", verbose, priority="cmdline")
    with archive_lock(out, "replay"):  # busy (a crawl, another replay): one line, exit 3
        crawler = run_replay(settings, files)
        session = crawler.get_extension(ArchiveSession)
        new, changed = changes(out, session.run_id) if session else (0, 0)
    stats = crawler.stats.get_stats() if crawler.stats else {}
    scan = crawler.spider.scan
    click.echo(summary(stats, len(files), new, changed, had_db), err=True)
    for spot in scan.bad:
        click.echo(f"presskeep: warning: {spot}", err=True)
    if stats.get("finish_reason") == "write_failed":
        fail(f"{stats.get('presskeep/error')}; the replay stopped there. Free some space and "
             "run the same command again (rows already stored are not duplicated)")
    if not scan.counts.get("records") and scan.bad:
        fail("nothing readable in " + ", ".join(str(p) for p in files))
    if not stats.get("presskeep/replay/records"):
        click.echo(f"presskeep: no archived HTML responses in {', '.join(map(str, files))}: "
                   "nothing to replay (0 rows)", err=True)
    if scan.bad or stats.get("presskeep/replay/truncated"):
        fail(f"finished, but {skips(scan, stats)} (each reported above); the rest was "
             "replayed", SKIPPED)


def skips(scan, stats: dict) -> str:
    """What a replay could not use, in words ("1 record skipped, 2 bodies cut ...")."""
    counts = ((len(scan.skipped), "record skipped", "records skipped"),
              (len(scan.bad) - len(scan.skipped), "unreadable stretch passed over",
               "unreadable stretches passed over"),
              (stats.get("presskeep/replay/truncated", 0), "body cut at DOWNLOAD_MAXSIZE",
               "bodies cut at DOWNLOAD_MAXSIZE"))
    return ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in counts if n)
