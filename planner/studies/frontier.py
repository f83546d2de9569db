"""`plan frontier`: the optimum as a function of one input, and the plan's curve frontier."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from planner.errors import UsageError
from planner.inputs.catalog import Catalog
from planner.inputs.curves import throughput_tok_s
from planner.inputs.instance import Instance
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
    objective = spec.objective or spec.load().instance.objective
    frontier_chart(frame, x, objective, outdir / "frontier.png")
    return frame


def _facility_mw(catalog: Catalog, system: str, pue: float) -> float:
    return pue * sum(
        n * catalog.racks[r].power_kw / 1e3 for r, n in catalog.systems[system].racks.items()
    )


def curve_points(catalog: Catalog, inst: Instance, units: dict[str, float]) -> pd.DataFrame:
    """Each allowed system's curve as tok/s per facility MW, and the mix of `units` per system.

    The mix at speed s: sum_system units[system] * tok_s(system, s) / sum_system units * MW,
    over the systems whose curve reaches s (a system that cannot run that fast adds nothing).
    """
    pue = inst.site.pue
    systems = inst.systems or sorted(catalog.systems)
    rows = []
    speeds: set[float] = set()
    for system in systems:
        for point in catalog.systems[system].curves[inst.workload].points:
            mw = _facility_mw(catalog, system, pue)
            rows.append((system, point.tok_s_per_user, point.tok_s / mw))
            speeds.add(point.tok_s_per_user)
    mix = {s: u for s, u in units.items() if u > 0}
    total_mw = sum(u * _facility_mw(catalog, s, pue) for s, u in mix.items())
    grid = np.unique(np.concatenate([sorted(speeds), np.geomspace(min(speeds), max(speeds), 40)]))
    for speed in grid if total_mw > 0 else []:
        tok = sum(
            u * (throughput_tok_s(catalog.systems[s].curves[inst.workload], speed) or 0.0)
            for s, u in mix.items()
        )
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
    units: dict[str, float] = {}
    for system, count in zip(alloc["system"], alloc["units"], strict=True):
        units[system] = units.get(system, 0.0) + float(count)
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
