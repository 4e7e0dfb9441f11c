"""A page's links read by tokenizing its text, without building a tree.

With cleaning workers off (``--no-clean``), the crawl process reads each page's links
itself. Building lxml's tree of the page for ``//a/@href`` was a fifth of the crawl
thread's time; a link extractor does not need a tree (wget and Heritrix scan a page's
tags too). docs/performance.md, round 8.

:func:`scan` follows the HTML5 tokenizer, which lxml's libxml2 (2.14) implements: tag
and attribute names, quoted and unquoted values, comments (HTML5's abrupt ``<!-->`` too)
and bogus comments, raw-text and RCDATA elements (script, style, title, textarea, xmp,
iframe, noembed, noframes, plaintext), character references in attribute values (with
HTML5's rule that keeps ``&reg=`` as written), CR/LF normalisation, the first of
duplicate attributes, a tag left open at the end of the page dropped. It returns what
:func:`pipelines.pagelinks.page_links` reads from lxml's tree, or ``None`` when the page
has something it does not model, and the caller parses the page as before:

- a NUL character (parsel strips them before lxml parses);
- a script whose content has ``<!--`` and then ``<script`` (HTML5's "double-escaped"
  script states);
- a feed ``<link>`` that is not plainly inside ``<head>``: only html, head, meta, title,
  link, base, script and style tags, a closed ``<noscript>`` after ``<head>``, comments
  and white space may come before it;
- more than ``MAX_FEEDS`` feed links (each is placed by matching the page from its start).

``tests/test_hrefscan.py`` compares it with lxml on the benchmark site, the aeb/naeb
pages, hand-made edge cases and random mixtures of them.
"""

from __future__ import annotations

import html
import re
from html.entities import html5

from pipelines.pagelinks import is_feed_link

_FLAGS = re.IGNORECASE | re.ASCII  # HTML lower-cases ASCII letters only
_S = r"[\t\n\f\r ]"  # HTML white space (CR: a newline after input preprocessing)
_END = r"(?=[\t\n\f\r />])"  # end of a tag name
_TAG_NAME = r"[a-zA-Z][^\t\n\f\r />]*+"
#: one attribute value, HTML5's quoted and unquoted states; a quote left open runs to the end
_VALUE = r"""(?:"[^"]*+(?:"|\Z)|'[^']*+(?:'|\Z)|[^\t\n\f\r >]*+)"""
_ATTR_NAME = r"[^\t\n\f\r />][^\t\n\f\r />=]*+"
_ATTR = rf"{_ATTR_NAME}(?>{_S}*+={_S}*+{_VALUE})?"
#: a tag's attributes up to its ">": atomic, so a page can never make it backtrack
_ATTRS = rf"(?>[\t\n\f\r /]++|{_ATTR})*+"
_COMMENT = r"<!--(?>-?>|(?s:.*?)(?:--!?>|\Z))"
_RAW = ("script", "style", "title", "textarea", "xmp", "iframe", "noembed", "noframes")


def _raw_element(name: str) -> str:
    """A raw-text (or RCDATA) element's start tag and content, up to its end tag."""
    return rf"<{name}{_END}{_ATTRS}>[^<]*+(?:<(?!/{name}{_END})[^<]*+)*+"


#: everything that cannot hold a link: text, comments, doctype, end tags, start tags
#: other than a/link/plaintext, raw-text elements with their content
_SKIP = "".join((
    r"(?>[^<]++",
    "|", _COMMENT,
    r"|<[!?][^>]*+>?",  # doctype, bogus comment
    rf"|</{_TAG_NAME}{_ATTRS}>",  # end tag
    r"|</>",
    r"|</(?![a-zA-Z>])[^>]*+>?",  # bogus comment, or "</" at the very end
    *("|" + _raw_element(name) for name in _RAW),
    rf"|<(?!(?:a|link|plaintext|{'|'.join(_RAW)}){_END}){_TAG_NAME}{_ATTRS}>",
    r"|<(?![a-zA-Z!?/])",  # a "<" that starts no tag is text
    r")*+",
))
_NOT_HREF = rf"(?>[\t\n\f\r /]++|(?!href{_END}|href=){_ATTR})*+"
#: each match: the skipped part, then one of: an <a> (group 1 "href" if it has one,
#: group 2 its value with its quotes), a <link> (group 3 the tag), <plaintext> and the
#: rest of the page, the end of the page
_TOKEN = re.compile(
    _SKIP + "(?:"
    rf"<a{_END}(?:{_NOT_HREF}(href)(?>{_S}*+={_S}*+({_VALUE}))?+{_ATTRS}>|{_ATTRS}>)"
    rf"|(<link{_END}{_ATTRS}>)"
    r"|<plaintext(?s:.*)"  # the rest of the page is text
    r"|\Z"
    r"|<(?s:.*))",  # a tag still open at the end: dropped, with the rest of the page
    _FLAGS,
)
_LINK_ATTR = re.compile(rf"[\t\n\f\r /]*+({_ATTR_NAME})(?:{_S}*+={_S}*+({_VALUE}))?")
_SCRIPT_MARKS = re.compile(rf"<!--|<(/?)script{_END}", _FLAGS)
# In the head prefix every item is closed: the prefix is matched with the feed link's
# position as the end of the text, and an item cut there (a comment, a script) must not
# pass for one that ends there.
def _closed_element(name: str) -> str:
    return _raw_element(name) + rf"</{name}{_ATTRS}>"


_SCRIPT_STYLE = (_closed_element("script"), _closed_element("style"))
_HEAD_BLOCKS = (_closed_element("title"), *_SCRIPT_STYLE)
_CLOSED_COMMENT = r"<!--(?>-?>|(?s:.*?)--!?>)"
_HEAD_ITEM = "|".join((rf"{_S}++", _CLOSED_COMMENT, r"<[!?][^>]*+>", *_HEAD_BLOCKS,
                       rf"<(?:html|meta|link|base){_END}{_ATTRS}>"))
#: a closed <noscript> after <head>: libxml2 keeps the head open across it
_NOSCRIPT = "".join((
    rf"<noscript{_END}{_ATTRS}>(?>{_S}++|{_CLOSED_COMMENT}|",
    *(block + "|" for block in _SCRIPT_STYLE),
    rf"<(?:meta|link|img){_END}{_ATTRS}>)*+</noscript{_ATTRS}>",
))
#: what may stand before a feed <link> that libxml2 puts in <head>
_HEAD_PREFIX = re.compile(
    rf"(?>{_HEAD_ITEM})*+(?:<head{_END}{_ATTRS}>(?>{_HEAD_ITEM}|{_NOSCRIPT})*+)?", _FLAGS)
_CHARREF = re.compile(r"&(?:#[xX][0-9a-fA-F]+;?|#[0-9]+;?|([a-zA-Z][a-zA-Z0-9]*;?))")
_LONGEST_ENTITY = max(map(len, html5))
#: feed links a page may advertise before the scanner declines it (real pages have a few)
MAX_FEEDS = 16


def _charref(match: re.Match) -> str:
    name = match.group(1)
    if name is None:  # numeric: Python's html module applies HTML5's rules
        return html.unescape(match.group())
    for end in range(min(len(name), _LONGEST_ENTITY), 0, -1):
        if name[:end] in html5:
            if name[end - 1] != ";":
                after = name[end:end + 1] or match.string[match.end():match.end() + 1]
                if after == "=" or (after.isascii() and after.isalnum()):
                    return match.group()  # HTML5: "&reg=" in an attribute stays as written
            return html5[name[:end]] + name[end:]
    return match.group()


def attribute_value(raw: str) -> str:
    """An attribute value as matched (quotes included) -> as the HTML5 tokenizer gives it."""
    if raw[:1] in ('"', "'"):  # in a tag that closed, a quoted value closed too
        raw = raw[1:-1]
    if "\r" in raw:
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    return _CHARREF.sub(_charref, raw) if "&" in raw else raw


def _double_escaped_script(text: str) -> bool:
    """Whether a script's content may hold ``<!--`` and then ``<script`` (never a false no)."""
    if "<!--" not in text:
        return False
    state = 0  # 0: outside a script, 1: in one, 2: in one, after "<!--"
    for match in _SCRIPT_MARKS.finditer(text):
        if match.group() == "<!--":
            state = 2 if state else 0
        elif match.group(1):
            state = 0
        elif state == 2:
            return True
        else:
            state = 1
    return False


def _feed_href(tag: str) -> str | None:
    """The href of a ``<link rel=alternate type=FEED>`` tag; None for any other link."""
    attrs: dict[str, str] = {}
    for match in _LINK_ATTR.finditer(tag, len("<link"), len(tag) - 1):
        attrs.setdefault(match.group(1).lower(), attribute_value(match.group(2) or ""))
    return attrs.get("href") if is_feed_link(attrs.get("rel"), attrs.get("type")) else None


def scan(text: str, feeds: bool = True) -> tuple[list[str], list[str]] | None:
    """(every ``<a href>`` value, the feed links in the head) of the page ``text``, as
    lxml's tree gives them; None when the page needs the parser (see the module doc)."""
    if "\x00" in text or _double_escaped_script(text):
        return None
    text = text.strip()
    hrefs: list[str] = []
    feed_links: list[str] = []
    searched = 0
    for href, value, link in _TOKEN.findall(text):
        if href:
            hrefs.append(attribute_value(value) if value else "")
        elif link and feeds and ("alternate" in link.lower() or "&" in link):
            feed = _feed_href(link)
            if feed is not None:
                if len(feed_links) == MAX_FEEDS:
                    return None  # each is placed from the page's start: leave many to the parser
                # the first copy of this tag's text after the last one placed: when that copy
                # is not a tag in the head (it is in a comment, a script...), the prefix,
                # made of closed items only, cannot end exactly there
                start = text.find(link, searched)
                if _HEAD_PREFIX.match(text, 0, start).end() != start:
                    return None
                searched = start + len(link)
                feed_links.append(feed)
    return hrefs, feed_links
