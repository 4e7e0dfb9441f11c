"""What the item pipelines store into, found on the crawler without knowing who provides it.

The archive session extension (``crawler.session.ArchiveSession``) is an
:class:`ArchiveRun`; a pipeline finds it with ``crawler.get_extension(ArchiveRun)``, so
pipelines/ never imports crawler/. Light on purpose: an archive-only crawl imports this
module (through the session) and none of the cleaning stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from archive.db import Store


class ArchiveRun:
    """``store``: the archive's database; ``run_id``: this run's ``runs`` row."""

    store: Store
    run_id: int
