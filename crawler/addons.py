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
