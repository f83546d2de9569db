"""The optimum that every explanation starts from, and re-solves of perturbed copies of it.

All values here are in model units (MW, $M, Ttok); `USD_PER_OBJECTIVE_UNIT` converts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import pyomo.environ as pyo
from pyomo.core.expr.visitor import identify_variables

from planner.inputs.data import PlanData, build_plan_data
from planner.inputs.load import LoadedInstance
from planner.model import build_model
from planner.solver.highs import SolveReport, SolveSettings, SolveStatus, solve_lp_duals
from planner.solver.strategies import PlanSolve, solve_plan

EXPLAIN_MIP_GAP_FRAC = 1e-7
"""Finite differences compare optima, so explain solves far tighter than the default gap."""

USD_PER_OBJECTIVE_UNIT = {"revenue": 1e6, "profit": 1e6, "cost_per_token": 1.0}
OBJECTIVE_UNIT = {
    "revenue": "usd_per_year",
    "profit": "usd_per_year",
    "cost_per_token": "usd_per_mtok",
}

Change = Callable[[pyo.ConcreteModel], None]


@dataclass(frozen=True)
class Baseline:
    """The solved plan: its data, its model (incumbent loaded) and the solve."""

    loaded: LoadedInstance
    data: PlanData
    model: pyo.ConcreteModel
    solved: PlanSolve
    settings: SolveSettings

    @property
    def status(self) -> SolveStatus:
        return self.solved.report.status

    @property
    def objective(self) -> str:
        return self.data.objective

    @property
    def value(self) -> float:
        """The optimum in model units ($M/yr, or $/Mtok for cost_per_token)."""
        return objective_value(self.model, self.objective)

    def rack_counts(self) -> dict[str, int]:
        return {r: int(round(pyo.value(rack_var(self.model, r)))) for r in self.data.racks}


def year_scenario(m: pyo.ConcreteModel) -> tuple[int, str]:
    """The one (year, scenario) of a single-year plan's model."""
    return m.YEARS.first(), m.SCENARIOS.first()


def rack_var(m: pyo.ConcreteModel, rack: str):
    """The racks-bought variable of a single-year plan."""
    year, scenario = year_scenario(m)
    return m.racks_bought[rack, year, m.owner[year, scenario]]


def units_var(m: pyo.ConcreteModel, system: str, tier: str):
    """The units variable of (system, tier) in a single-year plan."""
    year, scenario = year_scenario(m)
    return m.units[system, tier, year, scenario]


def revenue_cost_tokens(m: pyo.ConcreteModel) -> tuple:
    """Revenue ($M/yr), cost ($M/yr) and tokens sold (Ttok/yr) expressions of a single plan."""
    year, scenario = year_scenario(m)
    tokens = sum(m.sold_ttok_per_year[t, year, scenario] for t in m.TIERS)
    return m.revenue_musd[year, scenario], m.cost_musd[year, scenario], tokens


def explain_settings(settings: SolveSettings | None) -> SolveSettings:
    """The user's settings with the tight gap that finite differences need."""
    base = settings or SolveSettings()
    return replace(base, mip_gap_frac=min(base.mip_gap_frac, EXPLAIN_MIP_GAP_FRAC))


def solve_baseline(loaded: LoadedInstance, settings: SolveSettings | None = None) -> Baseline:
    """Build and solve the instance's MILP, keeping the model for the explanations.

    Explanations cover single-year plans (one year, one scenario).
    """
    settings = explain_settings(settings)
    if loaded.instance.is_multi_period:
        from planner.errors import UsageError

        raise UsageError(
            "explain covers single-year plans; this instance has horizon: or scenarios:"
        )
    data = build_plan_data(loaded.instance, loaded.catalog, loaded.path.parent)
    model = build_model(data)
    solved = solve_plan(model, data, settings)
    return Baseline(loaded, data, model, solved, settings)


def objective_value(m: pyo.ConcreteModel, objective: str) -> float:
    """The user's objective at the model's current values, in model units."""
    revenue_e, cost_e, tokens_e = revenue_cost_tokens(m)
    revenue = pyo.value(revenue_e)
    if objective == "revenue":
        return revenue
    cost = pyo.value(cost_e)
    if objective == "profit":
        return revenue - cost
    tokens = pyo.value(tokens_e)
    return cost / tokens if tokens > 0 else float("nan")


def resolve_mip(base: Baseline, change: Change) -> tuple[SolveReport, float | None]:
    """Re-solve the MILP (racks free) after `change` edits a fresh copy of the model."""
    m = build_model(base.data)
    change(m)
    solved = solve_plan(m, base.data, base.settings)
    if not solved.report.status.has_solution:
        return solved.report, None
    return solved.report, objective_value(m, base.objective)


def resolve_mip_model(base: Baseline, change: Change) -> pyo.ConcreteModel | None:
    """Like `resolve_mip`, returning the solved model (None without a solution)."""
    m = build_model(base.data)
    change(m)
    solved = solve_plan(m, base.data, base.settings)
    return m if solved.report.status.has_solution else None


def fixed_lp(base: Baseline) -> pyo.ConcreteModel:
    """A copy of the solved model with racks continuous and fixed at the optimum (GenX style).

    Its duals price the constraints and the racks at the chosen plan. Rows that involve only
    racks (power envelope, capex budget, supply) are constants once racks are fixed, so they
    are dropped: in this LP one more rack is a rack that fits, and site power or budget are
    worth only what they do through the other rows (power shares). `fd_free_racks` in the
    marginals table gives the value with racks free to change.
    """
    m = base.model.clone()
    for rack, count in base.rack_counts().items():
        rack_var(m, rack).domain = pyo.NonNegativeReals
        rack_var(m, rack).fix(count)
    for con in m.component_data_objects(pyo.Constraint, active=True):
        if all(v.parent_component() is m.racks_bought for v in identify_variables(con.body)):
            con.deactivate()
    return m


def resolve_fixed_lp(base: Baseline, change: Change) -> float | None:
    """Re-solve the fixed-racks LP after `change`; the objective in model units or None."""
    m = fixed_lp(base)
    change(m)
    duals = solve_lp_duals(m, base.settings)
    if duals.report.status != SolveStatus.OPTIMAL:
        return None
    return objective_value(m, base.objective)
