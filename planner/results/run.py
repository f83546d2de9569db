"""The pipeline: LoadedInstance -> PlanData -> Pyomo model -> solve -> tables (and files).

One path for every plan kind: a single-year instance is a horizon of one year with one
scenario. Instances with scenarios also get VSS and EVPI, within the same time budget.
"""

from __future__ import annotations

import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyomo.environ as pyo
import pyomo.version
from pyomo.common.gc_manager import PauseGC

from planner.inputs.data import OBJECTIVE_USD_PER_MODEL_UNIT, PlanData
from planner.inputs.derive import build_plan_data
from planner.inputs.load import LoadedInstance
from planner.results.assumptions import catalog_inputs, instance_inputs
from planner.results.clock import Clock
from planner.results.files import finish_result, output_lock, write_tables
from planner.results.npv import plan_cash_flow
from planner.results.plausibility import Finding, check_plausibility, tier_ratios
from planner.results.progress import SILENT, Progress
from planner.results.tables import Tables, build_tables
from planner.solver.highs import SolveReport, SolveSettings, highs_version
from planner.solver.run import Deadline, PlanRun
from planner.solver.stochastic import StochasticValues, stochastic_values
from planner.solver.strategies import PlanSolve, solve_plan
from planner.version import __version__


@dataclass(frozen=True)
class PlanResult:
    """A solved (or failed) plan: its data, model, report, tables and timings."""

    loaded: LoadedInstance
    data: PlanData
    model: pyo.ConcreteModel
    solved: PlanSolve
    values: StochasticValues | None
    tables: Tables
    settings: SolveSettings
    build_s: float
    clock: Clock | None = None
    """Where the run's time went, lap by lap (planner/results/clock.py)."""

    @property
    def status(self) -> str:
        return str(self.solved.report.status)

    @property
    def multi_period(self) -> bool:
        """Whether the instance has `horizon:` or `scenarios:` (which tables it writes)."""
        return self.loaded.instance.is_multi_period

    @property
    def plausibility(self) -> list[Finding]:
        """The plan's headline ratios outside public ranges (none without a solution)."""
        return plausibility_of(
            self.loaded, self.tables, self.solved.report.status.has_solution, self.data
        )

    def _repr_html_(self) -> str:
        """A notebook shows the answer, key figures and the racks and tiers tables."""
        import html

        from planner.results.present import human, money

        summary = self.tables.summary.iloc[0]
        head = (
            f"<p><b>{html.escape(self.loaded.instance.name)}</b>: {html.escape(self.status)}; "
            f"revenue {money(float(summary['revenue_usd_per_year'] or 0))} a year, profit "
            f"{money(float(summary['profit_usd_per_year'] or 0))} a year, capex "
            f"{money(float(summary['capex_usd'] or 0))}</p>"
        )
        if not self.solved.report.status.has_solution:
            return head
        racks = self.tables.racks
        tiers = self.tables.tiers_by_year if self.multi_period else self.tables.tiers
        return (
            head
            + human(racks[racks["count"] > 0]).to_html(index=False)
            + human(tiers).to_html(index=False)
        )

    def cash_flow(self) -> tuple[pd.DataFrame, dict]:
        """The plan's cash flow and its NPV, IRR, payback and the NPV's parts
        (planner/results/npv.py), at the instance's discount rate."""
        inst, tables = self.loaded.instance, self.tables
        return plan_cash_flow(
            tables.summary.iloc[0],
            tables.summary_by_year,
            tables.scenarios,
            inst.site.discount_rate_frac,
            inst.horizon is not None,
        )

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


def solve_loaded(
    loaded: LoadedInstance,
    settings: SolveSettings | None = None,
    with_values: bool = True,
    clock: Clock | None = None,
    progress: Progress = SILENT,
) -> PlanResult:
    """Build and solve the plan for a loaded instance (VSS/EVPI when it has scenarios); the
    laps build, solve, stochastic values and tables go to `clock` (a new one when None), and
    `progress` says every few seconds which of them is under way."""
    settings = settings or SolveSettings()
    clock = clock or Clock()
    deadline = Deadline(settings.time_limit_s, start=clock.budget_start or clock.start)
    # Python's cyclic garbage collector is paused for the run: it walked the whole heap of
    # Pyomo objects again and again as the model grew (about a second of a 12 s run at scale,
    # bench/horizon_scale.py), and a run leaves little cyclic garbage; it resumes after.
    with PauseGC():
        start = time.perf_counter()
        with progress.stage("building the model"):
            stop = lambda: deadline.expired  # noqa: E731
            data = build_plan_data(loaded.instance, loaded.catalog, loaded.path.parent, stop)
            run = PlanRun.build(data, settings, deadline, stop=stop)
            deadline.keep_for_output(run.model.nvariables(), len(data.tiers))
        build_s = time.perf_counter() - start
        clock.lap("build")
        with progress.stage("solving (HiGHS, then the whole-rack check)"):
            solved = solve_plan(run)
        clock.lap("solve")
        values = None
        if with_values and loaded.instance.scenarios and solved.report.status.has_solution:
            with progress.stage("the value of the stochastic solution and of information"):
                values = stochastic_values(run, solved)
            clock.lap("VSS and EVPI")
        with progress.stage("tables and checks"):
            tables = build_tables(run.model, data, loaded.instance, solved, values)
        clock.lap("tables and checks")
    return PlanResult(loaded, data, run.model, solved, values, tables, settings, build_s, clock)


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
            "planner": __version__,  # not importlib.metadata: its scan cost 10 ms a run
            "pyomo": pyomo.version.version,
            "highs": highs_version(),
            "python": platform.python_version(),
        },
    }


def plausibility_of(
    loaded: LoadedInstance, tables: Tables, has_solution: bool, data: PlanData | None = None
) -> list[Finding]:
    """The plan's headline ratios outside public ranges (none without a solution); `data`
    gives the market's rack-hour prices the tiers' compute margins are set against."""
    if loaded.plausibility is None or not has_solution:
        return []
    inst = loaded.instance
    probability = dict(
        zip(tables.scenarios["scenario"], tables.scenarios["probability"], strict=True)
    )
    per_tier = tier_ratios(
        tables.tiers_by_year,
        tables.serving_by_year,
        loaded.catalog,
        inst.site.hours_per_year,
        probability,
        None if data is None else data.seller_usd_per_rack_hour,
    )
    return check_plausibility(inst, tables.summary.iloc[0], loaded.plausibility, per_tier)


def decision_info(
    loaded: LoadedInstance, tables: Tables, has_solution: bool, data: PlanData
) -> dict[str, Any]:
    """run.json fields a report needs beyond provenance: plausibility warnings, the discount
    rate, and every input with its source and label."""
    findings = plausibility_of(loaded, tables, has_solution, data)
    return {
        "plausibility_warnings": [f.words() for f in findings],
        "discount_rate_frac": loaded.instance.site.discount_rate_frac,
        "binding": {
            str(sc): str(b)
            for sc, b in zip(tables.scenarios["scenario"], tables.scenarios["binding"], strict=True)
        },
        "inputs": instance_inputs(loaded)
        + catalog_inputs(loaded, tables.racks, tables.allocation_by_year),
    }


def run_info(result: PlanResult) -> dict[str, Any]:
    """Provenance for run.json."""
    report = result.solved.report
    scale = OBJECTIVE_USD_PER_MODEL_UNIT[result.loaded.instance.objective]
    info = {
        **provenance(result.loaded, report, result.settings, result.build_s, result.tables.summary),
        "best_bound": None if report.best_bound is None else report.best_bound * scale,
        "unservable_tiers": result.data.unservable,
        "dinkelbach_iterations": len(result.solved.dinkelbach),
        **decision_info(
            result.loaded, result.tables, result.solved.report.status.has_solution, result.data
        ),
    }
    if result.multi_period:
        info["years"] = list(result.data.years)
        info["scenarios"] = list(result.data.scenarios)
    info["solves_s"] = [round(stage.solve_s, 3) for stage in result.solved.stages]
    if result.clock is not None:
        info["timings_s"] = result.clock.record()
    return info


def write_result(result: PlanResult, outdir: Path) -> list[Path]:
    """Write the plan kind's CSVs, then run.json last."""
    extra = {}
    if result.solved.dinkelbach and not result.multi_period:
        extra["dinkelbach"] = result.dinkelbach_frame()
    with output_lock(outdir):
        paths = write_tables(outdir, result.tables, result.multi_period, extra)
        if result.clock is not None:
            result.clock.lap("files")  # run.json records the laps up to its own writing
        return finish_result(outdir, paths, run_info(result) | {"command": "solve"})
