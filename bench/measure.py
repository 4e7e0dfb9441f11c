"""Run a command and measure it: wall time and peak RSS (largest process and whole tree)."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sample.processes import PeakSampler, descendants

_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Run:
    label: str
    argv: list[str]
    seconds: float = 0.0
    returncode: int = 0
    peak_rss_mb: float = 0.0  # largest single process (its own VmHWM, sample/processes.py)
    peak_tree_mb: float = 0.0  # sum over the process tree, sampled every 50 ms
    #: sum of the tree's proportional set sizes (a page shared by k processes counts 1/k),
    #: sampled every 0.5 s: forked processes share their parent's pages, which RSS counts
    #: once per process
    peak_tree_pss_mb: float = 0.0
    cpu_seconds: float = 0.0  # user + system time of the process and its reaped children
    stdout: str = ""
    stderr: str = ""
    extra: dict = field(default_factory=dict)


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _pss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


def tree_rss(pid: int, size=_rss) -> int:
    """Summed RSS of ``pid`` and its descendants (``size=_pss``: summed PSS)."""
    return sum(size(p) for p in descendants(pid))


def run(label: str, argv: list[str], *, env: dict | None = None, cwd: str | None = None,
        timeout: float = 900) -> Run:
    """Run ``argv`` to completion (output captured to temp files) and measure it."""
    import tempfile

    result = Run(label, [str(a) for a in argv])
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        proc = subprocess.Popen(result.argv, stdout=out, stderr=err, env=env, cwd=cwd)
        peak = [0, 0]
        done = threading.Event()

        def sample() -> None:
            tick = 0
            while not done.wait(0.05):
                peak[0] = max(peak[0], tree_rss(proc.pid))
                tick += 1
                if tick % 10 == 0:  # smaps_rollup walks the page tables: not 20 times a second
                    peak[1] = max(peak[1], tree_rss(proc.pid, _pss))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        largest = PeakSampler(proc.pid)
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            done.set()
            largest_mb = largest.stop()
        result.seconds = time.monotonic() - started
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        result.returncode = proc.returncode
        result.peak_rss_mb = largest_mb
        result.cpu_seconds = usage.ru_utime + usage.ru_stime
        result.peak_tree_mb = max(peak[0] / 2**20, largest_mb)
        result.peak_tree_pss_mb = peak[1] / 2**20
        out.seek(0)
        err.seek(0)
        result.stdout = out.read().decode("utf-8", "replace")
        result.stderr = err.read().decode("utf-8", "replace")
    if timeout and result.seconds > timeout:
        result.extra["warning"] = f"took {result.seconds:.0f}s (over {timeout:.0f}s)"
    return result
