"""Generic boilerplate rules: no per-site selectors, only patterns common to news templates."""

from __future__ import annotations

import copy
import re

import lxml.html

# class/id words that mark page furniture rather than article text
_FURNITURE = re.compile(
    r"(^|[\s_-])(share|sharing|social|newsletter|subscribe|signup|cookie|consent|related|"
    r"recommended|most-?read|most-?popular|trending|latest|sidebar|widget|promo|advert|ads?|"
    r"sponsor|outbrain|taboola|comments?|breadcrumbs?|tts|text-?to-?speech|audio-?player|"
    r"listen|podcast-?player|paywall|footer|masthead|nav|navbar|menu)($|[\s_-])",
    re.I,
)
_DROP_TAGS = ("script", "style", "noscript", "iframe", "form", "button", "svg", "nav", "aside",
              "footer", "audio", "video", "template", "select", "input")

# lines that are player/furniture whatever the template
_LINE_PATTERNS = [
    re.compile(p, re.I)
    for p in (
        r"^audio by [\w .-]+$",
        r"^(listen|play) (to )?(this|the) (article|story)\b.{0,40}$",
        r"^listen to article\b.{0,40}$",
        r"^\d+\s*(sec|secs|seconds?|min|mins|minutes?|hours?|hrs?|days?)\s*(ago)?\s*[-–—]?\s*$",
        r"^(latest|top|related|more|popular) (stories|news|articles|posts)$",
        r"^(most read|most popular|read more|related|advertisement|share this( article)?)$",
        r"^(sign up|subscribe) (for|to) (our|the) newsletter.{0,80}$",
        r"^we use cookies.{0,200}$",
    )
]
_TIME_SUFFIX = re.compile(r"\b\d+\s*(seconds?|minutes?|hours?|days?)\s*[-–—]\s*$", re.I)


def _is_furniture(el: lxml.html.HtmlElement) -> bool:
    attrs = " ".join(filter(None, (el.get("class"), el.get("id"), el.get("role"))))
    if not attrs or el.tag in ("html", "body", "article", "main"):
        return False
    return bool(_FURNITURE.search(attrs))


def strip_boilerplate_elements(tree: lxml.html.HtmlElement | None) -> lxml.html.HtmlElement:
    """A copy of ``tree`` without scripts, navigation and elements named like furniture."""
    if tree is None:
        return lxml.html.fromstring("<html><body></body></html>")
    tree = copy.deepcopy(tree)
    doomed = [el for el in tree.iter() if isinstance(el.tag, str)
              and (el.tag in _DROP_TAGS or _is_furniture(el))]
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()
    return tree


def is_boilerplate_line(line: str) -> bool:
    text = line.strip()
    return any(p.match(text) for p in _LINE_PATTERNS) or bool(_TIME_SUFFIX.search(text))


def filter_paragraphs(paragraphs: list[str]) -> list[str]:
    return [p for p in paragraphs if not is_boilerplate_line(p)]
