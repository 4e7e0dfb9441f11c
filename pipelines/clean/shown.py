"""The date a page shows its reader: the first human-readable date near the top of the article.

Used only to choose between machine-readable candidates (published vs. modified, UTC vs. the
site's local day), never as a date source on its own: a header bar may show today's date.
"""

from __future__ import annotations

import re
from datetime import date
from itertools import islice

from pipelines.clean.layout import datelines, headline_region, in_furniture, spaced_text

_MONTHS = {m: i for i, names in enumerate(
    ("jan january", "feb february", "mar march", "apr april", "may", "jun june",
     "jul july", "aug august", "sep sept september", "oct october", "nov november",
     "dec december"), start=1) for m in names.split()}
_MONTH = r"(?P<mon>[A-Za-z]{3,9})\.?"
_TEXT_DATES = (
    re.compile(_MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d\d)\b"),
    re.compile(r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(?P<year>(?:19|20)\d\d)\b"),
)
_ISO = re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b")
_MAX_ELEMENTS = 40


def parse_text_date(text: str) -> str | None:
    """'Updated on December 13, 2023 1:23 PM' → '2023-12-13' (English month names, ISO)."""
    for pattern in _TEXT_DATES:
        for match in pattern.finditer(text):
            month = _MONTHS.get(match.group("mon").lower())
            if month:
                return _iso(int(match.group("year")), month, int(match.group("day")))
    match = _ISO.search(text)
    return _iso(*(int(g) for g in match.groups())) if match else None


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def shown_date(tree, page: set) -> str | None:
    """The first readable full date in a <time> or date/time-classed element of the container
    that holds the headline (layout.headline_region), outside furniture."""
    for el in islice(datelines(headline_region(tree, page)), _MAX_ELEMENTS):
        text = spaced_text(el)
        if not text or len(text) > 120 or in_furniture(el, page):
            continue
        found = parse_text_date(text)
        if found:
            return found
    return None
