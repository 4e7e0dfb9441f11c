"""Scrapy add-ons of presskeep, kept in a module that imports nothing heavy.

Scrapy imports every add-on at start-up; distributed mode's code (redis, scrapy-redis,
about 0.1 s to import) is only imported when it is switched on.
"""

from __future__ import annotations


class Distributed:
    """Scrapy add-on (``ADDONS``): PRESSKEEP_REDIS_URL set means distributed mode.

    Works the same for ``presskeep crawl --redis URL`` and for
    ``scrapy crawl news -s PRESSKEEP_REDIS_URL=URL``.
    """

    def update_settings(self, settings) -> None:
        if settings.get("PRESSKEEP_REDIS_URL") and not settings.get("PRESSKEEP_REDIS_SHARD"):
            from crawler.distributed.cluster import configure

            configure(settings)


class Render:
    """Scrapy add-on: ``PRESSKEEP_RENDER`` auto or always sets scrapy-playwright up.

    Its download handler (crawler/render_handler.py) for http and https, one Chromium
    (``PRESSKEEP_CHROMIUM_PATH`` or the first Chromium on PATH: Playwright's own browser
    download is never used) in one context of ``PRESSKEEP_RENDER_MAX_PAGES`` pages, each
    with ``PRESSKEEP_RENDER_TIMEOUT`` to load. A ``PLAYWRIGHT_*`` setting given by the
    user (``-s``) wins. With ``never`` nothing changes and Playwright is not imported.
    """

    def update_settings(self, settings) -> None:
        if str(settings.get("PRESSKEEP_RENDER")).strip().lower() == "never":
            return
        from crawler.render import CHROMIUM_ARGS, find_chromium, parse_mode

        parse_mode(settings.get("PRESSKEEP_RENDER"))  # a typo stops the crawl here
        handler = "crawler.render_handler.RenderDownloadHandler"
        settings.set("DOWNLOAD_HANDLERS", {**settings.getdict("DOWNLOAD_HANDLERS"),
                                           "http": handler, "https": handler}, "cmdline")
        timeout_ms = settings.getfloat("PRESSKEEP_RENDER_TIMEOUT") * 1000
        ours = {
            "PLAYWRIGHT_BROWSER_TYPE": "chromium",
            "PLAYWRIGHT_LAUNCH_OPTIONS": {
                "executable_path": find_chromium(settings.get("PRESSKEEP_CHROMIUM_PATH")),
                "headless": True, "args": CHROMIUM_ARGS},
            "PLAYWRIGHT_MAX_CONTEXTS": 1,
            "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": max(1, settings.getint(
                "PRESSKEEP_RENDER_MAX_PAGES")),
            "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": timeout_ms,
        }
        for name, value in ours.items():
            if settings.getpriority(name) is None:
                settings.set(name, value, "addon")


#: (the setting that switches a component on, its component setting, the component)
SWITCHED = (
    ("COOKIES_ENABLED", "DOWNLOADER_MIDDLEWARES",
     "scrapy.downloadermiddlewares.cookies.CookiesMiddleware"),  # imports tldextract: 0.25 s
    ("REMOTE_CONTROL_ENABLED", "EXTENSIONS",
     "scrapy.extensions.remote_control.RemoteControl"),  # imports aiohttp: 0.2 s
    ("TELNETCONSOLE_ENABLED", "EXTENSIONS", "scrapy.extensions.telnet.TelnetConsole"),
)


def left_out(settings) -> list[tuple[str, str]]:
    """(component setting, component) of each switched-off component in its ``*_BASE`` dict."""
    return [(name, path) for switch, name, path in SWITCHED
            if not settings.getbool(switch) and path in settings.getdict(f"{name}_BASE")
            and path not in settings.getdict(name)]


class LeaveOut:
    """Scrapy add-on: a component whose setting switches it off is left out, not loaded.

    Scrapy imports every enabled component and then lets it decline (``NotConfigured``);
    presskeep switches cookies, the remote control and the telnet console off, and their
    imports cost about half a second of every crawl's and replay's start-up. Switching one
    back on (``-s COOKIES_ENABLED=True``) loads it as usual. The component is taken out
    of Scrapy's ``*_BASE`` dict: Scrapy 2.19 imports every key of the user's dict, even
    one set to None, to normalise it.
    """

    def update_settings(self, settings) -> None:
        for name, path in left_out(settings):
            base = settings.getdict(f"{name}_BASE")
            del base[path]
            settings.set(f"{name}_BASE", base, settings.getpriority(f"{name}_BASE") or 0)
