"""readability-lxml on a tree we already parsed and pruned: its scoring picks the container.

readability's own ``_parse`` re-parses the page and runs lxml's Cleaner on it, which costs
more than the scoring itself; we hand it a copy of our pruned tree instead. ``_parse`` is
private to readability-lxml: :data:`CHECKED` names the versions it was read in (pyproject.toml
bounds readability-lxml to them; tests/test_compat.py fails on any other), and a
readability without it stops the import here with one clear line.
"""

from __future__ import annotations

import copy
import logging

import lxml.html
from readability import Document
from readability.readability import Unparseable

logger = logging.getLogger(__name__)

#: the readability-lxml versions whose private ``Document._parse`` (``_html`` calls it for
#: the tree to score) :class:`_TreeDocument` replaces
CHECKED = ("0.9",)
if not all(callable(getattr(Document, name, None)) for name in ("_parse", "_html")):
    raise ImportError("the installed readability-lxml has no Document._parse or _html, which "
                      f"presskeep relies on (checked on readability-lxml {', '.join(CHECKED)}; "
                      "see pipelines/clean/readable.py)")


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
