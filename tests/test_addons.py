"""Switched-off Scrapy components are left out, not imported; switched on, they load."""

from __future__ import annotations

import subprocess
import sys

import pytest

from crawler.addons import LeaveOut
from crawler.cli.common import crawl_settings
from tests.conftest import ROOT

COOKIES = "scrapy.downloadermiddlewares.cookies.CookiesMiddleware"
REMOTE = "scrapy.extensions.remote_control.RemoteControl"
TELNET = "scrapy.extensions.telnet.TelnetConsole"


def components(tmp_path, **overrides) -> tuple[dict, dict]:
    settings = crawl_settings(tmp_path, overrides, {})
    LeaveOut().update_settings(settings)  # as Scrapy's add-on manager calls it
    return (settings.get_component_priority_dict_with_base("DOWNLOADER_MIDDLEWARES"),
            settings.get_component_priority_dict_with_base("EXTENSIONS"))


def test_switched_off_components_are_left_out(tmp_path):
    middlewares, extensions = components(tmp_path)
    assert COOKIES not in middlewares
    assert REMOTE not in extensions and TELNET not in extensions
    assert "scrapy.downloadermiddlewares.redirect.RedirectMiddleware" in middlewares


@pytest.mark.parametrize("switch, kind, path", [("COOKIES_ENABLED", 0, COOKIES),
                                                ("TELNETCONSOLE_ENABLED", 1, TELNET)])
def test_switched_on_again_they_load(tmp_path, switch, kind, path):
    assert path in components(tmp_path, **{switch: True})[kind]


def test_a_crawl_does_not_import_them(news_site, tmp_path):
    """A real crawl, with Python's import log: no aiohttp (remote control), no tldextract
    (cookies), no redis (distributed mode is off)."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "crawler.cli", "crawl", news_site.base_url + "/",
         "--out", str(tmp_path / "out"), "--max-pages", "3", "--no-clean"],
        capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:")}
    assert "scrapy" in imported
    assert imported & {"aiohttp", "tldextract", "redis", "scrapy_redis"} == set()
