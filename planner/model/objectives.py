"""Objectives. Exactly one `objective` is active; the revenue objective's least-capex stage is
built switched off, and the solve step switches stages (planner/solver/strategies.py).

profit / revenue: maximise (1 - w) * sum_s probability[s] * NPV[s] + w * CVaR_alpha(NPV), where
CVaR_alpha = eta - 1 / (1 - alpha) * sum_s probability[s] * shortfall[s], shortfall[s] >= eta - NPV[s]
(Rockafellar-Uryasev: the mean of the worst 1 - alpha of outcomes); w = cvar_weight_frac, and
with w = 0 only the expected NPV counts. NPV is of profit, or of revenue for `revenue`.
cost_per_token: minimise sum_s probability[s] * (PV cost[s] - lambda * PV tokens[s]), one
Dinkelbach step for levelised cost = expected PV cost / expected discounted tokens, $/Mtok.
A single-year plan has one year (discount 1) and one scenario (probability 1): revenue, profit,
or cost - lambda x tokens of that year.
"""

from __future__ import annotations

import pyomo.environ as pyo

from planner.inputs.data import PlanData


def add_objective(m: pyo.ConcreteModel, d: PlanData) -> None:
    """The user's objective (CVaR terms only when the instance weighs risk)."""
    m.cost_per_token_lambda = pyo.Param(
        mutable=True, initialize=0.0, doc="Dinkelbach ratio estimate, $M per Ttok = $/Mtok"
    )
    if d.objective == "cost_per_token":
        m.objective = pyo.Objective(
            sense=pyo.minimize,
            doc="expected PV cost - lambda x PV tokens, $M",
            expr=sum(
                m.probability[s]
                * (m.pv_cost_musd[s] - m.cost_per_token_lambda * m.pv_tokens_ttok[s])
                for s in m.SCENARIOS
            ),
        )
        return
    npv = m.npv_revenue_musd if d.objective == "revenue" else m.npv_profit_musd
    m.expected_npv_musd = pyo.Expression(
        doc="expected NPV, $M", expr=sum(m.probability[s] * npv[s] for s in m.SCENARIOS)
    )
    if not d.has_cvar:
        m.objective = pyo.Objective(
            sense=pyo.maximize, expr=m.expected_npv_musd, doc="expected NPV, $M"
        )
        return
    m.cvar_weight_frac = pyo.Param(
        mutable=True,
        initialize=d.cvar_weight_frac,
        doc="weight of CVaR in the objective (0 in the sales pass)",
    )
    m.cvar_eta_musd = pyo.Var(doc="value-at-risk threshold of NPV, $M")
    m.cvar_shortfall_musd = pyo.Var(
        m.SCENARIOS, domain=pyo.NonNegativeReals, doc="NPV below eta, $M"
    )
    m.cvar_shortfall = pyo.Constraint(
        m.SCENARIOS,
        doc="shortfall >= eta - NPV",
        rule=lambda m, s: m.cvar_shortfall_musd[s] >= m.cvar_eta_musd - npv[s],
    )
    m.cvar_musd = pyo.Expression(
        doc="CVaR of NPV at alpha, $M",
        expr=m.cvar_eta_musd
        - sum(m.probability[s] * m.cvar_shortfall_musd[s] for s in m.SCENARIOS)
        / (1 - d.cvar_alpha_frac),
    )
    m.objective = pyo.Objective(
        sense=pyo.maximize,
        doc="expected NPV blended with its CVaR, $M",
        expr=(1 - m.cvar_weight_frac) * m.expected_npv_musd + m.cvar_weight_frac * m.cvar_musd,
    )


def add_least_capex_stage(m: pyo.ConcreteModel) -> None:
    """Second stage of the revenue objective: among revenue-optimal plans, the least capex.

    objective_floor: objective / objective_floor_scale_musd >= objective_floor_musd / objective_floor_scale_musd
    least_capex:     minimise sum_s probability[s] * pv_capex_musd[s]
    Revenue alone does not price racks, so without this stage idle racks could be bought for
    nothing. The scale (a power of ten near the floor, at least 1) keeps the row's bound in
    [1, 10): a $10T floor in $M would otherwise be a row bound HiGHS warns about.
    """
    m.objective_floor_musd = pyo.Param(mutable=True, initialize=0.0, doc="stage-one optimum, $M")
    m.objective_floor_scale_musd = pyo.Param(
        mutable=True, initialize=1.0, doc="power of ten near the floor, $M"
    )
    m.objective_floor = pyo.Constraint(
        doc="keep the stage-one objective",
        expr=m.objective.expr / m.objective_floor_scale_musd
        >= m.objective_floor_musd / m.objective_floor_scale_musd,
    )
    m.least_capex = pyo.Objective(
        sense=pyo.minimize,
        doc="expected PV of capex, $M",
        expr=sum(m.probability[s] * m.pv_capex_musd[s] for s in m.SCENARIOS),
    )
    m.objective_floor.deactivate()
    m.least_capex.deactivate()


OBJECTIVE_COMPONENTS = ("objective", "objective_floor", "least_capex", "cvar_shortfall")
"""Rows and objectives added here (documented in docs/formulation.md with the families)."""
