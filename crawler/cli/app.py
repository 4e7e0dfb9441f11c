"""The click group and what every verb shares: logging setup and one-line errors."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import NoReturn

import click

from crawler import __version__
from crawler import settings as defaults


class PresskeepGroup(click.Group):
    """Turns archive errors and command-line slips that escape a verb into one line each.

    An archive error exits with its ``exit_code`` (1; 3 when the archive is busy); a
    parser-level error (unknown option, a value out of range, ``--out`` naming a file)
    exits 2 with one ``presskeep: error:`` line instead of click's usage block.
    """

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.ClickException as exc:
            _slip(exc)

    def invoke(self, ctx: click.Context):
        from archive.errors import ArchiveError

        try:
            return super().invoke(ctx)
        except ArchiveError as exc:
            fail(str(exc), exc.exit_code)
        except click.ClickException as exc:
            _slip(exc)


def _slip(exc: click.ClickException) -> NoReturn:
    """One line for a click error (usage errors name the verb's --help); the help itself
    when a group was called without arguments."""
    if isinstance(exc, click.exceptions.NoArgsIsHelpError):
        raise exc
    message = exc.format_message().rstrip(".")
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click.UsageError) and ctx is not None:
        message += f" (see `{ctx.command_path} --help`)"
    fail(message, exc.exit_code)


@click.group(cls=PresskeepGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="presskeep")
def main() -> None:
    """presskeep: archive news sites as WARC + SQLite with clean article text."""


#: exit status of `replay` and `extract` that finished but skipped (or cut) records, each
#: reported in one line on stderr (docs/cli.md)
SKIPPED = 4


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
        if self.level >= logging.WARNING and record.name in _QUIET:
            return record.levelno >= logging.CRITICAL
        return record.levelno >= self.level


#: shown with -v only: retries and robots.txt errors repeat the one line the spider logs for
#: each failed URL; trafilatura's "discarding data" is about pages that are not articles
_QUIET = {"scrapy.downloadermiddlewares.retry", "scrapy.downloadermiddlewares.robotstxt",
          "trafilatura.core"}


class _OneLine(logging.Formatter):
    """Without -v no traceback reaches the terminal: it shrinks to the exception type."""

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            record = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None,
                                            "stack_info": None})
            record.msg = f"{record.getMessage()} ({type(exc).__name__})"
            record.args = None
        return super().format(record)


def setup_logging(verbose: int = 0) -> None:
    """Our progress lines at INFO, everything else at WARNING (INFO/DEBUG with -v/-vv)."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_Threshold(level))
    handler.setFormatter(_OneLine("%(message)s") if not verbose else
                         logging.Formatter("%(asctime)s %(name)s %(levelname)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose > 1 else logging.INFO)


out_option = click.option(
    "--out", "out", default=defaults.PRESSKEEP_OUT, show_default=True, type=click.Path(file_okay=False, path_type=Path),
    help="Archive directory (WARC files under OUT/warc, database OUT/presskeep.db).",
)

force_option = click.option(
    "--force", is_flag=True,
    help="Replace -o FILE if it exists (never the archive's own files, a link or a device).",
)
