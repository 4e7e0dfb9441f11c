"""`presskeep serve`: browse and search the archive in a web browser (127.0.0.1 only by default)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click

from crawler.cli.app import fail, force_option, main, out_option, setup_logging
from crawler.settings import PRESSKEEP_SERVE_IDLE_TIMEOUT as SERVE_IDLE_TIMEOUT
from crawler.settings import PRESSKEEP_SERVE_MAX_CONNECTIONS as SERVE_MAX_CONNECTIONS


@main.command()
@out_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (keep it loopback: the UI has no login).")
@click.option("--port", type=click.IntRange(0, 65535), default=8411, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--idle-timeout", type=click.FloatRange(0), default=SERVE_IDLE_TIMEOUT,
              show_default=True, metavar="SECONDS",
              help="Drop a connection that sends or reads nothing for this long (0: never).")
@click.option("--max-connections", type=click.IntRange(1), default=SERVE_MAX_CONNECTIONS,
              show_default=True, help="Connections handled at once; more wait their turn.")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME",
              help="Another Host name to answer for (repeatable); others get 421.")
@click.option("-q", "--quiet", is_flag=True, help="Do not log each request.")
@click.option("--datasette-metadata", "metadata", type=click.Path(path_type=Path),
              default=None, metavar="PATH",
              help="Write Datasette's metadata.json for OUT's database (search on the "
                   "latest_articles view too) to PATH, and exit.")
@force_option
def serve(out, host, port, idle_timeout, max_connections, allow_hosts, quiet, metadata,
          force):
    """Search articles, read them beside their archived original, see capture history.

    Archived pages are shown in a sandboxed iframe: their scripts never run and
    they load nothing from the network. Requests are answered only for the
    bound address or localhost with its port (DNS rebinding gets 421).

    With --datasette-metadata PATH it writes a metadata.json for Datasette instead
    (`datasette OUT/presskeep.db -m PATH`: full-text search on latest_articles too).

    Example: presskeep serve --out data --port 8411
    """
    if metadata is not None:
        return write_datasette_metadata(out, metadata, force)
    from web.server import ArchiveServer

    setup_logging(0)
    if quiet:
        logging.getLogger("presskeep.serve").setLevel(logging.WARNING)
    try:
        server = ArchiveServer(out, host, port, idle_timeout=idle_timeout,
                               max_connections=max_connections, allow_hosts=allow_hosts)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc}")
    click.echo(f"presskeep: serving {out} at {server.url} (Ctrl-C to stop)", err=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"presskeep: answering only for Host {', '.join(sorted(server.hosts))} "
                   "(add names with --allow-host)", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def write_datasette_metadata(out: Path, target: Path, force: bool) -> None:
    """Datasette's metadata.json for OUT's database, written as every output is
    (archive/output.py: an existing file only with --force, the archive's own never)."""
    from archive.db import DB_NAME, connect_for_reading
    from archive.output import output_file
    from web.datasette import datasette_metadata

    db = connect_for_reading(out / DB_NAME)
    try:
        document = datasette_metadata(db.conn)
    finally:
        db.conn.close()
    with output_file(target, force=force, archive=out) as tmp:
        tmp.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    click.echo(f"presskeep: wrote {target}; run: datasette {out / DB_NAME} -m {target}",
               err=True)
