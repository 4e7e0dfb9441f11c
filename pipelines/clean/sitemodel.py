"""Site-level learned boilerplate: text blocks that recur across many pages of one site.

A site's template repeats the same short blocks (a TTS-player line, "Latest Stories"
headlines, share bars, newsletter boxes, the template's byline) on most of its pages, at
the head or the tail of the extracted text. ``SiteModel`` counts, per normalised block,
on how many pages it was seen and how often it sat at an edge of the article. A block is
learned boilerplate when it recurs on at least ``MIN_PAGES`` pages and ``MIN_SHARE`` of the
site's pages, mostly at an edge. Counting is per page (a set), so a line repeated inside
one article counts once, and a short real sentence that recurs on a few pages stays below
the share threshold. Removal is capped: a page keeps at least ``MIN_KEPT_SHARE`` of its
words (learned blocks go from the outermost in while they fit), so a site of templated
reports, whose every sentence recurs with other numbers, keeps its bodies.

The model also learns the site's title affix: the part of ``<title>`` that every page of a
template repeats ("Story – Regional Blog", "Regional Blog | Story") when no metadata names
the site. :meth:`SiteModel.observe_title` counts, per page, the first and the last part of
the ``<title>`` between separators (`` – — | · : - `` with spaces around, ``|``, ``»``,
``_``: :func:`pipelines.clean.headline.title_ends`); a part that starts (or ends) the
titles of at least ``MIN_PAGES`` pages and ``MIN_SHARE`` of the titled pages is the site's
prefix (or suffix), and :meth:`SiteModel.clean_title` strips it from a headline's ends.
A headline repeats on one page; the site's name on many.

    >>> model = SiteModel("news.example")
    >>> for paragraphs in pages: model.observe(paragraphs)
    >>> model.filter(paragraphs)           # without the learned template blocks
    >>> SiteModel.from_json(model.to_json())
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

from pipelines.clean.headline import strip_affixes, title_ends

_DIGITS = re.compile(r"\d+")
MIN_PAGES = 5          # a block must recur on at least this many pages ...
MIN_SHARE = 0.2        # ... and on this share of the pages seen for the site ...
MIN_EDGE_SHARE = 0.6   # ... and sit at the head/tail of the text on most of them
HEAD, TAIL = 3, 8      # what "edge" means: the first HEAD or last TAIL paragraphs
MAX_BLOCK_CHARS = 400  # longer paragraphs are article prose, never counted
MAX_KEYS = 50_000      # bound on memory: singletons are forgotten past this
MIN_KEPT_SHARE = 0.5   # learned blocks never take a page below this share of its words
MAX_AFFIXES = 4_000    # bound on memory for title parts: singletons are forgotten past this


def block_key(text: str) -> str | None:
    """A short stable key for a paragraph: case, spacing and digits do not matter."""
    if len(text) > MAX_BLOCK_CHARS:
        return None
    norm = _DIGITS.sub("0", " ".join(text.split()).casefold())  # = re.sub(r"\s+", " ").strip()
    if not norm:
        return None
    return hashlib.blake2b(norm.encode("utf-8"), digest_size=8).hexdigest()


@dataclass
class SiteModel:
    """Counts of recurring blocks for one site; JSON-serialisable, picklable."""

    site: str | None = None
    pages: int = 0
    blocks: dict[str, list[int]] = field(default_factory=dict)  # key -> [pages, edge pages]
    titles: int = 0  # pages whose <title> was counted
    affixes: dict[str, int] = field(default_factory=dict)  # "<key" / ">key" -> pages

    def observe_title(self, title: str | None) -> None:
        """Count one page's ``<title>``: its first part as a possible prefix, its last as a
        possible suffix."""
        if not title:
            return
        self.titles += 1
        ends = title_ends(title)
        if ends is None:
            return
        for key in {"<" + ends[0], ">" + ends[1]}:
            self.affixes[key] = self.affixes.get(key, 0) + 1
        if len(self.affixes) > MAX_AFFIXES:
            self.affixes = {k: n for k, n in self.affixes.items() if n > 1}

    def title_affixes(self) -> tuple[set[str], set[str]]:
        """(prefix keys, suffix keys) learned for the site."""
        if self.titles < MIN_PAGES:
            return set(), set()
        learned = [k for k, n in self.affixes.items()
                   if n >= MIN_PAGES and n >= MIN_SHARE * self.titles and len(k) > 1]
        return ({k[1:] for k in learned if k[0] == "<"}, {k[1:] for k in learned if k[0] == ">"})

    def clean_title(self, title: str | None) -> str | None:
        """``title`` without the learned prefix and suffix (:meth:`observe_title`)."""
        prefixes, suffixes = self.title_affixes()
        return strip_affixes(title, prefixes, suffixes)

    def observe(self, paragraphs: list[str], keys: list[str | None] | None = None) -> None:
        """Count one page's paragraphs (each distinct block once).

        ``keys``: the paragraphs' :func:`block_key` values, when the caller has them.
        """
        if not paragraphs:
            return
        self.pages += 1
        seen: dict[str, bool] = {}
        last = len(paragraphs) - TAIL
        if keys is None:
            keys = [block_key(text) for text in paragraphs]
        for index, key in enumerate(keys):
            if key is not None:
                seen[key] = seen.get(key, False) or index < HEAD or index >= last
        for key, edge in seen.items():
            counts = self.blocks.setdefault(key, [0, 0])
            counts[0] += 1
            counts[1] += int(edge)
        if len(self.blocks) > MAX_KEYS:
            self.blocks = {k: c for k, c in self.blocks.items() if c[0] > 1}

    def is_boilerplate(self, text: str, key: str | None = "") -> bool:
        if key == "":
            key = block_key(text)
        counts = self.blocks.get(key) if key else None
        if not counts or self.pages < MIN_PAGES:
            return False
        pages, edge = counts
        return (pages >= MIN_PAGES and pages >= MIN_SHARE * self.pages
                and edge >= MIN_EDGE_SHARE * pages)

    def filter(self, paragraphs: list[str], keys: list[str | None] | None = None) -> list[str]:
        """``paragraphs`` without the blocks learned as this site's template (capped:
        see :meth:`drops`)."""
        drop, _ = self.drops(paragraphs, keys)
        if not drop:
            return list(paragraphs)
        return [p for index, p in enumerate(paragraphs) if index not in drop]

    def drops(self, paragraphs: list[str], keys: list[str | None] | None = None
              ) -> tuple[set[int], int]:
        """The indexes of the learned blocks to remove, and how many learned blocks the cap
        keeps: blocks go from the outermost in (the template sits at the edges), each only
        if the page still keeps ``MIN_KEPT_SHARE`` of its words without it."""
        if self.pages < MIN_PAGES:
            return set(), 0
        if keys is None:
            keys = [block_key(text) for text in paragraphs]
        learned = [i for i, (p, key) in enumerate(zip(paragraphs, keys))
                   if self.is_boilerplate(p, key)]
        if not learned:
            return set(), 0
        last = len(paragraphs) - 1
        budget = int(sum(len(p.split()) for p in paragraphs) * (1 - MIN_KEPT_SHARE))
        drop: set[int] = set()
        for index in sorted(learned, key=lambda i: min(i, last - i)):
            words = len(paragraphs[index].split())
            if words <= budget:
                budget -= words
                drop.add(index)
        return drop, len(learned) - len(drop)

    def learned(self) -> int:
        """How many distinct blocks currently count as boilerplate."""
        return sum(1 for c in self.blocks.values()
                   if c[0] >= MIN_PAGES and c[0] >= MIN_SHARE * self.pages
                   and c[1] >= MIN_EDGE_SHARE * c[0])

    def merge(self, other: "SiteModel") -> "SiteModel":
        """Add another model's counts (e.g. from a parallel worker) into this one."""
        self.pages += other.pages
        for key, (pages, edge) in other.blocks.items():
            counts = self.blocks.setdefault(key, [0, 0])
            counts[0] += pages
            counts[1] += edge
        self.titles += other.titles
        for key, pages in other.affixes.items():
            self.affixes[key] = self.affixes.get(key, 0) + pages
        return self

    def to_json(self) -> str:
        return json.dumps({"version": 1, "site": self.site, "pages": self.pages,
                           "blocks": self.blocks, "titles": self.titles,
                           "affixes": self.affixes}, separators=(",", ":"))

    @classmethod
    def from_json(cls, data: str | bytes | None, site: str | None = None) -> "SiteModel":
        if not data:
            return cls(site=site)
        obj = json.loads(data)
        return cls(site=obj.get("site") or site, pages=int(obj.get("pages", 0)),
                   blocks={k: [int(v[0]), int(v[1])] for k, v in obj.get("blocks", {}).items()},
                   titles=int(obj.get("titles", 0)),  # models saved before titles were learned
                   affixes={k: int(v) for k, v in obj.get("affixes", {}).items()})
