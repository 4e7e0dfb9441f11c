"""`presskeep schedule`: run `presskeep crawl ...` on a cron schedule, in the foreground.

Each run is a subprocess (`presskeep crawl ...`, in its own process group), so
one crashed run never takes the scheduler down and each run gets a fresh
Twisted reactor. Runs never overlap: the scheduler waits for a run to end, and
`presskeep crawl` itself holds OUT/crawl.lock, so a run still going (from this
scheduler, another one, or cron) makes the next fire time be skipped. Fire
times missed while a run was going are skipped, not caught up.
The crawl command is checked before anything is scheduled (a bad URL or option: one
line, exit 2). SIGINT/SIGTERM are passed on to the running crawl once (it pauses within
seconds, saving its job state: crawler/stopping.py) and the scheduler exits after it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import click

from crawler.cli.app import fail, main

BUSY_EXIT = 3  # `presskeep crawl` exit code when another crawl holds OUT's lock


def check_crawl(args: tuple[str, ...], parent: click.Context) -> Path:
    """Parse and check ``crawl ARGS...`` as `presskeep crawl` would before it starts (one
    line and exit 2 when wrong); its --out."""
    from archive.lock import ensure_writable
    from crawler.cli.common import check_seed, check_settings, parse_settings

    crawl = main.get_command(parent, "crawl")
    params = crawl.make_context("crawl", list(args), parent=parent).params
    for url in params["urls"]:
        check_seed(url)
    check_settings(parse_settings(params["pairs"]))
    if not params["urls"] and not params["redis_url"]:
        fail("give at least one URL (or --redis URL to wait for `presskeep enqueue`)", 2)
    ensure_writable(params["out"])
    return params["out"]


def next_fire(expr: str, now: datetime) -> datetime:
    from croniter import croniter

    return croniter(expr, now).get_next(datetime)


class Runner:
    """Runs one crawl at a time and passes a stop signal on to it, once."""

    def __init__(self) -> None:
        self.stopping = False
        self.child: subprocess.Popen | None = None

    def on_signal(self, signum, frame) -> None:
        if not self.stopping and self.child is not None and self.child.poll() is None:
            self.child.send_signal(signal.SIGTERM)
        self.stopping = True

    def sleep_until(self, when: datetime) -> None:
        while not self.stopping:
            left = (when - datetime.now()).total_seconds()
            if left <= 0:
                return
            time.sleep(min(left, 0.5))

    def run(self, args: tuple[str, ...]) -> int:
        self.child = subprocess.Popen([sys.executable, "-m", "crawler.cli", *args],
                                      start_new_session=True)
        try:
            return self.child.wait()
        finally:
            self.child = None


@main.command(context_settings={"ignore_unknown_options": True})
@click.option("--cron", "expr", required=True, metavar="EXPR",
              help='Cron expression, e.g. "*/30 * * * *" (a sixth field is seconds).')
@click.option("--max-runs", type=click.IntRange(min=0), default=0,
              help="Stop after N runs (0: run until stopped).")
@click.option("--now", "run_now", is_flag=True, help="Run once right away, then on the schedule.")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def schedule(expr, max_runs, run_now, command):
    """Run a crawl on a cron schedule in the foreground; runs never overlap.

    Everything after `--` is the `presskeep crawl` command line of each run.

    Example: presskeep schedule --cron "*/30 * * * *" -- crawl https://news.example/ --out data
    """
    from croniter import croniter

    if not croniter.is_valid(expr):
        fail(f"not a valid cron expression: {expr!r}", 2)
    if command[0] != "crawl":
        fail(f"schedule runs `crawl ...` (after --), got {command[0]!r}", 2)
    out = check_crawl(command[1:], click.get_current_context().parent)
    runner = Runner()
    signal.signal(signal.SIGINT, runner.on_signal)
    signal.signal(signal.SIGTERM, runner.on_signal)
    runs = 0
    while not runner.stopping and (not max_runs or runs < max_runs):
        if not (run_now and runs == 0):
            when = next_fire(expr, datetime.now())
            click.echo(f"presskeep: schedule: next run at {when:%Y-%m-%d %H:%M:%S}", err=True)
            runner.sleep_until(when)
        if runner.stopping:
            break
        runs += 1
        click.echo(f"presskeep: schedule: run {runs} started {datetime.now():%Y-%m-%d %H:%M:%S}",
                   err=True)
        code = runner.run(command)
        note = " (another crawl holds the lock: skipped)" if code == BUSY_EXIT else ""
        click.echo(f"presskeep: schedule: run {runs} ended with exit code {code}{note}; "
                   f"archive {out}", err=True)
