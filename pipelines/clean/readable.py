"""readability-lxml on a tree we already parsed and pruned: its scoring picks the container.

readability's own ``_parse`` re-parses the page and runs lxml's Cleaner on it, which costs
more than the scoring itself; we hand it a copy of our pruned tree instead.
"""

from __future__ import annotations

import copy
import logging

import lxml.html
from readability import Document
from readability.readability import Unparseable

logger = logging.getLogger(__name__)


class _TreeDocument(Document):
    """A readability Document over a pre-cleaned lxml tree (no re-parse, no Cleaner)."""

    def _parse(self, input):  # noqa: A002 - readability's name
        return copy.deepcopy(input)


def readability_html(tree: lxml.html.HtmlElement, url: str | None = None) -> str:
    """readability's summary (an HTML fragment) of a pruned tree; '' when it gives up."""
    try:
        return _TreeDocument(tree, url=url).summary(html_partial=True) or ""
    except (Unparseable, ValueError, TypeError) as exc:
        logger.debug("presskeep: readability failed on %s: %s", url, exc)
        return ""
