"""HTML for the web UI. Everything from the archive is escaped; pages carry no scripts."""

from __future__ import annotations

import json
from html import escape
from urllib.parse import quote, urlencode

from web.queries import MARK_END, MARK_START, PAGE_SIZE, SearchFilters

STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#fafafa}
header{background:#1f3a5f;color:#fff;padding:.6em 1.2em}header a{color:#fff;text-decoration:none}
main{padding:1em 1.2em}form.search{display:flex;flex-wrap:wrap;gap:.5em;margin-bottom:1em}
form.search input[name=q]{flex:1 1 20em;padding:.4em}li.hit{margin:.2em 0 1em;list-style:none}
.meta{color:#555;font-size:.9em}mark{background:#ffe28a}ul.hits{padding:0}
.cols{display:flex;gap:1em;align-items:stretch}.cols>section{flex:1 1 50%;min-width:0}
.text p{margin:.4em 0 .8em}iframe{width:100%;height:80vh;border:1px solid #bbb;background:#fff}
table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ddd;padding:.2em .5em;
text-align:left;vertical-align:top}th{background:#eee}code{word-break:break-all}
"""


def page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="referrer" content="no-referrer"><title>{escape(title)} · presskeep</title>'
            f'<link rel="stylesheet" href="/style.css"></head><body>'
            f'<header><a href="/"><strong>presskeep</strong> archive</a></header>'
            f"<main>{body}</main></body></html>")


def _options(name: str, values: list[str], chosen: str, label: str) -> str:
    opts = [f'<option value="">{escape(label)}</option>']
    for v in values:
        sel = " selected" if v == chosen else ""
        opts.append(f'<option value="{escape(v)}"{sel}>{escape(v)}</option>')
    return f'<select name="{name}" aria-label="{escape(label)}">{"".join(opts)}</select>'


def search_form(f: SearchFilters, sites: list[str], languages: list[str]) -> str:
    return (f'<form class="search" method="get" action="/" role="search">'
            f'<input name="q" value="{escape(f.q)}" placeholder="Search article text" '
            f'aria-label="Search">{_options("site", sites, f.site, "any site")}'
            f'{_options("language", languages, f.language, "any language")}'
            f'<label>from <input type="date" name="from" value="{escape(f.date_from)}"></label>'
            f'<label>to <input type="date" name="to" value="{escape(f.date_to)}"></label>'
            + (f'<input type="hidden" name="per" value="{f.per}">' if f.per != PAGE_SIZE else "")
            + '<button type="submit">Search</button></form>')


def highlight(snippet: str | None) -> str:
    text = escape(snippet or "")
    return text.replace(escape(MARK_START), "<mark>").replace(escape(MARK_END), "</mark>")


def pager(f: SearchFilters, total: int) -> str:
    """Previous / next links that keep the query and filters."""
    base = {k: v for k, v in (("q", f.q), ("site", f.site), ("language", f.language),
                              ("from", f.date_from), ("to", f.date_to)) if v}
    if f.per != PAGE_SIZE:
        base["per"] = str(f.per)
    links = []
    if f.page > 1:
        links.append(f'<a rel="prev" href="/?{escape(urlencode({**base, "page": f.page - 1}))}">'
                     "← previous</a>")
    if f.offset + f.per < total:
        links.append(f'<a rel="next" href="/?{escape(urlencode({**base, "page": f.page + 1}))}">'
                     "next →</a>")
    return f'<nav class="pager">{" ".join(links)}</nav>' if links else ""


def search_page(f: SearchFilters, rows, sites: list[str], languages: list[str], total: int) -> str:
    hits = []
    for r in rows:
        meta = " · ".join(escape(str(x)) for x in (r["site"], (r["published"] or "")[:10],
                                                  r["language"], f"{r['word_count']} words") if x)
        hits.append(f'<li class="hit"><a href="/article/{r["id"]}">{escape(r["title"] or r["url"])}'
                    f'</a><div class="meta">{meta}</div><div>{highlight(r["snippet"])}</div></li>')
    shown = (f"{f.offset + 1}–{f.offset + len(rows)} of {total:,}" if rows
             else f"0 of {total:,}")
    what = f"articles {shown}" + (f" matching {escape(f.q)!s}" if f.q else ", newest first")
    listing = f'<ul class="hits">{"".join(hits)}</ul>' if hits else "<p>No articles found.</p>"
    return page("Search", search_form(f, sites, languages) + f"<p class=meta>{what}</p>" + listing
                + pager(f, total))


def _row(label: str, value: str) -> str:
    return f"<tr><th>{escape(label)}</th><td>{value}</td></tr>"


def _link(href: str, text: str) -> str:
    return f'<a href="{escape(href)}">{escape(text)}</a>'


def history_href(url: str) -> str:
    return "/history?" + urlencode({"url": url})


def article_page(a) -> str:
    authors = ", ".join(json.loads(a["authors"] or "[]"))
    rows = "".join([
        _row("URL", f"<code>{escape(a['url'])}</code>"),
        _row("Canonical", f"<code>{escape(a['canonical_url'] or '')}</code>"),
        _row("Site", escape(a["site"] or "")), _row("Authors", escape(authors)),
        _row("Published", escape(a["published"] or "")), _row("Modified", escape(a["modified"] or "")),
        _row("Language", escape(a["language"] or "")), _row("Words", str(a["word_count"] or 0)),
        _row("Version", str(a["version"])), _row("Fetched", escape(a["fetched_at"] or "")),
        _row("WARC record", f"<code>{escape(a['warc_file'] or '')}</code> @ {a['warc_offset']} "
                            f"({a['warc_length']} bytes) <code>{escape(a['warc_record_id'] or '')}"
                            f"</code>"),
        _row("Payload digest", f"<code>{escape(a['payload_digest'] or '')}</code>"),
    ])
    aid = a["id"]
    links = (f'<p>{_link(f"/record/article/{aid}", "Download the raw WARC record")} · '
             f'{_link(history_href(a["url"]), "Capture history of this URL")} · '
             f'{_link(f"/original/article/{aid}", "Archived original alone")}</p>')
    paras = "".join(f"<p>{escape(p)}</p>" for p in (a["text"] or "").split("\n") if p.strip())
    body = (f"<h1>{escape(a['title'] or a['url'])}</h1><table>{rows}</table>{links}"
            f'<div class="cols"><section class="text"><h2>Cleaned text</h2>{paras}</section>'
            f"<section><h2>Archived original</h2>"
            f'<iframe sandbox="" referrerpolicy="no-referrer" loading="eager" '
            f'title="Archived original (sandboxed)" src="/original/article/{aid}"></iframe>'
            f"</section></div>")
    return page(a["title"] or a["url"], body)


def _capture_row(c) -> str:
    cid = c["id"]
    links = (_link(f"/record/capture/{cid}", "raw record") + " · "
             + _link(f"/original/capture/{cid}", "archived page")) if c["warc_file"] else ""
    return (f"<tr><td>{escape(c['fetched_at'] or '')}</td><td>{c['status'] or ''}</td>"
            f"<td>{escape(c['record_type'] or c['error'] or '')}</td>"
            f"<td><code>{escape(c['warc_file'] or '')}</code> @ {c['warc_offset'] or ''}</td>"
            f"<td>{links}</td></tr>")


def _version_row(v) -> str:
    vid, n = v["id"], v["version"]
    return (f"<tr><td>{_link(f'/article/{vid}', f'version {n}')}</td>"
            f"<td>{escape(v['fetched_at'] or '')}</td><td>{escape(v['title'] or '')}</td>"
            f"<td>{v['word_count'] or 0}</td>"
            f"<td><code>{escape((v['text_hash'] or '')[:12])}</code></td></tr>")


def history_page(url: str, captures, versions) -> str:
    caps = "".join(_capture_row(c) for c in captures)
    vers = "".join(_version_row(v) for v in versions)
    body = (f"<h1>Capture history</h1><p><code>{escape(url)}</code></p>"
            f"<h2>Captures ({len(captures)})</h2><table><tr><th>Fetched</th><th>Status</th>"
            f"<th>Record</th><th>WARC</th><th></th></tr>{caps}</table>"
            f"<h2>Article versions ({len(versions)})</h2><table><tr><th>Version</th><th>Fetched</th>"
            f"<th>Title</th><th>Words</th><th>Text hash</th></tr>{vers}</table>")
    return page("History", body)


def message_page(title: str, text: str) -> str:
    return page(title, f"<h1>{escape(title)}</h1><p>{escape(text)}</p>")


def download_name(warc_file: str, offset: int) -> str:
    base = quote(warc_file.rsplit("/", 1)[-1].split(".warc")[0], safe="")[:80] or "record"
    return f"{base}-{offset}" + (".warc.gz" if warc_file.endswith(".gz") else ".warc")
