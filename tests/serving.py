"""A real `presskeep serve` in a subprocess, and a plain HTTP client for it (tests only)."""

from __future__ import annotations

from http.client import HTTPConnection
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT


class ServeProcess:
    """``with ServeProcess(archive, "--max-connections", "2") as ui:`` then ``ui.port``, ``ui.pid``."""

    def __init__(self, archive: Path, *extra: str) -> None:
        self.archive, self.extra = Path(archive), extra
        self.log = self.archive.parent / f"serve-{os.getpid()}-{id(self)}.log"

    def __enter__(self) -> "ServeProcess":
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        with open(self.log, "w") as fh:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "crawler.cli", "serve", "--out", str(self.archive),
                 "--port", "0", *self.extra], stdout=fh, stderr=fh, cwd=ROOT, env=env)
        self.pid = self.proc.pid
        self.port = self._wait_for_port()
        return self

    def _wait_for_port(self) -> int:
        end = time.monotonic() + 60
        while time.monotonic() < end:
            for line in self.log.read_text().splitlines():
                if " at http://127.0.0.1:" in line:
                    return int(line.split(" at http://127.0.0.1:", 1)[1].split("/", 1)[0])
            if self.proc.poll() is not None:
                raise AssertionError(f"serve exited: {self.log.read_text()}")
            time.sleep(0.1)
        raise AssertionError("serve did not start")

    def threads(self) -> int:
        """How many threads the serve process runs now (Linux /proc)."""
        return len(os.listdir(f"/proc/{self.pid}/task"))

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)


def http(port: int, path: str, method: str = "GET", host: str | None = None,
         timeout: float = 30) -> tuple[int, dict, bytes]:
    """(status, headers, body) of one request; ``host`` replaces the Host header."""
    conn = HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_host=host is not None)
        if host is not None:
            conn.putheader("Host", host)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()
