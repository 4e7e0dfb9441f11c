"""PRESSKEEP_GC_THRESHOLD: the crawl process collects garbage less often, and frees it still."""

from __future__ import annotations

import json

from tests.conftest import crawl, query


def gc_collections(out) -> int:
    stats = json.loads(query(out / "presskeep.db", "SELECT stats FROM runs")[0]["stats"])
    return stats["presskeep/gc/collections"]


def test_fewer_collections_same_archive(news_site, tmp_path):
    raised, python = tmp_path / "raised", tmp_path / "python"
    crawl(news_site.base_url + "/", raised)  # the default: 10,000
    crawl(news_site.base_url + "/", python, "-s", "PRESSKEEP_GC_THRESHOLD=700")  # Python's
    assert gc_collections(raised) * 5 < gc_collections(python)
    counts = [query(out / "presskeep.db", "SELECT count(*) AS n FROM captures")[0]["n"]
              for out in (raised, python)]
    assert counts[0] == counts[1] > 40
