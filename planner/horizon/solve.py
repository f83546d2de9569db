"""Solving horizon/scenario models: objective strategies, and VSS / EVPI from extra solves.

- profit, revenue: maximise the (risk-adjusted) expected NPV; for revenue a second solve keeps
  that value and buys the least expected PV of capex (as the single-year revenue objective).
- cost_per_token: Dinkelbach on expected PV cost - lambda x expected discounted tokens.
- VSS = RP - EEV: RP is the stochastic optimum; EEV fixes the shared purchases of the
  mean-scenario plan and re-optimises the rest in every scenario. EVPI = WS - RP, WS the
  probability-weighted optimum of each scenario solved alone. Signs flip for cost_per_token
  (a minimisation) so both are >= 0.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import pyomo.environ as pyo

from planner.horizon.build import build_horizon_model
from planner.horizon.data import HorizonData, mean_scenario, single_scenario
from planner.solver import SolveReport, SolveSettings, SolveStatus, make_solver, solve_model
from planner.strategies import DINKELBACH_MAX_ITERATIONS, DINKELBACH_TOL, floor_scale_musd

USD_PER_MUSD = 1e6


@dataclass(frozen=True)
class HorizonSolve:
    """A solved horizon model and its report."""

    model: pyo.ConcreteModel
    report: SolveReport
    stages: tuple[SolveReport, ...]
    dinkelbach_usd_per_mtok: tuple[float, ...] = ()


def _merge(first: SolveReport, stages: list[SolveReport], value: float | None) -> SolveReport:
    worst = (
        SolveStatus.OPTIMAL
        if all(s.status == SolveStatus.OPTIMAL for s in stages)
        else SolveStatus.FEASIBLE
    )
    return replace(first, status=worst if first.status.has_solution else first.status, objective_value=value,
                   solve_s=sum(s.solve_s for s in stages), warnings=tuple(w for s in stages for w in s.warnings))  # fmt: skip


def solve_horizon_model(
    m: pyo.ConcreteModel, objective: str, settings: SolveSettings
) -> HorizonSolve:
    """Solve a built model in place with the objective's strategy."""
    solver = make_solver()
    start = time.perf_counter()
    if objective == "cost_per_token":
        return _dinkelbach(m, settings, solver)
    first = solve_model(m, settings, solver)
    if not first.status.has_solution or objective != "revenue":
        return HorizonSolve(m, first, (first,))
    value = pyo.value(m.objective)
    m.objective_floor_musd.set_value(value - 1e-9 * max(1.0, abs(value)))
    m.objective_floor_scale_musd.set_value(floor_scale_musd(abs(value)))
    m.objective.deactivate()
    m.objective_floor.activate()
    m.least_capex.activate()
    left = (
        settings
        if settings.time_limit_s is None
        else replace(
            settings, time_limit_s=max(settings.time_limit_s - (time.perf_counter() - start), 0.01)
        )
    )
    second = solve_model(m, left, solver)
    m.least_capex.deactivate()
    m.objective_floor.deactivate()
    m.objective.activate()
    if not second.status.has_solution:  # keep stage 1's plan by re-solving it
        second = solve_model(m, left, solver)
    return HorizonSolve(m, _merge(first, [first, second], pyo.value(m.objective)), (first, second))


def _dinkelbach(m: pyo.ConcreteModel, settings: SolveSettings, solver) -> HorizonSolve:
    stages: list[SolveReport] = []
    ratios: list[float] = []
    ratio = 0.0
    probability = {s: pyo.value(m.probability[s]) for s in m.SCENARIOS}
    for _ in range(DINKELBACH_MAX_ITERATIONS):
        m.cost_per_token_lambda.set_value(ratio)
        report = solve_model(m, settings, solver)
        stages.append(report)
        if not report.status.has_solution:
            if ratios:
                break
            return HorizonSolve(m, report, tuple(stages))
        cost = sum(p * pyo.value(m.pv_cost_musd[s]) for s, p in probability.items())
        tokens = sum(p * pyo.value(m.pv_tokens_ttok[s]) for s, p in probability.items())
        ratios.append(ratio)
        if tokens <= 0:
            break
        converged = abs(cost - ratio * tokens) <= DINKELBACH_TOL * max(1.0, abs(cost))
        ratio = cost / tokens
        if converged:
            break
    return HorizonSolve(m, _merge(stages[0], stages, ratio), tuple(stages), tuple(ratios))


def expected_value_usd(hs: HorizonSolve, objective: str) -> float | None:
    """Expected NPV ($) for profit/revenue, or levelised $/Mtok for cost_per_token."""
    if not hs.report.status.has_solution:
        return None
    m = hs.model
    if objective == "cost_per_token":
        return hs.report.objective_value
    npv = m.npv_revenue_musd if objective == "revenue" else m.npv_profit_musd
    return sum(pyo.value(m.probability[s]) * pyo.value(npv[s]) for s in m.SCENARIOS) * USD_PER_MUSD


def solve_data(
    d: HorizonData, settings: SolveSettings, fixed_buy: dict | None = None
) -> HorizonSolve:
    """Build and solve; `fixed_buy` {(rack, year): count} fixes those purchases in every scenario."""
    m = build_horizon_model(d)
    for (r, y), count in (fixed_buy or {}).items():
        for yy, o in m.FLEET:
            if yy == y:
                m.buy[r, y, o].fix(count)
    return solve_horizon_model(m, d.objective, settings)


@dataclass(frozen=True)
class StochasticValues:
    """Expected value of the stochastic plan, VSS and EVPI, in objective units ($ or $/Mtok)."""

    expected_value: float | None
    vss: float | None
    evpi: float | None
    eev: float | None
    wait_and_see: float | None


def stochastic_values(
    d: HorizonData, rp: HorizonSolve, settings: SolveSettings
) -> StochasticValues:
    """VSS and EVPI around a solved recourse problem (RP)."""
    objective = d.objective
    sign = -1.0 if objective == "cost_per_token" else 1.0
    rp_value = expected_value_usd(rp, objective)
    mean = solve_data(mean_scenario(d), settings)
    eev = None
    if mean.report.status.has_solution:
        first = mean.model.SCENARIOS.first()
        fixed = {
            (r, y): round(pyo.value(mean.model.buy[r, y, first]))
            for r in mean.model.RACKS
            for y in d.shared_years
        }
        ev_problem = solve_data(d, settings, fixed_buy=fixed)
        eev = expected_value_usd(ev_problem, objective)
        if eev is None and ev_problem.report.status == SolveStatus.INFEASIBLE:
            eev = -sign * math.inf  # the mean plan cannot be run in some scenario: VSS = inf
    ws_parts = []
    for s in d.scenarios:
        alone = solve_data(single_scenario(d, s), settings)
        value = expected_value_usd(alone, objective)
        ws_parts.append(None if value is None else d.probability[s] * value)
    ws = None if any(v is None for v in ws_parts) else sum(ws_parts)
    vss = None if rp_value is None or eev is None else sign * (rp_value - eev)
    evpi = None if rp_value is None or ws is None else sign * (ws - rp_value)
    return StochasticValues(rp_value, vss, evpi, eev, ws)
