"""`plan serve INSTANCE`: the what-if page on this machine (planner/web/)."""

from __future__ import annotations

import click

from planner.cli.common import echo, emit, guarded, is_json, json_option
from planner.errors import UsageError


@click.command(name="serve")
@click.argument("instance", type=click.Path(dir_okay=False))
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (the default: this machine only).",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="Port (0: any free port).",
)
@click.option(
    "--catalog", "catalog_dir", type=click.Path(), help="Catalog folder (default: models/)."
)
@json_option
@guarded
def serve_cmd(instance: str, host: str, port: int, catalog_dir: str | None) -> None:
    """Open a what-if page for INSTANCE: site power, budget, every tier's price and demand,
    the discount rate and the data basis as knobs; each change re-solves the plan and shows it
    beside the base plan, with its racks, cash flow, report and workbook. Ctrl-C stops it."""
    from pathlib import Path

    from planner.web.app import Session, serve

    session = Session(Path(instance), catalog_dir)
    session.start()  # a bad instance stops here with its one-line error, before listening

    def ready(url: str) -> None:
        echo(f"What-if page for {instance}: {url} (Ctrl-C stops)")
        emit({"url": url, "instance": str(instance)})  # --format json: this, then it serves
        if is_json():
            click.echo("")  # the document ends with a line break: a reader can go on

    try:
        serve(session, host, port, ready)
    except OSError as exc:  # the port is taken, or the address is not this machine's
        raise UsageError(
            f"--host {host} --port {port}: cannot listen there ({exc.strerror}); "
            "choose another --port (0: any free port)"
        ) from None
