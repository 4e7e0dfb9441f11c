"""Peak memory of a running process tree, read from /proc while it runs.

``wait4``'s ``ru_maxrss`` is not a child's own peak: a child started with fork or vfork
inherits its parent's high-water mark, and Linux keeps it across ``exec``
(``setmax_mm_hiwater_rss``), so a crawl started from a 400 MB test process reports
400 MB. Each process's ``VmHWM`` (/proc/PID/status) belongs to its own address space
after ``exec``; :class:`PeakSampler` reads it for the process and its descendants every
``interval`` seconds and keeps the largest. Growth in the last interval before a process
exits can be missed.
"""

from __future__ import annotations

import threading
from pathlib import Path


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    found, stack = [], [pid]
    while stack:
        p = stack.pop()
        found.append(p)
        stack.extend(children(p))
    return found


def high_water_bytes(pid: int) -> int:
    """The process's own peak resident set (VmHWM), 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


class PeakSampler:
    """Largest single-process peak RSS under ``pid``, sampled on a thread until :meth:`stop`."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid, self.interval, self.peak = pid, interval, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def sample(self) -> None:
        for p in descendants(self.pid):
            self.peak = max(self.peak, high_water_bytes(p))

    def _run(self) -> None:
        while True:
            self.sample()
            if self._done.wait(self.interval):
                return

    def stop(self) -> float:
        """Stop sampling; the peak in MB."""
        self._done.set()
        self._thread.join()
        return self.peak / 2**20
