"""Request records carry a full HTTP request line; warcinfo names the software versions."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

#: RFC 9112 3: method SP request-target SP HTTP-version CRLF (a token, no spaces, no CTLs)
REQUEST_LINE = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+ [\x21-\x7e]+ HTTP/[0-9]\.[0-9]\r\n")


def raw_blocks(out: Path, rec_type: str) -> list[bytes]:
    """The record blocks of type ``rec_type`` as written (no HTTP parsing by warcio)."""
    blocks = []
    for path in sorted((out / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh, no_record_parse=True):
                if record.rec_type == rec_type:
                    blocks.append(record.raw_stream.read())
    return blocks


def test_every_request_line_is_a_full_http_request_line(crawled):
    blocks = raw_blocks(crawled, "request")
    assert len(blocks) > 10
    for block in blocks:
        line = block.split(b"\n", 1)[0] + b"\n"
        assert REQUEST_LINE.fullmatch(line), line
        assert line.endswith(b" HTTP/1.1\r\n")


def test_warcio_check_passes(crawled):
    warcs = sorted(map(str, (crawled / "warc").glob("*.warc.gz")))
    proc = subprocess.run([sys.executable, "-m", "warcio.cli", "check", *warcs],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_warcinfo_names_the_warcio_version(crawled):
    infos = raw_blocks(crawled, "warcinfo")
    assert infos
    software = [line for line in infos[0].decode().splitlines() if line.startswith("software:")]
    assert f"warcio {version('warcio')})" in software[0], software
