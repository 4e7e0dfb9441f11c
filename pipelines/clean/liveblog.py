"""Live blogs: the article is the summary, not the stream of updates around it.

A page that declares a schema.org ``LiveBlogPosting`` lists its updates as separate postings
(``liveBlogUpdate``: headline and text of each). Those are read from the page's JSON-LD before
its scripts are pruned, kept on the tree's root, and the extracted paragraphs that repeat an
update are dropped. Nothing here knows a site: the page's own structured data says what an
update is.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Iterator

import lxml.html

ATTR = "data-presskeep-liveblog"
_TOKEN = re.compile(r"\w+")
#: a paragraph is an update when at least this share of its word 4-grams occur in the updates
MIN_OVERLAP = 0.5


def _objects(data) -> Iterator[dict]:
    if isinstance(data, dict):
        yield data
        for value in data.values():
            yield from _objects(value)
    elif isinstance(data, list):
        for value in data:
            yield from _objects(value)


def _updates(data) -> list[str]:
    texts = []
    for obj in _objects(data):
        for update in obj.get("liveBlogUpdate") or []:
            if isinstance(update, dict):
                texts.extend(value for key in ("headline", "articleBody")
                             if isinstance(value := update.get(key), str))
    return texts


def collect(tree: lxml.html.HtmlElement) -> None:
    """Keep a live blog's update texts on the root of ``tree`` (call before scripts are pruned)."""
    texts: list[str] = []
    for script in tree.iter("script"):
        if script.get("type") != "application/ld+json":
            continue
        text = script.text or ""
        if "liveBlogUpdate" not in text:
            continue
        try:
            texts.extend(_updates(json.loads(text)))
        except ValueError:
            continue
    if texts:
        tree.set(ATTR, "\n".join(texts))


def take(tree: lxml.html.HtmlElement) -> str:
    """The update texts stored by :func:`collect` ('' for other pages), removed from the tree."""
    return tree.attrib.pop(ATTR, "")


def _grams(text: str) -> Counter:
    tokens = _TOKEN.findall(text.casefold())
    return Counter(" ".join(tokens[i:i + 4]) for i in range(len(tokens) - 3))


def is_update(paragraph: str, updates: Counter) -> bool:
    grams = _grams(paragraph)
    total = sum(grams.values())
    return bool(total) and sum((grams & updates).values()) >= MIN_OVERLAP * total


def drop_updates(paragraphs: list[str], updates: str) -> list[str]:
    """``paragraphs`` without those that repeat a live-blog update (all of them if all do)."""
    if not updates:
        return paragraphs
    grams = _grams(updates)
    return [p for p in paragraphs if not is_update(p, grams)] or paragraphs
