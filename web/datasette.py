"""Datasette metadata for an archive's database: full-text search on ``latest_articles`` too.

Datasette (https://datasette.io, 0.65) finds the FTS table of a *table* by itself
(``articles`` → ``articles_fts``), but not of a view: ``latest_articles`` needs
``fts_table`` and ``fts_pk`` (the view's column that is the FTS table's rowid) in
metadata.json. ``presskeep serve --datasette-metadata PATH`` writes it::

    datasette data/presskeep.db -m metadata.json
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archive.db import DB_NAME
from archive.errors import DatabaseError

#: the FTS5 table archive/db.py keeps over ``articles(title, text)``, rowid = articles.id
FTS_TABLE = "articles_fts"
#: what each searchable table or view needs: (its kind, its columns the metadata names)
SEARCHABLE = {"articles": ("table", ("id", "title", "fetched_at")),
              "latest_articles": ("view", ("id", "title", "fetched_at"))}


def _schema(conn) -> dict[str, tuple[str, set[str]]]:
    rows = conn.execute("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view')")
    return {name: (kind, {c for (c,) in conn.execute(
                "SELECT name FROM pragma_table_info(?)", [name])})
            for name, kind in rows.fetchall()}


def datasette_metadata(conn, title: str = "presskeep archive") -> dict[str, Any]:
    """Datasette's metadata.json for the archive database behind ``conn`` (sqlite3); raises
    DatabaseError when the database lacks what it names (an older or foreign schema)."""
    schema = _schema(conn)
    if FTS_TABLE not in schema:
        raise DatabaseError(f"the database has no full-text table {FTS_TABLE}")
    for name, (kind, columns) in SEARCHABLE.items():
        found = schema.get(name)
        if found is None or found[0] != kind or not set(columns) <= found[1]:
            raise DatabaseError(f"the database has no {kind} {name} with {', '.join(columns)}")
    tables = {name: {"fts_table": FTS_TABLE, "fts_pk": "id", "label_column": "title",
                     "sort_desc": "fetched_at"} for name in SEARCHABLE}
    return {"title": title, "databases": {Path(DB_NAME).stem: {"tables": tables}}}
