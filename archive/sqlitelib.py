"""sqlite-utils, imported without pandas.

sqlite-utils imports pandas at import time when it is installed, only to map
``pandas.Timestamp`` values to TEXT columns. presskeep never hands it pandas values, and
importing pandas (with numpy and pyarrow behind it) costs every presskeep process about
70 MB of memory and 0.3 s of start-up (docs/performance.md): a data team's environment
usually has pandas. This module imports sqlite-utils while ``import pandas`` fails, unless
pandas is imported already; afterwards pandas imports as usual for anyone who asks.
Every archive module imports sqlite-utils through here.
"""

from __future__ import annotations

import importlib
import sys


def _load():
    if "sqlite_utils" in sys.modules or "pandas" in sys.modules:
        return importlib.import_module("sqlite_utils")
    sys.modules["pandas"] = None  # type: ignore[assignment]  # `import pandas`: ImportError
    try:
        return importlib.import_module("sqlite_utils")
    finally:
        if sys.modules.get("pandas", False) is None:
            del sys.modules["pandas"]


sqlite_utils = _load()
