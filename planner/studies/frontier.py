"""`plan frontier`: the optimum as a function of one input, and the plan's curve frontier."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from planner.errors import UsageError
from planner.inputs.catalog import DEFAULT_INPUT_TOKENS, DEFAULT_OUTPUT_TOKENS, Catalog
from planner.inputs.derive import workload
from planner.inputs.instance import Instance
from planner.inputs.serving import Route, Workload, route
from planner.results.files import atomic_write_text, frame_csv
from planner.results.run import PlanResult
from planner.studies.engine import run_cases
from planner.studies.runner import BaseSpec

CURVE_COLUMNS = ["series", "tok_s_per_user", "tok_s_per_mw"]
TIER_POINT_COLUMNS = ["tier", "min_tok_s_per_user", "facility_power_mw", "tok_s", "tok_s_per_mw"]


def marginal(frame: pd.DataFrame, x: str) -> pd.Series:
    """Slope of the optimum between consecutive solved points: d objective_value / d x."""
    ok = frame["status"].isin(["optimal", "feasible"])
    xs = frame[x].where(ok).astype(float)
    ys = frame["objective_value"].where(ok).astype(float)
    return ys.diff() / xs.diff()


def frontier(
    spec: BaseSpec, x: str, values: list, outdir: Path, workers: int = 1, progress: bool = False
) -> pd.DataFrame:
    """Solve one case per x value; frontier.csv (+ marginal column) and frontier.png in outdir."""
    from planner.studies.charts import frontier_chart

    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        raise UsageError(f"--x {x}: a frontier needs numbers (got {values!r})")
    values = list(dict.fromkeys(values))  # a repeated x would make a 0/0 slope
    frame = run_cases(spec, [{x: v} for v in values], outdir, workers=workers, progress=progress)
    frame = frame.drop(columns=["case_id"]).sort_values(x, kind="stable").reset_index(drop=True)
    where = list(frame.columns).index("objective_value") + 1
    frame.insert(where, "d_objective_per_x", marginal(frame, x))
    atomic_write_text(outdir / "frontier.csv", frame_csv(frame))
    base = spec.load().instance
    objective = spec.objective or base.objective
    over_years = base.horizon is not None or bool(base.scenarios)  # the objective is an NPV
    frontier_chart(frame, x, objective, outdir / "frontier.png", over_years)
    return frame


def _speeds(catalog: Catalog, system: str, model: str) -> list[float]:
    """The speeds at which the system's data have points (decode phases for a recipe)."""
    sy = catalog.systems[system]
    if not sy.is_recipe:
        return [p.tok_s_per_user for p in sy.curves[model].points] if model in sy.curves else []
    out: list[float] = []
    for phase, rack in sy.phases.items():
        perf = catalog.performance.get(rack)
        curve = (
            getattr(perf.models.get(model), phase, None) if perf and model in perf.models else None
        )
        if phase != "prefill" and curve is not None:
            out += [p.tok_s_per_user for p in curve.points]
    return out


def _per_mw(
    catalog: Catalog, inst: Instance, system: str, w: Workload
) -> tuple[float, float] | None:
    """(output tok/s, facility MW) of one unit of `system` serving workload `w`."""
    served = route(catalog, system, w, inst.data_rank)
    if not isinstance(served, Route):
        return None
    mw = inst.site.pue * sum(n * catalog.racks[r].power_kw / 1e3 for r, n in served.racks.items())
    return served.tok_s, mw


def curve_points(
    catalog: Catalog, inst: Instance, units: dict[tuple[str, str], float]
) -> pd.DataFrame:
    """Each allowed system's curve as tok/s per facility MW at the instance's default
    workload, and the mix of `units` per (system, tier) at each tier's own workload.

    The mix at speed s: sum units x tok_s(system, tier's workload at s) / sum units x MW,
    over the (system, tier) whose data reach s (one that cannot run that fast adds nothing).
    """
    systems = inst.systems or sorted(catalog.systems)
    rows = []
    speeds: set[float] = set()
    for system in systems:
        for speed in _speeds(catalog, system, inst.workload):
            w = Workload(inst.workload, DEFAULT_INPUT_TOKENS, DEFAULT_OUTPUT_TOKENS, speed)
            point = _per_mw(catalog, inst, system, w)
            if point is not None:
                rows.append((system, speed, point[0] / point[1]))
                speeds.add(speed)
    mix = {k: u for k, u in units.items() if u > 0}
    total_mw = 0.0
    for (system, tier), u in mix.items():
        point = _per_mw(catalog, inst, system, workload(inst, tier))
        total_mw += u * point[1] if point is not None else 0.0
    grid: list[float] = []
    if speeds and total_mw > 0:
        spread = np.geomspace(min(speeds), max(speeds), 40)
        grid = [float(x) for x in np.unique(np.concatenate([sorted(speeds), spread]))]
    for speed in grid:
        tok = 0.0
        for (system, tier), u in mix.items():
            w = replace(workload(inst, tier), tok_s_per_user=float(speed))
            point = _per_mw(catalog, inst, system, w)
            tok += u * point[0] if point is not None else 0.0
        if tok > 0:
            rows.append(("mix", float(speed), tok / total_mw))
    return pd.DataFrame(rows, columns=CURVE_COLUMNS)


def plan_curves(result: PlanResult, outdir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """curves.csv (systems and mix), curve_tiers.csv (the plan's operating point per tier), PNG.

    A plan over years or scenarios is shown in its last year, first scenario (the full fleet).
    """
    from planner.studies.charts import curves_chart

    year, scenario = result.data.years[-1], result.data.scenarios[0]
    by_year = result.tables.allocation_by_year
    alloc = by_year[(by_year["year"] == year) & (by_year["scenario"] == scenario)]
    units: dict[tuple[str, str], float] = {}
    for system, tier, count in zip(alloc["system"], alloc["tier"], alloc["units"], strict=True):
        units[system, tier] = units.get((system, tier), 0.0) + float(count)
    curves = curve_points(result.loaded.catalog, result.loaded.instance, units)
    tier_rows = result.tables.tiers_by_year
    mine = tier_rows[(tier_rows["year"] == year) & (tier_rows["scenario"] == scenario)]
    tiers = mine[["tier", "min_tok_s_per_user", "facility_power_mw", "tok_s"]].copy()
    power = tiers["facility_power_mw"].astype(float)
    tiers["tok_s_per_mw"] = (tiers["tok_s"].astype(float) / power.where(power > 0)).fillna(0.0)
    atomic_write_text(outdir / "curves.csv", frame_csv(curves))
    atomic_write_text(outdir / "curve_tiers.csv", frame_csv(tiers[TIER_POINT_COLUMNS]))
    curves_chart(curves, tiers, outdir / "curves.png")
    return curves, tiers
