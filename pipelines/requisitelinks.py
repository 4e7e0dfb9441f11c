"""A page's requisites: what a browser fetches to show it (stylesheets, images, scripts, icons).

Read from the page's lxml tree by the same two places that read its links
(``pipelines/pagelinks.py``), and from stylesheets (:func:`css_urls`). Only URLs as
written are returned; making them absolute, filtering and fetching is the crawler's job
(``crawler/requisites.py``). No Scrapy import here: the cleaning workers load this module.

Every ``srcset`` candidate is a requisite, not only the largest: the replaying browser
picks the candidate that fits its own screen and pixel density, and a candidate that was
not archived shows as a broken image there (docs/warc.md).
"""

from __future__ import annotations

import re

import tinycss2
from lxml import etree

#: ``<link rel>`` tokens whose ``href`` is part of the page
LINK_RELS = frozenset({"stylesheet", "icon", "apple-touch-icon", "apple-touch-icon-precomposed",
                       "mask-icon"})
#: ``<link rel=preload as=...>`` kinds that are requisites (a preloaded document is not)
PRELOAD_AS = frozenset({"style", "script", "font", "image"})
#: attributes holding one URL / a srcset, per element, lazy-loading variants included
_URL_ATTRS = ("src", "data-src", "data-lazy-src")
_SRCSET_ATTRS = ("srcset", "data-srcset", "data-lazy-srcset")
#: the elements that name requisites, walked with ``iter()`` (in document order): ~30 times
#: faster than the same union in XPath, which sorts its result
_TAGS = ("link", "img", "source", "video", "script", "style")
_STYLE_ATTRS = etree.XPath("//@style", smart_strings=False)
#: CSS functions whose string arguments are URLs (``url("a.png")``, ``image-set("a.png" 1x)``)
_URL_FUNCTIONS = frozenset({"url", "image-set", "-webkit-image-set"})
#: CSS that has none of these (in any case) loads nothing: it is not parsed at all (tinycss2
#: tokenizes ~2 MB/s, and pages often carry tens of KB of inline CSS without a URL in it;
#: a lower-cased copy and three ``in`` tests cost ~1/20 of an IGNORECASE regex search)
_LOADS = ("url(", "@import", "image-set")
_LOADS_BYTES = tuple(word.encode() for word in _LOADS)
_SPACE = re.compile(r"\s+")


def srcset_urls(value: str) -> list[str]:
    """The candidate URLs of a ``srcset`` (``"a.png 1x, b.png 2x"`` -> a.png, b.png).

    As the HTML standard splits it: a URL is a run of non-space characters, a trailing
    comma ends the candidate, descriptors run to the next comma.
    """
    out: list[str] = []
    pos, end = 0, len(value)
    while pos < end:
        while pos < end and (value[pos].isspace() or value[pos] == ","):
            pos += 1
        start = pos
        while pos < end and not value[pos].isspace():
            pos += 1
        url = value[start:pos]
        if url.endswith(","):
            url = url.rstrip(",")
        else:  # skip the descriptors, up to the comma that ends the candidate
            comma = value.find(",", pos)
            pos = end if comma < 0 else comma + 1
        if url:
            out.append(url)
    return out


def _link_href(el) -> str | None:
    rels = set((el.get("rel") or "").lower().split())
    if rels & LINK_RELS or ("preload" in rels and (el.get("as") or "").lower() in PRELOAD_AS):
        return el.get("href")
    return None


def _element_urls(el) -> list[str]:
    tag = el.tag
    if tag == "source" and (el.getparent() is None or el.getparent().tag != "picture"):
        return []  # a <video>/<audio> source: media, not a requisite
    if tag == "script":
        return [el.get("src")] if el.get("src") else []
    if tag == "link":
        href = _link_href(el)
        return [href] if href else []
    if tag == "style":
        return css_urls(el.text or "")
    if tag == "video":  # the poster frame; the video itself is not a requisite
        return [el.get("poster")] if el.get("poster") else []
    urls = [v for a in _URL_ATTRS if (v := el.get(a))]
    for attr in _SRCSET_ATTRS:
        if value := el.get(attr):
            urls.extend(srcset_urls(value))
    return urls


def page_requisites(root) -> list[str]:
    """The URLs (as written, in document order, repeats removed) of what the page needs to
    be shown: stylesheets, icons and preloads, images with every srcset candidate and the
    lazy-loading attributes, scripts, video posters, and what inline CSS ``url()``s
    (``style`` attributes last)."""
    if root is None:
        return []
    out: dict[str, None] = {}
    urls = [url for el in root.iter(*_TAGS) for url in _element_urls(el)]
    urls += [url for style in _STYLE_ATTRS(root) for url in css_urls(style, declarations=True)]
    for url in urls:
        url = _SPACE.sub("", url) if "\n" in url or "\t" in url else url.strip()
        if url and not url.startswith(("#", "data:", "javascript:", "about:")):
            out.setdefault(url, None)
    return list(out)


def _walk(tokens, out: list[str]) -> None:
    for token in tokens:
        kind = token.type
        if kind == "url":
            out.append(token.value)
        elif kind == "function":
            if token.lower_name in _URL_FUNCTIONS:
                out.extend(t.value for t in token.arguments if t.type == "string")
            _walk(token.arguments, out)
        elif kind in ("() block", "[] block", "{} block"):
            _walk(token.content, out)


def _rule_urls(rule, out: list[str]) -> None:
    if rule.type == "at-rule" and rule.lower_at_keyword == "import":
        first = next((t for t in rule.prelude if t.type not in ("whitespace", "comment")), None)
        if first is not None and first.type == "string":  # @import "a.css";
            out.append(first.value)
    _walk(getattr(rule, "prelude", None) or [], out)
    _walk(getattr(rule, "content", None) or [], out)


def css_urls(css: str | bytes, declarations: bool = False) -> list[str]:
    """The URLs a stylesheet (or a ``style`` attribute's ``declarations``) loads: its
    ``@import``s and every ``url()`` (fonts, backgrounds, cursors) and ``image-set()``
    candidate, as written; parsed with tinycss2 (bytes: decoded by its ``@charset`` rules)."""
    lowered = css.lower()
    if not any(word in lowered for word in (_LOADS_BYTES if isinstance(css, bytes) else _LOADS)):
        return []
    if isinstance(css, bytes):
        rules, _ = tinycss2.parse_stylesheet_bytes(css, skip_comments=True, skip_whitespace=True)
    elif declarations:
        rules = tinycss2.parse_blocks_contents(css, skip_comments=True, skip_whitespace=True)
    else:
        rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    out: list[str] = []
    for rule in rules:
        if rule.type == "declaration":
            _walk(rule.value, out)
        else:
            _rule_urls(rule, out)
    return [u.strip() for u in out if u.strip() and not u.strip().startswith(("#", "data:"))]
