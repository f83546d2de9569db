"""The only module that talks to HiGHS.

A model's active objective and constraints are compiled to a matrix by Pyomo's linear
expression walker (one pass; fixed variables fold into constants) and handed to highspy in one
call; the solution is read back into the model's variables. Compiling each solve anew keeps Pyomo the
model of record (a study changes a mutable parameter, a strategy fixes a variable or switches
an objective, and the next solve sees it) at a fraction of the cost of Pyomo's persistent
interface, which re-walks every expression on each hand-off (bench/horizon_scale.py). A run
(planner/solver/run.py) may reuse a compile for a re-solve of the same problem with other
variable bounds (EEV); `solve_matrix` solves a matrix no model holds (the derived wait-and-see problem).

It returns a frozen `SolveReport` with our own status enum. A time limit with an incumbent is
a result (`feasible`, gap reported), not a crash.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.common.collections import ComponentMap
from pyomo.common.gc_manager import PauseGC
from pyomo.repn.linear import LinearRepnVisitor

from planner.model import variables


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
    threads: int | None = 1
    """HiGHS threads. One by default, in every command: HiGHS's search then depends on nothing
    but the model, so `plan solve`, `plan explain` and each case of a sweep (whose workers run
    one thread each) find the same plan among those within the gap, on any machine. More
    threads (`--threads`) may find another plan within the gap; None lets HiGHS choose."""
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
    highs_s: float = 0.0
    """HiGHS's own run time; solve_s - highs_s is the hand-off (compile, pass, read back)."""
    rows: RowActivity | None = field(default=None, repr=False, compare=False)
    """Each row's activity at the incumbent (None without one, or for a derived matrix)."""


@dataclass(frozen=True)
class RowActivity:
    """The rows of a solved model at its incumbent, as HiGHS saw them: constants moved into
    the bounds, so bound - activity is each row's slack."""

    constraints: list[Any]
    activity: np.ndarray
    lower: np.ndarray
    upper: np.ndarray


_MS = highspy.HighsModelStatus
_TERMINATION = {
    _MS.kOptimal: ("convergenceCriteriaSatisfied", SolveStatus.OPTIMAL),
    _MS.kInfeasible: ("provenInfeasible", SolveStatus.INFEASIBLE),
    _MS.kUnboundedOrInfeasible: ("infeasibleOrUnbounded", SolveStatus.INFEASIBLE),
    _MS.kUnbounded: ("unbounded", SolveStatus.UNBOUNDED),
    _MS.kTimeLimit: ("maxTimeLimit", None),
    _MS.kIterationLimit: ("iterationLimit", None),
    _MS.kSolutionLimit: ("iterationLimit", None),
    _MS.kInterrupt: ("interrupted", None),
    _MS.kObjectiveBound: ("objectiveLimit", None),
    _MS.kObjectiveTarget: ("objectiveLimit", None),
    _MS.kUnknown: ("unknown", None),
    _MS.kNotset: ("unknown", None),
}
"""HiGHS model status -> (termination name, status; None: feasible with an incumbent, else
no_solution). Any other status (load, model, presolve, solve or postsolve error) is `error`."""


def relative_gap(incumbent: float | None, bound: float | None) -> float | None:
    """|bound - incumbent| / max(|incumbent|, 1e-9), HiGHS's definition, or None."""
    if incumbent is None or bound is None or math.isinf(bound) or math.isnan(bound):
        return None
    gap = abs(bound - incumbent) / max(abs(incumbent), 1e-9)
    return 0.0 if gap < 1e-12 else gap


_local = threading.local()
"""Per thread: one highspy instance (its banner is printed once, at creation, and silenced)
and the `threads` its task scheduler was started with."""


def _new_highs() -> highspy.Highs:
    """A highspy instance, created with file descriptor 1 silenced (HiGHS prints a banner)."""
    sys.stdout.flush()
    saved, null = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    try:
        return highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


def _highs() -> highspy.Highs:
    if getattr(_local, "highs", None) is None:
        _local.highs = _new_highs()
    return _local.highs


def _match_scheduler(threads: int | None) -> None:
    """HiGHS (1.12 and later) starts one task scheduler per thread and refuses a later solve
    asking for a different `threads` ("scheduler has already been initialized"): the solve
    ends with no solution. Restart this thread's scheduler when the thread count changes."""
    if getattr(_local, "threads", threads) != threads:
        reset = getattr(highspy.Highs, "resetThreadScheduler", None) or getattr(
            highspy.Highs, "resetGlobalScheduler", None
        )
        if reset is not None:
            reset(True)
    _local.threads = threads


class Highs:
    """A solver session: quiet or not, and the last model handed to HiGHS (`write_model`)."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.last_lp: highspy.HighsLp | None = None
        self.last_columns: list[Any] = []
        """The Pyomo variable of each column of `last_lp`."""

    def column_of(self, var: Any) -> int:
        """The column of a variable in the last model handed to HiGHS."""
        return next(k for k, v in enumerate(self.last_columns) if v is var)


def make_solver(quiet: bool = False) -> Highs:
    """A session to reuse across solves. quiet: no HiGHS log (sweeps of thousands of
    re-solves; no solver warnings collected)."""
    return Highs(quiet)


@dataclass
class Compiled:
    """A model as HiGHS sees it, with the Pyomo variables and rows of its columns and rows."""

    lp: highspy.HighsLp
    columns: list[Any]
    rows: list[Any]
    """Constraint of each row."""
    objective_offset: float
    integer: np.ndarray
    """Whether each column is integer (reading `lp.integrality_` back costs a list of enums)."""


def compile_model(model: pyo.ConcreteModel) -> Compiled:
    """The active objective and constraints as one HiGHS LP/MIP (fixed variables as constants).

    Each expression is reduced to its linear form by Pyomo's LinearRepnVisitor (the walker of
    Pyomo's own standard-form compiler; named expressions are reduced once and reused), and
    the column-wise matrix is assembled with numpy.
    """
    with PauseGC():  # see planner/model/__init__.py: the walk makes no cyclic garbage
        return _compile(model)


def _compile(model: pyo.ConcreteModel) -> Compiled:
    visitor = LinearRepnVisitor({})
    objectives = list(model.component_data_objects(pyo.Objective, active=True))
    if len(objectives) != 1:
        raise ValueError(f"expected one active objective, found {len(objectives)}")
    objective = visitor.walk_expression(objectives[0].expr)
    if objective.nonlinear is not None:
        raise ValueError(f"objective {objectives[0].name} is not linear")
    rows: list[Any] = []
    row_lower: list[float] = []
    row_upper: list[float] = []
    entry_row: list[int] = []
    entry_var: list[int] = []
    entry_value: list[float] = []
    for con in model.component_data_objects(pyo.Constraint, active=True):
        lb, body, ub = con.to_bounded_expression()
        if lb is None and ub is None:
            continue
        repn = visitor.walk_expression(body)
        if repn.nonlinear is not None:
            raise ValueError(f"constraint {con.name} is not linear")
        constant = float(pyo.value(repn.constant))
        row = len(rows)
        rows.append(con)
        row_lower.append(-np.inf if lb is None else float(pyo.value(lb)) - constant)
        row_upper.append(np.inf if ub is None else float(pyo.value(ub)) - constant)
        entry_row.extend([row] * len(repn.linear))
        entry_var.extend(repn.linear.keys())
        entry_value.extend(repn.linear.values())
    columns = list(visitor.var_map.values())
    position = {id(v): k for k, v in enumerate(columns)}
    col = np.fromiter((position[v] for v in entry_var), dtype=np.int64, count=len(entry_var))
    cost = np.zeros(len(columns))
    for vid, coef in objective.linear.items():
        cost[position[vid]] = coef
    offset = float(pyo.value(objective.constant))
    integer = np.array([v.is_integer() for v in columns], dtype=bool)
    lower, upper = column_bounds(columns)
    lp = assemble_lp(
        Matrix(np.asarray(entry_row, dtype=np.int64), col, np.asarray(entry_value, dtype=float)),
        cost=cost,
        col_lower=lower,
        col_upper=upper,
        row_lower=np.array(row_lower, dtype=float),
        row_upper=np.array(row_upper, dtype=float),
        integer=integer,
        maximise=objectives[0].sense == pyo.maximize,
        offset=offset,
    )
    return Compiled(lp, columns, rows, offset, integer)


def column_bounds(columns: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Each variable's (lower, upper) bound as HiGHS takes them (None as -inf / +inf)."""
    lower = np.array([-np.inf if v.lb is None else v.lb for v in columns], dtype=float)
    upper = np.array([np.inf if v.ub is None else v.ub for v in columns], dtype=float)
    return lower, upper


@dataclass(frozen=True)
class Matrix:
    """A sparse constraint matrix as (row, column, value) triplets."""

    row: np.ndarray
    col: np.ndarray
    value: np.ndarray


def assemble_lp(
    a: Matrix,
    *,
    cost: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    integer: np.ndarray,
    maximise: bool,
    offset: float,
) -> highspy.HighsLp:
    """A HiGHS LP/MIP from triplets and bounds (the matrix stored column-wise, entries of a
    column in the triplets' order)."""
    n_col, n_row = len(cost), len(row_lower)
    order = np.argsort(a.col, kind="stable")
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_col, n_row
    lp.col_cost_ = cost
    lp.col_lower_ = col_lower
    lp.col_upper_ = col_upper
    lp.row_lower_ = row_lower
    lp.row_upper_ = row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n_col, n_row
    starts = np.zeros(n_col + 1, dtype=np.int32)
    starts[1:] = np.cumsum(np.bincount(a.col, minlength=n_col))
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = a.row.astype(np.int32)[order]
    lp.a_matrix_.value_ = a.value[order]
    lp.offset_ = offset
    lp.sense_ = highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
    if integer.any():
        kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
        lp.integrality_ = [kinds[i] for i in integer.tolist()]
    return lp


def triplets(lp: highspy.HighsLp) -> Matrix:
    """The (row, column, value) triplets of a column-wise HiGHS matrix."""
    starts = np.asarray(lp.a_matrix_.start_, dtype=np.int64)
    col = np.repeat(np.arange(lp.num_col_, dtype=np.int64), np.diff(starts))
    row = np.asarray(lp.a_matrix_.index_, dtype=np.int64)
    return Matrix(row, col, np.asarray(lp.a_matrix_.value_, dtype=float))


MIP_FEASIBILITY_TOLERANCE = 1e-9
"""Integrality and MIP row tolerance (HiGHS default 1e-6): a millionth of a rack must not pass
for zero racks while it serves a forecast."""
PRIMAL_FEASIBILITY_TOLERANCE = 1e-9
MIP_ABS_GAP = 1e-9
"""Absolute MIP gap in objective units (HiGHS default 1e-6: $1 in $M, enough to call a plan
that earns a dollar no better than buying nothing)."""
"""Row tolerance in model units (HiGHS default 1e-7: $0.10 of budget, 0.1 W, 0.1 Mtok)."""


def _options(
    h: highspy.Highs, settings: SolveSettings, quiet: bool, presolve: str, log: str
) -> None:
    h.resetOptions()
    for name, value in (
        ("output_flag", not quiet or settings.verbose),
        ("log_to_console", settings.verbose),
        ("log_file", log),
        ("random_seed", 0),
        ("presolve", presolve),
        ("mip_rel_gap", settings.mip_gap_frac),
        ("time_limit", settings.time_limit_s or math.inf),
        ("threads", settings.threads or 0),
        ("mip_feasibility_tolerance", MIP_FEASIBILITY_TOLERANCE),
        ("primal_feasibility_tolerance", PRIMAL_FEASIBILITY_TOLERANCE),
        ("mip_abs_gap", MIP_ABS_GAP),
    ):
        h.setOptionValue(name, value)


def _run(compiled: Compiled, settings: SolveSettings, quiet: bool, presolve: str) -> tuple:
    """Pass the model, run HiGHS, return (highs, log text, run seconds)."""
    _match_scheduler(settings.threads)
    h = _highs()
    if quiet and not settings.verbose:  # sweeps: no log to keep, no file to write
        _options(h, settings, quiet, presolve, "")
        return h, "", _pass_and_run(h, compiled)
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "highs.log"
        _options(h, settings, quiet, presolve, str(log))
        run_s = _pass_and_run(h, compiled)
        h.setOptionValue("log_file", "")
        text = log.read_text(errors="replace") if log.exists() else ""
    return h, text, run_s


def _pass_and_run(h: highspy.Highs, compiled: Compiled) -> float:
    h.clearModel()
    h.passModel(compiled.lp)
    start = time.perf_counter()
    h.run()
    return time.perf_counter() - start


def _report(
    h: highspy.Highs, compiled: Compiled, log: str, start: float, run_s: float
) -> SolveReport:
    """The run's report; the incumbent is loaded into the model's variables (when the compile
    has them: a derived matrix has none)."""
    status_code = h.getModelStatus()
    info = h.getInfo()
    has_incumbent = info.primal_solution_status == 2
    termination, status = _TERMINATION.get(status_code, ("error", SolveStatus.ERROR))
    if status is None:
        status = SolveStatus.FEASIBLE if has_incumbent else SolveStatus.NO_SOLUTION
    if status_code == _MS.kModelEmpty:  # nothing to decide: the offset is the optimum
        termination, status = "convergenceCriteriaSatisfied", SolveStatus.OPTIMAL
    incumbent, rows = None, None
    if status.has_solution:
        incumbent = (
            info.objective_function_value if compiled.lp.num_col_ else compiled.objective_offset
        )
        solution = h.getSolution()
        if compiled.columns:
            _load(compiled, np.asarray(solution.col_value))
        if compiled.rows:
            lp = compiled.lp
            rows = RowActivity(
                compiled.rows,
                np.asarray(solution.row_value),
                np.asarray(lp.row_lower_),
                np.asarray(lp.row_upper_),
            )
    mip = bool(compiled.integer.any()) and info.mip_node_count >= 0
    bound = info.mip_dual_bound if mip else (incumbent if status == SolveStatus.OPTIMAL else None)
    return SolveReport(
        status=status,
        objective_value=incumbent,
        best_bound=bound,
        mip_gap_frac=relative_gap(incumbent, bound),
        solve_s=time.perf_counter() - start,
        termination=termination,
        warnings=tuple(line.strip() for line in log.splitlines() if "WARNING" in line),
        log=log,
        highs_s=run_s,
        rows=rows,
    )


def _load(compiled: Compiled, values: np.ndarray) -> None:
    for var, value in zip(compiled.columns, values.tolist(), strict=True):
        var.set_value(value, skip_validation=True)


def solve_matrix(
    compiled: Compiled, settings: SolveSettings, quiet: bool = True
) -> tuple[SolveReport, np.ndarray | None]:
    """Solve a matrix that no Pyomo model holds (`columns` empty, e.g. one derived from a
    compiled model): the report and the incumbent's column values (None without one)."""
    start = time.perf_counter()
    try:
        report, h = _run_and_report(compiled, settings, quiet, start)
    except Exception as exc:  # noqa: BLE001 - any solver failure becomes a status
        return _failed(exc, start), None
    values = np.asarray(h.getSolution().col_value) if report.status.has_solution else None
    return report, values


def _run_and_report(compiled: Compiled, settings: SolveSettings, quiet: bool, start: float) -> Any:
    """Run HiGHS on the compiled model; when presolve can only say "infeasible or unbounded",
    re-run without presolve to tell which. Returns (report, highs)."""
    h, log, run_s = _run(compiled, settings, quiet, "choose")
    if h.getModelStatus() == _MS.kUnboundedOrInfeasible:
        h, log, run_s = _run(compiled, settings, quiet, "off")
    return _report(h, compiled, log, start, run_s), h


def _failed(exc: Exception, start: float) -> SolveReport:
    return SolveReport(
        status=SolveStatus.ERROR,
        objective_value=None,
        best_bound=None,
        mip_gap_frac=None,
        solve_s=time.perf_counter() - start,
        termination=f"{type(exc).__name__}: {exc}",
    )


def solve_model(
    model: pyo.ConcreteModel, settings: SolveSettings, solver: Highs | None = None
) -> SolveReport:
    """Compile and solve the model's active objective and load the incumbent into its variables.

    When presolve can only say "infeasible or unbounded", one re-run without presolve tells
    which, so users get `infeasible` or `unbounded`, never the ambiguous pair. A run that
    re-solves one model many times compiles through its `PlanRun` (planner/solver/run.py),
    which may reuse a matrix.
    """
    return _solve(lambda: compile_model(model), settings, solver or make_solver())[0]


def solve_compiled(
    compile: Callable[[], Compiled],
    settings: SolveSettings | Callable[[], SolveSettings],
    solver: Highs,
) -> SolveReport:
    """Solve the matrix `compile()` gives (its columns a model's variables) and load the
    incumbent into them; a failure to compile is a status too. `settings` may be a callable,
    asked after the compile: a time budget then counts the compile (on a large model it is
    seconds) instead of handing HiGHS what was left before it."""
    return _solve(compile, settings, solver)[0]


def linear_vector(compiled: Compiled, expr: Any) -> tuple[np.ndarray, float]:
    """A linear expression over the compiled model's columns: (coefficient per column,
    constant), fixed variables folded into the constant."""
    repn = LinearRepnVisitor({}).walk_expression(expr)
    if repn.nonlinear is not None:
        raise ValueError("expression is not linear")
    position = {id(v): k for k, v in enumerate(compiled.columns)}
    vector = np.zeros(len(compiled.columns))
    for vid, coef in repn.linear.items():
        if vid not in position:
            raise ValueError("expression has a variable the compiled model does not")
        vector[position[vid]] += coef
    return vector, float(pyo.value(repn.constant))


def _solve(
    compile: Callable[[], Compiled],
    settings: SolveSettings | Callable[[], SolveSettings],
    solver: Highs,
) -> tuple[Any, Any]:
    start = time.perf_counter()
    try:
        compiled = compile()
        solver.last_lp, solver.last_columns = compiled.lp, compiled.columns
        given = settings() if callable(settings) else settings
        report, h = _run_and_report(compiled, given, solver.quiet, start)
    except Exception as exc:  # noqa: BLE001 - any solver failure becomes a status
        return _failed(exc, start), None
    return report, (h, compiled)


def write_solver_model(solver: Highs, path: str) -> None:
    """Write the last model the session handed to HiGHS (after a solve), as HiGHS sees it."""
    if solver.last_lp is None:
        raise ValueError("no model solved yet")
    h = _new_highs()
    h.setOptionValue("output_flag", False)
    h.passModel(solver.last_lp)
    h.writeModel(path)


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
    fixed = [v for v in variables(model) if v.fixed]
    bounds = {id(v): (v.lb, v.ub) for v in fixed}
    for v in fixed:
        value = v.value
        v.unfix()
        v.setlb(value)
        v.setub(value)
    try:
        report, found = _solve(lambda: compile_model(model), settings, make_solver())
    finally:
        for v in fixed:
            lb, ub = bounds[id(v)]
            value = v.value
            v.setlb(lb)
            v.setub(ub)
            v.fix(value)
    if report.status != SolveStatus.OPTIMAL or found is None:
        return LinearDuals(report, {}, {})
    h, compiled = found
    solution = h.getSolution()
    if not solution.dual_valid:
        return LinearDuals(report, {}, {})
    rows = dict(zip(compiled.rows, solution.row_dual, strict=True))
    columns = ComponentMap(zip(compiled.columns, solution.col_dual, strict=True))
    return LinearDuals(report, rows, columns)


def highs_version() -> str:
    """HiGHS version string, e.g. '1.15.1'."""
    h = _highs()
    return f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"
