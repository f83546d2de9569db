"""`plan explain` and `plan report`: click commands registered in planner/cli/__init__.py."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from planner.cli.common import (
    STATUS_EXIT,
    FiniteRange,
    echo,
    emit,
    guarded,
    json_option,
    load_options,
    progress_lines,
    quiet_option,
    records,
    show_warnings,
)

if TYPE_CHECKING:
    from planner.inputs.instance import Objective


@click.command(name="explain")
@click.argument("instance", type=click.Path())
@load_options
@click.option(
    "--out", "outdir", type=click.Path(), help="Output folder (default: outputs/<name>/)."
)
@click.option(
    "--near-optimal",
    "near_optimal_frac",
    type=FiniteRange(min=0, max=1, min_open=True),
    help="Also find the plan within this fraction of the best that differs most in racks.",
)
@click.option(
    "--exclude", multiple=True, metavar="RACK", help="Also solve without RACK (repeatable)."
)
@click.option(
    "--no-entry", is_flag=True, help="Skip the entry thresholds of unused systems (bisection)."
)
@click.option(
    "--no-bases",
    is_flag=True,
    help="Skip solving again without each data basis the plan rests on (--data levels).",
)
@click.option("--time-limit", type=FiniteRange(min=0, min_open=True), help="Seconds per HiGHS run.")
@click.option("--report", "with_report", is_flag=True, help="Also write report.html/.xlsx.")
@quiet_option
@json_option
@guarded
def explain_cmd(
    instance: str,
    overrides: tuple[str, ...],
    catalog_dir: str | None,
    racks_csv: str | None,
    objective: Objective | None,
    outdir: str | None,
    near_optimal_frac: float | None,
    exclude: tuple[str, ...],
    no_entry: Any,
    no_bases: bool,
    time_limit: float | None,
    with_report: bool,
    quiet: bool,
) -> None:
    """Explain INSTANCE's optimum: marginal values, binding requirements, entry thresholds,
    alternatives; for an infeasible instance, the requirements that conflict."""
    from planner.results.clock import Clock, process_start

    clock = Clock(start=process_start())
    clock.lap("start-up")
    from planner.explanation import explain
    from planner.explanation.output import render_explanation, write_explanation
    from planner.inputs.load import load_instance
    from planner.solver.highs import SolveSettings

    clock.lap("imports")
    loaded = load_instance(instance, overrides, objective, catalog_dir, racks_csv)
    show_warnings(loaded)
    clock.lap("load")
    settings = SolveSettings(time_limit_s=time_limit)
    with progress_lines(quiet) as progress:
        expl = explain(
            loaded, near_optimal_frac, exclude, not no_entry, settings, not no_bases, progress
        )
    clock.lap("explanations (every solve)")
    target = Path(outdir) if outdir else Path("outputs") / loaded.instance.name
    paths = write_explanation(expl, target)
    clock.lap("files")
    echo(render_explanation(expl))
    if with_report:  # an infeasible plan gets a report of its explanation too
        from planner.report import write_report

        paths += write_report(target)
        clock.lap("report")
    echo(f"Wrote {target}/ ({', '.join(p.name for p in paths)})")
    clock.lap("summary")
    echo(clock.words())  # adds up to the wall time from the process's start
    emit(
        {
            "instance": loaded.instance.name,
            "status": str(expl.status),
            "explanation": records(expl.frame()),
            "written": [str(p) for p in paths],
        }
    )
    sys.exit(STATUS_EXIT[expl.status])


@click.command(name="report")
@click.argument("outdir", type=click.Path(file_okay=False))
@json_option
@guarded
def report_cmd(
    outdir: str,
) -> None:
    """Write OUTDIR/report.html and OUTDIR/report.xlsx from the CSVs in OUTDIR."""
    from planner.report import write_report

    paths = write_report(Path(outdir))
    echo(f"Wrote {', '.join(str(p) for p in paths)}")
    emit({"written": [str(p) for p in paths]})
