"""`presskeep serve`: browse and search the archive in a web browser (127.0.0.1 only by default)."""

from __future__ import annotations

import logging

import click

from crawler.cli.app import fail, main, out_option, setup_logging


@main.command()
@out_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (keep it loopback: the UI has no login).")
@click.option("--port", type=click.IntRange(0, 65535), default=8411, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("-q", "--quiet", is_flag=True, help="Do not log each request.")
def serve(out, host, port, quiet):
    """Search articles, read them beside their archived original, see capture history.

    Archived pages are shown in a sandboxed iframe: their scripts never run and
    they load nothing from the network.

    Example: presskeep serve --out data --port 8411
    """
    from crawler.web.server import ArchiveServer

    setup_logging(0)
    if quiet:
        logging.getLogger("presskeep.serve").setLevel(logging.WARNING)
    try:
        server = ArchiveServer(out, host, port)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc}")
    click.echo(f"presskeep: serving {out} at {server.url} (Ctrl-C to stop)", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
