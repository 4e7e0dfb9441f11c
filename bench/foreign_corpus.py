"""A corpus of archives other tools wrote, and how much of it `presskeep replay` captures.

    python -m bench.foreign_corpus build CORPUS [--pywb-samples DIR]
    python -m bench.foreign_corpus measure CORPUS [--out DIR]

``build`` writes about 30 archives into CORPUS: pywb's sample archives when
``--pywb-samples`` names them (``pip download pywb --no-binary :all: --no-deps``, then
``sample_archive/warcs/`` of the unpacked sdist: wget 1.14, wpull, ARC, url-agnostic and
deduplicating revisits, a bad gzip file; GPL-3, so they are not copied into the repo),
then sample/foreign_warcs.py's shapes (wget 1.14, Common Crawl, ARC and ARC.gz, spaces in a
URI, a header-less revisit whose original is in another file, a corrupt gzip member, a
bad digest, a cut record, an HTML page named .warc.gz), a real wget crawl of the sample
site, a WACZ made by py-wacz from foreign WARCs and one made by `presskeep wacz`.

``measure`` counts the HTML 200 responses warcio reads (ArchiveIterator with arc2warc,
the WARCs inside each WACZ; a file it cannot read on stops it, as ``warcio index`` does),
replays the whole corpus in one command and counts how many of those records got a
capture row (by file and offset). It prints the figure and the replay's exit status and
last lines.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.containers import expand_inputs, open_source, resolved
from sample import foreign_warcs as fw

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, **kw)


def _generated(corpus: Path) -> None:
    pages = [(f"http://foreign.test/story-{i}.html", fw.page(i)) for i in range(1, 5)]
    fw.wget114_warc(corpus / "wget114-style.warc.gz", pages[:2])
    fw.common_crawl_warc(corpus / "cc-style.warc.gz", pages)
    fw.spaces_warc(corpus / "spaces.warc", "http://foreign.test/a%20b/story.html", fw.page(9))
    fw.arc_file(corpus / "handmade.arc", pages[:2])
    fw.arc_file(corpus / "handmade.arc.gz", pages[2:])
    fw.corrupt_member_warc(corpus / "corrupt-member.warc.gz", pages[:3])
    fw.bad_digest_warc(corpus / "bad-digest.warc", pages[:2])
    fw.truncated_warc(corpus / "truncated.warc.gz", pages)
    fw.html_named_warc(corpus / "html-page.warc.gz")
    orig_url = "http://foreign.test/revisited.html"
    body = fw.page(7)
    fw.write(corpus / "revisit-original.warc.gz",
             [fw.response(orig_url, body, "2023-01-01T10:00:00Z")])
    fw.write(corpus / "revisit-headerless.warc", [fw.revisit(
        orig_url, "2023-02-01T10:00:00Z", orig_url, "2023-01-01T10:00:03Z",
        fw.payload_digest_of(body))])


def _wget_site(corpus: Path) -> None:
    from crawler.sample.server import serve
    from crawler.sample.site import build_site

    if not shutil.which("wget"):
        return
    server = serve(build_site)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            subprocess.run(["wget", "--recursive", "--level=inf", "--quiet", "-P", tmp,
                            f"--warc-file={corpus / 'wget-site'}", "--delete-after",
                            server.base_url + "/"], cwd=tmp, timeout=300)
        finally:
            server.stop()


def _waczs(corpus: Path, pywb: Path | None) -> None:
    sources = [pywb / n for n in ("example.warc.gz", "example-wpull.warc.gz")] if pywb else []
    sources = [p for p in sources if p.is_file()] or [corpus / "cc-style.warc.gz"]
    wacz = Path(sys.executable).parent / "wacz"
    subprocess.run([str(wacz), "create", "-o", str(corpus / "pywacz.wacz"), *map(str, sources)],
                   capture_output=True, timeout=300)
    from crawler.sample.server import serve
    from crawler.sample.site import build_site

    server = serve(build_site)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            _run("crawl", server.base_url + "/", "--out", tmp, "--max-pages", "12",
                 "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "PRESSKEEP_CLEAN_WORKERS=0",
                 timeout=300)
        finally:
            server.stop()
        _run("wacz", "--out", tmp, "-o", str(corpus / "presskeep.wacz"), timeout=300)


def build(corpus: Path, pywb: Path | None) -> None:
    corpus.mkdir(parents=True, exist_ok=True)
    if pywb:
        for path in sorted(pywb.iterdir()):
            shutil.copy(path, corpus / path.name)
    _generated(corpus)
    _wget_site(corpus)
    _waczs(corpus, pywb)
    print(f"{len(list(corpus.iterdir()))} files in {corpus}")


def html_200(source: str) -> set[int]:
    """Offsets of the HTML 200 responses warcio reads in ``source`` (until it stops)."""
    found: set[int] = set()
    try:
        with open_source(source) as fh:
            records = ArchiveIterator(fh, arc2warc=True)
            for record in records:
                http = record.http_headers
                if (record.rec_type == "response" and http is not None
                        and http.get_statuscode() == "200"
                        and "html" in (http.get_header("Content-Type") or "").lower()):
                    found.add(records.get_record_offset())
    except Exception:  # noqa: BLE001 - warcio gives up on a damaged file: so do we
        pass
    return found


def measure(corpus: Path, out: Path) -> None:
    files = sorted(str(p) for p in corpus.iterdir() if p.is_file())
    wanted = {(resolved(s), off) for s in expand_inputs(files) for off in html_200(s)}
    shutil.rmtree(out, ignore_errors=True)
    proc = _run("replay", *files, "--out", str(out), "-s", "PRESSKEEP_CLEAN_WORKERS=0",
                "-s", "PRESSKEEP_PROGRESS_INTERVAL=0")
    conn = sqlite3.connect(out / "presskeep.db")
    got = {(resolved(f), o) for f, o in conn.execute(
        "SELECT warc_file, warc_offset FROM captures WHERE record_type = 'response'")}
    conn.close()
    hit = len(wanted & got)
    print(f"{len(files)} files given; warcio reads {len(wanted)} HTML 200 responses; "
          f"{hit} captured ({100 * hit / max(1, len(wanted)):.1f} %); "
          f"{len(got)} response captures in all")
    print(f"replay exit status {proc.returncode}; traceback: {'Traceback' in proc.stderr}")
    print("\n".join(proc.stderr.strip().splitlines()[-40:]))
    for source, offset in sorted(wanted - got):
        print(f"missed: {source} offset {offset}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=("build", "measure"))
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--pywb-samples", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "foreign-out")
    args = parser.parse_args()
    if args.action == "build":
        build(args.corpus, args.pywb_samples)
    else:
        measure(args.corpus, args.out)


if __name__ == "__main__":
    main()
