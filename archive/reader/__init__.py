"""The one WARC reader: records by offset, whole files past damage, payloads decoded,
revisits resolved. records.py opens files and walks records; payload.py reads and
decodes bodies; revisits.py resolves a revisit to its original; scan.py finds the
replayable records of several files."""

from archive.reader.payload import (ArchivedResponse, Payload, RawResponse, RecordCache,
                                    load_payload, read_payload, read_raw, read_record_at)
from archive.reader.records import (READ_ERRORS, BadSpot, RawContentRecords, RecordWalk,
                                    WarcRecords, missing_uri, open_warc, record_at, record_bytes,
                                    tolerant_records)
from archive.reader.revisits import (IDENTICAL, NOT_MODIFIED, RefersTo, find_original,
                                     has_article, last_capture, latest_response, payload_digest,
                                     read_latest_response, row_payload)
from archive.reader.scan import ArchiveScan, RecordRef, load_ref, scan_file

__all__ = [
    "ArchivedResponse", "Payload", "RawResponse", "RecordCache", "load_payload", "read_payload",
    "read_raw", "read_record_at", "READ_ERRORS", "BadSpot", "RawContentRecords", "RecordWalk",
    "WarcRecords", "missing_uri", "open_warc", "record_at", "record_bytes", "tolerant_records",
    "IDENTICAL", "NOT_MODIFIED", "RefersTo", "find_original", "has_article", "last_capture",
    "latest_response", "payload_digest", "read_latest_response", "row_payload", "ArchiveScan",
    "RecordRef", "load_ref", "scan_file",
]
