"""Where an element sits on the page: inside the article, or in furniture (sidebar, feed, footer).

A layout class on a container that also holds the page's headline ("page__body--with-sidebar",
"comments-open", "sidebar-collapsed", `<html class="sidebar-mode-1">`) describes the page, not
a sidebar: only ancestors that do not contain the main `<h1>` can be furniture.
"""

from __future__ import annotations

import re

_FURNITURE_TAGS = ("aside", "footer", "nav")
_FURNITURE_ATTR = re.compile(r"related|latest|feed|recommend|sidebar|footer|comment|popular"
                             r"|bio|newsletter", re.I)


def headline_path(tree) -> set:
    """The first `<h1>` and its ancestors (empty when the page has no h1)."""
    h1 = next(tree.iter("h1"), None)
    if h1 is None:
        return set()
    return {h1, *h1.iterancestors()}


def in_furniture(el, page: set) -> bool:
    """True when an ancestor outside the headline's path is an aside/footer/nav or says so.

    The block around the headline (the h1's parent: header, byline, dateline) is never
    furniture, whatever its classes say ("bio" on a byline with the writer's photo).
    """
    ancestors = list(el.iterancestors())
    if any(anc in page and anc.tag not in ("html", "body") and any(c.tag == "h1" for c in anc)
           for anc in ancestors[:6]):
        return False
    for anc in ancestors:
        if anc in page or anc.tag in ("html", "body"):
            continue
        if anc.tag in _FURNITURE_TAGS:
            return True
        if _FURNITURE_ATTR.search(f"{anc.get('class', '')} {anc.get('id', '')}"):
            return True
    return False


def spaced_text(el) -> str:
    """Text with a space between nodes ('Jane Doe' 'Contributions from' stay apart)."""
    return " ".join(" ".join(el.itertext()).split())
