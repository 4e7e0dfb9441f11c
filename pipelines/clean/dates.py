"""Published and modified dates as ISO 8601: JSON-LD, meta tags, <time>, then htmldate."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from typing import Any

from pipelines.clean.html import meta_values, tagged
from pipelines.clean.shown import shown_date

logger = logging.getLogger(__name__)
_PUBLISHED_META = ("article:published_time", "datePublished", "og:published_time",
                   "published_time", "pubdate", "publishdate", "publish-date", "sailthru.date",
                   "parsely-pub-date", "dc.date.issued", "dc.date", "date", "dcterms.created")
_MODIFIED_META = ("article:modified_time", "dateModified", "og:updated_time", "modified_time",
                  "last-modified", "dcterms.modified")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")


def normalize(value: Any) -> str | None:
    """An ISO 8601 string (date or date-time) for common machine-readable date formats."""
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()
    except ValueError:
        pass
    match = _US_DATE.match(text)
    if match:
        month, day, year = (int(g) for g in match.groups()[:3])
        hour, minute, sec = (int(g or 0) for g in match.groups()[3:])
        try:
            return datetime(year, month, day, hour, minute, sec).isoformat()
        except ValueError:
            return None
    iso = re.match(r"^\d{4}-\d{2}-\d{2}", text)
    return iso.group(0) if iso else None


def _meta(tree, keys: tuple[str, ...]) -> str | None:
    for key in keys:
        for attr in ("property", "name", "itemprop"):
            for value in meta_values(tree, attr, key):
                found = normalize(value)
                if found:
                    return found
    return None


def _time_element(tree) -> str | None:
    values = [v for el in tagged(tree, "time") if (v := el.get("datetime")) is not None]
    for value in values[:3]:  # = tree.xpath("//time[@datetime]/@datetime")[:3]
        found = normalize(value)
        if found:
            return found
    return None


_URL_DATE = re.compile(r"/((?:19|20)\d\d)[/-](\d{1,2})[/-](\d{1,2})(?:/|-|$)")


def url_date(url: str | None) -> str | None:
    """A full date in the URL path (/2026/11/24/ or /2026-11-24/), as YYYY-MM-DD."""
    match = _URL_DATE.search(url or "")
    if not match:
        return None
    try:
        return datetime(*(int(g) for g in match.groups())).date().isoformat()
    except ValueError:
        return None


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _utc(value: str) -> bool:
    return value.endswith(("Z", "+00:00")) and "T" in value


def as_shown(found: str | None, changed: str | None, tree, page: set) -> str | None:
    """Choose between candidates with the date the page shows (shown.py).

    Published and modified on different days: the one the page displays ('Updated Dec 23').
    A UTC timestamp the page shows as the day before or after: the page's (local) day.
    """
    pub, mod = _day(found), _day(changed)
    utc = bool(found and _utc(found))
    if pub is None or (pub == mod or mod is None) and not utc:
        return found
    seen = _day(shown_date(tree, page))
    if seen is None or seen == pub:
        return found
    if mod is not None and seen == mod:
        return changed
    if utc and abs((seen - pub).days) == 1:
        return seen.isoformat()
    return found


def published(tree, ld: dict, url: str | None, page: set | None = None) -> str | None:
    found = _published(tree, ld, url)
    if page is not None:
        found = as_shown(found, modified(tree, ld), tree, page)
    in_url = url_date(url)
    if in_url and (not found or abs((datetime.fromisoformat(found[:10])
                                     - datetime.fromisoformat(in_url)).days) > 1):
        return in_url
    return found


def _published(tree, ld: dict, url: str | None) -> str | None:
    return (normalize(ld.get("datePublished")) or _meta(tree, _PUBLISHED_META)
            or normalize(ld.get("dateCreated")) or _time_element(tree) or _htmldate(tree, url))


def modified(tree, ld: dict) -> str | None:
    return normalize(ld.get("dateModified")) or _meta(tree, _MODIFIED_META)


def _htmldate(tree, url: str | None) -> str | None:
    from pipelines.clean.htmldate_fast import find_original_date

    try:
        return find_original_date(tree, url)  # = htmldate's find_date, without its tree copy
    except Exception as exc:  # htmldate raises assorted errors on odd pages
        logger.debug("presskeep: htmldate failed on %s: %s", url, exc)
        return None
