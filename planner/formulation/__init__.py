"""The Pyomo model: no file reading, no printing, no solver calls."""

from __future__ import annotations

import pyomo.environ as pyo

from planner.data import PlanData
from planner.formulation.components import add_expressions, add_params, add_sets, add_variables
from planner.formulation.constraints import (
    add_capex_budget,
    add_demand_limit,
    add_forecast_served,
    add_power_envelope,
    add_rack_balance,
    add_supply_limit,
    add_tier_capacity,
    add_tier_power_share,
)
from planner.formulation.objectives import add_least_capex_stage, add_objective


def build_model(data: PlanData) -> pyo.ConcreteModel:
    """Build the single-year planning MILP from plan data (units: MW, $M, Ttok/yr)."""
    m = pyo.ConcreteModel(name=data.name or "plan")
    add_sets(m, data)
    add_params(m, data)
    add_variables(m)
    add_expressions(m)

    add_rack_balance(m)
    add_power_envelope(m)
    if data.capex_budget_musd is not None:
        add_capex_budget(m)
    add_tier_capacity(m)
    add_demand_limit(m)
    if data.must_serve_forecasts:
        add_forecast_served(m)
    add_tier_power_share(m)
    add_supply_limit(m)

    add_objective(m, data.objective)
    if data.objective == "revenue":
        add_least_capex_stage(m)
    return m


__all__ = ["build_model"]
