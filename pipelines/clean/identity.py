"""When two cleaned texts are the same article text: the ``text_hash`` of article rows.

The crawl, replay and reclean compute it; the archive compares it (a new version of a URL
only when its text changed, one row for a text found under several URLs).
"""

from __future__ import annotations

import hashlib


def text_hash(text: str) -> str:
    """Hash of the whitespace- and case-normalised text (change detection and dedup)."""
    return hashlib.sha1(" ".join(text.lower().split()).encode("utf-8")).hexdigest()
