"""Objectives of the horizon/scenario model.

profit / revenue: maximise (1 - w) * sum_s probability[s] * NPV[s] + w * CVaR_alpha(NPV), where
CVaR_alpha = eta - 1 / (1 - alpha) * sum_s probability[s] * shortfall[s], shortfall[s] >= eta - NPV[s]
(Rockafellar-Uryasev; the mean of the worst 1 - alpha of outcomes). With w = 0 only the expected
NPV counts. cost_per_token: minimise sum_s p[s] * (PV cost[s] - lambda * PV tokens[s]), the
Dinkelbach step for levelised cost = expected PV cost / expected discounted tokens.
"""

from __future__ import annotations

import pyomo.environ as pyo


def add_objectives(m, objective: str, alpha: float, weight: float) -> None:
    """The active objective, plus the revenue objective's least-capex stage (deactivated)."""
    m.cost_per_token_lambda = pyo.Param(
        mutable=True, initialize=0.0, doc="Dinkelbach ratio, $M per Ttok"
    )
    npv = m.npv_revenue_musd if objective == "revenue" else m.npv_profit_musd
    expected = sum(m.probability[s] * npv[s] for s in m.SCENARIOS)
    if objective == "cost_per_token":
        m.objective = pyo.Objective(sense=pyo.minimize, doc="expected PV cost - lambda x PV tokens",
            expr=sum(m.probability[s] * (m.pv_cost_musd[s] - m.cost_per_token_lambda * m.pv_tokens_ttok[s])
                     for s in m.SCENARIOS))  # fmt: skip
        return
    if weight > 0:
        m.cvar_eta_musd = pyo.Var(doc="value-at-risk threshold of NPV, $M")
        m.cvar_shortfall_musd = pyo.Var(
            m.SCENARIOS, domain=pyo.NonNegativeReals, doc="NPV below eta, $M"
        )
        m.cvar_shortfall = pyo.Constraint(m.SCENARIOS, doc="shortfall >= eta - NPV",
            rule=lambda m, s: m.cvar_shortfall_musd[s] >= m.cvar_eta_musd - npv[s])  # fmt: skip
        cvar = m.cvar_eta_musd - sum(
            m.probability[s] * m.cvar_shortfall_musd[s] for s in m.SCENARIOS
        ) / (1 - alpha)
        m.objective = pyo.Objective(sense=pyo.maximize, expr=(1 - weight) * expected + weight * cvar,
                                    doc="expected NPV blended with its CVaR")  # fmt: skip
    else:
        m.objective = pyo.Objective(sense=pyo.maximize, expr=expected, doc="expected NPV")
    m.objective_floor_musd = pyo.Param(mutable=True, initialize=0.0, doc="stage-1 optimum, $M")
    m.objective_floor_scale_musd = pyo.Param(mutable=True, initialize=1.0,
                                             doc="power of ten near the floor: row bound in [1, 10)")  # fmt: skip
    m.objective_floor = pyo.Constraint(doc="keep the stage-1 objective",
        expr=m.objective.expr / m.objective_floor_scale_musd >= m.objective_floor_musd / m.objective_floor_scale_musd)  # fmt: skip
    m.least_capex = pyo.Objective(sense=pyo.minimize, doc="expected PV of capex",
        expr=sum(m.probability[s] * m.pv_capex_musd[s] for s in m.SCENARIOS))  # fmt: skip
    m.objective_floor.deactivate()
    m.least_capex.deactivate()
