"""The one WARC reader: records by offset, whole files past damage, payloads decoded,
revisits resolved. records.py opens files (WARC, ARC, a WARC inside a WACZ) and walks
records; resync.py walks a whole file past damage; damage.py names what could not be
read; payload.py reads and decodes bodies; revisits.py resolves a revisit to its
original; scan.py finds the replayable records of several files."""

from archive.reader.damage import NOTED, SKIPPED, UNREADABLE, BadSpot, by_cause, in_words
from archive.reader.payload import (ArchivedResponse, Payload, RawResponse, RecordCache,
                                    load_payload, read_payload, read_raw, read_record_at)
from archive.reader.records import (READ_ERRORS, RawContentRecords, RecordWalk, WarcFile,
                                    WarcRecords, missing_uri, open_warc, record_at, record_bytes)
from archive.reader.resync import tolerant_records
from archive.reader.revisits import (IDENTICAL, NOT_MODIFIED, RefersTo, find_original,
                                     has_article, last_capture, latest_response, payload_digest,
                                     read_latest_response, row_payload)
from archive.reader.scan import ArchiveOriginals, ArchiveScan, RecordRef, load_ref, scan_file

__all__ = [
    "NOTED", "SKIPPED", "UNREADABLE", "BadSpot", "by_cause", "in_words",
    "ArchivedResponse", "Payload", "RawResponse", "RecordCache", "load_payload", "read_payload",
    "read_raw", "read_record_at", "READ_ERRORS", "RawContentRecords", "RecordWalk", "WarcFile",
    "WarcRecords", "missing_uri", "open_warc", "record_at", "record_bytes", "tolerant_records",
    "IDENTICAL", "NOT_MODIFIED", "RefersTo", "find_original", "has_article", "last_capture",
    "latest_response", "payload_digest", "read_latest_response", "row_payload",
    "ArchiveOriginals", "ArchiveScan", "RecordRef", "load_ref", "scan_file",
]
