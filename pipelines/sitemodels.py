"""Learned site models kept in the archive: load, save and merge them; the crawl's cache.

``pipelines.clean.sitemodel`` is the model (pure: counts over paragraphs, JSON in and
out); ``archive.sitemodels`` stores its JSON in the ``sites`` table. This module joins
the two for the article pipeline, ``presskeep reclean``, ``extract --out`` and merge.
"""

from __future__ import annotations

from functools import partial

from archive.sitemodels import load_model_json, save_model_json
from pipelines.clean import Extraction
from pipelines.clean.extract import drop_title
from pipelines.clean.identity import text_hash
from pipelines.clean.sitemodel import MIN_PAGES, SiteModel, block_key
from pipelines.textunits import units_of


#: sites whose first pages are remembered at once (at most MIN_PAGES - 1 URLs each)
MAX_EARLY_SITES = 20_000


def retitled(model: SiteModel, row: dict) -> dict | None:
    """The columns of a stored article ``row`` (title, text) that change once ``model``
    strips its title affix, or None."""
    title = model.clean_title(row["title"])
    if title == row["title"]:
        return None
    paragraphs = drop_title(row["text"].split("\n\n") if row["text"] else [], title)
    text = "\n\n".join(paragraphs)
    return {"title": title, "text": text, "word_count": units_of(paragraphs),
            "text_hash": text_hash(text)}


def load_site_model(db, site: str | None) -> SiteModel:
    """The stored model for ``site`` (an ``archive.db`` database), or an empty one."""
    return SiteModel.from_json(load_model_json(db, site) if site else None, site=site)


def save_site_model(db, site: str, model: SiteModel) -> None:
    save_model_json(db, site, model.pages, model.to_json())


def merge_site_models(models: list[str], pages: list[int]) -> str:
    """The sum of stored models (their JSON), as ``archive.merge`` asks for it."""
    merged = SiteModel.from_json(models[0])
    for model in models[1:]:
        merged.merge(SiteModel.from_json(model))
    return merged.to_json()


class SiteModels:
    """Each site's learned boilerplate: loaded from SQLite on first use, saved back.

    Learning happens here, in the crawl process, on the paragraphs the cleaning
    workers return, so every worker's pages teach one model per site.
    """

    def __init__(self, db, save_every: int = 500) -> None:
        self.db = db
        self.save_every = save_every
        self.models: dict[str, SiteModel] = {}
        self.unsaved: dict[str, int] = {}
        # hash of (site, text hash): one vote per distinct text; ints keep it ~5x smaller
        # than the tuples (it grows by one entry an article)
        self.seen: set[int] = set()
        #: site -> URLs of the articles stored before its model had seen MIN_PAGES titles
        self.early: dict[str, list[str]] = {}
        #: site -> those URLs, once the model learned a title affix they may carry
        self.retitle: dict[str, list[str]] = {}

    def get(self, site: str) -> SiteModel:
        if site not in self.models:
            self.models[site] = load_site_model(self.db, site)
        return self.models[site]

    def apply(self, doc: Extraction, digest: str | None = None) -> tuple[int, int]:
        """Learn from ``doc``, drop its learned boilerplate and strip the site's learned
        title affix from its title; how many paragraphs went, and how many learned ones the
        removal cap kept (``SiteModel.drops``).

        ``digest``: ``text_hash(doc.text)`` when the caller has it.
        """
        if not doc.site:
            return 0, 0
        model = self.get(doc.site)
        key = hash((doc.site, digest or text_hash(doc.text)))
        keys = [block_key(p) for p in doc.paragraphs]
        if key not in self.seen:  # the same article under many URLs is not a template
            self.seen.add(key)
            model.observe(doc.paragraphs, keys)
            self._learn_title(model, doc)
        title, before = model.clean_title(doc.title), len(doc.paragraphs)
        if title != doc.title:  # the site's affix was in it: the body may open with the rest
            doc.title = title
            doc.paragraphs = drop_title(doc.paragraphs, title)
            keys = keys[before - len(doc.paragraphs):]
        drop, kept = model.drops(doc.paragraphs, keys)
        if drop:
            doc.paragraphs = [p for i, p in enumerate(doc.paragraphs) if i not in drop]
        self.unsaved[doc.site] = self.unsaved.get(doc.site, 0) + 1
        if self.unsaved[doc.site] >= self.save_every:
            self.save(doc.site)
        return before - len(doc.paragraphs), kept  # the title line and learned blocks

    def _learn_title(self, model: SiteModel, doc: Extraction) -> None:
        """Count ``doc``'s ``<title>``; remember the pages stored before the model could
        know the site's affix, and hand them to :meth:`revise_early` once it does."""
        cold = model.titles < MIN_PAGES
        model.observe_title(doc.page_title)
        if not cold or not doc.url:
            return
        if model.titles < MIN_PAGES:
            self.early.setdefault(doc.site, []).append(doc.url)
            if len(self.early) > MAX_EARLY_SITES:  # a broad crawl of small sites: bounded
                del self.early[next(iter(self.early))]  # the oldest site's: reclean fixes it
            return
        early = self.early.pop(doc.site, [])
        if early and any(model.title_affixes()):
            self.retitle[doc.site] = early

    def revise_early(self, store, run_id: int | None) -> int:
        """Strip the newly learned title affix from the articles of this run stored before
        it was learned (and the body line repeating their headline); how many changed."""
        changed = 0
        for site, urls in self.retitle.items():
            changed += store.revise_articles(run_id, urls, partial(retitled, self.models[site]))
        self.retitle = {}
        return changed

    def save(self, site: str) -> None:
        save_site_model(self.db, site, self.models[site])
        self.unsaved[site] = 0

    def save_all(self) -> None:
        for site, count in list(self.unsaved.items()):
            if count:
                self.save(site)
