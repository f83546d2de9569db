"""The pipeline: LoadedInstance -> PlanData -> Pyomo model -> solve -> tables (and files)."""

from __future__ import annotations

import platform
import time
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pandas as pd

from planner.data import OBJECTIVE_USD_PER_MODEL_UNIT, PlanData, build_plan_data
from planner.formulation import build_model
from planner.load import LoadedInstance
from planner.outputs import write_json, write_tables
from planner.results import Tables, build_tables
from planner.solver import SolveReport, SolveSettings, highs_version
from planner.strategies import PlanSolve, solve_plan


@dataclass(frozen=True)
class PlanResult:
    """A solved (or failed) plan: the report, its tables and how long each step took."""

    loaded: LoadedInstance
    data: PlanData
    solved: PlanSolve
    tables: Tables
    settings: SolveSettings
    build_s: float

    @property
    def status(self) -> str:
        return str(self.solved.report.status)

    def dinkelbach_frame(self) -> pd.DataFrame:
        """Dinkelbach iterations (cost_per_token only), in user units."""
        rows = [
            {
                "iteration": s.iteration,
                "lambda_usd_per_mtok": s.lambda_usd_per_mtok,
                "cost_usd_per_year": s.cost_musd_per_year * 1e6,
                "mtok_per_year": s.sold_ttok_per_year * 1e6,
                "step_objective_usd": s.step_objective_musd * 1e6,
                "status": str(s.status),
            }
            for s in self.solved.dinkelbach
        ]
        return pd.DataFrame(rows)


def solve_loaded(loaded: LoadedInstance, settings: SolveSettings | None = None) -> PlanResult:
    """Build and solve the plan for a loaded instance."""
    settings = settings or SolveSettings()
    start = time.perf_counter()
    data = build_plan_data(loaded.instance, loaded.catalog)
    model = build_model(data)
    build_s = time.perf_counter() - start
    solved = solve_plan(model, data.objective, settings)
    tables = build_tables(model, data, loaded.instance, solved)
    return PlanResult(loaded, data, solved, tables, settings, build_s)


def provenance(
    loaded: LoadedInstance,
    report: SolveReport,
    settings: SolveSettings,
    build_s: float,
    summary: pd.DataFrame,
) -> dict[str, Any]:
    """The run.json fields every solved instance has: input, status, timing, versions."""
    return {
        "instance": loaded.instance.name,
        "instance_file": str(loaded.path),
        "instance_sha256": loaded.sha256,
        "overrides": list(loaded.overrides),
        "objective": loaded.instance.objective,
        "status": str(report.status),
        "termination": report.termination,
        "objective_value": summary.at[0, "objective_value"],
        "mip_gap_frac": report.mip_gap_frac,
        "build_s": round(build_s, 3),
        "solve_s": round(report.solve_s, 3),
        "solver_warnings": list(report.warnings),
        "settings": asdict(settings),
        "versions": {
            "planner": version("token-factory-planner"),
            "pyomo": version("pyomo"),
            "highs": highs_version(),
            "python": platform.python_version(),
        },
    }


def run_info(result: PlanResult) -> dict[str, Any]:
    """Provenance for run.json."""
    report = result.solved.report
    scale = OBJECTIVE_USD_PER_MODEL_UNIT[result.loaded.instance.objective]
    return {
        **provenance(result.loaded, report, result.settings, result.build_s, result.tables.summary),
        "best_bound": None if report.best_bound is None else report.best_bound * scale,
        "unservable_tiers": result.data.unservable,
        "dinkelbach_iterations": len(result.solved.dinkelbach),
    }


def write_result(result: PlanResult, outdir: Path) -> list[Path]:
    """Write the CSV contract and run.json into `outdir`."""
    extra = {}
    if result.solved.dinkelbach:
        extra["dinkelbach"] = result.dinkelbach_frame()
    paths = write_tables(outdir, result.tables, extra)
    paths.append(write_json(outdir / "run.json", run_info(result)))
    return paths
