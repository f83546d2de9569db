"""A solved case's sweep row, computed straight from the model for single-year plans (no
DataFrames: a sweep solves thousands of cases and pandas would cost as much as HiGHS), and from
the result tables for plans over years or scenarios. Same numbers as `build_tables`;
tests/test_sweep.py checks that they agree.
"""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo

from planner.inputs.data import MTOK_PER_TTOK, USD_PER_MUSD, PlanData
from planner.inputs.instance import Instance
from planner.results.tables import build_tables, delivered_ttok
from planner.solver.strategies import PlanSolve


def _val(x: object) -> float:
    v = float(pyo.value(x))
    return 0.0 if abs(v) < 1e-9 else v


def _multi_row(m: pyo.ConcreteModel, data: PlanData, inst: Instance, solved: PlanSolve) -> dict:
    tables = build_tables(m, data, inst, solved)
    summary = tables.summary.iloc[0]
    first = tables.tiers_by_year[tables.tiers_by_year["scenario"] == data.scenarios[0]]
    power = first.groupby("tier")["facility_power_mw"].mean().to_dict()
    racks = dict(zip(tables.racks["rack"], tables.racks["count"], strict=True))
    keys = ("objective_value", "revenue_usd_per_year", "cost_usd_per_year", "profit_usd_per_year",
            "capex_usd", "facility_power_mw", "tok_s", "mtok_per_year", "cost_usd_per_mtok")  # fmt: skip
    return {"summary": {k: summary[k] for k in keys}, "racks": racks, "power_mw": power}


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
    if not data.is_single:
        multi = _multi_row(m, data, inst, solved)
        summary.update(multi.pop("summary"))
        return row | multi
    year, scenario = data.years[0], data.scenarios[0]
    owner = m.owner[year, scenario]
    racks = {r: int(round(_val(m.racks_bought[r, year, owner]))) for r in data.racks}
    power = dict.fromkeys(data.tiers, 0.0)
    tok_s = dict.fromkeys(data.tiers, 0.0)
    capacity = dict.fromkeys(data.tiers, 0.0)
    for system, tier in data.servable:
        u = _val(m.units[system, tier, year, scenario])
        if u <= 0:
            continue
        power[tier] += u * data.system_power_mw[system] * data.pue
        tok_s[tier] += u * data.tok_s[system, tier]
        capacity[tier] += u * data.throughput_ttok_per_year[system, tier]
    mtok = {}
    for t in data.tiers:
        key = (t, year, scenario)
        sales_count = data.price_musd_per_ttok[key] > 0 or data.must_serve_forecasts
        sold = _val(m.sold_ttok_per_year[key])
        served = delivered_ttok(sold, sales_count, capacity[t], data.demand_ttok_per_year.get(key))
        mtok[t] = served * MTOK_PER_TTOK
    revenue = sum(mtok[t] * data.price_musd_per_ttok[t, year, scenario] for t in data.tiers)
    cost = _val(m.cost_musd[year, scenario]) * USD_PER_MUSD
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
