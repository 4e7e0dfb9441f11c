"""A revisit is resolved to the record it names: by ``WARC-Refers-To`` (the record id) first,
the most exact of its keys, in a replay scan as in serve."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.reader import ArchiveScan, load_ref

URL = "http://127.0.0.1:9/story.html"
HTML = [("Content-Type", "text/html; charset=utf-8")]


def _response(writer: WARCWriter, body: bytes, date: str):
    record = writer.create_warc_record(
        URL, "response", payload=BytesIO(body), length=len(body),
        http_headers=StatusAndHeaders("200 OK", HTML, protocol="HTTP/1.1"),
        warc_headers_dict={"WARC-Date": date})
    writer.write_record(record)
    return record


def two_captures_in_one_second(path: Path) -> str:
    """Two responses of one URL within one second, then a 304 revisit naming the second by
    record id, target URI and date (to the second, both match) and digest; its record id."""
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="1.1")
        _response(writer, b"<html><body><p>first version</p></body></html>",
                  "2026-11-21T10:00:00.100000Z")
        second = _response(writer, b"<html><body><p>second version</p></body></html>",
                           "2026-11-21T10:00:00.900000Z")
        head = second.rec_headers
        revisit = writer.create_revisit_record(
            URL, digest=head.get_header("WARC-Payload-Digest"), refers_to_uri=URL,
            refers_to_date=head.get_header("WARC-Date"),
            http_headers=StatusAndHeaders("304 Not Modified", [], protocol="HTTP/1.1"))
        revisit.rec_headers.add_header("WARC-Refers-To", head.get_header("WARC-Record-ID"))
        revisit.rec_headers.replace_header("WARC-Date", "2026-11-22T10:00:00.000000Z")
        writer.write_record(revisit)
        return head.get_header("WARC-Record-ID")


def test_replay_scan_resolves_a_revisit_to_the_record_id_it_names(tmp_path):
    path = tmp_path / "same-second.warc.gz"
    second_id = two_captures_in_one_second(path)
    revisit = next(r for r in ArchiveScan().refs([path]) if r.rec_type == "revisit")
    assert revisit.original.record_id == second_id
    assert b"second version" in load_ref(revisit).body
