"""WARC files shaped like other tools write them, for replay tests (built with warcio).

- browsertrix: WARC/1.1, gzip, a response kept chunked and brotli-encoded as sent;
- pywb/warcio: a gzip-encoded response and a URL-agnostic revisit (payload digest only);
- Heritrix: WARC/1.0, uncompressed, a server-not-modified revisit (304) that names its
  original by WARC-Refers-To-Target-URI + WARC-Refers-To-Date.
"""

from __future__ import annotations

import gzip
import html
from io import BytesIO
from pathlib import Path

import brotli
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

HTML = "text/html; charset=utf-8"


def article_html(title: str, text: str, extra: str = "") -> bytes:
    paras = "".join(f"<p>{html.escape(text[i:i + 300])}</p>" for i in range(0, len(text), 300))
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}'
            f'</title><meta property="og:type" content="article">'
            f'<meta property="article:published_time" content="2026-11-20T09:00:00Z"></head>'
            f"<body><article><h1>{html.escape(title)}</h1>{paras}</article>{extra}</body></html>"
            ).encode("utf-8")


def chunked(data: bytes, size: int = 500) -> bytes:
    out = b"".join(b"%x\r\n%s\r\n" % (len(data[i:i + size]), data[i:i + size])
                   for i in range(0, len(data), size))
    return out + b"0\r\n\r\n"


def _response(writer: WARCWriter, url: str, body: bytes, headers: list[tuple[str, str]],
              date: str, status: str = "200 OK"):
    http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
    return writer.create_warc_record(url, "response", payload=BytesIO(body), length=len(body),
                                     http_headers=http, warc_headers_dict={"WARC-Date": date})


def _request(writer: WARCWriter, url: str, date: str, concurrent_to: str):
    http = StatusAndHeaders("GET / HTTP/1.1", [("Host", "127.0.0.1:9")], protocol="HTTP/1.1",
                            is_http_request=True)
    return writer.create_warc_record(url, "request", payload=BytesIO(b""), length=0,
                                     http_headers=http,
                                     warc_headers_dict={"WARC-Date": date,
                                                        "WARC-Concurrent-To": concurrent_to})


def _write_pair(writer: WARCWriter, record, url: str, date: str) -> None:
    writer.write_record(record)
    writer.write_record(_request(writer, url, date, record.rec_headers.get_header("WARC-Record-ID")))


def browsertrix_warc(path: Path, url: str, page: bytes) -> None:
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="1.1")
        body = chunked(brotli.compress(page))
        headers = [("Content-Type", HTML), ("Transfer-Encoding", "chunked"),
                   ("Content-Encoding", "br")]
        date = "2026-11-21T10:00:00.123Z"
        _write_pair(writer, _response(writer, url, body, headers, date), url, date)


def pywb_revisit_warc(path: Path, original: str, revisit: str, page: bytes) -> None:
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="1.0")
        body = gzip.compress(page, mtime=0)
        headers = [("Content-Type", HTML), ("Content-Encoding", "gzip"),
                   ("Content-Length", str(len(body)))]
        record = _response(writer, original, body, headers, "2026-11-21T11:00:00Z")
        _write_pair(writer, record, original, "2026-11-21T11:00:00Z")
        digest = record.rec_headers.get_header("WARC-Payload-Digest")
        http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
        rev = writer.create_revisit_record(revisit, digest=digest, refers_to_uri="-",
                                           refers_to_date="-", http_headers=http)
        rev.rec_headers.remove_header("WARC-Refers-To-Target-URI")  # URL-agnostic: digest only
        rev.rec_headers.remove_header("WARC-Refers-To-Date")
        rev.rec_headers.replace_header("WARC-Date", "2026-11-22T11:00:00Z")
        _write_pair(writer, rev, revisit, "2026-11-22T11:00:00Z")


def heritrix_warc(path: Path, pages: list[tuple[str, bytes]], revisit_of: str | None = None) -> None:
    gz = str(path).endswith(".gz")
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gz, warc_version="1.0")
        for url, page in pages:
            headers = [("Content-Type", HTML), ("Content-Length", str(len(page)))]
            _write_pair(writer, _response(writer, url, page, headers, "2026-11-23T08:00:00Z"),
                        url, "2026-11-23T08:00:00Z")
        if revisit_of:
            http = StatusAndHeaders("304 Not Modified", [("ETag", '"x"')], protocol="HTTP/1.1")
            rev = writer.create_revisit_record(
                revisit_of, digest="sha1:UNKNOWNUNKNOWNUNKNOWNUNKNOWNUNKN",
                refers_to_uri=revisit_of, refers_to_date="2026-11-23T08:00:00Z", http_headers=http)
            rev.rec_headers.replace_header("WARC-Date", "2026-11-24T08:00:00Z")
            rev.rec_headers.replace_header(
                "WARC-Profile", "http://netpreserve.org/warc/1.0/revisit/server-not-modified")
            _write_pair(writer, rev, revisit_of, "2026-11-24T08:00:00Z")


def no_html_warc(path: Path) -> None:
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00"
           b"\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05"
           b"\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="1.1")
        for url, body, ctype in (("http://127.0.0.1:9/logo.png", png, "image/png"),
                                 ("http://127.0.0.1:9/robots.txt", b"User-agent: *\n", "text/plain")):
            date = "2026-11-21T10:00:00Z"
            _write_pair(writer, _response(writer, url, body, [("Content-Type", ctype)], date),
                        url, date)
