"""The `presskeep` command. Each verb lives in its own module and registers on `main`."""

from crawler.cli.app import main
from crawler.cli import crawl, export, extract, replay  # noqa: F401  (register verbs)
from crawler.cli import index, serve, wacz  # noqa: F401  (archive packaging, web UI)
from crawler.cli import enqueue, merge  # noqa: F401  (distributed crawling)
from crawler.cli import check, schedule  # noqa: F401  (incremental recrawls)
from crawler.cli import reclean  # noqa: F401  (learned site boilerplate)

__all__ = ["main"]
