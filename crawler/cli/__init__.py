"""The `presskeep` command. Each verb lives in its own module and registers on `main`."""

import sys

try:  # a Scrapy without a private name presskeep relies on (crawler/compat.py): one line
    import crawler.compat  # noqa: F401
except ImportError as exc:
    sys.exit(f"presskeep: error: {exc}")

from crawler.cli.app import main  # noqa: E402
from crawler.cli import crawl, export, extract, replay  # noqa: E402, F401  (register verbs)
from crawler.cli import index, serve, wacz  # noqa: E402, F401  (archive packaging, web UI)
from crawler.cli import enqueue, merge  # noqa: E402, F401  (distributed crawling)
from crawler.cli import check, schedule  # noqa: E402, F401  (incremental recrawls)
from crawler.cli import reclean  # noqa: E402, F401  (learned site boilerplate)

__all__ = ["main"]
