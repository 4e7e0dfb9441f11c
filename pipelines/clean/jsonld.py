"""JSON-LD: the page's Article object, with @id references (Yoast/AIOSEO graphs) resolved."""

from __future__ import annotations

import json
from typing import Any, Iterator

from pipelines.clean.html import tagged

ARTICLE_TYPES = {"article", "newsarticle", "blogposting", "reportagenewsarticle",
                 "analysisnewsarticle", "opinionnewsarticle", "reviewnewsarticle",
                 "backgroundnewsarticle", "report", "scholarlyarticle", "techarticle",
                 "liveblogposting", "webpage"}


def ld_objects(tree) -> Iterator[dict]:
    for script in tagged(tree, "script"):
        if script.get("type") != "application/ld+json":
            continue
        try:
            data = json.loads(script.text_content() or "", strict=False)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                graph = item.get("@graph")
                if graph is not None:
                    stack.extend(graph if isinstance(graph, list) else [graph])
                yield item


def ld_type(obj: dict) -> str | None:
    t = obj.get("@type")
    if isinstance(t, list):
        t = next((x for x in t if isinstance(x, str) and "rticle" in x), t[0] if t else None)
    return t if isinstance(t, str) else None


def _resolve(value: Any, ids: dict[str, dict]) -> Any:
    if isinstance(value, list):
        return [_resolve(v, ids) for v in value]
    if isinstance(value, dict) and set(value) <= {"@id", "@type"} and value.get("@id") in ids:
        return ids[value["@id"]]
    return value


def ld_article(tree) -> dict:
    """The first Article-like object (WebPage last), with its author references resolved."""
    objects = list(ld_objects(tree))
    ids = {o["@id"]: o for o in objects if isinstance(o.get("@id"), str)}
    ranked = sorted((o for o in objects if (ld_type(o) or "").lower() in ARTICLE_TYPES
                     or (ld_type(o) or "").lower().endswith("article")),
                    key=lambda o: (ld_type(o) or "").lower() == "webpage")
    if not ranked:
        return {}
    article = dict(ranked[0])
    for key in ("author", "publisher"):
        if key in article:
            article[key] = _resolve(article[key], ids)
    return article
