"""htmldate's fast-mode ``find_date`` for the original date, without its copy of the tree.

``find_date(tree, url=url, original_date=True, extensive_search=False)`` reads the URL,
the <meta> elements, JSON-LD and <abbr> elements of the tree, then deep-copies the tree,
prunes the copy (the ``CLEANING_LIST`` elements: iframe, svg, video...; the Wayback
Machine banner) and scans it: every candidate element (div, span, li... by id/class
cues) before the first that holds a date, the title and h1, <time> elements, the
serialized HTML, and at last the text without scripts and styles.

:func:`find_original_date` returns the same value (or raises the same error) for less:

- when the tree holds nothing to prune, the copy would equal the tree, so the scanning
  steps read the tree itself (none of them changes it); only the last step, which drops
  the scripts from the copy, still copies the tree (it is reached by pages without any
  date, e.g. hubs);
- the candidate elements are examined as they are found, stopping at the first date,
  instead of being all collected first (the date still stands only if there are no more
  than ``MAX_POSSIBLE_CANDIDATES`` candidates, as in find_date).

Every step is htmldate's own function; the steps, their order and their inputs are
those of ``htmldate.core.find_date`` in the versions :data:`CHECKED` names. pyproject.toml
bounds htmldate to them and tests/test_compat.py fails on any other; should another one
be installed all the same, find_date itself runs (one warning says so), as it does for a
tree with something to prune. ``tests/test_dates_fast.py`` compares both on varied pages.

It pays on a page without date markup (JSON-LD, meta tags, ``<time>``), which reaches
htmldate: every article of the benchmark site (0.9 ms of a page's 7.7 ms of cleaning, 5 %
of the full crawl's CPU), 24 of the 287 aeb/naeb articles (docs/performance.md).
"""

from __future__ import annotations

import logging
from copy import deepcopy
from itertools import islice

import htmldate
from htmldate import core, extractors, settings
from htmldate.utils import Extractor, clean_html
from htmldate.validators import get_max_date, get_min_date
from lxml.etree import XPath
from lxml.html import HtmlElement

logger = logging.getLogger(__name__)

#: the htmldate versions whose find_date the steps below mirror
CHECKED = ("1.11.0",)
#: whether the installed htmldate is one of them (else find_date itself runs)
MIRRORED = htmldate.__version__ in CHECKED
if not MIRRORED:
    logger.warning("presskeep: htmldate %s is not a version pipelines/clean/htmldate_fast.py "
                   "was checked on (%s): dates go through its find_date", htmldate.__version__,
                   ", ".join(CHECKED))
_FORMAT = "%Y-%m-%d"
_BANNER_IDS = ("wm-ipp-base", "wm-ipp")  # htmldate.extractors.DISCARD_EXPRESSIONS
_CANDIDATE_TAGS = (*extractors.FAST_TAGS, *core.ALWAYS_TAGS)
#: the elements under a node (a bound on its candidates), counted in C: 2-3x faster than
#: iterating over the rest of the candidates from Python
_count_elements = XPath("count(descendant::*)")


def find_date(tree, url: str | None) -> str | None:
    """htmldate's ``find_date(tree, url=url, original_date=True, extensive_search=False)``."""
    return htmldate.find_date(tree, url=url, original_date=True, extensive_search=False)


def prunes_nothing(tree) -> bool:
    """Whether find_date's pruned copy of ``tree`` would equal ``tree``."""
    return (next(tree.iter(settings.CLEANING_LIST), None) is None
            and not any(div.get("id") in _BANNER_IDS for div in tree.iterdescendants("div")))


def find_original_date(tree, url: str | None) -> str | None:
    """The same as :func:`find_date`, reading ``tree`` instead of a copy when it can."""
    if not MIRRORED or not isinstance(tree, HtmlElement):
        return find_date(tree, url)
    options = Extractor(False, get_max_date(None), get_min_date(None), True, _FORMAT)
    if url is None:
        link = tree.find('.//link[@rel="canonical"]')
        if link is not None:
            url = link.get("href")
    result = (extractors.extract_url_date(url, options)
              or core.examine_header(tree, options) or extractors.json_search(tree, options)
              or core.examine_abbr_elements(tree, options))
    if result is not None:
        return result
    shared = prunes_nothing(tree)  # search the caller's tree: copy it before changing it
    search_tree = tree if shared else _pruned_copy(tree)
    result = (_candidates_date(search_tree, options)
              or core.examine_elements(search_tree.xpath(".//title|.//h1"), options)
              or core.examine_time_elements(search_tree, options))
    if result is not None:
        return result
    htmlstring = core.serialize(search_tree)
    result = (extractors.pattern_search(htmlstring, core.TIMESTAMP_PATTERN, options)
              or extractors.img_search(search_tree, options)
              or extractors.idiosyncrasies_search(htmlstring, options))
    if result is not None:
        return result
    if shared:  # the last step drops the scripts and styles
        search_tree = deepcopy(search_tree)
    clean_html(search_tree, ["script", "style"])
    text = " ".join(search_tree.itertext())
    return extractors.pattern_search(text, core.TIMESTAMP_LOOSE_PATTERN, options)


def _pruned_copy(tree) -> HtmlElement:
    """find_date's search tree: a copy without the CLEANING_LIST elements and the banner."""
    pruning_tree = deepcopy(tree)
    try:
        return extractors.discard_unwanted(clean_html(pruning_tree, settings.CLEANING_LIST))
    except ValueError:  # as in find_date
        core.LOGGER.error("lxml cleaner error")
        return pruning_tree


def _candidates_date(tree, options: Extractor) -> str | None:
    """``examine_elements(date_candidates(tree, False), options)``, stopping at the first date.

    examine_elements returns None for more than MAX_POSSIBLE_CANDIDATES candidates: a date
    found early stands only if the tree has no more elements than that, or the elements
    left cannot make that many. Should examining
    one candidate raise, the plain steps run (and raise the same, or return None when
    there are too many candidates to examine any).
    """
    elements = tree.iterdescendants(*_CANDIDATE_TAGS)
    seen = 0
    try:
        for elem in elements:
            if elem.tag in core.ALWAYS_TAGS or core.is_date_candidate(elem):
                seen += 1
                if seen > settings.MAX_POSSIBLE_CANDIDATES:
                    break
                found = core.examine_elements([elem], options)
                if found is not None:
                    room = settings.MAX_POSSIBLE_CANDIDATES - seen
                    if (_count_elements(tree) <= settings.MAX_POSSIBLE_CANDIDATES
                            or sum(1 for _ in islice(elements, room + 1)) <= room):
                        return found
                    break
        else:
            return None
    except Exception:  # noqa: BLE001 - the plain steps decide
        pass
    return core.examine_elements(core.date_candidates(tree, False), options)
