"""Running the real `presskeep` in a subprocess and measuring its peak memory (the largest
resident set of any one process of its tree, sample/processes.py: not wait4's ``ru_maxrss``,
which counts the test process's own size)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from sample.processes import PeakSampler
from tests.conftest import ROOT

ENV = dict(os.environ, PYTHONPATH=str(ROOT))


@dataclass
class Measured:
    returncode: int
    stdout: str
    stderr: str
    peak_rss_mb: float


def wait_measured(proc: subprocess.Popen, timeout: float,
          sampler: PeakSampler | None = None) -> tuple[int, float]:
    """Wait for ``proc``; its exit code and peak RSS in MB (sampled since ``sampler`` started)."""
    sampler = sampler or PeakSampler(proc.pid)
    deadline = time.monotonic() + timeout
    while True:
        pid, status, _ = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, sampler.stop()
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            sampler.stop()
            raise AssertionError(f"{proc.args} still running after {timeout} s")
        time.sleep(0.05)


def measured(*args: str, tmp: Path, timeout: float = 300) -> Measured:
    """`presskeep ARGS`, its output (kept in files under ``tmp``) and peak RSS in MB."""
    out_path, err_path = tmp / "stdout", tmp / "stderr"
    with open(out_path, "w") as out, open(err_path, "w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "crawler.cli", *args], cwd=ROOT, env=ENV,
                                stdout=out, stderr=err)
        code, peak = wait_measured(proc, timeout)
    return Measured(code, out_path.read_text(), err_path.read_text(), peak)


@dataclass
class Serving:
    url: str
    log: Path
    peak_rss_mb: float = 0.0


@contextmanager
def serving(out: Path, log: Path) -> Iterator[Serving]:
    """`presskeep serve --out OUT` on a free port; its peak RSS is set when it has stopped."""
    with open(log, "w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "crawler.cli", "serve", "--out", str(out),
                                 "--port", "0"], stdout=fh, stderr=fh, cwd=ROOT, env=ENV)
    sampler = PeakSampler(proc.pid)
    server = Serving("", log)
    try:
        server.url = _wait_for_url(log, proc)
        yield server
    finally:
        proc.terminate()
        server.peak_rss_mb = wait_measured(proc, 20, sampler)[1]


def _wait_for_url(log: Path, proc: subprocess.Popen) -> str:
    end = time.monotonic() + 30
    while time.monotonic() < end:
        for line in log.read_text().splitlines():
            if " at http://127.0.0.1:" in line:
                return line.split(" at ", 1)[1].split()[0]
        if proc.poll() is not None:
            raise AssertionError(f"serve exited: {log.read_text()}")
        time.sleep(0.1)
    raise AssertionError("serve did not start")


def get(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()
