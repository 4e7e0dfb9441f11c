"""Authors as a list of names: JSON-LD, then meta tags, then the page's byline elements."""

from __future__ import annotations

import html as htmllib
import re
from typing import Any

from pipelines.clean.html import meta_values
from pipelines.clean.layout import bylines, headline_path, in_furniture, spaced_text

_WS = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")
# "Jane Doe The Associated Press": a name never contains " The ", so it starts the affiliation.
_SPLIT = re.compile(r"\s*(?:,|;|\||&|•|\b(?:[Aa]nd|AND|und|et|y|e)\b)\s*|\s+(?=The\s+[A-Z])")
_PREFIX = re.compile(r"^(?:(?:written|posted|reported|words|story|text)\s+)?(?:by|par|von|por)\s*:?\s+",
                     re.I)
_ORG = re.compile(r"\.(com|org|net|co|uk)\b|\b(staff|press|news|wire|agency|reuters|afp|"
                  r"correspondent|reporter|editor|contributor|team|desk|newsroom|media|report"
                  r"|redazione|redaktion|redacci[oó]n|r[ée]daction)\b", re.I)
_AND = re.compile(r"\s(?:and|&)\s", re.I)
_BARE_PREFIX = {"by", "par", "von", "por", "written by", "posted by"}
_AGENCY = re.compile(r"[A-Z]{2,4}")  # AP, AFP, ANI, PTI: a wire service, not a person
_NAME_CLASS = re.compile(r"author-name|author__name|byline__name|byline-name|(?:^|\s)author(?:\s|$)")
_AUTHORS_CLASS = re.compile(r"(?:^|\s)authors(?:\s|$)")
_CONTRIBUTIONS = re.compile(r"^(?:with\s+)?(?:additional\s+)?(?:contributions?|reporting)"
                            r"(?:\s+(?:from|by))?\s*:?\s*", re.I)


def _clean(text: Any) -> str:
    if not isinstance(text, str):
        return ""
    return _WS.sub(" ", htmllib.unescape(text)).strip(" ,;|-–—·:")


def _is_name(part: str) -> bool:
    words = part.split()
    if (not part or part.startswith("http") or "@" in part or _ORG.search(part)
            or _DIGIT.search(part) or part.lower().startswith("the ")
            or _AGENCY.fullmatch(part) or part.lower() in _BARE_PREFIX):
        return False
    return 1 <= len(words) <= 5 and any(w[:1].isupper() for w in words)


def _drop_affiliation(text: str) -> str:
    """'Jane Doe and John Roe, Financial Times' → 'Jane Doe and John Roe'.

    In a list of names 'and' comes before the last item; a comma part after an 'and' is
    not one more name but the writers' affiliation.
    """
    head, sep, tail = text.rpartition(",")
    if sep and _AND.search(head) and not _AND.search(tail):
        return head
    return text


def split_names(text: str) -> list[str]:
    """'By Jane Doe and John Roe, Reuters' → ['Jane Doe', 'John Roe'].

    A one-word part next to a dropped organisation part ('Telegram & Gazette') belongs to
    the organisation and is dropped too.
    """
    text = _drop_affiliation(_PREFIX.sub("", _clean(text)))
    parts = [_PREFIX.sub("", _clean(p)) for p in _SPLIT.split(text)]
    parts = [p for p in parts if p]
    names = [p for p in parts if _is_name(p)]
    if len(names) < len(parts):
        names = [n for n in names if len(n.split()) > 1]
    return list(dict.fromkeys(names))


def _names(value: Any) -> list[str]:
    if isinstance(value, list):
        return [n for v in value for n in _names(v)]
    if isinstance(value, dict):
        name = value.get("name")
        if value.get("@type") == "Person" and isinstance(name, str):
            # one Person is one person: "Jane Doe, Bleacher Report" → "Jane Doe"
            name = name.split(",")[0]
        value = name
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


def _byline_groups(tree) -> tuple[list, list]:
    """Byline candidates: name elements first (itemprop/rel author, author-name classes), then
    byline containers and the items of an 'authors' list."""
    names: list = []
    lines: list = []
    for el in bylines(tree):
        cls = el.get("class") or ""
        if el.get("itemprop") == "author":
            inner = el.xpath(".//*[@itemprop='name']")
            names.extend(inner if inner else [el] if len(el) == 0 else [])
        elif (el.tag == "a" and el.get("rel") == "author") or _NAME_CLASS.search(cls):
            names.append(el)
        if "byline" in cls:
            lines.append(el)
        if _AUTHORS_CLASS.search(cls):
            lines.extend(el.iter("li", "a"))
    return names, lines


def _byline_authors(tree, page: set) -> list[str]:
    for group in _byline_groups(tree):
        names: list[str] = []
        for el in group[:20]:
            text = spaced_text(el)
            if not text or len(text) > 120 or in_furniture(el, page):
                continue
            names = list(dict.fromkeys(names + split_names(_CONTRIBUTIONS_TAIL.split(text)[0])))
            if len(names) >= 4:
                break
        if names:
            return names
    return []


_CONTRIBUTIONS_TAIL = re.compile(r"\s(?:with\s+)?(?:additional\s+)?contributions?\s+(?:from|by)\s",
                                 re.I)


def contributors(tree) -> set[str]:
    """Names the page credits as contributors ('Contributions from …'), not as authors."""
    found: set[str] = set()
    for el in [el for el in bylines(tree) if "contributor" in (el.get("class") or "")][:10]:
        found.update(split_names(_CONTRIBUTIONS.sub("", spaced_text(el))))
    return found


def find_authors(tree, ld: dict, page: set | None = None) -> list[str]:
    page = headline_path(tree) if page is None else page
    names = _names(ld.get("author")) or _meta_authors(tree) or _byline_authors(tree, page)
    if len(names) > 1:
        extra = contributors(tree)
        names = [n for n in names if n not in extra] or names
    return names
