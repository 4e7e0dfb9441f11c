"""WARC-Date timestamps: the one format presskeep writes, and reading the ones others write.

presskeep writes every ``WARC-Date`` and every row's time (``fetched_at``, a run's
``started``) in one form, UTC with microseconds: ``2026-11-21T10:00:00.123456Z``
(:data:`WARC_DATE_FORMAT`). Other tools write WARC/1.0 seconds (``2026-11-21T10:00:00Z``),
other precisions or offsets; :func:`normalize_warc_date` brings those to presskeep's form
(a revisit's ``WARC-Refers-To-Date`` is matched by :func:`parse_warc_date`, whatever the
precisions: archive/reader/revisits.py).
:func:`parse_timestamp` reads any date a row holds (a page's ``published`` too: any ISO
8601 precision, or what dateutil makes of it), for export's filters and output.
Datasets (``export``, ``extract``) write every timestamp in one form, RFC 3339 in UTC with
whole seconds: ``2026-11-21T10:00:00Z`` (:func:`rfc3339`, :func:`dataset_time`).
"""

from __future__ import annotations

from datetime import datetime, timezone

WARC_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def warc_date(when: datetime | None = None) -> str:
    """``when`` (default: now) in presskeep's WARC-Date form, UTC with microseconds."""
    when = when or datetime.now(timezone.utc)
    return when.astimezone(timezone.utc).strftime(WARC_DATE_FORMAT)


def parse_warc_date(value: str) -> datetime:
    """A WARC-Date (any ISO 8601 precision, ``Z`` or an offset) as an aware UTC datetime;
    a value without an offset is UTC. Raises ValueError when it is not a date."""
    when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc)


def normalize_warc_date(value: str | None) -> str | None:
    """A WARC-Date in presskeep's form; a value that is not a date is kept as it is."""
    if not value:
        return None
    try:
        return warc_date(parse_warc_date(value))
    except ValueError:
        return value


def parse_timestamp(value: str | None) -> datetime | None:
    """An ISO-ish date string of any precision as an aware UTC datetime (None if unparseable).

    Naive values are taken as UTC; a bare date is midnight UTC.
    """
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.strip())
    except ValueError:
        dt = _parse_loose(value)
        if dt is None:
            return None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    try:
        return dt.astimezone(timezone.utc)
    except (OverflowError, ValueError):  # year 1 or 9999 pushed out of range by its offset
        return None


def dataset_time(value: str | None) -> datetime | None:
    """A row's date as datasets carry it: :func:`parse_timestamp` to the whole second
    (truncated), so that Parquet's timestamps equal the JSON and CSV strings."""
    dt = parse_timestamp(value)
    return dt.replace(microsecond=0) if dt else None


def rfc3339(when: datetime | None) -> str | None:
    """``when`` as ``2026-11-21T10:00:00Z``: RFC 3339, UTC, whole seconds (a fraction is
    dropped); a naive value is UTC. ``isoformat`` rather than strftime: ``%Y`` does not pad
    years before 1000 on every platform."""
    if when is None:
        return None
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc)
    return when.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def _parse_loose(value: str) -> datetime | None:
    from dateutil import parser

    try:
        return parser.parse(value, default=datetime(1970, 1, 1))
    except (ValueError, OverflowError):
        return None
