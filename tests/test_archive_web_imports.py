"""The bottom of the house stays the bottom: archive/ imports nothing of presskeep's above it,
and the archive browser (web/) imports archive/ only."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OURS = ("archive", "web", "crawler", "pipelines", "bench", "tests", "sample")


def _our_imports(package: str) -> set[tuple[str, str]]:
    """(file, top-level package of ours it imports) for every .py file of ``package``."""
    found = set()
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level
                     else [])
            for name in names:
                top = name.split(".")[0]
                if top in OURS:
                    found.add((str(path.relative_to(ROOT)), top))
    return found


def test_archive_imports_nothing_above_it():
    assert {top for _, top in _our_imports("archive")} == {"archive"}


def test_web_imports_archive_only():
    assert (ROOT / "web" / "server.py").is_file()
    assert {top for _, top in _our_imports("web")} == {"archive", "web"}
