"""`plan solve` for instances with `horizon:` or `scenarios:` (called from planner/cli.py)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from planner.horizon.run import render_horizon, solve_horizon, write_horizon_result
from planner.load import LoadedInstance
from planner.solver import SolveSettings, SolveStatus


def solve_horizon_cmd(
    loaded: LoadedInstance, settings: SolveSettings, target: Path, fmt: str
) -> SolveStatus:
    """Solve, write into `target`, print; returns the status for the exit code."""
    result = solve_horizon(loaded, settings)
    paths = write_horizon_result(result, target)
    if fmt == "json":
        payload = {"summary": result.tables.summary.iloc[0].to_dict(),
                   "stochastic": None if result.tables.stochastic is None else result.tables.stochastic.iloc[0].to_dict(),
                   "build_schedule": result.tables.schedule.to_dict(orient="records")}  # fmt: skip
        click.echo(json.dumps(payload, indent=2, default=str))
    else:
        click.echo(render_horizon(result))
        click.echo(f"Wrote {target}/ ({', '.join(p.name for p in paths)})")
    status = result.solved.report.status
    if status == SolveStatus.INFEASIBLE:
        from planner.horizon.diagnose import explain_infeasible

        click.echo(f"error: infeasible: {explain_infeasible(result.data, settings)}", err=True)
    elif not status.has_solution:
        click.echo(f"error: {status}: {result.solved.report.termination}", err=True)
    return status
