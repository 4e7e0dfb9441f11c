"""`presskeep serve --datasette-metadata PATH`: a metadata.json with which Datasette searches
the latest_articles view (Datasette finds a table's FTS table itself, never a view's)."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3

import pytest

from tests.conftest import presskeep, query


@pytest.fixture(scope="module")
def metadata(crawled, tmp_path_factory):
    path = tmp_path_factory.mktemp("datasette") / "metadata.json"
    proc = presskeep("serve", "--out", str(crawled), "--datasette-metadata", str(path),
                     check=True)
    assert f"datasette {crawled / 'presskeep.db'} -m {path}" in proc.stderr
    return path


def test_metadata_names_existing_tables_and_columns(crawled, metadata):
    document = json.loads(metadata.read_text())
    tables = document["databases"]["presskeep"]["tables"]
    assert set(tables) >= {"latest_articles"}
    conn = sqlite3.connect(crawled / "presskeep.db")
    try:
        names = {n for (n,) in conn.execute("SELECT name FROM sqlite_master")}
        for name, options in tables.items():
            columns = {c[1] for c in conn.execute(f'PRAGMA table_info("{name}")')}
            assert name in names and options["fts_table"] in names
            assert {options["fts_pk"], options["label_column"], options["sort_desc"]} <= columns
            fts_rows = conn.execute(f'SELECT COUNT(*) FROM "{options["fts_table"]}" f JOIN '
                                    f'"{name}" t ON t."{options["fts_pk"]}" = f.rowid')
            assert fts_rows.fetchone()[0] > 0
    finally:
        conn.close()


def test_an_existing_file_is_replaced_only_with_force(crawled, metadata):
    proc = presskeep("serve", "--out", str(crawled), "--datasette-metadata", str(metadata))
    assert proc.returncode != 0 and proc.stderr.startswith("presskeep: error:")
    presskeep("serve", "--out", str(crawled), "--datasette-metadata", str(metadata), "--force",
              check=True)


def test_datasette_searches_the_latest_articles_view(crawled, metadata):
    datasette = pytest.importorskip("datasette.app", reason="datasette is not installed "
                                    "(the test extra: `make install`)")
    rows = query(crawled / "presskeep.db", "SELECT url, text FROM latest_articles")
    word = "minister"
    having = {r["url"] for r in rows if re.search(rf"\b{word}", r["text"], re.I)}
    assert 0 < len(having) < len(rows)
    ds = datasette.Datasette([str(crawled / "presskeep.db")],
                             metadata=json.loads(metadata.read_text()))

    async def search() -> list[dict]:
        response = await ds.client.get(
            f"/presskeep/latest_articles.json?_search={word}&_shape=array&_size=max")
        assert response.status_code == 200, response.text
        return response.json()

    found = asyncio.run(search())
    assert {r["url"] for r in found} == having
