"""Pause, resume and crash safety for `presskeep crawl` into one archive directory.

- The archive lock (``OUT/crawl.lock``, archive/lock.py) keeps two writers (a
  scheduled run that overruns, a cron job, a replay) out of one archive at once.
- Scrapy's JOBDIR lives under ``OUT/job``. A crawl stopped by SIGINT/SIGTERM
  closes cleanly (reason ``shutdown``) and its job is marked *paused*: the next
  crawl with the same arguments resumes it. A job not marked paused was killed
  (SIGKILL, power loss): Scrapy's disk queues are not crash-safe, so the job is
  discarded and the crawl starts over from the seeds; everything already
  archived is then fetched conditionally and written as revisits, and no
  article row is duplicated (see crawler/incremental.py).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from archive.errors import ArchiveBusy as CrawlBusy  # noqa: F401  (what crawl_lock raises)
from archive.lock import archive_lock

logger = logging.getLogger("presskeep.resume")

JOB_DIR = "job"
STATE_FILE = "presskeep-job.json"


def crawl_lock(out: Path, worker: str = "") -> AbstractContextManager[Path]:
    """Hold OUT's archive lock (one per worker id) as `presskeep crawl`; CrawlBusy if taken."""
    return archive_lock(out, "crawl", worker)


def _read_state(jobdir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((jobdir / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None


def _write_state(jobdir: Path, state: dict[str, Any]) -> None:
    tmp = jobdir / (STATE_FILE + ".tmp")
    tmp.write_text(json.dumps(state, sort_keys=True, default=str))
    os.replace(tmp, jobdir / STATE_FILE)


def clear(jobdir: Path) -> None:
    """Remove an old job's files; a ``job`` symlink (the queue on another disk) stays."""
    if not jobdir.is_symlink():
        shutil.rmtree(jobdir)
        return
    for entry in jobdir.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def prepare_job(out: Path, args: dict[str, Any], resume: bool = True) -> Path | None:
    """The JOBDIR for this crawl: a paused job with the same arguments, or a fresh one."""
    jobdir = out / JOB_DIR
    resumable = jobdir.exists() and _resumable(_read_state(jobdir), args, resume)
    if jobdir.exists() and not resumable:
        clear(jobdir)
    if not resume:
        return None
    jobdir.mkdir(parents=True, exist_ok=True)
    if resumable:
        logger.warning("presskeep: resuming the paused crawl in %s", jobdir)
    _write_state(jobdir, {"state": "running", "args": args, "pid": os.getpid()})
    return jobdir


def _resumable(state: dict[str, Any] | None, args: dict[str, Any], resume: bool) -> bool:
    if not resume:
        return False
    if state is None or state.get("state") != "paused":
        if state is not None:
            logger.warning("presskeep: the last crawl did not stop cleanly; starting over "
                           "(what is archived is kept and refetched conditionally)")
        return False
    if state.get("args") != json.loads(json.dumps(args, default=str)):
        logger.warning("presskeep: a paused crawl with other arguments is discarded")
        return False
    return True


def finish_job(jobdir: Path | None, finish_reason: str | None) -> None:
    """Mark a gracefully stopped job paused; remove a job that ran to its end."""
    if jobdir is None or not jobdir.exists():
        return
    state = _read_state(jobdir) or {}
    if finish_reason == "shutdown":
        _write_state(jobdir, {**state, "state": "paused"})
        logger.warning("presskeep: crawl paused; run the same command again to resume")
    elif finish_reason is not None:
        try:
            clear(jobdir)
        except OSError as exc:
            logger.warning("presskeep: could not remove the finished job in %s: %s", jobdir, exc)
