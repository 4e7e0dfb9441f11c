"""What several verbs share: checking seeds and ``-s`` settings, and building the crawl's
settings (crawl, replay, schedule, enqueue)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from crawler.cli.app import fail


def check_seed(url: str) -> str:
    """The seed as given, or a one-line error for a malformed or non-http(s) URL."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError as exc:
        fail(f"malformed URL {url!r}: {exc}", 2)
    if parts.scheme.lower() not in ("http", "https"):
        fail(f"not an http(s) URL: {url!r}", 2)
    if not parts.hostname:
        fail(f"malformed URL (no host): {url!r}", 2)
    return url


def parse_settings(pairs: tuple[str, ...]) -> dict[str, str]:
    """``-s NAME=VALUE`` pairs as a dict, or a one-line error for one without ``=``."""
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            fail(f"-s takes NAME=VALUE, got {pair!r}", 2)
        out[name.strip()] = value
    return out


def check_settings(overrides: dict) -> None:
    """Setting values the crawl would only trip over once started: one line now."""
    from archive.gzip_records import GZIP_LIBRARIES

    library = overrides.get("PRESSKEEP_WARC_GZIP_LIBRARY")
    if library is not None and library not in GZIP_LIBRARIES:
        fail(f"PRESSKEEP_WARC_GZIP_LIBRARY must be one of {', '.join(GZIP_LIBRARIES)}, "
             f"got {library!r}", 2)
    check_render(overrides)


def check_render(overrides: dict) -> None:
    """``--render auto|always`` needs scrapy-playwright and a Chromium: one line when not."""
    from crawler import settings as defaults

    mode = overrides.get("PRESSKEEP_RENDER", defaults.PRESSKEEP_RENDER)
    if str(mode).strip().lower() == "never":
        return
    from crawler.render import RenderUnavailable, find_chromium, parse_mode

    try:
        parse_mode(mode)
        find_chromium(overrides.get("PRESSKEEP_CHROMIUM_PATH",
                                    defaults.PRESSKEEP_CHROMIUM_PATH))
    except (ValueError, RenderUnavailable) as exc:
        fail(str(exc), 2)
    try:
        import scrapy_playwright  # noqa: F401
    except ImportError:
        fail("rendering needs scrapy-playwright: pip install 'presskeep[render]'", 2)


def crawl_settings(out: Path, overrides: dict, run_args: dict, clean: bool = True):
    """presskeep's Scrapy settings (crawler/settings.py) for a crawl or replay into ``out``,
    with the ``-s`` overrides; ``clean`` False: no article pipeline."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("PRESSKEEP_OUT", str(out), priority="cmdline")
    settings.set("PRESSKEEP_RUN_ARGS", run_args, priority="cmdline")
    settings.setdict(overrides, priority="cmdline")
    if not clean:  # no article pipeline at all: the cleaning stack is not even imported
        settings.set("ITEM_PIPELINES", {}, priority="cmdline")
    return settings
