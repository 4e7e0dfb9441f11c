"""WACZ packages (py-wacz): the archive's WARCs, their CDXJ index and a pages.jsonl of the
article pages, in the WACZ 1.1.1 format that ReplayWeb.page and pywb open."""

from __future__ import annotations

import gc
import io
import json
import logging
import os
import sys
import tempfile
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import Iterable, Iterator

from archive.cdxj import raw_content
from archive.errors import ArchiveError, OutputError, WarcReadError
from archive.output import output_file

logger = logging.getLogger(__name__)

#: no ``"hasText": true``: ReplayWeb.page would then search only the first MiB of the
#: file (its text index); without it, it searches the ``text`` of every page it loads
PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Article pages"}


_PAGES_SQL = ("SELECT url, title, warc_file, NULL FROM latest_articles "
              "WHERE warc_file IS NOT NULL ORDER BY fetched_at, url")
_PAGES_TEXT_SQL = ("SELECT url, title, warc_file, text FROM latest_articles "
                   "WHERE warc_file IS NOT NULL ORDER BY fetched_at, url")


def article_pages(db, warc_names: set[str], text: bool = True) -> Iterator[dict]:
    """One page per article URL whose latest version lives in one of ``warc_names``; with
    ``text``, the article's text too (ReplayWeb.page searches url, title and text)."""
    sql = _PAGES_TEXT_SQL if text else _PAGES_SQL
    seen: set[str] = set()
    for url, title, warc_file, body in db.execute(sql):
        if url in seen or Path(warc_file).name not in warc_names:
            continue
        seen.add(url)
        # no "ts": py-wacz would then need the record's exact second; the URL matches it
        page = {"url": url, "title": title or url}
        if text and body:
            page["text"] = body
        yield page


def referenced_warcs(db, root: str | os.PathLike) -> list[Path]:
    """WARC files outside ``root`` that article rows point at (replayed imports) and that exist."""
    rows = db.execute("SELECT DISTINCT warc_file FROM articles WHERE warc_file IS NOT NULL")
    found = [Path(name) for (name,) in rows if Path(name).is_absolute()]
    return sorted(p for p in found if p.is_file())


def write_pages(path: str | os.PathLike, pages: Iterable[dict]) -> int:
    count = 0
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(PAGES_HEADER) + "\n")
        for page in pages:
            fh.write(json.dumps(page, ensure_ascii=False) + "\n")
            count += 1
    return count


def check_names(warcs: list[Path]) -> None:
    """A WACZ stores WARCs by base name: two different files may not share one."""
    names: dict[str, Path] = {}
    for path in warcs:
        other = names.setdefault(path.name, path)
        if other.resolve() != path.resolve():
            raise ArchiveError(f"two WARC files named {path.name}: {other} and {path}")


def readable_warcs(warcs: list[Path]) -> tuple[list[Path], list[str]]:
    """(the files that hold WARC or ARC records, one line for each that does not)."""
    from archive.reader import open_warc

    kept, problems = [], []
    for path in warcs:
        try:
            with open_warc(path):
                kept.append(path)
        except WarcReadError as exc:
            problems.append(f"{exc}: not packaged")
    return kept, problems


@contextmanager
def _raw_content_indexer(problems: list[tuple[str, str]]):
    """py-wacz's indexer reading payloads as archived (archive.cdxj.raw_content), passing
    damage over into ``problems``, while it runs: py-wacz builds its ``WACZIndexer``
    itself, by the name in its main module."""
    import wacz.main

    original = wacz.main.WACZIndexer
    wacz.main.WACZIndexer = raw_content(original, problems)
    try:
        yield
    finally:
        wacz.main.WACZIndexer = original


def create_wacz(output: str | os.PathLike, warcs: list[Path], pages: Iterable[dict],
                title: str = "presskeep archive", *, validate: bool = False,
                force: bool = False, archive: str | os.PathLike | None = None,
                problems: list[str] | None = None) -> int:
    """Package ``warcs`` and ``pages`` into ``output``; return the number of pages listed.

    A file that holds no WARC or ARC record is left out, a damaged stretch of one is left
    out of the index: each goes to ``problems`` (one line). With ``validate``, a package
    py-wacz finds invalid is an error and is not kept. ``output`` is written as
    archive.output writes: an existing file is replaced only with ``force``, the
    ``archive``'s own files never.
    """
    problems = [] if problems is None else problems
    warcs, refused = readable_warcs(warcs)
    problems += refused
    check_names(warcs)
    pages = list(pages)
    with output_file(output, force=force, archive=archive, parents=True) as tmp:
        damage: list[tuple[str, str]] = []
        if warcs:
            count = _package(tmp, warcs, pages, title, name=output, problems=damage)
        if damage:  # packaged again without the damaged files (readers choke on their gzip)
            bad = {name for name, _ in damage}
            problems += [f"{text}: not packaged" for _, text in damage]
            warcs = [w for w in warcs if str(w) not in bad]
            if warcs:
                count = _package(tmp, warcs, pages, title, name=output, problems=[])
        if not warcs:
            raise ArchiveError("no readable WARC files to package"
                               + (f": {problems[0]}" if problems else ""))
        if validate:
            ok, log = validate_wacz(tmp)
            if not ok:
                raise ArchiveError(f"{output} failed validation: "
                                   f"{log.strip().splitlines()[-1:]}")
    logger.info("presskeep: wrote %s (%d WARC files, %d pages)", output, len(warcs), count)
    return count


def _package(path: Path, warcs: list[Path], pages: Iterable[dict], title: str,
             name: str | os.PathLike, problems: list[tuple[str, str]]) -> int:
    with tempfile.TemporaryDirectory(prefix="presskeep-wacz-") as tmp:
        pages_file = Path(tmp) / "pages.jsonl"
        try:
            count = write_pages(pages_file, pages)
        except OSError as exc:  # a full disk: the package is not written
            raise OutputError(f"cannot write {name}: {exc.strerror or exc}") from exc
        args = ["create", "-o", str(path), "--title", title, *map(str, warcs)]
        if count:
            args[1:1] = ["-p", str(pages_file)]
        log = io.StringIO()
        with redirect_stdout(log), _quiet_unraisable(), _raw_content_indexer(problems):
            code = _run_wacz(args)
        logger.debug("py-wacz: %s", log.getvalue())
        if code:
            said = log.getvalue().strip().splitlines()[-1:] if isinstance(code, int) else []
            raise ArchiveError(f"cannot create WACZ {name}: {code} {' '.join(said)}".strip())
    return count


def _run_wacz(args: list[str]) -> int | str:
    """py-wacz's exit code, or the error it raised (whatever warcio or zipfile raised)."""
    from wacz.main import main as wacz_main

    try:
        return wacz_main(args)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        gc.collect()  # the ZipFile py-wacz left open is closed (and fails again) in here


@contextmanager
def _quiet_unraisable() -> Iterator[None]:
    """py-wacz leaves its ZipFile open when a write fails (a full disk): closing it when it is
    collected fails again, which Python would print as a traceback; log it instead."""
    previous = sys.unraisablehook
    sys.unraisablehook = lambda hook: logger.debug("py-wacz: %r", hook.exc_value)
    try:
        yield
    finally:
        sys.unraisablehook = previous


def validate_wacz(path: str | os.PathLike) -> tuple[bool, str]:
    """py-wacz's validation of ``path``: (valid, what it printed)."""
    from wacz.main import main as wacz_main

    log = io.StringIO()
    try:
        with redirect_stdout(log):
            code = wacz_main(["validate", "-f", os.fspath(path)])
    except Exception as exc:  # noqa: BLE001 - frictionless raises what reading a member raised
        return False, f"{log.getvalue()}\n{type(exc).__name__}: {exc}"
    return code == 0, log.getvalue()
