"""`plan`: the command line. It only composes pipeline steps and prints."""

from __future__ import annotations

import functools
import json
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from planner.errors import (
    EXIT_INFEASIBLE,
    EXIT_NO_SOLUTION,
    EXIT_OK,
    EXIT_UNEXPECTED,
    PlannerError,
    UsageError,
)
from planner.instance import OBJECTIVES
from planner.yamlio import one_line

STATUS_EXIT = {  # keyed by planner.solver.highs.SolveStatus values (a StrEnum), imported lazily
    "optimal": EXIT_OK,
    "feasible": EXIT_OK,
    "infeasible": EXIT_INFEASIBLE,
    "unbounded": EXIT_INFEASIBLE,
    "no_solution": EXIT_NO_SOLUTION,
    "error": EXIT_UNEXPECTED,
}
DEFAULT_INSTANCE = "instances/1gw.yaml"


def guarded(func: Callable[..., Any]) -> Callable[..., Any]:
    """One-line errors with documented exit codes; a traceback only with --debug."""

    @functools.wraps(func)
    def wrapper(*args: Any, debug: bool = False, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PlannerError as exc:
            if debug:
                traceback.print_exc()
            click.echo(f"error: {one_line(str(exc))}", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - last line of defence for users
            if debug:
                traceback.print_exc()
            click.echo(
                f"error: unexpected {type(exc).__name__}: {one_line(str(exc))}"
                " (run with --debug for details)",
                err=True,
            )
            sys.exit(EXIT_UNEXPECTED)

    return click.option("--debug", is_flag=True, help="Show tracebacks.")(wrapper)


def load_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by every command that reads an instance."""
    func = click.option(
        "--set", "overrides", multiple=True, metavar="PATH=VALUE",
        help="Override any instance field, e.g. tiers.ultra.price_usd_per_mtok=120 (repeatable).",
    )(func)  # fmt: skip
    func = click.option(
        "--catalog", "catalog_dir", type=click.Path(), help="Catalog folder (default: models/)."
    )(func)
    func = click.option(
        "--racks-csv", type=click.Path(), help="Procurement CSV overriding rack data."
    )(func)
    return click.option(
        "--objective", type=click.Choice(OBJECTIVES), help="Override the instance's objective."
    )(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="token-factory-planner")
def cli() -> None:
    """Token Factory Planner: racks to buy and power per pricing tier for an AI factory."""


@cli.command()
@click.argument("instance", type=click.Path())
@load_options
@click.option(
    "--out", "outdir", type=click.Path(), help="Output folder (default: outputs/<name>/)."
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option(
    "--time-limit", type=click.FloatRange(min=0, min_open=True), help="Seconds for HiGHS."
)
@click.option("--mip-gap", type=click.FloatRange(min=0, max=1), default=1e-4, show_default=True)
@click.option("--threads", type=click.IntRange(min=1), help="HiGHS threads.")
@click.option("--verbose", is_flag=True, help="Show the HiGHS log.")
@click.option("--report", "with_report", is_flag=True, help="Also write report.html/.xlsx.")
@guarded
def solve(
    instance,
    overrides,
    catalog_dir,
    racks_csv,
    objective,
    outdir,
    fmt,
    time_limit,
    mip_gap,
    threads,
    verbose,
    with_report,
):
    """Solve INSTANCE, print a summary and write the CSVs and run.json."""
    from planner.load import load_instance
    from planner.plan import solve_loaded, write_result
    from planner.solver.highs import SolveSettings
    from planner.textreport import render_json, render_table

    loaded = load_instance(instance, overrides, objective, catalog_dir, racks_csv)
    settings = SolveSettings(time_limit, mip_gap, threads, verbose)
    target = Path(outdir) if outdir else Path("outputs") / loaded.instance.name
    if loaded.instance.is_multi_period and with_report:
        raise UsageError(
            "--report: reports cover single-year plans; this instance has horizon: or "
            "scenarios: (run without --report)"
        )
    result = solve_loaded(loaded, settings)
    paths = write_result(result, target)
    if with_report and result.solved.report.status.has_solution:
        from planner.report import write_report

        paths += write_report(target)
    click.echo(render_json(result) if fmt == "json" else render_table(result))
    if fmt == "table":
        click.echo(f"Wrote {target}/ ({', '.join(p.name for p in paths)})")
    status = result.solved.report.status
    if not status.has_solution:
        from planner.diagnose import explain_failure  # noqa: I001

        click.echo(f"error: {one_line(explain_failure(result))}", err=True)
    sys.exit(STATUS_EXIT[status])


@cli.command()
@click.argument("instance", type=click.Path())
@load_options
@guarded
def validate(instance, overrides, catalog_dir, racks_csv, objective):
    """Check INSTANCE (schema, catalog references, servable tiers) without solving."""
    from planner.load import load_instance

    loaded = load_instance(instance, overrides, objective, catalog_dir, racks_csv)
    inst = loaded.instance
    click.echo(
        f"{instance}: valid ({len(inst.tiers)} tiers, "
        f"{len(inst.systems or loaded.catalog.systems)} systems, objective {inst.objective})"
    )


@cli.command()
@guarded
def schema():
    """Print the JSON schema of the instance format."""
    from planner.instance import Instance
    from planner.schema import instance_schema

    click.echo(json.dumps(instance_schema(Instance), indent=2))


@cli.command()
@click.argument("instance", type=click.Path(), default=DEFAULT_INSTANCE)
@load_options
@click.option("--pue", type=click.FloatRange(min=1.0, max=3.0), help="Override the site PUE.")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True
)
@guarded
def catalog(instance, overrides, catalog_dir, racks_csv, objective, pue, fmt):
    """Per system and tier (of INSTANCE): tok/s, tok/s per MW, cost per GPU-hour and per Mtok."""
    from planner.catalog_report import catalog_table
    from planner.load import load_instance

    extra = (*overrides, f"site.pue={pue}") if pue is not None else overrides
    loaded = load_instance(instance, extra, objective, catalog_dir, racks_csv)
    table = catalog_table(loaded.catalog, loaded.instance)
    if fmt == "csv":
        click.echo(table.to_csv(index=False, float_format="%.6g"), nl=False)
    else:
        click.echo(table.to_string(index=False, float_format=lambda x: f"{x:,.4g}"))


@cli.command(name="compare")
@click.argument("instances", nargs=-1, required=True, type=click.Path())
@click.option("--out", "outfile", type=click.Path(), help="Also write the table as CSV here.")
@click.option(
    "--catalog", "catalog_dir", type=click.Path(), help="Catalog folder (default: models/)."
)
@guarded
def compare_cmd(instances, outfile, catalog_dir):
    """Solve INSTANCES in order and print revenues side by side with their ratios."""
    from planner.compare import compare
    from planner.load import load_instance
    from planner.outputs import atomic_write_text, frame_csv

    table = compare([load_instance(p, catalog_dir=catalog_dir) for p in instances])
    click.echo(table.to_string(index=False, float_format=lambda x: f"{x:,.4g}"))
    if outfile:
        atomic_write_text(Path(outfile), frame_csv(table))


from planner.cli_explain import explain_cmd, report_cmd  # noqa: E402 - registered after cli

cli.add_command(explain_cmd)
cli.add_command(report_cmd)

from planner.cli_studies import curves_cmd, frontier_cmd, sweep_cmd  # noqa: E402

cli.add_command(sweep_cmd)
cli.add_command(frontier_cmd)
cli.add_command(curves_cmd)


def main() -> None:
    """Console-script entry point."""
    cli()


if __name__ == "__main__":
    main()
