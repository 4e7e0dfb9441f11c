"""The `presskeep` command. Each verb lives in its own module and registers on `main`."""

from crawler.cli.app import main
from crawler.cli import crawl, export, extract  # noqa: F401  (register verbs)

__all__ = ["main"]
