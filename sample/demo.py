"""`make demo`: serve the sample news site on loopback, crawl it, show the seed-like article.

    python -m sample.demo --out data
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from sample.site import article_path, build_site, seed_article
from sample.server import serve


def crawl(base_url: str, out: Path) -> int:
    cmd = [sys.executable, "-m", "crawler.cli", "crawl", base_url + "/", "--out", str(out),
           "-s", "PRESSKEEP_PROGRESS_INTERVAL=1"]
    print("$ presskeep crawl", base_url + "/", "--out", out, flush=True)
    return subprocess.call(cmd)


def show_seed(out: Path) -> bool:
    seed = seed_article()
    conn = sqlite3.connect(out / "presskeep.db")
    row = conn.execute(
        "SELECT title, authors, published, word_count, text, warc_file, warc_offset FROM articles "
        "WHERE url LIKE ? ORDER BY version DESC LIMIT 1", ("%" + article_path(seed),)).fetchone()
    counts = conn.execute("SELECT (SELECT count(*) FROM captures), (SELECT count(*) FROM articles)").fetchone()
    conn.close()
    if row is None:
        print("demo: the seed-like article was not stored", file=sys.stderr)
        return False
    title, authors, published, words, text, warc_file, offset = row
    print(f"\n{counts[0]} captures and {counts[1]} articles in {out / 'presskeep.db'}\n")
    print("The seed-like article (its page has 'Audio By Carbonatix' in the article column")
    print("and a 'Latest Stories' list with '38 minutes -' times), as cleaned:\n")
    print(f"  title:     {title}\n  authors:   {', '.join(json.loads(authors))}\n"
          f"  published: {published}\n  words:     {words}\n  record:    {warc_file} @ {offset}\n")
    paragraphs = [textwrap.indent(textwrap.fill(p, 88), "  | ") for p in text.split("\n\n")]
    print("\n  |\n".join(paragraphs))
    return True


def next_steps(out: Path) -> None:
    print(f"""
Open the outputs:
  sqlite3 {out}/presskeep.db 'SELECT url, title, word_count FROM latest_articles LIMIT 10'
  datasette {out}/presskeep.db                      # pip install datasette
  .venv/bin/warcio check {out}/warc/*.warc.gz       # validate the WARC files
  .venv/bin/presskeep serve --out {out}             # browse and search (127.0.0.1)
  .venv/bin/presskeep wacz --out {out} -o demo.wacz # WACZ for ReplayWeb.page
  make pywb && .venv-pywb/bin/wb-manager init demo && \
    .venv-pywb/bin/wb-manager add demo {out}/warc/*.warc.gz && .venv-pywb/bin/wayback   # pywb
""")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("data"))
    args = parser.parse_args()
    server = serve(build_site)
    print(f"Serving the sample news site at {server.base_url}/", flush=True)
    try:
        code = crawl(server.base_url, args.out)
    finally:
        server.stop()
        print("Sample site stopped.")
    if code != 0 or not show_seed(args.out):
        return 1
    next_steps(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
