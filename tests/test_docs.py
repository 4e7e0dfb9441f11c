"""Docs that cannot rot: every setting, stats key and CLI verb is documented."""

from __future__ import annotations

import re
from pathlib import Path

import crawler.settings
from crawler.cli import main

ROOT = Path(__file__).resolve().parent.parent
CODE_DIRS = ("crawler", "pipelines", "archive")


def _code() -> str:
    return "\n".join(p.read_text() for d in CODE_DIRS for p in (ROOT / d).rglob("*.py"))


def test_every_presskeep_setting_documented():
    doc = (ROOT / "docs/settings.md").read_text()
    names = {n for n in dir(crawler.settings) if n.startswith("PRESSKEEP_")}
    names |= set(re.findall(r"""["'](PRESSKEEP_[A-Z0-9_]+)["']""", _code()))
    missing = sorted(n for n in names if f"`{n}`" not in doc)
    assert not missing, f"undocumented settings: {missing}"


def test_every_stats_key_documented():
    doc = (ROOT / "docs/stats.md").read_text()
    keys = set(re.findall(r"""f?["'](presskeep/[a-z0-9_/{}.]+)["']""", _code()))
    missing = []
    for key in keys:
        prefix = key.split("{")[0]
        if f"`{key}`" not in doc and not ("{" in key and f"`{prefix}" in doc):
            missing.append(key)
    assert not missing, f"undocumented stats keys: {sorted(missing)}"


def test_every_cli_verb_documented():
    cli_doc = (ROOT / "docs/cli.md").read_text()
    readme = (ROOT / "README.md").read_text()
    for verb in main.commands:
        assert f"## {verb}" in cli_doc, f"docs/cli.md lacks a '## {verb}' section"
        assert f"presskeep {verb}" in readme, f"README lacks `presskeep {verb}`"


def test_every_verb_has_an_example():
    for name, command in main.commands.items():
        assert "Example:" in (command.help or ""), f"presskeep {name} --help has no example"
