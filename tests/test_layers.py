"""One-way layers: crawler/ -> pipelines/ -> archive/, and CLI verbs that do not import each other.

Every import counts, a function's own included.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: (package, what it must not import): pipelines/clean is pure functions over HTML
FORBIDDEN = (
    ("archive", ("crawler", "pipelines", "web", "tests", "bench", "sample")),
    ("pipelines", ("crawler", "web", "tests", "bench", "sample")),
    ("pipelines/clean", ("crawler", "pipelines.store", "pipelines.sitemodels", "archive")),
    # the repository's own support code: what tests and benchmarks share lives in sample/
    ("bench", ("tests",)),
    ("tests", ("bench",)),
    ("sample", ("tests", "bench")),
    ("crawler", ("tests", "bench", "sample")),
    ("web", ("crawler", "pipelines", "tests", "bench", "sample")),
)
#: the CLI modules every verb may import
CLI_SHARED = ("crawler.cli.app", "crawler.cli.common")


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in ``path``, relative ones resolved."""
    package = ".".join(path.relative_to(ROOT).parent.parts)
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            if node.module is None:  # from . import x: x is a module of the package
                found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, base))
    return found


def under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def test_no_import_runs_back_up():
    found = []
    for package, banned in FORBIDDEN:
        for path in sorted((ROOT / package).rglob("*.py")):
            for line, module in imports(path):
                if any(under(module, b) for b in banned):
                    found.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not found, "imports against the layers: " + "; ".join(found)


def test_cli_verbs_do_not_import_each_other():
    found = []
    for path in sorted((ROOT / "crawler" / "cli").glob("*.py")):
        if path.name in ("__init__.py", "__main__.py"):
            continue
        for line, module in imports(path):
            if under(module, "crawler.cli") and module not in CLI_SHARED and module != "crawler.cli":
                found.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not found, "a verb imports another verb's module: " + "; ".join(found)
