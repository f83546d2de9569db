"""A solved case's sweep row, computed straight from the model (no DataFrames: a sweep solves
thousands of cases and pandas would cost as much as HiGHS). Same numbers as `build_tables`;
tests/test_sweep.py checks that they agree.
"""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo

from planner.data import MTOK_PER_TTOK, USD_PER_MUSD, PlanData
from planner.instance import Instance
from planner.results import served_ttok
from planner.strategies import PlanSolve


def _val(x: object) -> float:
    v = float(pyo.value(x))
    return 0.0 if abs(v) < 1e-9 else v


def case_row(m: pyo.ConcreteModel, data: PlanData, inst: Instance, solved: PlanSolve) -> dict:
    """status, summary (SUMMARY_KEYS), racks {rack: count}, power_mw {tier: facility MW}."""
    report = solved.report
    summary: dict[str, Any] = {
        "mip_gap_frac": report.mip_gap_frac,
        "solve_s": round(report.solve_s, 3),
    }
    row: dict[str, Any] = {
        "status": str(report.status),
        "summary": summary,
        "racks": {},
        "power_mw": {},
    }
    if not report.status.has_solution:
        return row
    racks = {r: int(round(_val(m.racks[r]))) for r in data.racks}
    units = {k: _val(m.units[k]) for k in data.servable}
    power = dict.fromkeys(data.tiers, 0.0)
    tok_s = dict.fromkeys(data.tiers, 0.0)
    capacity = dict.fromkeys(data.tiers, 0.0)
    for (system, tier), u in units.items():
        if u <= 0:
            continue
        power[tier] += u * data.system_power_mw[system] * data.pue
        tok_s[tier] += u * data.tok_s[system, tier]
        capacity[tier] += u * data.throughput_ttok_per_year[system, tier]
    mtok = {t: served_ttok(m, data, t, capacity[t]) * MTOK_PER_TTOK for t in data.tiers}
    revenue = sum(mtok[t] * inst.tiers[t].revenue_usd_per_mtok for t in data.tiers)
    cost = _val(m.cost_musd_per_year) * USD_PER_MUSD
    total_mtok = sum(mtok.values())
    per_mtok = cost / total_mtok if total_mtok > 0 else None
    objective = {"revenue": revenue, "profit": revenue - cost, "cost_per_token": per_mtok}
    summary.update(
        objective_value=objective[inst.objective],
        revenue_usd_per_year=revenue,
        cost_usd_per_year=cost,
        profit_usd_per_year=revenue - cost,
        capex_usd=sum(n * data.rack_capex_musd[r] * USD_PER_MUSD for r, n in racks.items()),
        facility_power_mw=sum(n * data.rack_power_mw[r] * data.pue for r, n in racks.items()),
        tok_s=sum(tok_s.values()),
        mtok_per_year=total_mtok,
        cost_usd_per_mtok=per_mtok,
    )
    row["racks"] = racks
    row["power_mw"] = power
    return row
