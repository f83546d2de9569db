"""How each objective is solved, composed from solves of one run's model (`PlanRun.solve`).

- revenue: maximise (expected, risk-adjusted) revenue, then, on the same model, the least
  expected PV of capex that keeps it.
- profit: one MILP.
- cost_per_token: Dinkelbach iterations of MILPs on  min cost - lambda x tokens.
- With CVaR, a last pass fixes the purchases and maximises the expected NPV, so that every
  scenario's sales are the best it can do with the racks bought (CVaR alone ignores the
  better scenarios); no scenario's NPV falls, so the blended objective does not fall either.

The run's `Deadline` is its one time budget: every solve of the run (stages, Dinkelbach steps,
VSS and EVPI solves) gets what is left of it, and a run out of time returns its best plan.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import pyomo.environ as pyo

from planner.model import first_stage_vars, variables
from planner.solver.exact import exact_plan
from planner.solver.highs import RowActivity, SolveReport, SolveStatus
from planner.solver.run import Deadline, PlanRun

DINKELBACH_MAX_ITERATIONS = 50
DINKELBACH_TOL = 1e-9
BISECTION_TOL = 1e-6
"""Relative width of [lo, hi] at which a ratio that only an unbounded plan approaches is the
infimum (rentals without a limit)."""
UNBOUNDED_STEP = (SolveStatus.UNBOUNDED, SolveStatus.INFEASIBLE)
"""After a step with a plan, these mean unbounded: the plans feasible do not depend on lambda
(HiGHS's presolve may only say "infeasible or unbounded")."""


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


def floor_scale_musd(value_musd: float) -> float:
    """Power of ten at or below |value| (at least 1): the floor row's bound is in [1, 10)."""
    return 10.0 ** max(0, math.floor(math.log10(max(abs(value_musd), 1.0))))


def snapshot(m: pyo.ConcreteModel) -> list[float | None]:
    """Every variable's value, to restore after a solve that must not change the plan."""
    return [v.value for v in variables(m)]


def restore(m: pyo.ConcreteModel, values: list[float | None]) -> None:
    for v, value in zip(variables(m), values, strict=True):
        v.set_value(value, skip_validation=True)


def _last_rows(stages: list[SolveReport]) -> RowActivity | None:
    """The rows of the last stage with a plan: the one the model's values are from (a stage
    without one leaves the values, or has them restored)."""
    return next((s.rows for s in reversed(stages) if s.status.has_solution), None)


def _merged(first: SolveReport, stages: list[SolveReport], value: float | None) -> SolveReport:
    """One report for several solves: optimal only if every stage was; times and warnings add."""
    worst = first.status
    if first.status.has_solution and any(s.status != SolveStatus.OPTIMAL for s in stages):
        worst = SolveStatus.FEASIBLE
    return replace(
        first,
        status=worst,
        objective_value=value,
        rows=_last_rows(stages),
        solve_s=sum(s.solve_s for s in stages),
        warnings=tuple(w for s in stages for w in s.warnings),
    )


def _least_capex(run: PlanRun, value: float, stages: list[SolveReport]) -> None:
    """Stage 2 of revenue: keep the stage-1 objective, buy the least expected PV of capex."""
    m = run.model
    kept = snapshot(m)
    m.objective_floor_musd.set_value(value)
    m.objective_floor_scale_musd.set_value(floor_scale_musd(value))
    m.objective.deactivate()
    m.objective_floor.activate()
    m.least_capex.activate()
    second = run.solve()
    m.least_capex.deactivate()
    m.objective_floor.deactivate()
    m.objective.activate()
    stages.append(second)
    if not second.status.has_solution:
        restore(m, kept)


def _sales_pass(run: PlanRun, stages: list[SolveReport]) -> None:
    """With CVaR: purchases fixed, maximise the expected NPV (each scenario's best sales)."""
    m = run.model
    kept = snapshot(m)
    bought = [v for v in first_stage_vars(m) if not v.fixed]
    for v in bought:
        v.fix(round(v.value or 0.0))
    m.cvar_weight_frac.set_value(0.0)
    third = run.solve()
    m.cvar_weight_frac.set_value(run.data.cvar_weight_frac)
    for v in bought:
        v.unfix()
    stages.append(third)
    if not third.status.has_solution:
        restore(m, kept)


def solve_max(run: PlanRun) -> PlanSolve:
    """revenue and profit: the objective, the least-capex stage (revenue), the sales pass (CVaR)."""
    first = run.solve()
    stages = [first]
    if not first.status.has_solution:
        return PlanSolve(report=first, stages=(first,))
    value = first.objective_value  # HiGHS's value of the objective, offset included
    assert value is not None  # a report with a solution has its objective value
    if run.data.objective == "revenue" and not run.budget.expired:
        _least_capex(run, value, stages)
    if run.data.has_cvar and not run.budget.expired:
        _sales_pass(run, stages)
    report = _merged(first, stages, value)
    return PlanSolve(report=report, stages=tuple(stages))


def solve_cost_per_token(run: PlanRun) -> PlanSolve:
    """Dinkelbach on the model: each step sets `cost_per_token_lambda` and re-solves.

    Cost and tokens are expected present values (for one year and one scenario: the year's).
    """
    m = run.model
    probability = {s: pyo.value(m.probability[s]) for s in m.SCENARIOS}

    def step(ratio: float) -> tuple[SolveReport, float, float]:
        m.cost_per_token_lambda.set_value(ratio)
        report = run.solve()
        if not report.status.has_solution:
            return report, math.nan, math.nan
        cost = sum(p * pyo.value(m.pv_cost_musd[s]) for s, p in probability.items())
        tokens = sum(p * pyo.value(m.pv_tokens_ttok[s]) for s, p in probability.items())
        return report, cost, tokens

    return dinkelbach(step, run.budget)


def dinkelbach(
    step: Callable[[float], tuple[SolveReport, float, float]], deadline: Deadline
) -> PlanSolve:
    """lambda_{k+1} = cost(x_k) / tokens(x_k) until min cost - lambda tokens = 0.

    `step(lambda)` solves F(lambda) = min cost - lambda x tokens and returns (report, cost,
    tokens) of its plan. Starting at lambda = 0 gives the cheapest plan serving every forecast;
    each step then finds a plan whose ratio is strictly lower, or proves none exists (F >= 0).
    Reported objective: the optimal ratio in $/Mtok ($M per Ttok).

    Rentals without a limit make F(lambda) unbounded for every lambda above their cost per
    token c: the plan can grow without end at a ratio below lambda. The feasible plans do not
    depend on lambda, so a step that finds none after one that did is unbounded. Then the
    optimum lies in [lo, hi], lo the largest ratio tried with F(lo) > 0 (0 at first), hi the
    smallest unbounded one, and the search bisects: an unbounded midpoint lowers hi; F(mid) > 0
    raises lo; F(mid) < 0 gives a plan with a ratio below mid, from which Dinkelbach resumes
    (F is bounded at every lambda below mid). When hi - lo closes to a relative 1e-6 with no
    plan below lo, the ratio only tends to the rentals' cost per token and no plan attains it:
    status unbounded, with words. Out of time, the best plan so far is kept with status
    feasible; `feasible` is never reported without a time limit having been hit.
    """
    steps: list[DinkelbachStep] = []
    stages: list[SolveReport] = []
    ratio, lo, hi = 0.0, 0.0, math.inf
    probing = False  # is `ratio` a bisection midpoint (True) or the ratio of a plan found?
    held = 0.0  # cost per token of the plan the model now holds (the last step with one)
    outcome = "iteration limit"
    for iteration in range(1, DINKELBACH_MAX_ITERATIONS + 1):
        if steps and deadline.expired:
            outcome = "time limit"
            break
        report, cost, tokens = step(ratio)
        stages.append(report)
        if not report.status.has_solution:
            if not steps or report.status not in UNBOUNDED_STEP:
                if steps:  # out of time mid-step: keep the best plan so far
                    outcome = "time limit" if deadline.expired else "solver"
                    break
                return PlanSolve(report=report, stages=tuple(stages))
            hi, probing = ratio, True
            if hi - lo <= BISECTION_TOL * max(1.0, hi):
                return _infimum(lo, hi, stages, steps)
            ratio = (lo + hi) / 2
            continue
        value = cost - ratio * tokens
        steps.append(DinkelbachStep(iteration, ratio, cost, tokens, value, report.status))
        held = cost / tokens if tokens > 0 else ratio
        if tokens <= 0 or abs(value) <= DINKELBACH_TOL * max(1.0, abs(cost)):
            outcome = "converged"
            break
        if probing and value > 0:  # F(mid) > 0: every plan costs more than mid per token
            lo = ratio
            if hi - lo <= BISECTION_TOL * max(1.0, hi):
                return _infimum(lo, hi, stages, steps)
            ratio = (lo + hi) / 2
            continue
        ratio, probing = held, False  # a plan's ratio: plain Dinkelbach from here
    converged = outcome == "converged"
    optimal = converged and all(
        s.status == SolveStatus.OPTIMAL for s in stages if s.status.has_solution
    )
    last = next(s for s in reversed(stages) if s.status.has_solution)
    words = {"time limit": "time limit before Dinkelbach converged",
             "iteration limit": f"Dinkelbach did not converge in {DINKELBACH_MAX_ITERATIONS} steps",
             "solver": f"a Dinkelbach step ended without a plan ({stages[-1].termination})"}  # fmt: skip
    report = SolveReport(
        status=SolveStatus.OPTIMAL if optimal else SolveStatus.FEASIBLE,
        objective_value=held,
        best_bound=held if optimal else None,
        mip_gap_frac=0.0 if optimal else last.mip_gap_frac,
        solve_s=sum(s.solve_s for s in stages),
        termination=last.termination if converged else words[outcome],
        warnings=tuple(w for s in stages for w in s.warnings),
        rows=_last_rows(stages),
    )
    return PlanSolve(report=report, stages=tuple(stages), dinkelbach=tuple(steps))


def _infimum(
    lo: float, hi: float, stages: list[SolveReport], steps: list[DinkelbachStep]
) -> PlanSolve:
    """No plan attains the least cost per token: it only tends to a value in [lo, hi]."""
    words = (
        f"cost per token falls toward ${hi:,.4g} per million tokens as rented capacity grows "
        "without limit, and no plan reaches it; give the rentals a max_racks limit"
    )
    report = SolveReport(
        status=SolveStatus.UNBOUNDED,
        objective_value=None,
        best_bound=lo,
        mip_gap_frac=None,
        solve_s=sum(s.solve_s for s in stages),
        termination=words,
        warnings=tuple(w for s in stages for w in s.warnings),
    )
    return PlanSolve(report=report, stages=tuple(stages), dinkelbach=tuple(steps))


def solve_plan(run: PlanRun) -> PlanSolve:
    """Solve the run's model with its objective's strategy, within the run's deadline, and
    check the plan on whole racks in exact arithmetic (planner/solver/exact.py)."""

    def solve() -> PlanSolve:
        if run.data.objective == "cost_per_token":
            return solve_cost_per_token(run)
        return solve_max(run)

    return exact_plan(run, solve, solve())
