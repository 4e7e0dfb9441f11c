"""The headline: what the page's own sources agree on, without the site's name.

A page states its headline up to four times: the visible ``<h1>``, JSON-LD ``headline``,
og:title (or twitter:title) and ``<title>``. The last three usually carry the site's name
("Story - Site", "Site | Story", "故事_频道_网站"); an ``<h1>`` may carry a kicker ("News"
before the headline) or a media tag ("[Watch]", "(video)"), and some pages have several
``<h1>``s (a menu's, a sidebar's). So:

1. every candidate is cleaned: site-name parts removed from either end (og:site_name,
   application-name, the JSON-LD publisher's name, the host's name), media tags removed;
2. the first ``<h1>`` that equals a cleaned metadata candidate wins (the headline the
   sources agree on); else a metadata candidate that an ``<h1>`` holds with only a short
   kicker around it; else the first ``<h1>`` of three or more words (on naeb-dev the visible
   headline matches the editorial title more often than og:title or ``<title>``); else the
   metadata candidates in the order JSON-LD, og:title, twitter:title, ``<title>``.

A site's name that no metadata states ("Story – Regional Blog", no og:site_name, a host
that does not spell it) is learned across the site's pages instead: the site model
(:mod:`pipelines.clean.sitemodel`) counts the first and last parts of each ``<title>``
(:func:`title_ends`) and strips the ones most pages repeat from the chosen headline
(:func:`strip_affixes`).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from pipelines.textunits import units

#: separators between a headline and a site or section name ("Story – Site", "Site | Story")
_STRONG_SEP = re.compile(r"\s+[|–—:·•-]\s+|\s*[|»｜│]\s*")
#: the same and "_" (Chinese portals: "标题_频道_网站"), for parts that name the site
_SEP = re.compile(r"\s+[|–—:·•-]\s+|\s*[|»｜│_]\s*")
_MEDIA_TAG = re.compile(r"\s*[\[(](?:video|watch|photos?|pics|gallery|listen|audio|podcast)s?[\])]\s*$"
                        r"|^\s*(?:watch|video|photos|listen)\s*:\s+", re.I)
#: a kicker before the headline inside the <h1>, at most this many words
KICKER_WORDS = 4
MIN_WORDS = 3
MAX_CHARS = 300
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "′": "'", "″": '"'})


def norm(text: str | None) -> str:
    """Case, width, quotes and spacing folded: how candidates are compared."""
    text = unicodedata.normalize("NFKC", text or "").translate(_QUOTES)
    return " ".join(text.split()).strip(" .").casefold()


_NOT_ALNUM = re.compile(r"[\W_]+")


def _key(text: str) -> str:
    """Stricter fold for site names: letters and digits only ("@politifact", "Space.com")."""
    return _NOT_ALNUM.sub("", norm(text))


def host_name(url: str | None) -> str | None:
    """The name in the host: ``www.thesun.co.uk`` -> ``thesun``, ``edition.cnn.com`` -> ``cnn``."""
    labels = [x for x in (urlsplit(url or "").hostname or "").lower().split(".") if x]
    if len(labels) < 2:
        return None
    labels.pop()  # the top-level domain
    if len(labels) > 1 and labels[-1] in _SECOND_LEVEL:
        labels.pop()
    return labels[-1]


_SECOND_LEVEL = {"co", "com", "org", "net", "gov", "ac", "edu", "ne", "or", "go", "gv"}


def _is_site(part: str, sites: set[str]) -> bool:
    key = _key(part)
    if not key:
        return True  # a part of punctuation only
    return any(key == s or (len(s) >= 4 and key.startswith(s) and len(key) - len(s) <= 4)
               for s in sites) or key in {s + "com" for s in sites}


def _parts(title: str) -> list[tuple[int, int]]:
    """The (start, end) spans of ``title``'s parts between separators (:data:`_SEP`)."""
    cuts = [0] + [x for m in _SEP.finditer(title) for x in m.span()] + [len(title)]
    return [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts), 2)]


def title_ends(title: str | None) -> tuple[str, str] | None:
    """The folded keys of the first and the last part of a title with a separator ("Story –
    Regional Blog": ("story", "regionalblog")): what a site model counts to learn the affix
    a site's template puts in every ``<title>``."""
    parts = _parts(title) if title else []
    if len(parts) < 2:
        return None
    return _key(title[slice(*parts[0])]), _key(title[slice(*parts[-1])])


def strip_affixes(title: str | None, prefixes: set[str], suffixes: set[str]) -> str | None:
    """``title`` without leading parts whose key is in ``prefixes`` and trailing parts whose
    key is in ``suffixes`` (a site's learned affixes); at least one part is kept."""
    if not title or not (prefixes or suffixes):
        return title
    parts = _parts(title)
    start, end = 0, len(parts)
    while end - start > 1 and _key(title[slice(*parts[end - 1])]) in suffixes:
        end -= 1
    while end - start > 1 and _key(title[slice(*parts[start])]) in prefixes:
        start += 1
    if (start, end) == (0, len(parts)):
        return title
    return title[parts[start][0]:parts[end - 1][1]].strip() or title


def strip_site(title: str | None, sites: set[str]) -> str | None:
    """``title`` without the site-name parts at either end, nor a short trailing part (≤4
    words after a headline of ≥3, "Story | Site Name")."""
    if not title:
        return title
    if sites and _SEP.search(title):
        parts = _parts(title)
        start, end = 0, len(parts)
        while end - start > 1 and _is_site(title[parts[end - 1][0]:parts[end - 1][1]], sites):
            end -= 1
        while end - start > 1 and _is_site(title[parts[start][0]:parts[start][1]], sites):
            start += 1
        # "Story - Section - Site": a one- or two-word section name before the site's
        while end < len(parts) and end - start > 1 and units(title[slice(*parts[end - 1])]) <= 2 \
                and units(title[slice(*parts[start])]) >= MIN_WORDS:
            end -= 1
        if (start, end) != (0, len(parts)):
            return title[parts[start][0]:parts[end - 1][1]].strip() or title
    parts = [p for p in _STRONG_SEP.split(title) if p.strip()]
    if len(parts) >= 2 and units(parts[-1]) <= 4 and units(parts[0]) >= 3:
        last = list(_STRONG_SEP.finditer(title))[-1]
        return title[:last.start()].strip()
    return title


def strip_media_tag(title: str) -> str:
    return _MEDIA_TAG.sub("", title).strip() or title


def choose(h1s: list[str], candidates: list[str | None], sites: set[str]) -> str | None:
    """The headline from the page's ``<h1>`` texts and its metadata candidates (JSON-LD
    headline, og:title, twitter:title, ``<title>``, in that order), all cleaned text."""
    sites = {k for k in (_key(s) for s in sites if s) if k}
    metas = [strip_media_tag(t) for t in (strip_site(c, sites) for c in candidates if c) if t]
    h1s = [h for h in h1s if units(h) >= MIN_WORDS and len(h) < MAX_CHARS
           and not _is_site(h, sites)]
    folded = {norm(m) for m in metas} | {norm(c) for c in candidates if c}
    for h1 in h1s:
        clean = strip_media_tag(h1)
        if norm(clean) in folded or norm(h1) in folded:
            return clean
    # "Headline - Section - Site": an <h1> that is the first or last part of a candidate
    ends = {norm(part) for m in metas for part in (lambda p: (p[0], p[-1]))(_SEP.split(m))}
    for h1 in h1s:
        if norm(h1) in ends:
            return strip_media_tag(h1)
    if h1s:
        first = norm(strip_media_tag(h1s[0]))
        for meta in metas:
            key = norm(meta)
            if key and key != first and key in first and units(meta) >= MIN_WORDS:
                extra = first.replace(key, " ", 1)
                if units(extra) <= KICKER_WORDS and (first.startswith(key) or first.endswith(key)):
                    return meta
        return strip_media_tag(h1s[0])
    return metas[0] if metas else None
