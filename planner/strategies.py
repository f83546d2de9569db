"""How each objective is solved, composed from `solver.solve_model` calls.

- revenue: maximise revenue, then (same model) the least capex that keeps that revenue.
- profit: one MILP.
- cost_per_token: Dinkelbach iterations of MILPs on min cost - lambda x tokens.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import pyomo.environ as pyo

from planner.solver import (
    Highs,
    SolveReport,
    SolveSettings,
    SolveStatus,
    make_solver,
    solve_model,
)

DINKELBACH_MAX_ITERATIONS = 50
DINKELBACH_TOL = 1e-9


@dataclass(frozen=True)
class DinkelbachStep:
    """One Dinkelbach iteration: the ratio tried, and the MILP's cost, tokens and value."""

    iteration: int
    lambda_usd_per_mtok: float
    cost_musd_per_year: float
    sold_ttok_per_year: float
    step_objective_musd: float
    status: SolveStatus


@dataclass(frozen=True)
class PlanSolve:
    """The report users see, plus the per-stage detail."""

    report: SolveReport
    stages: tuple[SolveReport, ...]
    dinkelbach: tuple[DinkelbachStep, ...] = ()


def _remaining(settings: SolveSettings, start: float) -> SolveSettings:
    if settings.time_limit_s is None:
        return settings
    left = max(settings.time_limit_s - (time.perf_counter() - start), 0.01)
    return replace(settings, time_limit_s=left)


def _snapshot(m: pyo.ConcreteModel) -> dict[int, float | None]:
    return {id(v): v.value for v in m.component_data_objects(pyo.Var)}


def _restore(m: pyo.ConcreteModel, values: dict[int, float | None]) -> None:
    for v in m.component_data_objects(pyo.Var):
        v.set_value(values[id(v)], skip_validation=True)


def floor_scale_musd(revenue_musd: float) -> float:
    """Power of ten at or below the revenue floor (at least 1): the floor row's bound is in [1, 10)."""
    return 10.0 ** max(0, math.floor(math.log10(max(revenue_musd, 1.0))))


def solve_revenue(
    m: pyo.ConcreteModel, settings: SolveSettings, solver: Highs | None = None
) -> PlanSolve:
    """Stage 1 maximises revenue; stage 2 buys the least capex that keeps it."""
    start = time.perf_counter()
    solver = solver or make_solver()
    first = solve_model(m, settings, solver)
    if not first.status.has_solution:
        return PlanSolve(report=first, stages=(first,))
    revenue = pyo.value(m.revenue_musd_per_year)
    kept = _snapshot(m)
    m.revenue_floor_musd.set_value(revenue)
    m.revenue_floor_scale_musd.set_value(floor_scale_musd(revenue))
    m.objective.deactivate()
    m.revenue_floor.activate()
    m.least_capex.activate()
    second = solve_model(m, _remaining(settings, start), solver)
    m.least_capex.deactivate()
    m.revenue_floor.deactivate()
    m.objective.activate()
    if not second.status.has_solution:
        _restore(m, kept)
    report = replace(
        first,
        objective_value=pyo.value(m.revenue_musd_per_year),
        solve_s=first.solve_s + second.solve_s,
        warnings=first.warnings + second.warnings,
    )
    return PlanSolve(report=report, stages=(first, second))


def solve_single(
    m: pyo.ConcreteModel, settings: SolveSettings, solver: Highs | None = None
) -> PlanSolve:
    """One solve of the active objective."""
    report = solve_model(m, settings, solver)
    return PlanSolve(report=report, stages=(report,))


def solve_cost_per_token(
    m: pyo.ConcreteModel, settings: SolveSettings, solver: Highs | None = None
) -> PlanSolve:
    """Dinkelbach: lambda_{k+1} = cost(x_k) / tokens(x_k) until min cost - lambda tokens = 0.

    Starting at lambda = 0 gives the cheapest plan serving every forecast; each step then
    finds a plan whose ratio is strictly lower, or proves none exists (step optimum >= 0).
    Reported objective: the optimal ratio in $/Mtok ($M per Ttok).
    """
    start = time.perf_counter()
    solver = solver or make_solver()
    steps: list[DinkelbachStep] = []
    stages: list[SolveReport] = []
    ratio = 0.0
    for iteration in range(1, DINKELBACH_MAX_ITERATIONS + 1):
        m.cost_per_token_lambda.set_value(ratio)
        report = solve_model(m, _remaining(settings, start), solver)
        stages.append(report)
        if not report.status.has_solution:
            if steps:  # keep the best plan found so far, at the last accepted ratio
                break
            return PlanSolve(report=report, stages=tuple(stages))
        cost = pyo.value(m.cost_musd_per_year)
        tokens = pyo.value(m.sold_total_ttok_per_year)
        value = cost - ratio * tokens
        steps.append(DinkelbachStep(iteration, ratio, cost, tokens, value, report.status))
        if tokens <= 0:
            break
        converged = abs(value) <= DINKELBACH_TOL * max(1.0, abs(cost))
        ratio = cost / tokens
        if converged:
            break
    worst = SolveStatus.OPTIMAL
    if any(s.status != SolveStatus.OPTIMAL for s in stages):
        worst = SolveStatus.FEASIBLE
    last = stages[-1]
    report = SolveReport(
        status=worst,
        objective_value=ratio,
        best_bound=ratio if worst == SolveStatus.OPTIMAL else None,
        mip_gap_frac=0.0 if worst == SolveStatus.OPTIMAL else last.mip_gap_frac,
        solve_s=sum(s.solve_s for s in stages),
        termination=last.termination,
        warnings=tuple(w for s in stages for w in s.warnings),
    )
    return PlanSolve(report=report, stages=tuple(stages), dinkelbach=tuple(steps))


def solve_plan(
    m: pyo.ConcreteModel, objective: str, settings: SolveSettings, solver: Highs | None = None
) -> PlanSolve:
    """Dispatch on the objective. Pass a persistent `solver` to re-solve an updated model."""
    if objective == "revenue":
        return solve_revenue(m, settings, solver)
    if objective == "cost_per_token":
        return solve_cost_per_token(m, settings, solver)
    return solve_single(m, settings, solver)
