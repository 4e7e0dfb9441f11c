"""WARC-Date timestamps: the one format presskeep writes, and reading the ones others write.

presskeep writes every ``WARC-Date`` and every row's time (``fetched_at``, a run's
``started``) in one form, UTC with microseconds: ``2026-11-21T10:00:00.123456Z``
(:data:`WARC_DATE_FORMAT`). Other tools write WARC/1.0 seconds (``2026-11-21T10:00:00Z``),
other precisions or offsets; :func:`normalize_warc_date` brings those to presskeep's form
(a revisit's ``WARC-Refers-To-Date`` is matched by :func:`parse_warc_date`, whatever the
precisions: archive/reader/revisits.py).
:func:`parse_timestamp` reads any date a row holds (a page's ``published`` too: any ISO
8601 precision, or what dateutil makes of it), for export's filters and output.
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


def _parse_loose(value: str) -> datetime | None:
    from dateutil import parser

    try:
        return parser.parse(value, default=datetime(1970, 1, 1))
    except (ValueError, OverflowError):
        return None
