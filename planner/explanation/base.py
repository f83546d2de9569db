"""The optimum that every explanation starts from, and re-solves of perturbed copies of it.

All values here are in model units (MW, $M, Ttok); `USD_PER_OBJECTIVE_UNIT` converts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pyomo.environ as pyo
from pyomo.core.expr.visitor import identify_variables

from planner.inputs.data import PlanData
from planner.inputs.derive import build_plan_data
from planner.inputs.load import LoadedInstance
from planner.model import FIRST_STAGE, build_model
from planner.solver.highs import SolveReport, SolveSettings, SolveStatus, solve_lp_duals
from planner.solver.run import PlanRun
from planner.solver.stochastic import objective_musd
from planner.solver.strategies import PlanSolve, solve_plan

EXPLAIN_MIP_GAP_FRAC = 1e-7
"""Finite differences compare optima, so explain solves far tighter than the default gap."""

USD_PER_OBJECTIVE_UNIT = {"revenue": 1e6, "profit": 1e6, "cost_per_token": 1.0}

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
        """The optimum in model units ($M, or $/Mtok for cost_per_token)."""
        return objective_value(self.model, self.data)

    def purchase_counts(self) -> dict[PurchaseKey, int]:
        """Racks bought per (rack, year, owner scenario), rounded to whole racks."""
        return purchase_counts(self.model)

    def rack_counts(self) -> dict[str, int]:
        """Racks bought over the plan per rack type, along the first scenario's purchases."""
        totals = dict.fromkeys(self.data.racks, 0)
        first = self.data.scenarios[0]
        for (rack, year, owner), n in self.purchase_counts().items():
            if owner == self.model.owner[year, first]:
                totals[rack] += n
        return totals


PurchaseKey = tuple[str, int, str]
"""(rack, year, owner scenario): the index of `racks_bought`."""


def purchase_counts(m: pyo.ConcreteModel) -> dict[PurchaseKey, int]:
    return {key: int(round(pyo.value(var))) for key, var in m.racks_bought.items()}


def purchase_label(key: PurchaseKey, data: PlanData) -> str:
    """`rack` in a single-year plan; `rack year` (and the owner scenario when the year's
    purchases are not shared) otherwise."""
    rack, year, owner = key
    if data.is_single:
        return rack
    shared = year in data.shared_years or len(data.scenarios) == 1
    label = rack if len(data.years) == 1 else f"{rack} {year}"
    return label if shared else f"{label} {owner}"


def objective_unit(data: PlanData) -> str:
    """usd_per_year (a single-year plan), usd (an NPV) or usd_per_mtok."""
    if data.objective == "cost_per_token":
        return "usd_per_mtok"
    return "usd_per_year" if data.is_single else "usd"


def year_scenario(m: pyo.ConcreteModel) -> tuple[int, str]:
    """The first (year, scenario) of a model: the only one of a single-year plan."""
    return m.YEARS.first(), m.SCENARIOS.first()


def units_var(m: pyo.ConcreteModel, system: str, tier: str) -> Any:
    """The units variable of (system, tier) in the first year and scenario."""
    year, scenario = year_scenario(m)
    return m.units[system, tier, year, scenario]


def expected_tokens(m: pyo.ConcreteModel) -> Any:
    """Expected discounted tokens sold (Ttok), the denominator of cost per token."""
    return sum(m.probability[s] * m.pv_tokens_ttok[s] for s in m.SCENARIOS)


def expected_cost(m: pyo.ConcreteModel) -> Any:
    """Expected present value of cost ($M)."""
    return sum(m.probability[s] * m.pv_cost_musd[s] for s in m.SCENARIOS)


def explain_settings(settings: SolveSettings | None) -> SolveSettings:
    """The user's settings with the tight gap that finite differences need."""
    base = settings or SolveSettings()
    return replace(base, mip_gap_frac=min(base.mip_gap_frac, EXPLAIN_MIP_GAP_FRAC))


def solve_baseline(loaded: LoadedInstance, settings: SolveSettings | None = None) -> Baseline:
    """Build and solve the instance's MILP, keeping the model for the explanations.

    Every plan kind: for a plan over years or scenarios the objective is the expected (or
    risk-adjusted) NPV, or the levelised cost per token.
    """
    settings = explain_settings(settings)
    data = build_plan_data(loaded.instance, loaded.catalog, loaded.path.parent)
    model = build_model(data)
    solved = solve_plan(PlanRun(data, model, settings))
    return Baseline(loaded, data, model, solved, settings)


def objective_value(m: pyo.ConcreteModel, data: PlanData) -> float:
    """The user's objective at the model's current values, in model units: $M (a year's
    revenue or profit for a single-year plan, else the expected or risk-adjusted NPV), or
    $/Mtok for cost_per_token (expected PV cost over expected discounted tokens)."""
    if data.objective != "cost_per_token":
        return objective_musd(m, data)
    tokens = pyo.value(expected_tokens(m))
    return pyo.value(expected_cost(m)) / tokens if tokens > 0 else float("nan")


def resolve_mip(base: Baseline, change: Change) -> tuple[SolveReport, float | None]:
    """Re-solve the MILP (racks free) after `change` edits a fresh copy of the model."""
    m = build_model(base.data)
    change(m)
    solved = solve_plan(PlanRun(base.data, m, base.settings))
    if not solved.report.status.has_solution:
        return solved.report, None
    return solved.report, objective_value(m, base.data)


def resolve_mip_model(base: Baseline, change: Change) -> pyo.ConcreteModel | None:
    """Like `resolve_mip`, returning the solved model (None without a solution)."""
    m = build_model(base.data)
    change(m)
    solved = solve_plan(PlanRun(base.data, m, base.settings))
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
    for key, count in base.purchase_counts().items():
        m.racks_bought[key].domain = pyo.NonNegativeReals
        m.racks_bought[key].fix(count)
    for var in m.blocks_energised.values():  # blocks energised are purchases too
        var.domain = pyo.NonNegativeReals
        var.fix(round(var.value or 0.0))
    first = {id(getattr(m, name)) for name in FIRST_STAGE}
    for con in m.component_data_objects(pyo.Constraint, active=True):
        if all(id(v.parent_component()) in first for v in identify_variables(con.body)):
            con.deactivate()
    return m


def resolve_fixed_lp(base: Baseline, change: Change) -> float | None:
    """Re-solve the fixed-racks LP after `change`; the objective in model units or None."""
    m = fixed_lp(base)
    change(m)
    duals = solve_lp_duals(m, base.settings)
    if duals.report.status != SolveStatus.OPTIMAL:
        return None
    return objective_value(m, base.data)
