"""build_horizon_model(data): the horizon/scenario Pyomo model, read as a table of contents."""

from __future__ import annotations

import pyomo.environ as pyo

from planner.horizon import constraints as c
from planner.horizon.data import HorizonData
from planner.horizon.model import add_params, add_sets, add_variables
from planner.horizon.objectives import add_objectives


def build_horizon_model(d: HorizonData) -> pyo.ConcreteModel:
    """Sets, parameters, decisions, one call per constraint family, objective."""
    m = pyo.ConcreteModel(name=d.base.name or "horizon")
    add_sets(m, d)
    add_params(m, d)
    add_variables(m, d)
    c.add_rack_balance(m)
    c.add_power_envelope(m)
    c.add_capex_budget(m)
    c.add_delivery_limit(m)
    c.add_tier_capacity(m)
    c.add_demand_limit(m, must_serve=d.objective == "cost_per_token")
    c.add_tier_power_share(m)
    add_objectives(m, d.objective, d.cvar_alpha_frac, d.cvar_weight_frac)
    return m
