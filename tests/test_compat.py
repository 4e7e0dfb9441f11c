"""Private internals of Scrapy, scrapy-redis, readability-lxml and htmldate: checked versions.

crawler/compat.py is the only module that touches Scrapy's and scrapy-redis's private names;
pipelines/clean/readable.py replaces one private method of readability-lxml;
pipelines/clean/htmldate_fast.py mirrors htmldate's find_date. Each names the versions it
was read against. These tests fail loudly when an installed version is not one
of them (read the module against the new version, then add it), and when a private name of
Scrapy or scrapy-redis is used anywhere else.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from importlib.metadata import version
from pathlib import Path

import pytest
import scrapy
import scrapy_redis

from crawler import compat
from pipelines.clean import htmldate_fast, readable

ROOT = Path(__file__).resolve().parent.parent
PRIVATE_HOME = ROOT / "crawler" / "compat.py"
LIBRARIES = ("scrapy", "scrapy_redis")


def test_installed_scrapy_is_a_checked_version():
    assert scrapy.__version__ in compat.SCRAPY_CHECKED, (
        f"Scrapy {scrapy.__version__} is not one crawler/compat.py was checked on "
        f"({compat.SCRAPY_CHECKED}): read its private names against this Scrapy, then add it")


def test_installed_scrapy_redis_is_a_checked_version():
    installed = version("scrapy-redis")
    assert installed in compat.SCRAPY_REDIS_CHECKED, (
        f"scrapy-redis {installed} is not one crawler/compat.py was checked on "
        f"({compat.SCRAPY_REDIS_CHECKED}): read its queue's private methods, then add it")


def test_installed_scrapy_playwright_is_a_checked_version():
    installed = version("scrapy-playwright")
    assert installed in compat.SCRAPY_PLAYWRIGHT_CHECKED, (
        f"scrapy-playwright {installed} is not one crawler/compat.py was checked on "
        f"({compat.SCRAPY_PLAYWRIGHT_CHECKED}): read its handler's _launch, then add it")


def test_installed_readability_is_a_checked_version():
    installed = version("readability-lxml")
    assert installed in readable.CHECKED, (
        f"readability-lxml {installed} is not one pipelines/clean/readable.py was checked on "
        f"({readable.CHECKED}): read Document._parse and _html against it, then add it")


def test_installed_htmldate_is_the_mirrored_version():
    installed = version("htmldate")
    assert installed in htmldate_fast.CHECKED and htmldate_fast.MIRRORED, (
        f"htmldate {installed} is not one pipelines/clean/htmldate_fast.py mirrors "
        f"({htmldate_fast.CHECKED}): compare its find_date with the steps there, then add it "
        "(until then dates go through find_date itself, and tests/test_dates_fast.py "
        "compares find_date with itself)")


def test_every_private_method_used_is_there():
    assert compat.missing_methods() == []
    assert "_process_queue" in {name for _, name in compat.PRIVATE_METHODS}


def test_a_scrapy_without_a_private_method_is_one_clear_error(monkeypatch):
    """What a Scrapy that dropped one of them gets at start-up: one line naming it."""
    from scrapy.core.downloader import Downloader

    monkeypatch.setattr(compat, "PRIVATE_METHODS",
                        (*compat.PRIVATE_METHODS, (Downloader, "_gone_in_a_later_scrapy")))
    with pytest.raises(compat.ScrapyInternalsChanged) as error:
        compat._check()
    message = str(error.value)
    assert "Downloader._gone_in_a_later_scrapy" in message and "\n" not in message
    assert f"Scrapy ({scrapy.__version__})" in message and "crawler/compat.py" in message


def _library_private_names(cls: type) -> set[str]:
    """Private names (``_x``) of the Scrapy / scrapy-redis classes in ``cls``'s MRO."""
    names: set[str] = set()
    for base in cls.__mro__:
        if base.__module__.split(".")[0] not in LIBRARIES:
            continue
        names.update(n for n in vars(base) if n.startswith("_") and not n.startswith("__"))
        try:
            names.update(re.findall(r"self\.(_[a-z]\w*)", inspect.getsource(base)))
        except (OSError, TypeError):
            pass
    return names


def _all_library_private_names() -> set[str]:
    """Every ``self._x`` / ``cls._x`` / ``def _x`` of Scrapy's and scrapy-redis's source."""
    names: set[str] = set()
    pattern = re.compile(r"(?:self|cls)\.(_[a-z]\w*)|def (_[a-z]\w*)")
    for package in (scrapy, scrapy_redis):
        for path in Path(package.__file__).parent.rglob("*.py"):
            for attribute, function in pattern.findall(path.read_text(errors="replace")):
                names.add(attribute or function)
    return names


class _PrivateUses(ast.NodeVisitor):
    """Private library names a module uses: imported, read off another object, or
    overridden / read on ``self`` in a subclass of a library class."""

    def __init__(self, module: str, library_private: set[str]) -> None:
        self.module = importlib.import_module(module)
        self.library_private = library_private
        self.found: list[str] = []
        self.cls: type | None = None

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:  # noqa: N802
        if (node.module or "").split(".")[0] in LIBRARIES:
            self.found += [f"imports {a.name}" for a in node.names if a.name.startswith("_")]

    def visit_ClassDef(self, node: ast.ClassDef) -> None:  # noqa: N802
        outer, self.cls = self.cls, getattr(self.module, node.name, None)
        own = _library_private_names(self.cls) if isinstance(self.cls, type) else set()
        for item in node.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name in own:
                self.found.append(f"{node.name} overrides {item.name}")
        self.generic_visit(node)
        self.cls = outer

    def visit_Attribute(self, node: ast.Attribute) -> None:  # noqa: N802
        name = node.attr
        if name.startswith("_") and not name.startswith("__"):
            on_self = isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
            on_super = (isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name)
                        and node.value.func.id == "super")
            if on_self or on_super:
                if isinstance(self.cls, type) and name in _library_private_names(self.cls):
                    self.found.append(f"{self.cls.__name__} uses {name}")
            elif name in self.library_private:
                self.found.append(f"reads {ast.unparse(node)}")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:  # noqa: N802
        if (isinstance(node.func, ast.Name) and node.func.id in ("getattr", "setattr", "hasattr")
                and len(node.args) > 1 and isinstance(node.args[1], ast.Constant)
                and node.args[1].value in self.library_private):
            self.found.append(f"reads {node.args[1].value} by name")
        self.generic_visit(node)


def test_private_scrapy_names_only_in_compat():
    library_private = _all_library_private_names()
    assert {"_process_queue", "_cached_selector", "_slot", "_encode_request"} <= library_private
    found = []
    for path in sorted((ROOT / "crawler").rglob("*.py")) + sorted((ROOT / "pipelines").rglob("*.py")):
        if path == PRIVATE_HOME or path.name == "__main__.py":
            continue
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        uses = _PrivateUses(module, library_private)
        uses.visit(ast.parse(path.read_text(), str(path)))
        found += [f"{path.relative_to(ROOT)}: {use}" for use in uses.found]
    assert not found, "private Scrapy names belong in crawler/compat.py: " + "; ".join(found)
