"""presskeep processes do not load pandas: sqlite-utils would import it when installed
(archive/sqlitelib.py), at ~70 MB and 0.3 s a process. A stand-in ``pandas`` package on
the path records any import of it."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

PROBE = """import sys
import archive.db, archive.merge, archive.sitemodels, crawler.spiders.news, crawler.cli.app
print("pandas" in sys.modules)
import pandas  # asked for explicitly, it imports as usual
print(pandas.STAND_IN)
"""


def test_the_archive_and_the_crawler_do_not_import_pandas(tmp_path):
    fake = tmp_path / "site" / "pandas"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("STAND_IN = 'stand-in pandas'\n"
                                      "Timestamp = type('Timestamp', (), {})\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(tmp_path / "site")]))
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[:2] == ["False", "stand-in pandas"], proc.stdout


def test_sqlite_utils_is_whole_when_pandas_came_first(tmp_path):
    """A program that imported pandas before presskeep keeps sqlite-utils' pandas types."""
    fake = tmp_path / "site" / "pandas"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("Timestamp = type('Timestamp', (), {})\n")
    code = ("import pandas, archive.db, sqlite_utils.db as d\n"
            "print(pandas.Timestamp in d.COLUMN_TYPE_MAPPING)\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(tmp_path / "site")]))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "True"
