"""Re-clean stored article rows from their archived WARC records, with the learned site model.

    >>> from archive.db import connect
    >>> db = connect("data/presskeep.db")
    >>> reclean(db, "data")                  # every site: learn, save, rewrite rows
    >>> reclean(db, "data", site="news.example", learn=False)   # stored model only

Rows are updated in place (text, word_count, text_hash and the metadata fields); the FTS
triggers keep the search index in sync. No new versions are added.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from archive.errors import WarcReadError
from archive.reader import read_record_at
from pipelines.clean.extract import Extraction, extract
from pipelines.clean.identity import text_hash
from pipelines.clean.sitemodel import SiteModel
from pipelines.sitemodels import load_site_model, save_site_model

logger = logging.getLogger(__name__)
BATCH = 200


@dataclass
class RecleanStats:
    sites: int = 0
    rows: int = 0
    changed: int = 0
    unreadable: int = 0




def _rows(db, sql: str, params: list) -> Iterator[dict]:
    cursor = db.execute(sql, params)
    names = [c[0] for c in cursor.description]
    for values in cursor.fetchall():
        yield dict(zip(names, values))


def _extract_row(root, row: dict, model: SiteModel | None) -> Extraction | None:
    if not row.get("warc_file") or row.get("warc_offset") is None:
        return None
    try:
        got = read_record_at(Path(root) / row["warc_file"], row["warc_offset"])
    except WarcReadError as exc:
        logger.warning("presskeep: reclean cannot read %s", exc)
        return None
    if got is None or got.truncated:  # cut at MAX_BODY_SIZE: not cleaned (as in replay)
        return None
    return extract(got.body, row["url"], content_type=got.content_type, site_model=model)


def learn_site(db, root: str | Path, site: str) -> SiteModel:
    """A fresh model for ``site`` from the latest stored version of each of its pages."""
    model = SiteModel(site=site)
    sql = "SELECT url, warc_file, warc_offset FROM latest_articles WHERE site = ? ORDER BY id"
    for row in _rows(db, sql, [site]):
        doc = _extract_row(root, row, None)
        if doc is not None:
            model.observe(doc.paragraphs)
            model.observe_title(doc.page_title)
    return model


def _update(doc: Extraction) -> dict:
    text = doc.text
    return {"text": text, "word_count": doc.word_count, "text_hash": text_hash(text),
            "title": doc.title, "authors": json.dumps(doc.authors, ensure_ascii=False),
            "published": doc.published, "modified": doc.modified, "language": doc.language,
            "canonical_url": doc.canonical_url}


def _write(db, updates: list[tuple[int, dict]]) -> None:
    with db.atomic():
        for row_id, values in updates:
            sets = ", ".join(f"{k} = ?" for k in values)
            db.execute(f"UPDATE articles SET {sets} WHERE id = ?", [*values.values(), row_id])


def reclean_site(db, root: str | Path, site: str, *, learn: bool = True,
                 stats: RecleanStats | None = None) -> RecleanStats:
    """Re-clean every row of ``site``; with ``learn`` the site model is rebuilt and saved first."""
    stats = stats or RecleanStats()
    model = learn_site(db, root, site) if learn else load_site_model(db, site)
    if learn:
        save_site_model(db, site, model)
    stats.sites += 1
    pending: list[tuple[int, dict]] = []
    sql = "SELECT id, url, text, warc_file, warc_offset FROM articles WHERE site = ? ORDER BY id"
    for row in _rows(db, sql, [site]):
        stats.rows += 1
        doc = _extract_row(root, row, model)
        if doc is None:
            stats.unreadable += 1
            continue
        if doc.text != row["text"]:
            stats.changed += 1
        pending.append((row["id"], _update(doc)))
        if len(pending) >= BATCH:
            _write(db, pending)
            pending = []
    _write(db, pending)
    logger.info("presskeep: reclean %s: %d rows, %d changed, %d learned blocks", site,
                stats.rows, stats.changed, model.learned())
    return stats


def reclean(db, root: str | Path, site: str | None = None, *, learn: bool = True) -> RecleanStats:
    """Re-clean the rows of one site, or of every site with article rows."""
    stats = RecleanStats()
    sites = [site] if site else [r[0] for r in db.execute(
        "SELECT DISTINCT site FROM articles WHERE site IS NOT NULL ORDER BY site")]
    for name in sites:
        reclean_site(db, root, name, learn=learn, stats=stats)
    return stats
