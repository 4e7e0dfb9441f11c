"""Authors as a list of names: JSON-LD, then meta tags, then the page's byline elements."""

from __future__ import annotations

import html as htmllib
import re
from typing import Any

from pipelines.clean.html import meta_values

_WS = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")
_SPLIT = re.compile(r"\s*(?:,|;|\||&|•|\b(?:[Aa]nd|AND|und|et|y|e)\b)\s*")
_PREFIX = re.compile(r"^(?:(?:written|posted|reported|words|story|text)\s+)?(?:by|par|von|por)\s*:?\s+",
                     re.I)
_ORG = re.compile(r"\.(com|org|net|co|uk)\b|\b(staff|press|news|wire|agency|reuters|afp|"
                  r"correspondent|reporter|editor|contributor|team|desk|newsroom|media)\b", re.I)
_BYLINE_XPATH = ("//*[@itemprop='author']//*[@itemprop='name'] | //*[@itemprop='author'][not(*)]"
                 " | //a[@rel='author'] | //*[contains(@class,'author-name')]"
                 " | //*[contains(@class,'byline__name') or contains(@class,'byline-name')]"
                 " | //*[contains(concat(' ',normalize-space(@class),' '),' author ')]"
                 " | //*[contains(@class,'byline')]"
                 " | //*[contains(concat(' ',normalize-space(@class),' '),' authors ')]//li"
                 " | //*[contains(concat(' ',normalize-space(@class),' '),' authors ')]//a")
_FURNITURE_ANCESTOR = re.compile(r"related|latest|feed|recommend|sidebar|footer|comment|popular"
                                 r"|bio|newsletter", re.I)


def _clean(text: Any) -> str:
    if not isinstance(text, str):
        return ""
    return _WS.sub(" ", htmllib.unescape(text)).strip(" ,;|-–—·:")


def split_names(text: str) -> list[str]:
    """'By Jane Doe and John Roe, Reuters' → ['Jane Doe', 'John Roe']."""
    text = _PREFIX.sub("", _clean(text))
    names = []
    for part in _SPLIT.split(text):
        part = _PREFIX.sub("", _clean(part))
        words = part.split()
        if (not part or part.startswith("http") or "@" in part or _ORG.search(part)
                or _DIGIT.search(part) or part.lower().startswith("the ")):
            continue
        if 1 <= len(words) <= 5 and any(w[:1].isupper() for w in words):
            names.append(part)
    return list(dict.fromkeys(names))


def _names(value: Any) -> list[str]:
    if isinstance(value, list):
        return [n for v in value for n in _names(v)]
    if isinstance(value, dict):
        value = value.get("name")
    return split_names(value) if isinstance(value, str) else []


def _meta_authors(tree) -> list[str]:
    for key in ("author", "article:author", "dc.creator", "parsely-author", "sailthru.author",
                "byl", "citation_author"):
        for attr in ("name", "property"):
            for value in meta_values(tree, attr, key):
                names = split_names(value)
                if names:
                    return names
    return []


def _in_furniture(el) -> bool:
    for anc in el.iterancestors():
        attrs = f"{anc.get('class', '')} {anc.get('id', '')}"
        if anc.tag in ("aside", "footer", "nav") or _FURNITURE_ANCESTOR.search(attrs):
            return True
    return False


def _byline_authors(tree) -> list[str]:
    names: list[str] = []
    for el in tree.xpath(_BYLINE_XPATH)[:20]:
        text = _clean(el.text_content())
        if not text or len(text) > 120 or _in_furniture(el):
            continue
        names.extend(split_names(text))
        if names and len(names) >= 4:
            break
    return list(dict.fromkeys(names))


def find_authors(tree, ld: dict) -> list[str]:
    return _names(ld.get("author")) or _meta_authors(tree) or _byline_authors(tree)
