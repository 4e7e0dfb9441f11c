"""`presskeep enqueue`: seed a distributed crawl (workers started with `crawl --redis`)."""

from __future__ import annotations

import click

from crawler import settings as defaults
from crawler.cli.app import fail, main
from crawler.cli.common import check_seed


@main.command()
@click.argument("urls", nargs=-1, required=True)
@click.option("--redis", "redis_url", required=True, metavar="redis://HOST:PORT/DB",
              help="The Redis the workers share.")
@click.option("--key", default=defaults.PRESSKEEP_REDIS_KEY, show_default=True,
              help="Key prefix of the crawl (PRESSKEEP_REDIS_KEY of the workers).")
def enqueue(urls, redis_url, key):
    """Push seed URLS to the workers sharing REDIS; idle workers pick them up within a second.

    Example: presskeep enqueue https://news.example/ https://other.example/ --redis redis://db:6379/0
    """
    from redis import RedisError

    from crawler.distributed import cluster

    seeds = [check_seed(u) for u in urls]
    try:
        client = cluster.connect(redis_url)
        count = cluster.enqueue(client, cluster.Keys(key), seeds)
        workers = cluster.live_workers(client, cluster.Keys(key))
    except cluster.RedisUnavailable as exc:
        fail(str(exc))
    except RedisError as exc:
        fail(f"Redis at {redis_url} refused the seeds: {exc}")
    click.echo(f"presskeep: {count} seed URL(s) queued at {redis_url} "
               f"({workers} worker(s) running)", err=True)
