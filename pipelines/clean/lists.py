"""Lists and headings inside the article that trafilatura's precision mode dropped.

Precision mode drops link-heavy blocks: a deal list whose items are all links, a venue
guide whose subheads are links. When such a block sits *between* two paragraphs that
trafilatura kept, inside the element that holds most of its text, it is part of the
article; before the first or after the last kept paragraph it is usually related links.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import lxml.html

from pipelines.clean.html import squash as _norm
from pipelines.textunits import units

BLOCKS = ("p", "h2", "h3", "h4", "li", "ul", "ol", "blockquote", "td")
HEADINGS = ("h2", "h3", "h4")
#: the container is the deepest element holding this share of the kept text
CONTAINER_SHARE = 0.8
#: a recovered list: at least this many items, averaging at least this many words (one
#: item: a deal page's one-offer list under each store's name; 2 lost those)
MIN_ITEMS = 1
MIN_ITEM_WORDS = 3.0
#: headings are recovered only when short (a subhead, not a paragraph set in <h3>)
MAX_HEADING_WORDS = 15
RECOVER_HEADINGS = True
#: precision mode drops link-dense lists; others it dropped for a reason of its own
LINK_SHARE = 0.5


def _key(paragraph: str) -> str:
    return paragraph[2:] if paragraph.startswith("- ") else paragraph


def _container(chosen: list[tuple[lxml.html.HtmlElement, int]]) -> lxml.html.HtmlElement | None:
    """Deepest element holding CONTAINER_SHARE of the matched paragraphs' text."""
    weight: dict = {}
    depth: dict = {}
    total = 0
    for el, size in chosen:
        total += size
        for d, anc in enumerate(el.iterancestors()):
            weight[anc] = weight.get(anc, 0) + size
            depth[anc] = d
    best = None
    for anc, w in weight.items():
        if w >= CONTAINER_SHARE * total and (best is None or depth[anc] < depth[best]):
            best = anc
    return best


def _same_site(href: str, host: str | None) -> bool:
    """A link to another page of the page's own site (related stories), not an anchor."""
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "mailto:")):
        return False
    target = urlsplit(href).netloc.lower()
    return not target or (host is not None and target.removeprefix("www.") == host)


def _links(el: lxml.html.HtmlElement, host: str | None) -> tuple[int, int, int]:
    """(characters of link text, links, links to the same site) under ``el``."""
    chars = links = same = 0
    for a in el.iter("a"):
        chars += len(_norm(a.text_content()))
        links += 1
        same += _same_site(a.get("href") or "", host)
    return chars, links, same


class _Texts(dict):
    """Each element's normalised text, computed once (nested blocks are asked repeatedly)."""

    def of(self, el: lxml.html.HtmlElement) -> str:
        text = self.get(el)
        if text is None:
            text = self[el] = _norm(el.text_content())
        return text


def _list_items(el: lxml.html.HtmlElement, host: str | None, texts: _Texts) -> list[str] | None:
    items = [texts.of(li) for li in el if li.tag == "li"]
    items = [i for i in items if i]
    if len(items) < MIN_ITEMS:
        return None
    words = sum(units(i) for i in items) / len(items)
    if words < MIN_ITEM_WORDS:
        return None
    chars, links, same = _links(el, host)
    if chars < LINK_SHARE * sum(len(i) for i in items) or same * 2 >= links:
        return None
    return items


def recover(tree: lxml.html.HtmlElement, paragraphs: list[str], url: str | None = None) -> list[str]:
    """``paragraphs`` (trafilatura's) with dropped in-article lists/headings put back in order."""
    if len(paragraphs) < 2:
        return paragraphs
    host = urlsplit(url).netloc.lower().removeprefix("www.") if url else None
    index: dict[str, int] = {}
    for i, p in enumerate(paragraphs):
        index.setdefault(_key(p), i)
    chosen = []
    texts = _Texts()
    for el in tree.iter("p", *HEADINGS):
        text = texts.of(el)
        if text in index:
            chosen.append((el, len(text)))
    if len(chosen) < 2:
        return paragraphs
    box = _container(chosen)
    if box is None:
        return paragraphs
    inserts = _inserts(_sequence(box, index, host, texts), set(paragraphs))
    if not inserts:
        return paragraphs
    out: list[str] = []
    for i, p in enumerate(paragraphs):
        out.append(p)
        out.extend(inserts.get(i, ()))
    return out


def _sequence(box: lxml.html.HtmlElement, index: dict[str, int], host: str | None,
              texts: _Texts) -> list:
    """The container's blocks in document order: ("kept", paragraph index), ("head", text)
    for a dropped short heading, ("list", items) for a dropped link-dense list."""
    seq: list = []
    skip_until = None
    for el in box.iter(*BLOCKS):
        if skip_until is not None:
            if any(a is skip_until for a in el.iterancestors()):
                continue
            skip_until = None
        if el.tag in ("ul", "ol"):
            items = _list_items(el, host, texts)
            if items is not None and not any(_key(i) in index for i in items) \
                    and not any(texts.of(li) in index for li in el.iter("li", "p")):
                seq.append(("list", items))
                skip_until = el
            continue
        text = texts.of(el)
        if text in index:
            seq.append(("kept", index[text]))
        elif el.tag in HEADINGS and text and units(text) <= MAX_HEADING_WORDS \
                and not _links(el, host)[2]:
            seq.append(("head", text))
    return seq


def _inserts(seq: list, seen: set[str]) -> dict[int, list[str]]:
    """Paragraph index -> recovered blocks to put after it; only blocks between kept ones."""
    kept_pos = [i for i, (kind, _) in enumerate(seq) if kind == "kept"]
    if len(kept_pos) < 2:
        return {}
    inserts: dict[int, list[str]] = {}
    anchor = seq[kept_pos[0]][1]
    pending: list[str] = []
    for kind, payload in seq[kept_pos[0] + 1:kept_pos[-1] + 1]:
        if kind == "kept":
            if len(pending) == 1 and RECOVER_HEADINGS and pending[0] not in seen:
                seen.add(pending[0])
                inserts.setdefault(anchor, []).extend(pending)
            pending = []
            anchor = payload
        elif kind == "head":
            pending.append(payload)
        else:
            inserts.setdefault(anchor, []).extend(pending + ["- " + i for i in payload])
            pending = []
    return inserts
