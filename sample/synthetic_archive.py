"""An archive of N synthetic articles, written with direct SQLite inserts in one transaction.

    generate(Path("/tmp/archive"), 100_000)   # reused when already there

Rows only (no WARC files behind them): ~4 % second versions of a URL, ~3 % exact and ~2 %
near copies of earlier texts, dates in several shapes, 20 sites, 4 languages. The export
benchmark (bench/bench_export.py) and the export tests read it.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

SITES = [f"site{i}.example" for i in range(20)]
LANGS = ["en"] * 6 + ["fr", "de", "es"]
AUTHORS = ["Ama Mensah", "Sam Lee", "Kofi Boateng", "Lena Vogel", "Ana Ruiz", "Jon Park"]


def _published(rng: random.Random, when: datetime) -> str | None:
    kind = rng.random()
    if kind < 0.1:
        return None
    if kind < 0.3:
        return when.date().isoformat()
    if kind < 0.5:
        return when.astimezone(timezone(timedelta(hours=2))).isoformat()
    return when.isoformat()


def _text(rng: random.Random, sentences: list[str]) -> str:
    """3-7 paragraphs of 3-8 sentences drawn from a pool (fast, and unique enough)."""
    paras = [" ".join(rng.choices(sentences, k=rng.randint(3, 8)))
             for _ in range(rng.randint(3, 7))]
    return "\n\n".join(paras)


def _rows(n: int, seed: int):
    """N article rows: ~4% second versions, ~3% exact and ~2% near copies of earlier texts."""
    from pipelines.clean.identity import text_hash

    rng = random.Random(seed)
    vocab = ["".join(rng.choices("abcdefghijklmnoprstuvwy", k=rng.randint(2, 9))) for _ in range(6000)]
    pool = [" ".join(rng.choices(vocab, k=rng.randint(8, 20))).capitalize() + "."
            for _ in range(max(1000, min(30000, 2 * n)))]
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    recent: list[tuple[str, str]] = []
    versions: dict[str, int] = {}
    for i in range(n):
        fetched = start + timedelta(seconds=i * 3)
        site = SITES[i % len(SITES)]
        roll = rng.random()
        if recent and roll < 0.04:
            url, text = rng.choice(recent)[0], _text(rng, pool)
        elif recent and roll < 0.07:
            url, text = f"https://{site}/a/{i}.html", rng.choice(recent)[1]
        elif recent and roll < 0.09:
            url, words = f"https://{site}/a/{i}.html", rng.choice(recent)[1].split(" ")
            words[rng.randrange(len(words))] = "changed"
            text = " ".join(words)
        else:
            url, text = f"https://{site}/a/{i}.html", _text(rng, pool)
        versions[url] = versions.get(url, 0) + 1
        recent = (recent + [(url, text)])[-200:]
        yield (1, url, url, site, text[:60], json.dumps(rng.sample(AUTHORS, rng.randint(0, 2))),
               _published(rng, fetched - timedelta(hours=rng.randint(1, 48))), None,
               rng.choice(LANGS), text, len(text.split()), text_hash(text),
               fetched.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "warc/bench-00001.warc.gz", i * 3000,
               2900, f"<urn:uuid:{i:032x}>", f"sha1:{i:032X}", versions[url])


def generate(root: Path, n: int, seed: int = 7) -> Path:
    """An archive of ``n`` synthetic articles at ``root`` (reused when already there)."""
    from archive.db import DB_NAME, connect

    db_path = root / DB_NAME
    done = root / f".complete-{n}-{seed}"
    if done.exists():
        return root
    root.mkdir(parents=True, exist_ok=True)
    db_path.unlink(missing_ok=True)
    db = connect(db_path)
    cols = ("run_id, url, canonical_url, site, title, authors, published, modified, language, "
            "text, word_count, text_hash, fetched_at, warc_file, warc_offset, warc_length, "
            "warc_record_id, payload_digest, version")
    sql = f"INSERT INTO articles ({cols}) VALUES ({', '.join('?' * 19)})"
    # one transaction, FTS filled in one 'rebuild' (per-row triggers are ~4x slower)
    trigger = db.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_ai'").fetchone()[0]
    db.execute("BEGIN")
    db.execute("DROP TRIGGER articles_ai")
    db.execute("INSERT INTO runs (id, started, command, outcome) VALUES (1, ?, 'bench', 'ok')",
               [datetime.now(timezone.utc).isoformat()])
    db.conn.executemany(sql, _rows(n, seed))
    db.execute("INSERT INTO articles_fts(articles_fts) VALUES('rebuild')")
    db.execute(trigger)
    db.execute("COMMIT")
    db.conn.close()
    done.touch()
    return root
