"""`presskeep crawl`: crawl sites into WARC + SQLite."""

from __future__ import annotations

from pathlib import Path

import click

from archive.db import preflight
from archive.lock import ensure_writable
from archive.scaffold import remove_created, snapshot
from crawler import settings as defaults
from crawler.cli.app import fail, main, out_option, setup_logging
from crawler.cli.common import check_seed, check_settings, crawl_settings, parse_settings
from crawler.links import SCOPES


def run_crawl(settings, spider_kwargs: dict) -> dict:
    """Run one crawl in this process; return its final stats."""
    from scrapy.crawler import CrawlerProcess

    from crawler.spiders.news import NewsSpider

    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(NewsSpider)
    setup_logging(settings.getint("PRESSKEEP_VERBOSE"))
    process.crawl(crawler, **spider_kwargs)
    process.start()
    return crawler.stats.get_stats() if crawler.stats else {}


def mark_interrupted_runs(out: Path) -> None:
    """Close the `runs` rows of crawls that were killed here (we hold the lock now)."""
    from archive.db import DB_NAME, Store, connect

    if (out / DB_NAME).exists():
        store = Store(connect(out / DB_NAME))
        store.mark_interrupted("crawl")
        store.db.conn.close()


def run_locked(settings, out: Path, run_args: dict, spider_kwargs: dict) -> dict:
    """Run the crawl holding OUT's lock, with a resumable Scrapy job under OUT/job."""
    from crawler.resume import CrawlBusy, crawl_lock, finish_job, prepare_job

    try:
        with crawl_lock(out, settings.get("PRESSKEEP_WORKER_ID")):
            preflight(out)  # a newer, corrupt or locked database: one line now, no traceback
            mark_interrupted_runs(out)
            jobdir = None
            if not settings.get("JOBDIR"):
                jobdir = prepare_job(out, run_args, settings.getbool("PRESSKEEP_RESUME"))
                settings.set("JOBDIR", str(jobdir) if jobdir else None, priority="cmdline")
            stats = run_crawl(settings, spider_kwargs)
            finish_job(jobdir, stats.get("finish_reason"))
            return stats
    except CrawlBusy as exc:
        fail(str(exc), exc.exit_code)


def summary(stats: dict, out: Path) -> str:
    pages = stats.get("presskeep/capture/responses", 0)
    return (f"presskeep: {pages} responses archived, {stats.get('presskeep/articles/kept', 0)} "
            f"articles kept, {stats.get('presskeep/capture/errors', 0)} fetch errors "
            f"({stats.get('finish_reason', 'unknown')})\n"
            f"  WARC files: {out / 'warc'}\n  database:   {out / 'presskeep.db'}")


def distributed_out(out: Path, overrides: dict, redis_url: str | None, worker_id: str | None,
                    seeds: list[str]) -> Path:
    """The directory this crawl writes: OUT, or OUT/shards/<worker id> with --redis."""
    redis_url = redis_url or overrides.get("PRESSKEEP_REDIS_URL")
    if not redis_url:
        if not seeds:
            fail("give at least one URL (or --redis URL to wait for `presskeep enqueue`)", 2)
        return out
    from archive.merge import shard_dir
    from crawler.distributed import cluster  # redis: imported when asked for

    try:
        cluster.connect(redis_url).close()
    except cluster.RedisUnavailable as exc:
        fail(str(exc))
    worker = worker_id or overrides.get("PRESSKEEP_WORKER_ID") or cluster.default_worker_id()
    overrides.update({"PRESSKEEP_REDIS_URL": redis_url, "PRESSKEEP_WORKER_ID": worker})
    return shard_dir(out, worker)


def partition_out(out: Path, overrides: dict, partition: str) -> Path:
    """A child of `crawl --processes N`: its settings, and its shard OUT/shards/part-I."""
    import os

    from archive.merge import shard_dir
    from crawler.partition import FD_ENV, parse_partition

    try:
        index, _ = parse_partition(partition)
    except ValueError as exc:
        fail(str(exc), 2)
    if FD_ENV not in os.environ:
        fail(f"--partition is for the processes `crawl --processes` starts (no ${FD_ENV})", 2)
    worker = f"part-{index}"
    shard = shard_dir(out, worker)
    overrides.update({"PRESSKEEP_PARTITION": partition, "PRESSKEEP_WORKER_ID": worker,
                      "PRESSKEEP_PARTITION_FD": os.environ[FD_ENV], "PRESSKEEP_OUT": str(shard)})
    return shard


def child_args(seeds, out, max_pages, depth, scope, pairs, verbose, resume, clean,
               count, requisites: bool = True) -> list[list[str]]:
    """The `presskeep` arguments of each child of `crawl --processes COUNT`."""
    import os

    args = ["crawl", *seeds, "--out", str(out), "--scope", scope,
            "--resume" if resume else "--no-resume", "--clean" if clean else "--no-clean",
            "--requisites" if requisites else "--no-requisites"]
    if depth is not None:
        args += ["--depth", str(depth)]
    for pair in pairs:
        args += ["-s", pair]
    if clean and not any(p.strip().startswith("PRESSKEEP_CLEAN_WORKERS=") for p in pairs):
        # the cores are shared out: each child gets its share of cleaning workers
        args += ["-s", f"PRESSKEEP_CLEAN_WORKERS={max(1, (os.cpu_count() or 1) // count)}"]
    for pair in politeness_shares(pairs, count):
        args += ["-s", pair]
    args += ["-v"] * verbose
    share = -(-max_pages // count) if max_pages else 0  # --max-pages is shared out too
    return [[*args, "--max-pages", str(share), "--partition", f"{index}/{count}"]
            for index in range(count)]


def politeness_shares(pairs, count: int) -> list[str]:
    """Each child's share of the per-host limits, so a site sees what one process would do:
    requests at once per host divided (at least 1 each), the delay between them multiplied,
    AutoThrottle's target concurrency divided."""
    settings = crawl_settings(Path("."), parse_settings(pairs), {})
    per_host = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
    return [f"CONCURRENT_REQUESTS_PER_DOMAIN={max(1, per_host // count)}",
            f"DOWNLOAD_DELAY={settings.getfloat('DOWNLOAD_DELAY') * count}",
            f"AUTOTHROTTLE_TARGET_CONCURRENCY="
            f"{max(1.0, settings.getfloat('AUTOTHROTTLE_TARGET_CONCURRENCY') / count)}"]


def crawl_processes(count: int, out: Path, argvs: list[list[str]], clean: bool = True) -> None:
    """`crawl --processes COUNT`: fork the children, then merge their shards into OUT."""
    from archive.merge import merge, shard_dir
    from pipelines.sitemodels import merge_site_models
    from crawler.partition import preload, run_children
    from crawler.resume import CrawlBusy, crawl_lock

    ensure_writable(out)
    preload(crawl_settings(out, {}, {}, clean))

    def child(index: int) -> None:
        main.main(args=argvs[index], prog_name="presskeep", standalone_mode=True)

    try:
        with crawl_lock(out):
            preflight(out)
            mark_interrupted_runs(out)
            codes, router = run_children(count, child)
            shards = [shard_dir(out, f"part-{i}") for i in range(count)]
            shards = [s for s in shards if (s / "presskeep.db").exists()]
            report = merge(shards, out, recover=True, merge_models=merge_site_models) if shards \
                else None
    except CrawlBusy as exc:
        fail(str(exc), exc.exit_code)
    closed = [c or {} for c in router.closed]
    reasons = sorted({c.get("reason", "failed") for c in closed})
    responses = sum(c.get("responses", 0) for c in closed)
    click.echo(f"presskeep: {count} crawl processes: {responses} responses archived, "
               f"{sum(c.get('articles', 0) for c in closed)} articles kept, "
               f"{router.forwarded} links passed between them ({', '.join(reasons)})\n"
               f"  WARC files: {out / 'warc'}\n  database:   {out / 'presskeep.db'}\n"
               f"  shards:     {out / 'shards'}/part-*", err=True)
    failed = [i for i, code in enumerate(codes) if code != 0]
    if failed:
        fail(f"crawl process(es) {', '.join(map(str, failed))} failed (exit "
             f"{', '.join(str(codes[i]) for i in failed)}); what they archived is merged into {out}")
    if report is None or not responses:
        fail("nothing was archived (see the errors above)")


@main.command()
@click.argument("urls", nargs=-1, required=False)
@out_option
@click.option("--max-pages", type=click.IntRange(min=0), default=defaults.PRESSKEEP_MAX_PAGES, help="Stop after N pages (0: no limit).")
@click.option("--depth", type=click.IntRange(min=0), default=None, help="Maximum link depth from the seeds.")
@click.option("--scope", type=click.Choice(SCOPES), default=defaults.PRESSKEEP_SCOPE,
              show_default=True,
              help="Follow links on the seed's host, its registered domain, or under the seed URL.")
@click.option("-s", "--set", "pairs", multiple=True, metavar="NAME=VALUE",
              help="Any Scrapy or PRESSKEEP_* setting (repeatable).")
@click.option("--redis", "redis_url", default=None, metavar="redis://HOST:PORT/DB",
              help="Distributed mode: share the queue and dupefilter in Redis; this worker "
                   "writes OUT/shards/<worker id> (docs/distributed.md).")
@click.option("--worker-id", default=None, help="This worker's name (default HOST-PID).")
@click.option("--resume/--no-resume", default=True, show_default=True,
              help="Keep Scrapy job state in OUT/job so a crawl stopped by Ctrl-C resumes.")
@click.option("--clean/--no-clean", default=True, show_default=True,
              help="Clean article pages while crawling; --no-clean archives only (WARC + "
                   "captures rows) and leaves cleaning to `presskeep replay`.")
@click.option("--requisites/--no-requisites", default=defaults.PRESSKEEP_REQUISITES,
              show_default=True,
              help="Fetch each page's stylesheets, fonts, images, scripts and icons, from any "
                   "host, so that it replays as it looked (docs/warc.md).")
@click.option("--render", type=click.Choice(["never", "auto", "always"]), default=None,
              help="Load pages in headless Chromium: never; auto, only pages whose HTML gave "
                   "no article and looks like an app shell; always, every HTML page "
                   "(default: PRESSKEEP_RENDER, never). Needs the render extra and Chromium "
                   "(docs/cli.md).")
@click.option("--processes", type=click.IntRange(min=1), default=1, show_default=True,
              help="Crawl processes on this machine, each owning a share of the URLs (one per "
                   "core uses them all); merged into OUT at the end (docs/performance.md).")
@click.option("--partition", default=None, hidden=True,
              help="Internal: I/N, this process is part I of a --processes N crawl.")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def crawl(urls, out, max_pages, depth, scope, pairs, verbose, redis_url, worker_id, resume,
          clean, requisites, render, processes, partition):
    """Crawl URLS into OUT: every response to WARC, article pages to SQLite.

    Example: presskeep crawl https://news.example/ --out data --max-pages 500
    """
    seeds = [check_seed(u) for u in urls]
    if render is not None:
        pairs = (*pairs, f"PRESSKEEP_RENDER={render}")
    overrides = parse_settings(pairs)
    check_settings(overrides)
    if processes > 1:
        if redis_url or overrides.get("PRESSKEEP_REDIS_URL"):
            fail("--processes and --redis do not go together (with Redis, start more workers)", 2)
        if not seeds:
            fail("give at least one URL", 2)
        crawl_processes(processes, out, child_args(seeds, out, max_pages, depth, scope, pairs,
                                                   verbose, resume, clean, processes,
                                                   requisites), clean)
        return
    if partition:
        written = partition_out(out, overrides, partition)
    else:
        written = distributed_out(out, overrides, redis_url, worker_id, seeds)
    if depth is not None:
        overrides["DEPTH_LIMIT"] = depth
    if not clean:
        overrides["PRESSKEEP_CLEAN_ENABLED"] = False
    if not requisites:
        overrides["PRESSKEEP_REQUISITES"] = False
    run_args = {"urls": seeds, "max_pages": max_pages, "depth": depth, "scope": scope,
                "settings": overrides}
    setup_logging(verbose)
    settings = crawl_settings(out, overrides, run_args, clean)
    settings.set("PRESSKEEP_VERBOSE", verbose, priority="cmdline")
    if not resume or redis_url:  # with --redis the queue lives in Redis, not in a JOBDIR
        settings.set("PRESSKEEP_RESUME", False, priority="cmdline")
    ensure_writable(written)  # read-only media: one line now, not a traceback
    before = snapshot(written)
    stats = run_locked(settings, written, run_args,
                       {"urls": seeds, "scope": scope, "max_pages": max_pages})
    if not partition and not overrides.get("PRESSKEEP_REDIS_URL") \
            and not stats.get("presskeep/capture/responses") \
            and stats.get("finish_reason") != "write_failed" and remove_created(before):
        fail("nothing was archived (see the errors above); nothing was kept in "
             f"{written}")  # an unreachable seed leaves no empty archive behind
    if not partition:
        click.echo(summary(stats, written), err=True)
    if stats.get("finish_reason") == "write_failed":
        fail(f"{stats.get('presskeep/error')}; the crawl stopped there. What was written "
             f"before is kept in {written}; free some space and run the same command to go on")
    if stats.get("finish_reason") == "redis_lost":
        fail(f"lost Redis mid-crawl; what was fetched is archived in {written}. Once Redis is back, "
             "start the workers again with the same --redis and --worker-id to resume")
    if (not stats.get("presskeep/capture/responses") and not overrides.get("PRESSKEEP_REDIS_URL")
            and not partition):
        fail("nothing was archived (see the errors above)")
