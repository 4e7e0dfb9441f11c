"""Learned site models in SQLite: the ``sites`` table (site, pages, model JSON, updated).

The archive layer stores the JSON only; ``pipelines.clean.sitemodel`` turns it into a model.
"""

from __future__ import annotations

from archive.sqlitelib import sqlite_utils
from archive.timestamps import warc_date


def load_model_json(db: sqlite_utils.Database, site: str) -> str | None:
    row = db.execute("SELECT model FROM sites WHERE site = ?", [site]).fetchone()
    return row[0] if row else None


def save_model_json(db: sqlite_utils.Database, site: str, pages: int, model: str) -> None:
    """Insert or replace the model for ``site`` in one transaction."""
    with db.conn:
        db.execute(
            "INSERT INTO sites (site, pages, model, updated) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(site) DO UPDATE SET pages = excluded.pages, model = excluded.model, "
            "updated = excluded.updated",
            [site, pages, model, warc_date()],
        )

