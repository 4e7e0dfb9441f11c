"""The dataset card: README.md beside an export's file(s), for a person and for Hugging Face.

A dataset file alone does not say what its columns mean, which rows were left out, or what
the archive held. The card does, in Markdown, under a YAML front matter that the Hugging
Face ``datasets`` loader and the Hub read (``configs`` → ``data_files``, ``language``,
``pretty_name``, ``size_categories``; docs/dataset.md, *The dataset card*). No license is
claimed: the texts belong to their publishers, which the export cannot know, so the
``license`` key is left out and the card says so.

The YAML is written by hand (no dependency at run time): every string is a double-quoted
scalar of ASCII characters, anything else escaped (``\\uXXXX``, ``\\UXXXXXXXX``), so that
no site name or file name can break out of it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from archive.export_files import COLUMNS, NAMES
from archive.timestamps import rfc3339

CARD_NAME = "README.md"
#: sites listed one by one in the card; the rest are summed on one line
MAX_SITES = 100
#: the Hub's size_categories buckets, by their upper bound
_SIZES = [(1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
          (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"),
          (1_000_000_000, "100M<n<1B")]
_LANGUAGE, _SITE = NAMES.index("language"), NAMES.index("site")
_WORDS = NAMES.index("word_count")

#: what each column is, in one line (docs/dataset.md has the long form)
MEANINGS = {
    "id": "row id in the archive (stable within one archive)",
    "url": "the URL the page was fetched from",
    "canonical_url": "the page's canonical URL (link rel=canonical, og:url), when it gave one",
    "site": "the site (host) the article belongs to",
    "title": "the headline, without the site's name",
    "authors": "by-line names in page order; empty when none were found",
    "published": "publication time, UTC (a date known only to the day: midnight UTC)",
    "modified": "last-modified time the page declared, UTC",
    "language": "ISO 639-1 code of the text (ISO 639-3 where none), detected from the text",
    "text": "clean article text, paragraphs separated by a blank line",
    "word_count": "length of text in words; characters of Chinese, Japanese, Korean, Thai, "
                  "Lao, Khmer and Burmese counted as about one English word each",
    "text_hash": "sha1 of the lowercased, whitespace-normalised text",
    "version": "1 for the first capture of a URL, +1 each time its text changed",
    "fetched_at": "when the response was received, UTC",
    "warc_file": "WARC file holding the response, relative to the archive directory",
    "warc_offset": "byte offset of the response record in that file",
    "warc_length": "length in bytes of the gzipped record",
    "warc_record_id": "the record's WARC-Record-ID",
    "payload_digest": "the record's WARC-Payload-Digest (sha1:BASE32)",
}
_TYPES = {"str": ("string", "string"), "int": ("int64", "number"),
          "int32": ("int32", "number"), "list": ("list<string>", "array of strings"),
          "ts": ("timestamp[us, UTC]", "string, RFC 3339 UTC")}


@dataclass
class CardCounts:
    """What the card reports about the rows written, counted batch by batch."""

    rows: int = 0
    words: int = 0
    languages: Counter = field(default_factory=Counter)
    sites: Counter = field(default_factory=Counter)

    def add(self, rows: Sequence[Sequence[Any]]) -> None:
        self.rows += len(rows)
        self.languages.update(r[_LANGUAGE] for r in rows)
        self.sites.update(r[_SITE] for r in rows)
        self.words += sum(r[_WORDS] or 0 for r in rows)


@dataclass
class Card:
    """Everything the card says besides the counts."""

    files: list[str]  # the data files' names, relative to the card's directory
    format: str
    filters: list[str]  # one line each, as the command was given them
    software: str = "presskeep"
    exported_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    archive: str | None = None


def size_category(rows: int) -> str:
    for bound, name in _SIZES:
        if rows < bound:
            return name
    return "n>1B"


def yaml_string(value: str) -> str:
    """``value`` as a YAML double-quoted scalar of printable ASCII only."""
    out = []
    for char in value:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def _md(value: Any) -> str:
    """A value for a Markdown table cell: pipes and line breaks would end the cell."""
    text = "(none)" if value is None or value == "" else str(value)
    return " ".join(text.split()).replace("\\", "\\\\").replace("|", "\\|").replace("`", "'")


def pretty_name(counts: CardCounts) -> str:
    sites = [s for s, _ in counts.sites.most_common(3) if s]
    more = len(counts.sites) - len(sites)
    named = ", ".join(sites) + (f" and {more} more" if more > 0 else "")
    return f"News articles from {named}" if named else "News articles"


def front_matter(card: Card, counts: CardCounts) -> str:
    builder = {"jsonl": "json", "csv": "csv", "parquet": "parquet"}[card.format]
    lines = ["---", f"pretty_name: {yaml_string(pretty_name(counts))}"]
    languages = sorted(code for code in counts.languages if code)
    if languages:
        lines += ["language:"] + [f"- {yaml_string(code)}" for code in languages]
    lines += ["size_categories:", f"- {yaml_string(size_category(counts.rows))}",
              "tags:", "- \"news\"", "- \"presskeep\"", f"- {yaml_string(builder)}",
              "configs:", "- config_name: \"default\"", "  data_files:",
              "  - split: \"train\"", "    path:"]
    lines += [f"    - {yaml_string(name)}" for name in card.files]
    return "\n".join(lines + ["---", ""])


def _counts_table(title: str, counter: Counter, limit: int | None = None) -> list[str]:
    ranked = sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0] or "")))
    shown = ranked[:limit] if limit else ranked
    lines = [f"| {title} | rows |", "|---|---:|"]
    lines += [f"| {_md(key)} | {n:,} |" for key, n in shown]
    rest = ranked[len(shown):]
    if rest:
        lines.append(f"| ({len(rest):,} more) | {sum(n for _, n in rest):,} |")
    return lines


def body(card: Card, counts: CardCounts) -> str:
    when = rfc3339(card.exported_at)
    lines = [f"# {pretty_name(counts)}", "",
             f"{counts.rows:,} articles ({counts.words:,} words) exported as {card.format} by "
             f"{card.software} on {when}" + (f" from the archive `{_md(card.archive)}`."
                                             if card.archive else "."),
             "", "Read it with `datasets.load_dataset(\"DIRECTORY\")`, pandas, DuckDB or "
             "pyarrow. Each row points at the WARC record it was extracted from "
             "(`warc_file`, `warc_offset`, `warc_length`).", "",
             "License: not known to the exporter. The texts belong to their publishers; "
             "check their terms before you share or train on them.", "",
             "## Files", ""] + [f"- `{_md(name)}`" for name in card.files]
    lines += ["", "## Rows", ""] + [f"- {_md(line)}" for line in card.filters]
    lines += ["", "## Counts", "", f"Rows: {counts.rows:,}.", ""]
    lines += _counts_table("language", counts.languages) + [""]
    lines += _counts_table("site", counts.sites, MAX_SITES) + [""]
    lines += ["## Columns", "", "| column | Parquet type | JSON / CSV | meaning |",
              "|---|---|---|---|"]
    for name, kind in COLUMNS:
        parquet, text = _TYPES[kind]
        lines.append(f"| `{name}` | `{parquet}` | {text} | {_md(MEANINGS[name])} |")
    if card.format == "csv":
        lines += ["", "CSV: a text cell that a spreadsheet would run as a formula "
                  "(starting with = + - @, a tab or a carriage return) has a ' in front; "
                  "`authors` is a JSON array in one field; an empty unquoted field is null."]
    return "\n".join(lines + [""])


def render(card: Card, counts: CardCounts) -> str:
    """The card's text: YAML front matter, then Markdown."""
    return front_matter(card, counts) + "\n" + body(card, counts)


def write_card(path: Path, card: Card, counts: CardCounts) -> None:
    path.write_text(render(card, counts), encoding="utf-8")
