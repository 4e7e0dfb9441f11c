"""Whether a page that gave no article looks like an app shell: HTML a script fills in.

``presskeep crawl --render auto`` loads a page in Chromium only when its own HTML gave no
article and this module finds a reason to think a script builds the article
(docs/cli.md, "Rendering"). The rule is cheap on purpose: it runs in the crawl process,
and on a site without app shells it must cost next to nothing, so a page with no
``<script`` at all is never parsed, and no page with much text is a shell.

A page is a shell when it has a script, little visible text (under :data:`FEW_WORDS`
words outside scripts, styles and ``<noscript>``; under :data:`ROOT_WORDS` for an empty
mount point, the strongest sign, which a shell's server-rendered header, menu and footer
may surround), and one of these, checked in order (the first one names the reason
counted in ``presskeep/render/auto_<reason>``):

- ``empty_root``: an element with an id app frameworks mount into (``root``, ``app``,
  ``__next``, ``__nuxt``, ...) that holds nothing;
- ``noscript``: a ``<noscript>`` asking for JavaScript;
- ``jsonld``: JSON-LD naming an article (``Article``, ``NewsArticle``, ...) without its
  ``articleBody`` or ``text``;
- ``article_url``: a URL shaped like an article's (a date in the path, a long
  hyphenated slug, or ``/story/``, ``/article/``... followed by an id).
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from lxml import html as lxml_html

#: the reasons, in the order they are checked
REASONS = ("empty_root", "noscript", "jsonld", "article_url")
#: a page with at least this many visible words is not a shell, whatever it holds
ROOT_WORDS = 300
#: nor, unless it has an empty mount point, one with this many
FEW_WORDS = 80
#: element ids single-page app frameworks mount into
ROOT_IDS = frozenset({"root", "app", "__next", "__nuxt", "___gatsby", "svelte", "app-root",
                      "main-app", "react-root", "application"})
ARTICLE_TYPES = frozenset({"article", "newsarticle", "blogposting", "reportagenewsarticle",
                           "analysisnewsarticle", "opinionnewsarticle", "liveblogposting",
                           "report", "techarticle"})
_SCRIPT = re.compile(rb"<script", re.I)
_ASKS_FOR_JS = re.compile(r"javascript|enable js|\bjs\b", re.I)
_DATE_PATH = re.compile(r"/(19|20)\d\d/[01]?\d/")
_ARTICLE_ID = re.compile(r"/(story|stories|article|articles|news|post|posts|p|a)/[^/]*\d[^/]*/?$",
                         re.I)
_SLUG = re.compile(r"/[a-z0-9]+(?:-[a-z0-9]+){3,}(?:\.html?)?/?$", re.I)
_VISIBLE_TEXT = lxml_html.etree.XPath(
    ".//text()[not(ancestor::script or ancestor::style or ancestor::noscript"
    " or ancestor::template)]")


def shell_reason(body: bytes, url: str) -> str | None:
    """Why the HTML ``body`` of ``url`` looks like a page a script fills; None if it does not."""
    if not _SCRIPT.search(body):
        return None  # nothing could fill it
    try:
        tree = lxml_html.document_fromstring(body)
    except (ValueError, TypeError, lxml_html.etree.ParserError):
        return None
    words = _visible_words(tree)
    if words >= ROOT_WORDS:
        return None
    if _empty_root(tree):
        return "empty_root"
    if words >= FEW_WORDS:
        return None
    if any(_ASKS_FOR_JS.search(n.text_content() or "") for n in tree.iter("noscript")):
        return "noscript"
    if _article_without_body(tree):
        return "jsonld"
    if article_url(url):
        return "article_url"
    return None


def _visible_words(tree) -> int:
    body = tree.find("body")
    if body is None:
        return 0
    return sum(len(text.split()) for text in _VISIBLE_TEXT(body))


def _empty_root(tree) -> bool:
    for node in tree.iter():
        if not isinstance(node.tag, str):
            continue
        ident = (node.get("id") or "").strip().lower()
        if (ident in ROOT_IDS or node.tag == "app-root") and len(node) == 0 \
                and not (node.text or "").strip():
            return True
    return False


def _article_without_body(tree) -> bool:
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        for thing in _things(data):
            types = thing.get("@type")
            types = types if isinstance(types, list) else [types]
            if any(str(t).lower() in ARTICLE_TYPES for t in types) \
                    and not (thing.get("articleBody") or thing.get("text")):
                return True
    return False


def _things(data, depth: int = 0):
    """Every JSON-LD object in ``data`` (lists and ``@graph`` flattened, a few levels deep)."""
    if depth > 3:
        return
    if isinstance(data, list):
        for part in data:
            yield from _things(part, depth + 1)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _things(data["@graph"], depth + 1)


def article_url(url: str) -> bool:
    """Whether ``url``'s path is shaped like an article's (not a section or the home page)."""
    path = urlsplit(url).path
    return bool(_DATE_PATH.search(path) or _ARTICLE_ID.search(path) or _SLUG.search(path))
