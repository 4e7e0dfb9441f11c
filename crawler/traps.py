"""Crawl traps: chains of pages that yield nothing and lead only to more pages like them.

A calendar whose every month links the next, a pager that always has one more page:
each page is a new URL, so the seen-set does not stop them, and the per-pattern cap
(``PRESSKEEP_MAX_PER_PATTERN``) only after thousands of pages. Here a page is *barren*
when it yields no article and leads nowhere outside its own URL pattern
(:func:`crawler.links.url_pattern`: digit runs as ``#``), that is, none of the in-scope
links that no earlier page of its site had is of another pattern (for ``--no-clean``
and other pages whose type is not known, only the second half applies). Once
``PRESSKEEP_TRAP_CUT`` barren pages of one pattern come in a row, the links of a
barren page to its own pattern are not followed: the chain is cut. A page that yields
an article or leads elsewhere (a listing that links new stories) restarts the count.

"In a row" is counted two ways, and the larger counts: per pattern in this process
(pages of a calendar that branches both ways count together), and along the chain of
pages that found each other, carried in ``request.meta`` (so a chain spread over
several crawl processes, or resumed from a job directory, is counted whole).
"""

from __future__ import annotations

import logging

from crawler.links import Found, LinkFilter

logger = logging.getLogger(__name__)
#: request.meta key: how many barren pages of the request's URL pattern led to it in a row
META_KEY = "presskeep_trap"
#: patterns whose streak is remembered at most; past it, those of one page are forgotten
MAX_PATTERNS = 100_000
#: patterns that get a stats key of their own (``presskeep/trap/cut/<pattern>``) at most
MAX_REPORTED = 20


class TrapCut:
    """The spider's trap detector; ``limit``: barren pages of one pattern in a row."""

    def __init__(self, limit: int, crawler) -> None:
        self.limit = limit
        self.crawler = crawler  # its stats exist only once the crawl starts
        self._streak: dict[int, int] = {}  # hash of a pattern -> barren pages in a row
        self._cut: set[int] = set()  # patterns already cut (logged once each)
        self._keys: set[int] = set()  # patterns with a stats key of their own

    def judge(self, url: str, meta: dict, found: Found, article: bool | None,
              links: LinkFilter) -> int:
        """Decide what a page's links are worth, and cut them if it ends a trap chain.

        ``found``: the new URLs of the page at ``url`` (with ``found.pattern`` its URL
        pattern and ``found.leads_out`` whether it leads elsewhere); ``article``: whether
        it yielded an article (None: not known). The URLs cut are taken out of ``found``
        and handed back to ``links`` (another page may still lead to them). Returns the
        chain length to give the page's remaining links of its own pattern (0: none).
        """
        if article or found.leads_out:
            self._streak.pop(hash(found.pattern), None)
            return 0
        key = hash(found.pattern)
        streak = self._streak.get(key, 0) + 1
        if streak == 1 and len(self._streak) >= MAX_PATTERNS:
            self._streak = {k: n for k, n in self._streak.items() if n > 1}
        self._streak[key] = streak
        chain = meta.get(META_KEY, 0) + 1
        if max(streak, chain) < self.limit:
            return chain
        cut = links.release(found, lambda url: not found.outside(url))
        if cut:
            self._report(found.pattern, cut, url)
        return 0

    def _report(self, pattern: str, cut: int, url: str) -> None:
        stats = self.crawler.stats
        stats.inc_value("presskeep/trap/cut", cut)
        key = hash(pattern)
        if key not in self._cut:
            self._cut.add(key)
            stats.inc_value("presskeep/trap/patterns")
            logger.warning("presskeep: crawl trap cut: %d pages of URL pattern %s in a row "
                           "yielded no article and led nowhere else (the last: %s); their "
                           "links to more of them are not followed (PRESSKEEP_TRAP_CUT)",
                           self.limit, pattern, url)
        if key in self._keys or len(self._keys) < MAX_REPORTED:
            self._keys.add(key)
            stats.inc_value(f"presskeep/trap/cut/{pattern}", cut)
