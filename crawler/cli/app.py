"""The click group and what every verb shares: logging setup and one-line errors."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import NoReturn

import click

from crawler import __version__


class PresskeepGroup(click.Group):
    """Turns any archive error that escapes a verb into one line and exit code 1."""

    def invoke(self, ctx: click.Context):
        from archive.errors import ArchiveError

        try:
            return super().invoke(ctx)
        except ArchiveError as exc:
            fail(str(exc))


@click.group(cls=PresskeepGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="presskeep")
def main() -> None:
    """presskeep: archive news sites as WARC + SQLite with clean article text."""


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"presskeep: error: {message}", err=True)
    sys.exit(code)


class _Threshold(logging.Filter):
    """WARNING and above from everyone; INFO from presskeep's progress loggers."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("presskeep"):
            return record.levelno >= min(self.level, logging.INFO)
        return record.levelno >= self.level


def setup_logging(verbose: int = 0) -> None:
    """Our progress lines at INFO, everything else at WARNING (INFO/DEBUG with -v/-vv)."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_Threshold(level))
    handler.setFormatter(logging.Formatter("%(message)s" if not verbose else
                                           "%(asctime)s %(name)s %(levelname)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose > 1 else logging.INFO)


out_option = click.option(
    "--out", "out", default="data", show_default=True, type=click.Path(file_okay=False, path_type=Path),
    help="Archive directory (WARC files under OUT/warc, database OUT/presskeep.db).",
)
