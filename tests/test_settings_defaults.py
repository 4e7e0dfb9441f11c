"""Every setting presskeep reads has its default in crawler/settings.py, and only there.

A second default at a call site (``settings.getint("PRESSKEEP_X", 5)``, or
``settings.get("PRESSKEEP_X") or "y"``) drifts from the one in crawler/settings.py and
makes the documented default a lie for whoever runs the component without it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import crawler.settings

ROOT = Path(__file__).resolve().parent.parent
CODE_DIRS = ("crawler", "pipelines")
GETTERS = {"get", "getint", "getfloat", "getbool", "getlist", "getdict", "getwithbase"}
SETTING = re.compile(r"^[A-Z][A-Z0-9_]+$")


def setting_reads():
    """(file:line, setting name, the call node, its parent) of every ``*.settings.get*("NAME")``."""
    for path in sorted(p for d in CODE_DIRS for p in (ROOT / d).rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in GETTERS and "settings" in ast.unparse(node.func.value)
                    and node.args and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str) and SETTING.match(node.args[0].value)):
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            yield where, node.args[0].value, node, parents.get(node)


def test_no_second_default_where_a_setting_is_read():
    found = []
    for where, name, call, parent in setting_reads():
        if len(call.args) > 1 or any(k.arg == "default" for k in call.keywords):
            found.append(f"{where}: {name} given a default")
        if (isinstance(parent, ast.BoolOp) and isinstance(parent.op, ast.Or)
                and parent.values[0] is call
                and any(isinstance(v, ast.Constant) for v in parent.values[1:])):
            found.append(f"{where}: {name} or a constant")
    assert not found, "defaults belong in crawler/settings.py: " + "; ".join(found)


def test_every_presskeep_setting_read_has_its_default():
    read = {name for _, name, _, _ in setting_reads() if name.startswith("PRESSKEEP_")}
    assert len(read) > 30
    missing = sorted(name for name in read if not hasattr(crawler.settings, name))
    assert not missing, f"read but without a default in crawler/settings.py: {missing}"
