"""One run of the planner on one model: `PlanRun`, and the run's time budget, `Deadline`.

A run owns what its solves share: the plan data the model was built from (the routes the
data were priced with live on its catalog), the Pyomo model, the solver settings and the
run's one time budget, the HiGHS session, and the matrices compiled from the model. Strategies
(planner/solver/strategies.py), the whole-rack check, VSS and EVPI and the study runner take a
run; nothing of a run lives in module state, so two runs never share a matrix.

Matrices: a solve compiles the model's active objective and constraints afresh, unless it runs
inside `reusing_matrix`, where a compile of the same problem (same objective, active
constraints, fixed variables and their values, scalar parameters) is reused with the column
bounds refreshed (EEV re-solves the plan with the mean-value purchases as bounds). An indexed
parameter is in the matrix, so it is changed through the run (`set_value`, `update`), which
drops the matrices; a compile outside `reusing_matrix` drops them too, so a run that starts
with an ordinary solve never meets a matrix of older numbers.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pyomo.environ as pyo

from planner.inputs.data import PlanData
from planner.model import build_model, update_params, variables
from planner.solver.highs import (
    Compiled,
    Highs,
    SolveReport,
    SolveSettings,
    column_bounds,
    compile_model,
    make_solver,
    solve_compiled,
)

MIN_SOLVE_S = 0.01
OUTPUT_RESERVE_FRAC = 0.05
"""Part of a time budget kept for what follows the solves (the plan's tables and checks, its
files), at the least."""
OUTPUT_S_PER_COLUMN = 5e-6
"""And at the least this much per column of the model: on the 141,300-column scale case the
tables and checks take about 0.5 s (3.5 microseconds a column here), which a 3 s budget spent
on building and solving alone overran by 16%."""
OUTPUT_S_PER_TIER = 1e-4
"""Or this much per tier, when that is more: an instance of 8,000 tiers (48,000 columns) spends
about 0.8 s on its tables, CSVs and run.json's inputs (about 90 microseconds a tier here)."""
MATRICES_KEPT = 4
"""Compiles a run keeps while reusing (each Dinkelbach ratio is one; at 140,000 columns each
is tens of MB)."""


@dataclass
class Deadline:
    """One time budget for a whole run, however many solves it takes."""

    limit_s: float | None
    start: float = field(default_factory=time.perf_counter)
    reserve_s: float = 0.0
    """Seconds kept for the tables and files after the solves (`keep_for_output`)."""

    @classmethod
    def of(cls, settings: SolveSettings) -> Deadline:
        return cls(settings.time_limit_s)

    def left_s(self) -> float | None:
        """Seconds left for building and solving: the budget less what is kept for output
        (OUTPUT_RESERVE_FRAC of it, or `reserve_s` when that is more)."""
        if self.limit_s is None:
            return None
        kept = max(self.limit_s * OUTPUT_RESERVE_FRAC, self.reserve_s)
        return self.limit_s - kept - (time.perf_counter() - self.start)

    def keep_for_output(self, columns: int, tiers: int = 0) -> None:
        """Keep OUTPUT_S_PER_COLUMN a column of the built model, or OUTPUT_S_PER_TIER a tier
        when that is more, for the tables and files."""
        self.reserve_s = max(OUTPUT_S_PER_COLUMN * columns, OUTPUT_S_PER_TIER * tiers)

    @property
    def expired(self) -> bool:
        left = self.left_s()
        return left is not None and left <= MIN_SOLVE_S

    def settings(self, settings: SolveSettings) -> SolveSettings:
        """`settings` with the time limit set to what is left of the budget."""
        left = self.left_s()
        return settings if left is None else replace(settings, time_limit_s=max(left, MIN_SOLVE_S))


@dataclass(eq=False)
class PlanRun:
    """A run's data, model, settings, deadline, HiGHS session and compiled matrices."""

    data: PlanData
    model: pyo.ConcreteModel
    settings: SolveSettings = field(default_factory=SolveSettings)
    deadline: Deadline | None = None
    """None: a budget of `settings.time_limit_s` from now."""
    solver: Highs = field(default_factory=make_solver)
    matrices: dict[tuple[Any, ...], Compiled] = field(default_factory=dict, repr=False)
    """Compiles kept while reusing, by problem signature, the most recently used last."""
    reusing: bool = False

    def __post_init__(self) -> None:
        if self.deadline is None:
            self.deadline = Deadline.of(self.settings)

    @classmethod
    def build(
        cls,
        data: PlanData,
        settings: SolveSettings | None = None,
        deadline: Deadline | None = None,
        solver: Highs | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> PlanRun:
        """Build the model of `data` (`stop` says when the time budget is gone) into a run."""
        settings = settings or SolveSettings()
        return cls(data, build_model(data, stop), settings, deadline, solver or make_solver())

    @property
    def budget(self) -> Deadline:
        assert self.deadline is not None  # set in __post_init__
        return self.deadline

    def solve(self) -> SolveReport:
        """One solve of the model's active objective within what is left of the deadline; the
        incumbent is loaded into the model's variables."""
        # the budget is read after the compile, which it counts (seconds on a large model)
        return solve_compiled(
            self.compiled, lambda: self.budget.settings(self.settings), self.solver
        )

    def compiled(self) -> Compiled:
        """The model as HiGHS sees it now; inside `reusing_matrix`, an earlier compile of the
        same problem with its column bounds refreshed."""
        signature = self._signature()
        if not self.reusing:
            compiled = compile_model(self.model)
            self.matrices = {signature: compiled}
            return compiled
        found = self.matrices.pop(signature, None)
        if found is None:
            found = compile_model(self.model)
            if len(self.matrices) >= MATRICES_KEPT:  # the least recently used goes
                self.matrices.pop(next(iter(self.matrices)))
        else:
            found.lp.col_lower_, found.lp.col_upper_ = column_bounds(found.columns)
        self.matrices[signature] = found  # now the most recently used
        return found

    @contextlib.contextmanager
    def reusing_matrix(self) -> Iterator[None]:
        """While active, a solve of a problem compiled before reuses that matrix (see the
        module docstring). Indexed parameters change only through `set_value` meanwhile."""
        before, self.reusing = self.reusing, True
        try:
            yield
        finally:
            self.reusing = before

    def set_value(self, param: Any, value: float) -> None:
        """Set a mutable parameter of the model; a matrix holds indexed ones, so the run's
        matrices go (a scalar parameter is in the problem's signature instead)."""
        param.set_value(value)
        if param.parent_component().is_indexed():
            self.matrices.clear()

    def update(self, data: PlanData) -> None:
        """Take another case's data on the same structure (`planner.model.reusable` says when):
        mutable parameters updated, matrices dropped, a fresh time budget."""
        update_params(self.model, data)
        self.data = data
        self.matrices.clear()
        self.deadline = Deadline.of(self.settings)

    def _signature(self) -> tuple[Any, ...]:
        """What makes two compiles of the model the same problem, by name and position (never
        by object identity): the objective, the active constraints, each fixed variable's
        position and value, and the scalar mutable parameters."""
        m = self.model
        objective = next(m.component_data_objects(pyo.Objective, active=True)).name
        constraints = tuple(c.name for c in m.component_objects(pyo.Constraint, active=True))
        fixed = frozenset((k, v.value) for k, v in enumerate(variables(m)) if v.fixed)
        scalars = tuple(
            pyo.value(p) for p in m.component_objects(pyo.Param) if p.mutable and not p.is_indexed()
        )
        return objective, constraints, fixed, scalars
