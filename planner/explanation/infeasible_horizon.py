"""Why a horizon/scenario plan is infeasible: which requirement, in which years, to relax.

Each relaxable family is dropped in turn and the model re-solved; a family whose removal gives
a plan is a cause, and the rows of it that plan breaks say where (years, scenarios). Only run
on infeasible instances, so the extra solves cost nothing on the usual path.
"""

from __future__ import annotations

from dataclasses import replace

import pyomo.environ as pyo

from planner.inputs.data import PlanData
from planner.model import build_model
from planner.solver.highs import SolveSettings, make_solver, solve_model

RELAXABLE = {
    "power_envelope": "site power",
    "capex_budget": "capex budget",
    "supply_limit": "supply (max_count)",
    "delivery_limit": "deliveries (or first_year)",
    "forecast_served": "forecasts served in full",
    "tier_power_share_fixed": "fixed power shares",
    "tier_power_share_min": "minimum power shares",
}


def _broken_rows(con: pyo.Constraint) -> list[tuple]:
    out = []
    for index, row in con.items():
        body = pyo.value(row.body)
        tol = 1e-6 * max(1.0, abs(body))
        if (row.has_ub() and body > pyo.value(row.upper) + tol) or (
            row.has_lb() and body < pyo.value(row.lower) - tol
        ):
            out.append(index if isinstance(index, tuple) else (index,))
    return out


def _unserved_years(d: PlanData, settings: SolveSettings) -> list:
    """Years where even the plan that sells the most revenue cannot meet every forecast."""
    as_revenue = replace(d, objective="revenue")
    m = build_model(as_revenue)
    if not solve_model(m, settings, make_solver()).status.has_solution:
        return []
    short = {y for (t, y, s), dem in d.demand_ttok_per_year.items()
             if pyo.value(m.sold_ttok_per_year[t, y, s]) < dem * (1 - 1e-6) - 1e-9}  # fmt: skip
    return sorted(short)


def explain_infeasible(d: PlanData, settings: SolveSettings) -> str:
    """One line: the requirements whose relaxation gives a plan, with the years they break."""
    causes = []
    if d.objective == "cost_per_token":
        short = _unserved_years(d, settings)
        if short:
            causes.append(
                f"forecasts served in full (forecast_served) in {', '.join(map(str, short))}"
            )
    for family, what in RELAXABLE.items():
        if family == "forecast_served" and d.objective == "cost_per_token":
            continue
        m = build_model(d)
        con = getattr(m, family, None)
        if con is None:
            continue
        if len(con) == 0:
            continue
        con.deactivate()
        report = solve_model(m, settings, make_solver())
        if not report.status.has_solution:
            continue
        years = sorted({y for index in _broken_rows(con) for y in index if y in d.years})
        where = f" in {', '.join(str(y) for y in years)}" if years and len(d.years) > 1 else ""
        causes.append(f"{what} ({family}){where}")
    if not causes:
        return (
            "no plan meets every year's requirements, and no single one of site power, budget, "
            "deliveries, forecasts or power shares is to blame alone; relax several"
        )
    return "no plan meets every year's requirements; a plan exists if you relax " + " or ".join(
        causes
    )
