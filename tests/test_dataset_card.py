"""The dataset card `export` writes: README.md beside the file(s), YAML front matter that
parses (pyyaml when installed, else a strict reader of the subset the card uses) and names
exactly the data files, counts that match the data, written atomically with the data,
never over an existing README.md without --force, skipped with --no-card and for stdout.
"""

from __future__ import annotations

import codecs
import csv
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from archive.export import ExportOptions, export
from crawler import __version__
from crawler.cli import main
from tests.conftest import ROOT
from tests.test_export import ROWS, article, build

HOSTILE_SITE = 'evil.example" | x: [y]\n- z 💥'


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    extra = [article(7, " ".join(f"x{i}" for i in range(100)), site=HOSTILE_SITE, language=None,
                     url="http://evil.example/7")]
    return build(tmp_path_factory.mktemp("card"), ROWS + extra)


def run(archive: Path, *args: str):
    return CliRunner().invoke(main, ["export", "--out", str(archive), *args])


# -- reading the card ---------------------------------------------------------------
_SCALAR = r'"(?:[ !#-\[\]-~]|\\["\\]|\\u[0-9a-f]{4}|\\U[0-9a-f]{8})*"'
_LINE = re.compile(rf'( *)(- )?(?:([a-z_]+):(?: ({_SCALAR}))?|({_SCALAR}))')


def _unquote(scalar: str) -> str:
    return codecs.decode(scalar[1:-1], "unicode_escape")


def strict_yaml(text: str):
    """The card's YAML subset, read strictly: block mappings and lists, double-quoted ASCII
    scalars; any other line fails the test. Where pyyaml is installed, both must agree."""
    toks = []  # (dash column or None, key column, key, value)
    for line in text.splitlines():
        m = _LINE.fullmatch(line)
        assert m and (m[3] or m[2]), f"not card YAML: {line!r}"
        dash = len(m[1]) if m[2] else None
        value = _unquote(m[4] or m[5]) if (m[4] or m[5]) else None
        toks.append((dash, len(m[1]) + (2 if m[2] else 0), m[3], value))
    pos = 0

    def node(column: int):
        dash, col, _, _ = toks[pos]
        if dash is not None:
            assert dash >= column, toks[pos]
            return seq(dash)
        assert col > column, toks[pos]
        return mapping(col, False)

    def seq(column: int) -> list:
        nonlocal pos
        items: list = []
        while pos < len(toks) and toks[pos][0] == column:
            dash, col, key, value = toks[pos]
            if key is None:
                items.append(value)
                pos += 1
            else:
                items.append(mapping(col, True))
        return items

    def mapping(column: int, first_dash: bool) -> dict:
        nonlocal pos
        out: dict = {}
        while pos < len(toks):
            dash, col, key, value = toks[pos]
            if col != column or key is None or (dash is not None and not (first_dash and not out)):
                break
            assert key not in out, key
            pos += 1
            out[key] = value if value is not None else node(column)
        return out

    got = mapping(0, False)
    assert pos == len(toks), toks[pos]
    return got


def front_matter(card: Path) -> tuple[dict, str]:
    text = card.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    head, body = text[4:].split("\n---\n", 1)
    assert head.isascii()
    try:
        import yaml
    except ImportError:
        return strict_yaml(head), body
    got = yaml.safe_load(head)
    assert strict_yaml(head) == got  # the strict reader agrees where both run
    return got, body


def table(body: str, title: str) -> dict[str, int]:
    """A "| title | rows |" table of the card's body."""
    lines = body.split(f"| {title} | rows |\n|---|---:|\n", 1)[1].split("\n\n", 1)[0]
    out = {}
    for line in lines.splitlines():
        key, n = re.fullmatch(r"\| (.*) \| ([\d,]+) \|", line).groups()
        out[key.replace("\\|", "|")] = int(n.replace(",", ""))
    return out


# -- the card -----------------------------------------------------------------------
def test_card_names_the_shards_and_counts_what_they_hold(archive, tmp_path):
    res = run(archive, "-o", str(tmp_path / "a.parquet"), "--shard-size", "2", "--dedup", "near")
    assert res.exit_code == 0, res.output
    card = tmp_path / "README.md"
    assert res.stderr.strip().endswith(f"; dataset card {card}")
    meta, body = front_matter(card)
    shards = ["a-00000.parquet", "a-00001.parquet", "a-00002.parquet"]
    assert meta["configs"] == [{"config_name": "default",
                                "data_files": [{"split": "train", "path": shards}]}]
    rows = [r for s in shards for r in pq.read_table(tmp_path / s).to_pylist()]
    languages = Counter(r["language"] for r in rows)
    assert meta["language"] == sorted(k for k in languages if k)
    assert meta["size_categories"] == ["n<1K"] and "license" not in meta
    assert HOSTILE_SITE in meta["pretty_name"]
    assert table(body, "language") == {k or "(none)": n for k, n in languages.items()}
    sites = Counter(" ".join(r["site"].split()) for r in rows)
    assert table(body, "site") == dict(sites)
    assert f"Rows: {len(rows)}." in body
    assert f"{len(rows)} articles ({sum(r['word_count'] for r in rows):,} words)" in body
    assert f"by presskeep {__version__} on " in body
    assert "--dedup near --threshold 0.9): 1 dropped" in body
    for name in ("word_count", "fetched_at", "payload_digest"):
        assert f"| `{name}` |" in body


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_text_formats_and_odd_file_names(archive, tmp_path, fmt):
    name = f'rows "{fmt}": [1].{fmt}'
    res = run(archive, "-o", str(tmp_path / name), "--language", "en", "--language", "fr",
              "--since", "2026-11-01", "--min-words", "10")
    assert res.exit_code == 0, res.output
    meta, body = front_matter(tmp_path / "README.md")
    assert meta["configs"][0]["data_files"][0]["path"] == [name]
    if fmt == "jsonl":
        rows = [json.loads(x) for x in (tmp_path / name).read_text().splitlines()]
    else:
        rows = list(csv.DictReader(open(tmp_path / name, newline="", encoding="utf-8")))
    assert meta["language"] == sorted({r["language"] for r in rows}) == ["en", "fr"]
    assert table(body, "language") == dict(Counter(r["language"] for r in rows))
    for line in ("languages: en, fr (--language)", "published on or after "
                 "2026-11-01T00:00:00Z (--since)", "at least 10 words by word_count (--min-words)"):
        assert f"- {line}\n" in body
    assert ("has a ' in front" in body) is (fmt == "csv")


def test_no_card_and_stdout_write_none(archive, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run(archive, "-o", "a.jsonl", "--no-card").exit_code == 0
    res = run(archive, "-o", "-", "--format", "jsonl")
    assert res.exit_code == 0 and res.stdout.count("\n") == 6
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl"]


def test_an_existing_readme_needs_force(archive, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# my project\n")
    res = run(archive, "-o", str(tmp_path / "a.jsonl"))
    assert res.exit_code == 2
    assert res.stderr.strip() == (f"presskeep: error: {readme} exists and the dataset card would "
                                  "replace it (use --force to replace it, or --no-card)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md"]
    assert readme.read_text() == "# my project\n"
    assert run(archive, "-o", str(tmp_path / "a.jsonl"), "--force").exit_code == 0
    assert front_matter(readme)[0]["configs"][0]["data_files"][0]["path"] == ["a.jsonl"]


def test_a_readme_link_is_refused(archive, tmp_path):
    (tmp_path / "elsewhere.md").write_text("kept")
    (tmp_path / "README.md").symlink_to(tmp_path / "elsewhere.md")
    res = run(archive, "-o", str(tmp_path / "a.jsonl"), "--force")
    assert res.exit_code == 2 and "symbolic link" in res.stderr and "--no-card" in res.stderr
    assert (tmp_path / "elsewhere.md").read_text() == "kept"
    assert not (tmp_path / "a.jsonl").exists()


def test_a_failed_export_leaves_neither_data_nor_card(archive, tmp_path):
    def boom(n):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        export(archive, tmp_path / "a.parquet", ExportOptions(format="parquet", card=True,
                                                               batch_size=1), progress=boom)
    assert list(tmp_path.iterdir()) == []


#: Hugging Face datasets in a venv of its own (`make hf`): not in .venv, where its pandas
#: would be imported by sqlite-utils in every presskeep process
HF_PYTHON = ROOT / ".venv-hf" / "bin" / "python"
LOAD = """import json, sys, datasets
loaded = datasets.load_dataset(sys.argv[1], cache_dir=sys.argv[2])
print(json.dumps({name: [split.num_rows, sorted(split.column_names)]
                  for name, split in loaded.items()}))
"""


@pytest.mark.skipif(not HF_PYTHON.exists(),
                    reason="Hugging Face datasets is not installed in .venv-hf (`make hf`)")
@pytest.mark.parametrize("fmt, name", [("parquet", "a.parquet"), ("jsonl", "a.jsonl"),
                                       ("csv", "a.csv")])
def test_datasets_loads_the_directory(archive, tmp_path, fmt, name):
    """The Hugging Face loader reads the exported directory by its card's configs, offline."""
    out = tmp_path / "set"
    out.mkdir()
    shards = ["--shard-size", "4"] if fmt == "parquet" else []
    assert run(archive, "--format", fmt, "-o", str(out / name), *shards).exit_code == 0
    env = dict(os.environ, HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1",
               HF_HOME=str(tmp_path / "hf"))
    proc = subprocess.run([str(HF_PYTHON), "-c", LOAD, str(out), str(tmp_path / "cache")],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    assert list(loaded) == ["train"] and loaded["train"][0] == 6
    assert {"url", "title", "text", "language", "word_count"} <= set(loaded["train"][1])


def test_neither_datasets_nor_yaml_is_needed_to_write_it(archive, tmp_path):
    """The card is plain text: the export runs with `datasets` and `yaml` unimportable."""
    code = ("import sys; sys.modules['datasets'] = sys.modules['yaml'] = None\n"
            "from crawler.cli import main\n"
            f"main(['export', '--out', {str(archive)!r}, '-o', {str(tmp_path / 'a.parquet')!r}])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert front_matter(tmp_path / "README.md")[0]["configs"][0]["data_files"][0]["path"] == \
        ["a.parquet"]
