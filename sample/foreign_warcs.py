"""Archives shaped like other tools write them, byte by byte (not through warcio's writer):
wget 1.14, Common Crawl, ARC v1, header-less revisits, and the damage found in the wild
(a corrupt gzip member, a cut record, a failed digest, an HTML page named .warc.gz).

Every writer takes the pages it archives as ``(url, html bytes)`` and returns nothing;
digests are right unless a function says otherwise.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import uuid
import zipfile
from pathlib import Path

from sample.articles import article_html, paragraphs

HTML = "text/html; charset=utf-8"


def page(n: int, seed: str = "foreign") -> bytes:
    """An article page, different for each ``n``."""
    return article_html(f"Foreign story {n}", paragraphs(f"{seed}-{n}")).encode("utf-8")


def sha1(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def record_id(seed: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, seed)}>"


def http_response(body: bytes, headers: list[tuple[str, str]] = (), status: str = "200 OK",
                  chunk: int = 0) -> bytes:
    """An HTTP/1.1 response as received; with ``chunk``, its body sent chunked."""
    if chunk:
        body = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + chunk]), body[i:i + chunk])
                        for i in range(0, len(body), chunk)) + b"0\r\n\r\n"
        headers = [*headers, ("Transfer-Encoding", "chunked")]
    else:
        headers = [*headers, ("Content-Length", str(len(body)))]
    head = "".join(f"{k}: {v}\r\n" for k, v in [("Content-Type", HTML), *headers])
    return f"HTTP/1.1 {status}\r\n{head}\r\n".encode("latin-1") + body


def warc_record(rec_type: str, headers: list[tuple[str, str]], block: bytes = b"",
                version: str = "WARC/1.0", digests: bool = True) -> bytes:
    """One uncompressed WARC record: version line, headers, block, two CRLFs. With
    ``digests``, a block digest and (for an HTTP block) a payload digest are added."""
    fields = [("WARC-Type", rec_type), *headers]
    if digests and block:
        fields.append(("WARC-Block-Digest", sha1(block)))
        if b"\r\n\r\n" in block and rec_type in ("response", "revisit"):
            fields.append(("WARC-Payload-Digest", sha1(block.split(b"\r\n\r\n", 1)[1])))
    fields.append(("Content-Length", str(len(block))))
    head = "".join(f"{k}: {v}\r\n" for k, v in fields)
    return f"{version}\r\n{head}\r\n".encode("utf-8") + block + b"\r\n\r\n"


def response(url: str, body: bytes, date: str, *, target: str | None = None,
             msgtype: str = "application/http; msgtype=response", chunk: int = 0,
             digests: bool = True, version: str = "WARC/1.0") -> bytes:
    block = http_response(body, chunk=chunk)
    return warc_record("response", [
        ("WARC-Target-URI", target or url), ("WARC-Date", date),
        ("WARC-Record-ID", record_id(url + date)), ("Content-Type", msgtype)],
        block, version, digests)


def request(url: str, date: str) -> bytes:
    host = url.split("/")[2]
    block = f"GET / HTTP/1.1\r\nHost: {host}\r\nUser-Agent: test\r\n\r\n".encode()
    return warc_record("request", [
        ("WARC-Target-URI", url), ("WARC-Date", date), ("WARC-Record-ID", record_id("rq" + url)),
        ("Content-Type", "application/http; msgtype=request")], block)


def warcinfo(software: str, name: str) -> bytes:
    block = f"software: {software}\r\nformat: WARC File Format 1.0\r\n".encode()
    return warc_record("warcinfo", [("WARC-Date", "2014-02-16T01:29:08Z"),
                                    ("WARC-Record-ID", record_id(name)), ("WARC-Filename", name),
                                    ("Content-Type", "application/warc-fields")], block)


def write(path: Path, records: list[bytes], gz: bool | None = None) -> list[int]:
    """``records`` into ``path``, one gzip member each when ``gz`` (default: by the name);
    returns each record's offset."""
    gz = path.name.endswith(".gz") if gz is None else gz
    offsets, out = [], bytearray()
    for rec in records:
        offsets.append(len(out))
        out += gzip.compress(rec, mtime=0) if gz else rec
    path.write_bytes(bytes(out))
    return offsets


# -- other tools ---------------------------------------------------------------------------
def wget114_warc(path: Path, pages: list[tuple[str, bytes]]) -> None:
    """wget 1.14: WARC/1.0, angle-bracketed WARC-Target-URI, bodies kept chunked,
    ``application/http;msgtype=response``, a log resource record at the end."""
    recs = [warcinfo("Wget/1.14 (linux-gnu)", path.name)]
    for url, body in pages:
        recs += [request(url, "2014-02-16T01:29:08Z"),
                 response(url, body, "2014-02-16T01:29:08Z", target=f"<{url}>",
                          msgtype="application/http;msgtype=response", chunk=300)]
    recs.append(warc_record("resource", [
        ("WARC-Target-URI", "metadata://gnu.org/software/wget/warc/wget.log"),
        ("WARC-Date", "2014-02-16T01:29:09Z"), ("WARC-Record-ID", record_id(path.name + "log")),
        ("Content-Type", "text/plain")], b"wget log\n"))
    write(path, recs)


def common_crawl_warc(path: Path, pages: list[tuple[str, bytes]]) -> None:
    """Common Crawl: WARC/1.0 gzip per record; request, response, metadata for each page."""
    recs = [warcinfo("Apache Nutch 1.19 (modified, https://commoncrawl.org/)", path.name)]
    for i, (url, body) in enumerate(pages):
        date = f"2024-05-18T0{i % 10}:11:12Z"
        meta = "fetchTimeMs: 112\r\ncharset-detected: UTF-8\r\n".encode()
        recs += [request(url, date), response(url, body, date),
                 warc_record("metadata", [("WARC-Target-URI", url), ("WARC-Date", date),
                                          ("WARC-Record-ID", record_id("md" + url)),
                                          ("Content-Type", "application/warc-fields")], meta)]
    write(path, recs)


def spaces_warc(path: Path, url: str, body: bytes) -> None:
    """A response whose WARC-Target-URI has spaces in it (warcio logs "Replacing spaces")."""
    write(path, [response(url, body, "2019-03-01T10:00:00Z", target=url.replace("%20", " "))])


def arc_file(path: Path, pages: list[tuple[str, bytes]]) -> None:
    """ARC v1 (Internet Archive, before WARC): a filedesc header record, then one record a
    page, each "URL IP DATE TYPE LENGTH" and the HTTP response; .arc.gz: gzip per record."""
    spec = b"1 0 presskeep-test\nURL IP-address Archive-date Content-type Archive-length\n"
    head = (f"filedesc://{path.name} 127.0.0.1 20140216050221 text/plain {len(spec)}\n"
            ).encode() + spec + b"\n"
    recs = [head]
    for url, body in pages:
        block = http_response(body)
        recs.append(f"{url} 127.0.0.1 20140216050221 text/html {len(block)}\n".encode()
                    + block + b"\n")
    write(path, recs)


# -- revisits ------------------------------------------------------------------------------
def revisit(url: str, date: str, refers_uri: str | None, refers_date: str | None,
            digest: str | None, http: bytes = b"", refers_id: str | None = None) -> bytes:
    """A revisit record; ``http`` empty makes it header-less (Content-Length 0)."""
    headers = [("WARC-Target-URI", url), ("WARC-Date", date),
               ("WARC-Record-ID", record_id("rv" + url + date)),
               ("WARC-Profile", "http://netpreserve.org/warc/1.0/revisit/identical-payload-digest")]
    headers += [(k, v) for k, v in (("WARC-Refers-To-Target-URI", refers_uri),
                                    ("WARC-Refers-To-Date", refers_date),
                                    ("WARC-Refers-To", refers_id),
                                    ("WARC-Payload-Digest", digest)) if v]
    if http:
        headers.append(("Content-Type", "application/http; msgtype=response"))
    return warc_record("revisit", headers, http, digests=False)


def payload_digest_of(body: bytes) -> str:
    """The payload digest :func:`response` writes for ``body`` (not chunked)."""
    return sha1(http_response(body).split(b"\r\n\r\n", 1)[1])


# -- damage --------------------------------------------------------------------------------
def corrupt_member_warc(path: Path, pages: list[tuple[str, bytes]]) -> list[int]:
    """Three gzip members; the middle one's gzip header is broken (compression method 0x00,
    flags 0xff). Returns the offsets of the three members."""
    recs = [gzip.compress(response(url, body, "2020-01-01T00:00:00Z"), mtime=0)
            for url, body in pages]
    bad = bytearray(recs[1])
    bad[2], bad[3] = 0x00, 0xFF
    recs[1] = bytes(bad)
    offsets = [0, len(recs[0]), len(recs[0]) + len(recs[1])]
    path.write_bytes(b"".join(recs))
    return offsets


def bad_digest_warc(path: Path, pages: list[tuple[str, bytes]], bad: int = 0) -> None:
    """Records whose digests are right, except page ``bad``'s: one byte of its body
    changed after the digests were computed."""
    recs = [response(url, body, "2021-06-01T12:00:00Z") for url, body in pages]
    recs[bad] = recs[bad].replace(b"<h1>", b"<h2>", 1)
    write(path, recs)


def truncated_warc(path: Path, pages: list[tuple[str, bytes]]) -> int:
    """The records, the file cut in the middle of the last one; returns its offset."""
    offsets = write(path, [response(url, body, "2022-02-02T02:02:02Z") for url, body in pages])
    data = path.read_bytes()
    path.write_bytes(data[:offsets[-1] + (len(data) - offsets[-1]) // 2])
    return offsets[-1]


def html_named_warc(path: Path) -> None:
    """An HTML page saved under a WARC name."""
    path.write_bytes(gzip.compress(b"<!doctype html>\n<html><body>not a WARC</body></html>\n"
                                   * 20) if path.name.endswith(".gz") else
                     b"<!doctype html>\n<html><body>not a WARC</body></html>\n" * 20)


def wacz_by_hand(path: Path, warcs: list[Path], pages: list[tuple[str, str]] = ()) -> None:
    """A minimal WACZ: the WARCs under archive/ (stored, as WACZ writers store .gz) and a
    pages.jsonl; no index (readers of WACZ here read the WARCs, not the index)."""
    import json

    with zipfile.ZipFile(path, "w") as zf:
        for warc in warcs:
            compress = zipfile.ZIP_STORED if warc.name.endswith(".gz") else zipfile.ZIP_DEFLATED
            zf.write(warc, f"archive/{warc.name}", compress_type=compress)
        lines = [{"format": "json-pages-1.0", "id": "pages"}]
        lines += [{"url": url, "title": title} for url, title in pages]
        zf.writestr("pages/pages.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n")
