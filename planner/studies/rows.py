"""A solved case's sweep row. A single-year plan's row comes from the result tables' own year
rows (`year_rows`, plain dicts: a sweep solves thousands of cases and DataFrames would cost as
much as HiGHS); a plan over years or scenarios from the full tables. tests/test_sweep.py checks
that the row and `build_tables` agree.
"""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo

from planner.inputs.data import PlanData
from planner.inputs.instance import Instance
from planner.results.market import at_chosen_prices
from planner.results.tables import Fleet, build_tables, year_rows
from planner.solver.strategies import PlanSolve


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
    data = at_chosen_prices(m, data)  # a price chosen on a curve is the tier's price (as tables)
    fleet = Fleet.of(m, data)
    tiers: list[dict] = []
    by_year: list[dict] = []
    year_rows(m, data, inst, fleet, year, scenario, tiers, [], by_year)
    plan = by_year[0]
    revenue, cost, total_mtok = plan["revenue_usd"], plan["cost_usd"], plan["mtok"]
    # the tokens' cost (leased racks left out), as summary.csv's cost_usd_per_mtok
    per_mtok = (cost - plan["lease_cost_usd"]) / total_mtok if total_mtok > 0 else None
    objective = {"revenue": revenue, "profit": revenue - cost, "cost_per_token": per_mtok}
    summary.update(
        objective_value=objective[inst.objective],
        revenue_usd_per_year=revenue,
        cost_usd_per_year=cost,
        profit_usd_per_year=revenue - cost,
        capex_usd=plan["capex_usd"],
        facility_power_mw=plan["facility_power_mw"],
        tok_s=sum(t["tok_s"] for t in tiers),
        mtok_per_year=total_mtok,
        cost_usd_per_mtok=per_mtok,
    )
    racks = {r: fleet.bought[r, year, m.owner[year, scenario]] for r in data.racks}
    power = {t["tier"]: t["facility_power_mw"] for t in tiers}
    row["racks"] = racks
    row["power_mw"] = power
    return row
