"""Decoding and parsing HTML safely: any bytes in, an lxml tree (or None) out."""

from __future__ import annotations

import lxml.etree
import lxml.html
from w3lib.encoding import html_to_unicode

_PARSER = lxml.html.HTMLParser(remove_comments=True, huge_tree=True, recover=True)


def decode_html(body: bytes, encoding: str | None = None, content_type: str | None = None) -> str:
    """Decode with the declared charset (header, BOM, <meta>), falling back to detection."""
    header = content_type or (f"text/html; charset={encoding}" if encoding else None)
    _, text = html_to_unicode(header, body)
    return text.replace("\x00", "")


def parse_html(html: str) -> lxml.html.HtmlElement | None:
    """Parse a document; None when there is nothing parseable."""
    html = html.replace("\x00", "")
    if not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html, parser=_PARSER)
    except (lxml.etree.ParserError, ValueError):
        return None
