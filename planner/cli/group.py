"""The `plan` command group: every command registered on it.

planner/cli/common.py holds what every command shares (exit codes, one-line errors, instance
options); each file registers its commands on the group below.
"""

from __future__ import annotations

import click

from planner.cli.commands import (
    catalog,
    compare_cmd,
    import_curves_cmd,
    init_cmd,
    schema,
    solve,
    validate,
)
from planner.cli.common import STATUS_EXIT
from planner.cli.explain import explain_cmd, report_cmd
from planner.cli.serve import serve_cmd
from planner.cli.studies import curves_cmd, frontier_cmd, sweep_cmd


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="token-factory-planner")
def cli() -> None:
    """Token Factory Planner: racks to buy and power per pricing tier for an AI factory."""


for command in (
    solve,
    validate,
    init_cmd,
    schema,
    catalog,
    compare_cmd,
    import_curves_cmd,
    explain_cmd,
    report_cmd,
    sweep_cmd,
    frontier_cmd,
    curves_cmd,
    serve_cmd,
):
    cli.add_command(command)


__all__ = ["STATUS_EXIT", "cli"]
