"""`plan sweep`, `plan frontier`, `plan curves`: scenario studies on the command line.

Only composes steps from planner.studies (imported inside the commands, so `plan solve` does
not load rich, matplotlib or dask).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from planner.cli.common import (
    FiniteRange,
    case_lines,
    echo,
    emit,
    guarded,
    json_option,
    load_options,
    records,
)
from planner.errors import EXIT_INFEASIBLE, EXIT_INVALID, UsageError

if TYPE_CHECKING:
    from planner.inputs.instance import Objective


def _solve_options(
    func: Callable[..., Any],
) -> Callable[..., Any]:
    func = click.option(
        "--time-limit", type=FiniteRange(min=0, min_open=True), help="Seconds per case."
    )(func)
    return click.option(
        "--mip-gap", type=FiniteRange(min=0, max=1), default=1e-4, show_default=True
    )(func)


def _progress_option(
    func: Callable[..., Any],
) -> Callable[..., Any]:
    return click.option(
        "--progress/--no-progress",
        default=None,
        help="Progress bar (default: a bar on a terminal, a line every few seconds otherwise).",
    )(func)


def _spec(
    instance: str,
    overrides: tuple[str, ...],
    catalog_dir: str | None,
    racks_csv: str | None,
    objective: Objective | None,
    time_limit: float | None,
    mip_gap: float,
) -> Any:
    from planner.solver.highs import SolveSettings
    from planner.studies.runner import BaseSpec

    settings = SolveSettings(time_limit_s=time_limit, mip_gap_frac=mip_gap, threads=1)
    return BaseSpec.of(instance, overrides, objective, catalog_dir, racks_csv, settings)


def _default_out(
    spec: Any,
    suffix: str,
) -> Path:
    return Path("outputs") / f"{spec.load().instance.name}-{suffix}"


@click.command(name="sweep")
@click.argument("instance", type=click.Path())
@load_options
@click.option(
    "--vary",
    "varies",
    multiple=True,
    metavar="PATH=SPEC",
    help="Grid over a field: a,b,c or start:stop:step (stop included). Repeatable; "
    "systems.<system>.derate=0.7 scales a system's throughput.",
)
@click.option("--study", type=click.Path(), help="Study file (studies/*.yaml) of distributions.")
@click.option("--samples", type=click.IntRange(min=1), help="Monte Carlo cases (with --study).")
@click.option("--seed", type=click.IntRange(min=0), help="Random seed (with --study).")
@click.option(
    "--max-cases",
    type=click.IntRange(min=1),
    default=100_000,
    show_default=True,
    help="Refuse a sweep with more cases than this.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=os.cpu_count() or 1,
    show_default="CPU count",
    help="Local worker processes.",
)
@click.option(
    "--scheduler", metavar="ADDRESS", help="Dask distributed scheduler, e.g. tcp://h:8786."
)
@click.option(
    "--out",
    "outdir",
    type=click.Path(),
    help="Folder (default outputs/<name>-grid/, -montecarlo/ or -sweep/ for both).",
)
@_solve_options
@_progress_option
@json_option
@guarded
def sweep_cmd(
    instance: str,
    overrides: tuple[str, ...],
    catalog_dir: str | None,
    racks_csv: str | None,
    objective: Objective | None,
    varies: tuple[str, ...],
    study: str | None,
    samples: int | None,
    seed: int | None,
    max_cases: int,
    workers: int,
    scheduler: str | None,
    outdir: str | None,
    time_limit: float | None,
    mip_gap: float,
    progress: bool | None,
) -> None:
    """Solve INSTANCE for every case of a grid (--vary) and/or a Monte Carlo study (--study).

    Writes OUT/sweep.csv (one row per case) and OUT/cases/ (one file per finished case: a
    re-run with the same arguments skips them).
    """
    from planner.results.files import output_lock
    from planner.studies.api import build_cases
    from planner.studies.engine import run_cases

    if (samples is not None or seed is not None) and not study:
        raise UsageError("--samples and --seed need --study")
    cases = build_cases(varies, study, samples, seed, max_cases)
    spec = _spec(instance, overrides, catalog_dir, racks_csv, objective, time_limit, mip_gap)
    kind = "sweep" if varies and study else "grid" if varies else "montecarlo"
    out = Path(outdir) if outdir else _default_out(spec, kind)
    with_progress = sys.stderr.isatty() if progress is None else progress
    # not a terminal (a log, CI): a line every few seconds instead of the bar
    lines = case_lines(len(cases)) if progress is None and not with_progress else None
    frame = run_cases(
        spec,
        cases,
        out,
        workers=workers,
        scheduler=scheduler,
        progress=with_progress,
        on_row=lines,
    )
    statuses = frame["status"].value_counts().to_dict()
    solved = statuses.get("optimal", 0) + statuses.get("feasible", 0)
    invalid = statuses.get("invalid", 0)
    unsolvable = statuses.get("infeasible", 0) + statuses.get("unbounded", 0)
    failed = len(frame) - solved - invalid - unsolvable
    resumed = frame.attrs.get("resumed_cases", 0)
    echo(
        f"{len(frame)} cases ({resumed} already done): {solved} solved, {unsolvable} infeasible "
        f"or unbounded, {failed} failed, {invalid} invalid."
    )
    if solved:
        from planner.results.present import input_label, label, show
        from planner.studies.outcomes import write_outcomes

        with output_lock(out):
            summary, tornado = write_outcomes(frame, cases, out, spec)
        echo("Outcome over the solved cases (each case weighted equally):")
        for row in cast(list[Any], list(summary.itertuples())):
            kind_of = "usd" if "usd" in row.output or row.output == "objective_value" else "number0"
            echo(
                f"  {label(row.output)}: P10 {show(row.p10, kind_of)}, P50 {show(row.p50, kind_of)}, "
                f"P90 {show(row.p90, kind_of)}"
            )
        for row in cast(list[Any], list(tornado.head(5).itertuples())):
            echo(
                f"  {input_label(row.input)} moves the objective from {show(row.objective_at_low, 'usd')} "
                f"(at {show(row.low_value, 'number')}) to {show(row.objective_at_high, 'usd')} "
                f"(at {show(row.high_value, 'number')})"
            )
    echo(
        f"Wrote {out}/sweep.csv"
        + (", sweep_summary.csv, tornado.csv and tornado.png" if solved else "")
    )
    emit(
        {
            "cases": len(frame),
            "resumed": resumed,
            "solved": solved,
            "infeasible": unsolvable,
            "failed": failed,
            "invalid": invalid,
            "outcomes": records(summary) if solved else [],
            "tornado": records(tornado) if solved else [],
            "folder": str(out),
        }
    )
    if solved == 0:
        code = EXIT_INVALID if invalid == len(frame) else EXIT_INFEASIBLE if unsolvable else 1
        echo("error: no case of the sweep has a plan (see the message column)", err=True)
        sys.exit(code)


@click.command(name="frontier")
@click.argument("instance", type=click.Path())
@load_options
@click.option(
    "--x",
    "x_spec",
    required=True,
    metavar="PATH=SPEC",
    help="The input to vary: a,b,c or start:stop:step.",
)
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True)
@click.option(
    "--out", "outdir", type=click.Path(), help="Folder (default outputs/<name>-frontier/)."
)
@_solve_options
@_progress_option
@json_option
@guarded
def frontier_cmd(
    instance: str,
    overrides: tuple[str, ...],
    catalog_dir: str | None,
    racks_csv: str | None,
    objective: Objective | None,
    x_spec: str,
    workers: int,
    outdir: str | None,
    time_limit: float | None,
    mip_gap: float,
    progress: bool | None,
) -> None:
    """The optimum of INSTANCE as a function of one input: frontier.csv and frontier.png."""
    from planner.results.present import human, input_label
    from planner.studies.cases import parse_vary
    from planner.studies.frontier import frontier

    x, values = parse_vary(x_spec)
    spec = _spec(instance, overrides, catalog_dir, racks_csv, objective, time_limit, mip_gap)
    out = Path(outdir) if outdir else _default_out(spec, "frontier")
    show = sys.stderr.isatty() if progress is None else progress
    frame = frontier(spec, x, values, out, workers=workers, progress=show)
    cols = [x, "status", "objective_value", "d_objective_per_x", "capex_usd", "facility_power_mw"]
    view = frame[cols].rename(columns={x: input_label(x)})
    echo(human(view).to_string(index=False))
    echo(f"Wrote {out}/frontier.csv and {out}/frontier.png")
    emit(
        {
            "x": x,
            "frontier": records(frame),
            "written": [str(out / "frontier.csv"), str(out / "frontier.png")],
        }
    )


@click.command(name="curves")
@click.argument("instance", type=click.Path())
@load_options
@click.option("--out", "outdir", type=click.Path(), help="Folder (default outputs/<name>/).")
@json_option
@guarded
def curves_cmd(
    instance: str,
    overrides: tuple[str, ...],
    catalog_dir: str | None,
    racks_csv: str | None,
    objective: Objective | None,
    outdir: str | None,
) -> None:
    """Solve INSTANCE; chart tok/s per MW against tok/s per user per system, for the mix, per tier."""
    from planner.cli.common import STATUS_EXIT
    from planner.inputs.load import load_instance
    from planner.results.run import solve_loaded
    from planner.studies.frontier import plan_curves

    loaded = load_instance(instance, overrides, objective, catalog_dir, racks_csv)
    result = solve_loaded(loaded)
    out = Path(outdir) if outdir else Path("outputs") / loaded.instance.name
    curves, tiers = plan_curves(result, out)
    from planner.results.present import human

    echo(human(tiers).to_string(index=False))
    echo(f"Wrote {out}/curves.csv, {out}/curve_tiers.csv and {out}/curves.png")
    emit(
        {
            "tiers": records(tiers),
            "curves": records(curves),
            "written": [str(out / f) for f in ("curves.csv", "curve_tiers.csv", "curves.png")],
        }
    )
    sys.exit(STATUS_EXIT[result.solved.report.status])
