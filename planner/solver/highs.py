"""The only module that talks to HiGHS (through Pyomo's `contrib.solver` interface).

It returns a frozen `SolveReport` with our own status enum. A time limit with an incumbent is
a result (`feasible`, gap reported), not a crash.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import pyomo.environ as pyo
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs


class SolveStatus(StrEnum):
    """Outcome of a solve, as reported to users and written to CSV."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    NO_SOLUTION = "no_solution"
    ERROR = "error"

    @property
    def has_solution(self) -> bool:
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


@dataclass(frozen=True)
class SolveSettings:
    """Solver options exposed on the command line."""

    time_limit_s: float | None = None
    mip_gap_frac: float = 1e-4
    threads: int | None = None
    verbose: bool = False


@dataclass(frozen=True)
class SolveReport:
    """What one HiGHS run produced."""

    status: SolveStatus
    objective_value: float | None
    best_bound: float | None
    mip_gap_frac: float | None
    solve_s: float
    termination: str
    warnings: tuple[str, ...] = ()
    log: str = field(default="", repr=False)


_LIMITS = {
    TerminationCondition.maxTimeLimit,
    TerminationCondition.iterationLimit,
    TerminationCondition.objectiveLimit,
    TerminationCondition.interrupted,
    TerminationCondition.minStepLength,
}


def _status(term: TerminationCondition, sol: SolutionStatus) -> SolveStatus:
    has_incumbent = sol in (SolutionStatus.optimal, SolutionStatus.feasible)
    if term == TerminationCondition.convergenceCriteriaSatisfied:
        return SolveStatus.OPTIMAL
    if term in (TerminationCondition.provenInfeasible, TerminationCondition.locallyInfeasible):
        return SolveStatus.INFEASIBLE
    if term == TerminationCondition.infeasibleOrUnbounded:
        return SolveStatus.INFEASIBLE
    if term == TerminationCondition.unbounded:
        return SolveStatus.UNBOUNDED
    if term in _LIMITS or term == TerminationCondition.unknown:
        return SolveStatus.FEASIBLE if has_incumbent else SolveStatus.NO_SOLUTION
    return SolveStatus.ERROR


def relative_gap(incumbent: float | None, bound: float | None) -> float | None:
    """|bound - incumbent| / max(|incumbent|, 1e-9), HiGHS's definition, or None."""
    if incumbent is None or bound is None or math.isinf(bound) or math.isnan(bound):
        return None
    gap = abs(bound - incumbent) / max(abs(incumbent), 1e-9)
    return 0.0 if gap < 1e-12 else gap


def make_solver(quiet: bool = False) -> Highs:
    """A persistent HiGHS interface; reuse it across solves of the same model.

    quiet: no HiGHS log (for sweeps of thousands of re-solves; no solver warnings collected).
    """
    return Highs(solver_options={"output_flag": False}) if quiet else Highs()


def write_solver_model(solver: Highs, path: str) -> None:
    """Write the model a persistent interface holds (after a solve), exactly as HiGHS sees it."""
    solver._solver_model.writeModel(path)


_scheduler = threading.local()
"""Per thread: the `threads` HiGHS's task scheduler was started with (unset: not started)."""


def _match_scheduler(threads: int | None) -> None:
    """HiGHS (1.12 and later) starts one task scheduler per thread and refuses a later solve
    asking for a different `threads` ("scheduler has already been initialized"): the solve
    ends with no solution. Restart this thread's scheduler when the thread count changes."""
    if getattr(_scheduler, "threads", threads) != threads:
        import highspy

        reset = getattr(highspy.Highs, "resetThreadScheduler", None) or getattr(
            highspy.Highs, "resetGlobalScheduler", None
        )
        if reset is not None:
            reset(True)
    _scheduler.threads = threads


def _run(model: pyo.ConcreteModel, settings: SolveSettings, solver: Highs, presolve: str) -> Any:
    _match_scheduler(settings.threads)
    return solver.solve(
        model,
        tee=[sys.stdout] if settings.verbose else False,
        load_solutions=False,
        raise_exception_on_nonoptimal_result=False,
        time_limit=settings.time_limit_s,
        rel_gap=settings.mip_gap_frac,
        threads=settings.threads,
        solver_options={"random_seed": 0, "presolve": presolve},
    )


def solve_model(
    model: pyo.ConcreteModel, settings: SolveSettings, solver: Highs | None = None
) -> SolveReport:
    """Solve the model's active objective and load the incumbent into its variables.

    When presolve can only say "infeasible or unbounded", one re-run without presolve tells
    which, so users get `infeasible` or `unbounded`, never the ambiguous pair.
    """
    return _solve(model, settings, solver or make_solver())[0]


def _solve(model: pyo.ConcreteModel, settings: SolveSettings, solver: Highs) -> tuple[Any, Any]:
    start = time.perf_counter()
    try:
        results = _run(model, settings, solver, "choose")
        if results.termination_condition == TerminationCondition.infeasibleOrUnbounded:
            results = _run(model, settings, solver, "off")
    except Exception as exc:  # noqa: BLE001 - any solver failure becomes a status
        report = SolveReport(
            status=SolveStatus.ERROR,
            objective_value=None,
            best_bound=None,
            mip_gap_frac=None,
            solve_s=time.perf_counter() - start,
            termination=f"{type(exc).__name__}: {exc}",
        )
        return report, None
    status = _status(results.termination_condition, results.solution_status)
    if status.has_solution:
        results.solution_loader.load_vars()
    incumbent = results.incumbent_objective if status.has_solution else None
    bound = results.objective_bound
    log = results.solver_log or ""
    report = SolveReport(
        status=status,
        objective_value=incumbent,
        best_bound=bound,
        mip_gap_frac=relative_gap(incumbent, bound),
        solve_s=time.perf_counter() - start,
        termination=results.termination_condition.name,
        warnings=tuple(line.strip() for line in log.splitlines() if "WARNING" in line),
        log=log,
    )
    return report, results


@dataclass(frozen=True)
class LinearDuals:
    """Duals of an LP solve, as HiGHS reports them: the change of the objective per unit
    increase of the active bound of each row (`constraints`) and column (`variables`)."""

    report: SolveReport
    constraints: Mapping[Any, float]
    variables: Mapping[Any, float]
    """A pyomo ComponentMap: variables are keyed by identity."""


def solve_lp_duals(model: pyo.ConcreteModel, settings: SolveSettings) -> LinearDuals:
    """Solve a model with no integer variables and read its row and column duals.

    Fixed variables stay columns (with equal bounds) so their reduced costs are reported.
    """
    report, results = _solve(model, settings, Highs(treat_fixed_vars_as_params=False))
    if report.status != SolveStatus.OPTIMAL:
        return LinearDuals(report, {}, {})
    loader = results.solution_loader
    return LinearDuals(report, loader.get_duals(), loader.get_reduced_costs())


def highs_version() -> str:
    """HiGHS version string, e.g. '1.15.1'."""
    return ".".join(str(x) for x in make_solver().version())
