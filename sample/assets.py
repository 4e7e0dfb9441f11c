"""The sample site's page requisites: a stylesheet that @imports a second one with a web font,
a script, an icon and images, served from a second loopback host (sample/server.py).

Pages name them as ``{ASSETS}/static/...``; the server puts the asset host's URL there.
The images are PNGs drawn here with zlib (no imaging library); the font is DejaVu Serif
from Debian's fonts-dejavu-core, subset to Latin-1 (sample/static/LICENSE-dejavu.txt).
What each article's page needs: both stylesheets, the font, the masthead tile, the logo
(1x and 2x), its section's lead image (both srcset candidates) and lazy thumbnail, the
script and the icon.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"
FONT = "fonts/dejavu-serif-subset.ttf"
#: section -> (top colour, bottom colour) of its lead image's gradient
SECTION_COLOURS = {"politics": ((26, 61, 107), (120, 160, 210)),
                   "business": ((20, 90, 60), (150, 200, 140)),
                   "sport": ((140, 40, 30), (230, 160, 90))}

SITE_CSS = """@import "type.css";
body { margin: 0; background: #f4f1ea; color: #222; }
.masthead { background: #1a3d6b url("img/masthead.png") repeat-x; padding: 12px 24px; }
.masthead a { color: #fff; text-decoration: none; font-size: 28px; }
.masthead img { vertical-align: middle; margin-right: 12px; }
.js .masthead { border-bottom: 6px solid #b3261e; }
.main-nav ul { list-style: none; margin: 6px 0 0; padding: 0; }
.main-nav li { display: inline; margin-right: 18px; }
.main-nav a { font-size: 16px; color: #dfe8f5; }
main, article, .article-content { display: block; max-width: 720px; margin: 0 auto; padding: 0 24px; }
h1 { font-size: 34px; line-height: 1.2; color: #111; }
.lead img, .thumb { display: block; max-width: 100%; height: auto; }
.byline { color: #6b5d45; font-style: italic; }
aside, .col-side { max-width: 720px; margin: 24px auto; padding: 0 24px; background: #ebe4d3; }
.site-footer { background: #222; color: #ccc; padding: 16px 24px; margin-top: 32px; }
"""

TYPE_CSS = f"""@font-face {{
  font-family: "Sample Serif";
  src: url("{FONT}") format("truetype");
  font-display: block;
}}
body {{ font-family: "Sample Serif", monospace; font-size: 18px; line-height: 1.55; }}
"""

#: loads the lazy images (``data-src``) and marks the page as scripted (``.js`` styles)
SITE_JS = """document.documentElement.classList.add("js");
document.querySelectorAll("img[data-src]").forEach(function (img) {
  img.src = img.getAttribute("data-src");
});
"""


def png(width: int, height: int, top: tuple[int, int, int], bottom: tuple[int, int, int],
        band: int = 0) -> bytes:
    """An RGB PNG: a vertical gradient from ``top`` to ``bottom``, with a lighter square in
    each ``band``-pixel column pair when ``band`` (so the image is not uniform)."""
    rows = []
    for y in range(height):
        t = y / max(height - 1, 1)
        colour = bytes(round(a + (b - a) * t) for a, b in zip(top, bottom))
        row = colour * width
        if band and (y // band) % 2 == 0:
            light = bytes(min(c + 40, 255) for c in colour) * band
            row = b"".join(light if (x // band) % 2 == 0 else colour * band
                           for x in range(0, width, band))[:3 * width]
        rows.append(b"\x00" + row)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))


def lead_image(section: str, scale: int = 1) -> str:
    return f"/static/img/{section}-{640 * scale}.png"


def asset_files() -> dict[str, tuple[str, bytes]]:
    """Path -> (Content-Type, body) of every asset."""
    files = {
        "/static/site.css": ("text/css; charset=utf-8", SITE_CSS.encode()),
        "/static/type.css": ("text/css; charset=utf-8", TYPE_CSS.encode()),
        "/static/site.js": ("application/javascript; charset=utf-8", SITE_JS.encode()),
        f"/static/{FONT}": ("font/ttf", (STATIC / "dejavu-serif-subset.ttf").read_bytes()),
        "/static/img/masthead.png": ("image/png", png(8, 96, (26, 61, 107), (10, 30, 60))),
        "/static/img/logo-160.png": ("image/png", png(160, 40, (179, 38, 30), (120, 20, 15), 10)),
        "/static/img/logo-320.png": ("image/png", png(320, 80, (179, 38, 30), (120, 20, 15), 20)),
        "/static/favicon.png": ("image/png", png(16, 16, (179, 38, 30), (26, 61, 107))),
    }
    for section, (top, bottom) in SECTION_COLOURS.items():
        for scale in (1, 2):
            files[lead_image(section, scale)] = (
                "image/png", png(640 * scale, 240 * scale, top, bottom, 40 * scale))
        files[f"/static/img/{section}-thumb.png"] = ("image/png", png(320, 120, bottom, top, 20))
    return files


def head_tags() -> str:
    """What every page's ``<head>`` names: the stylesheet, the icon, the script."""
    return ('<link rel="stylesheet" href="{ASSETS}/static/site.css">'
            '<link rel="icon" href="{ASSETS}/static/favicon.png">'
            '<script src="{ASSETS}/static/site.js" defer></script>')


def logo() -> str:
    return ('<img src="{ASSETS}/static/img/logo-160.png" srcset="{ASSETS}/static/img/logo-160.png 1x, '
            '{ASSETS}/static/img/logo-320.png 2x" width="160" height="40" alt="">')


def figures(section: str) -> str:
    """An article's lead image (a ``<picture>`` with 1x and 2x candidates) and its lazily
    loaded thumbnail."""
    one, two = lead_image(section), lead_image(section, 2)
    return (f'<figure class="lead"><picture><source srcset="{{ASSETS}}{one} 1x, '
            f'{{ASSETS}}{two} 2x"><img src="{{ASSETS}}{one}" width="640" height="240" alt="">'
            f'</picture></figure><img class="thumb" data-src="{{ASSETS}}/static/img/{section}'
            '-thumb.png" width="320" height="120" alt="">')
