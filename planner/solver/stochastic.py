"""The value of the stochastic solution (VSS) and of perfect information (EVPI).

With RP the optimum of the stochastic plan (the recourse problem), in the units of the
objective (expected or risk-adjusted NPV in $, or levelised $/Mtok for cost_per_token):
- EEV: the shared purchases of the mean-value plan (one scenario with probability-weighted
  demand and prices) fixed in the RP model, everything else re-optimised in every scenario.
  VSS = RP - EEV.
- WS (wait and see): the same objective with each scenario buying its own racks after its
  future is known (nonanticipativity dropped), solved as one problem whose matrix is derived
  from the RP model's compiled matrix (planner/solver/wait_and_see.py). EVPI = WS - RP.
  Its value is a bound on what information is worth, not a plan anyone buys, so it is not
  re-checked on whole racks as the plans users see are.
Signs flip for cost_per_token (a minimisation), so both are >= 0: the EEV plan is feasible for
RP and the wait-and-see problem relaxes RP (up to the MIP gap). For cost per token, WS is the
ratio of expectations, E[PV cost] / E[PV tokens], of the wait-and-see plans, not the mean of
each scenario's own ratio (which can exceed RP).

Extra solves: the mean-value model (one scenario, small), EEV on the RP model itself (bounds
changed, then restored, the compiled matrix reused), and the wait-and-see matrix (no second
model is built). All share the run's deadline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pyomo.environ as pyo

from planner.inputs.data import OBJECTIVE_USD_PER_MODEL_UNIT, PlanData, mean_scenario
from planner.model import FIRST_STAGE
from planner.solver.highs import SolveReport, SolveStatus, linear_vector, solve_matrix
from planner.solver.run import PlanRun
from planner.solver.strategies import PlanSolve, dinkelbach, restore, snapshot, solve_plan


@dataclass(frozen=True)
class StochasticValues:
    """RP, VSS, EVPI, EEV and WS in objective units ($ or $/Mtok); None where not computed."""

    rp: float | None
    """The stochastic plan's objective (risk-adjusted when CVaR is weighed)."""
    vss: float | None
    evpi: float | None
    eev: float | None
    wait_and_see: float | None
    note: str = ""
    """Why a value is missing (time limit, no plan), empty when all were computed."""
    reports: tuple[SolveReport, ...] = ()
    """Every HiGHS run of the extra solves (mean value, EEV, wait and see)."""


def objective_of(m: pyo.ConcreteModel, data: PlanData, solved: PlanSolve) -> float | None:
    """The solved model's objective in user units: $ (NPV) or $/Mtok (cost per token)."""
    if not solved.report.status.has_solution:
        return None
    if data.objective == "cost_per_token":
        return solved.report.objective_value
    scale = OBJECTIVE_USD_PER_MODEL_UNIT[data.objective]
    if not data.has_cvar and solved.report.objective_value is not None:
        return solved.report.objective_value * scale  # the solved objective, as HiGHS saw it
    return objective_musd(m, data) * scale


def cvar(values: dict[str, float], probability: dict[str, float], alpha: float) -> float:
    """CVaR_alpha of a discrete outcome (the mean of its worst 1 - alpha by probability):
    max over eta of eta - E[(eta - X)+] / (1 - alpha); the maximum is at an outcome."""
    return max(
        eta - sum(p * max(eta - values[s], 0.0) for s, p in probability.items()) / (1 - alpha)
        for eta in values.values()
    )


def objective_musd(m: pyo.ConcreteModel, data: PlanData) -> float:
    """(1 - w) E[NPV] + w CVaR(NPV), $M, computed from each scenario's NPV at the plan."""
    npv = m.npv_revenue_musd if data.objective == "revenue" else m.npv_profit_musd
    values = {s: pyo.value(npv[s]) for s in data.scenarios}
    expected = sum(data.probability[s] * v for s, v in values.items())
    if not data.has_cvar:
        return expected
    w = data.cvar_weight_frac
    return (1 - w) * expected + w * cvar(values, data.probability, data.cvar_alpha_frac)


def _eev(run: PlanRun, runs: list) -> tuple[float | None, str]:
    """Fix the mean-value plan's shared purchases in the RP model, re-solve, restore."""
    m, data = run.model, run.data
    mean_data = mean_scenario(data)
    mean_run = PlanRun.build(mean_data, run.settings, run.deadline)
    mean = solve_plan(mean_run)
    runs.extend(mean.stages)
    mean_m = mean_run.model
    if not mean.report.status.has_solution:
        return None, f"the mean-value problem has no plan ({mean.report.status})"
    first = mean_data.scenarios[0]
    kept = snapshot(m)
    bounds = []
    shared = [
        (name, key)
        for name in FIRST_STAGE
        for key in getattr(m, name)
        if key[-2] in data.shared_years
    ]
    for name, key in shared:  # racks bought and blocks energised in the shared years
        var = getattr(m, name)[key]
        bounds.append((var, var.lb, var.ub))
        count = round(pyo.value(getattr(mean_m, name)[(*key[:-1], first)]))
        var.setlb(count)  # bounds, not fix: the plan's compiled matrix is reused as is
        var.setub(count)
    with run.reusing_matrix():
        solved = solve_plan(run)
    runs.extend(solved.stages)
    value = objective_of(m, data, solved)
    for var, lb, ub in bounds:
        var.setlb(lb)
        var.setub(ub)
    restore(m, kept)
    if value is None and solved.report.status == SolveStatus.INFEASIBLE:
        sign = -1.0 if data.objective == "cost_per_token" else 1.0
        return -sign * math.inf, "the mean-value plan cannot run in some scenario"
    if value is None:
        return None, f"EEV: {solved.report.status}"
    return value, ""


def _wait_and_see(run: PlanRun, runs: list) -> tuple[SolveStatus, float | None]:
    """WS on the matrix derived from the RP model's: the objective's status and value in user
    units. Revenue and profit: one solve of the objective (revenue's least-capex stage and the
    CVaR sales pass leave the objective's optimum as it is). Cost per token: Dinkelbach."""
    from planner.solver.wait_and_see import wait_and_see  # scenario runs only: not at start-up

    m, data, settings, deadline = run.model, run.data, run.settings, run.budget
    with run.reusing_matrix():
        compiled = run.compiled()
    derived = wait_and_see(m, compiled)
    lp = derived.compiled.lp
    if data.objective != "cost_per_token":
        report, _ = solve_matrix(derived.compiled, deadline.settings(settings))
        runs.append(report)
        if report.objective_value is None or not report.status.has_solution:
            return report.status, None
        return report.status, report.objective_value * OBJECTIVE_USD_PER_MODEL_UNIT[data.objective]
    cost_rp, cost_constant = linear_vector(
        compiled, sum(m.probability[s] * m.pv_cost_musd[s] for s in m.SCENARIOS)
    )
    tokens_rp, tokens_constant = linear_vector(
        compiled, sum(m.probability[s] * m.pv_tokens_ttok[s] for s in m.SCENARIOS)
    )
    cost, tokens = derived.objective(cost_rp), derived.objective(tokens_rp)

    def step(ratio: float) -> tuple[SolveReport, float, float]:
        lp.col_cost_ = cost - ratio * tokens
        lp.offset_ = cost_constant - ratio * tokens_constant
        report, x = solve_matrix(derived.compiled, deadline.settings(settings))
        runs.append(report)
        if x is None:
            return report, math.nan, math.nan
        return report, float(cost @ x) + cost_constant, float(tokens @ x) + tokens_constant

    solved = dinkelbach(step, deadline)
    return solved.report.status, solved.report.objective_value


def stochastic_values(run: PlanRun, rp: PlanSolve) -> StochasticValues:
    """VSS and EVPI around the run's solved recourse problem (its plan is left as it was)."""
    m, data, deadline = run.model, run.data, run.budget
    sign = -1.0 if data.objective == "cost_per_token" else 1.0
    rp_value = objective_of(m, data, rp)
    notes = []
    runs: list[SolveReport] = []
    eev, ws = None, None
    if rp_value is not None and not deadline.expired:
        eev, note = _eev(run, runs)
        notes.append(note)
    if rp_value is not None and not deadline.expired:
        ws_status, ws = _wait_and_see(run, runs)
        if ws is None:
            notes.append(f"wait-and-see: {ws_status}")
        elif sign * (ws - rp_value) < 0:  # within the MIP gap: RP's plan is feasible for WS
            ws = rp_value
    if deadline.expired and (eev is None or ws is None):
        notes.append("time limit reached before VSS and EVPI were computed")
    if eev is not None and rp_value is not None and sign * (rp_value - eev) < 0:
        notes.append("the mean-value plan did as well as the stochastic plan within the MIP gap")
        eev = rp_value
    vss = None if rp_value is None or eev is None else sign * (rp_value - eev)
    evpi = None if rp_value is None or ws is None else sign * (ws - rp_value)
    note = "; ".join(n for n in notes if n)
    return StochasticValues(rp_value, vss, evpi, eev, ws, note, tuple(runs))
