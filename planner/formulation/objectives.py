"""Objectives. Exactly one `objective` is active; the least-capex stage is built switched off."""

from __future__ import annotations

import pyomo.environ as pyo

from planner.instance import Objective


def add_objective(m: pyo.ConcreteModel, kind: Objective) -> None:
    """The user's objective.

    revenue:        maximise sum_tier tier_revenue_musd_per_ttok[tier] * sold_ttok_per_year[tier]
    profit:         maximise revenue_musd_per_year - cost_musd_per_year
    cost_per_token: minimise cost_musd_per_year - cost_per_token_lambda * sold_total_ttok_per_year
                    (one Dinkelbach step; the driver updates lambda until the minimum is 0, at
                    which point lambda = min cost / tokens, in $M/Ttok = $/Mtok)
    """
    m.cost_per_token_lambda = pyo.Param(
        initialize=0.0, mutable=True, doc="Dinkelbach ratio estimate, $/Mtok"
    )
    if kind == "revenue":
        m.objective = pyo.Objective(
            expr=m.revenue_musd_per_year, sense=pyo.maximize, doc="annual revenue, $M"
        )
    elif kind == "profit":
        m.objective = pyo.Objective(
            expr=m.revenue_musd_per_year - m.cost_musd_per_year,
            sense=pyo.maximize,
            doc="annual profit, $M",
        )
    else:
        m.objective = pyo.Objective(
            expr=m.cost_musd_per_year - m.cost_per_token_lambda * m.sold_total_ttok_per_year,
            sense=pyo.minimize,
            doc="Dinkelbach step for cost per token: cost - lambda x tokens, $M",
        )


def add_least_capex_stage(m: pyo.ConcreteModel) -> None:
    """Second stage for the revenue objective: among revenue-optimal plans, the least capex.

    revenue_floor: revenue_musd_per_year / revenue_floor_scale_musd
                       >= revenue_floor_musd / revenue_floor_scale_musd  (floor = stage-one optimum)
    least_capex:   minimise capex_musd
    Both are deactivated until the driver switches stages; revenue alone does not price racks,
    so without this stage idle racks could be bought for nothing. The scale (a power of ten
    near the floor, at least 1) keeps the row's bound near 1: a $10T/yr floor in $M would
    otherwise be a row bound HiGHS warns about.
    """
    m.revenue_floor_musd = pyo.Param(initialize=0.0, mutable=True, doc="stage-one revenue, $M")
    m.revenue_floor_scale_musd = pyo.Param(
        initialize=1.0, mutable=True, doc="power of ten scaling the revenue-floor row, $M"
    )
    m.revenue_floor = pyo.Constraint(
        expr=m.revenue_musd_per_year / m.revenue_floor_scale_musd
        >= m.revenue_floor_musd / m.revenue_floor_scale_musd,
        doc="keep stage-one revenue",
    )
    m.least_capex = pyo.Objective(expr=m.capex_musd, sense=pyo.minimize, doc="capex, $M")
    m.revenue_floor.deactivate()
    m.least_capex.deactivate()
