"""The horizon/scenario pipeline: LoadedInstance -> HorizonData -> model -> solve -> tables -> files."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from planner.horizon.build import build_horizon_model
from planner.horizon.data import HorizonData, build_horizon_data
from planner.horizon.results import HorizonTables, build_horizon_tables
from planner.horizon.solve import (
    HorizonSolve,
    StochasticValues,
    solve_horizon_model,
    stochastic_values,
)
from planner.load import LoadedInstance
from planner.outputs import write_frames, write_json
from planner.plan import provenance
from planner.solver import SolveSettings


@dataclass(frozen=True)
class HorizonResult:
    loaded: LoadedInstance
    data: HorizonData
    solved: HorizonSolve
    values: StochasticValues | None
    tables: HorizonTables
    settings: SolveSettings
    build_s: float

    @property
    def status(self) -> str:
        return str(self.solved.report.status)


def solve_horizon(
    loaded: LoadedInstance, settings: SolveSettings | None = None, with_values: bool = True
) -> HorizonResult:
    """Solve an instance with `horizon:` and/or `scenarios:`; VSS/EVPI when there are scenarios."""
    settings = settings or SolveSettings()
    start = time.perf_counter()
    data = build_horizon_data(loaded.instance, loaded.catalog, loaded.path.parent)
    model = build_horizon_model(data)
    build_s = time.perf_counter() - start
    solved = solve_horizon_model(model, data.objective, settings)
    values = None
    if with_values and loaded.instance.scenarios and solved.report.status.has_solution:
        values = stochastic_values(data, solved, settings)
    tables = build_horizon_tables(loaded.instance, data, solved, values)
    return HorizonResult(loaded, data, solved, values, tables, settings, build_s)


def write_horizon_result(result: HorizonResult, outdir: Path) -> list[Path]:
    """summary, build_schedule, tiers_by_year, allocation_by_year, summary_by_year, scenarios
    (and stochastic with scenarios) as CSV, then run.json last."""
    t = result.tables
    frames = {"summary": t.summary, "build_schedule": t.schedule, "tiers_by_year": t.tiers_by_year,
              "allocation_by_year": t.allocation_by_year, "summary_by_year": t.summary_by_year,
              "scenarios": t.scenarios}  # fmt: skip
    if t.stochastic is not None:
        frames["stochastic"] = t.stochastic
    paths = write_frames(outdir, frames)
    info = {
        **provenance(
            result.loaded, result.solved.report, result.settings, result.build_s, t.summary
        ),
        "years": list(result.data.years),
        "scenarios": list(result.data.scenarios),
    }
    paths.append(write_json(outdir / "run.json", info))
    return paths


def render_horizon(result: HorizonResult) -> str:
    """Compact terminal summary: status, schedule (first scenario), per-year totals, scenarios."""
    t, inst = result.tables, result.loaded.instance
    s = t.summary.iloc[0]
    lines = [f"{inst.name}: objective {inst.objective} over {len(result.data.years)} year(s) x "
             f"{len(result.data.scenarios)} scenario(s), status {s['status']}, build {result.build_s:.2f} s, "
             f"solve {result.solved.report.solve_s:.2f} s"]  # fmt: skip
    if t.schedule.empty:
        return "\n".join(lines)
    d = result.data
    first, many = d.scenarios[0], len(d.scenarios) > 1
    drop = ["scenario"] if inst.horizon is not None else ["scenario", "year"]
    sched = t.schedule[
        (t.schedule["scenario"] == first)
        & (
            (t.schedule["bought"] > 0)
            | (t.schedule["in_service"] > 0)
            | (t.schedule["retired"] > 0)
        )
    ]
    shared_all = d.shared_years == d.years
    label = "" if not many else " (shared by every scenario)" if shared_all else (
        f" (scenario {first}; {d.shared_years[0]} shared, later years adapt)")  # fmt: skip
    lines.append(f"Build schedule{label}")
    lines.append(
        sched.drop(columns=drop).to_string(index=False, float_format=lambda x: f"{x:,.0f}")
    )
    sby = t.summary_by_year[t.summary_by_year["scenario"] == first]
    cols = ["year", "site_power_mw", "facility_power_mw", "revenue_usd", "profit_usd", "capex_usd"]
    if inst.horizon is not None:
        lines.append(f"Per year{f' ({first})' if many else ''}")
        lines.append(sby[cols].to_string(index=False, float_format=lambda x: f"{x:,.4g}"))
    if many:
        lines.append("Scenarios")
        lines.append(
            t.scenarios.drop(columns="binding").to_string(
                index=False, float_format=lambda x: f"{x:,.4g}"
            )
        )
    if t.stochastic is not None and result.values is not None:
        v = result.values
        per_mtok = inst.objective == "cost_per_token"
        fmt = lambda x: "-" if x is None else f"{x:,.4g} $/Mtok" if per_mtok else f"${x:,.4g}"  # noqa: E731
        lines.append(
            f"Expected value {fmt(v.expected_value)}; value of the stochastic solution (VSS) "
            f"{fmt(v.vss)}; expected value of perfect information (EVPI) {fmt(v.evpi)}"
        )
    lines.append(f"Objective value {s['objective_value']:,.6g}")
    return "\n".join(lines)
