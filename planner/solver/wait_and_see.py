"""The wait-and-see problem as a matrix derived from the plan's own compiled matrix.

Wait and see drops nonanticipativity: every scenario buys its own racks. In the model that is
`owner[y, s] = s` (planner/model/components.py), so its matrix follows from the plan's without
building or compiling a second Pyomo model:

- a decision indexed by a fleet state (year, owner) that several scenarios share becomes one
  column per scenario of that group (same bounds, same integrality);
- a row indexed by a scenario keeps one copy, its shared columns mapped to that scenario's;
- a row indexed by a fleet state or purchase path (power, budget, deliveries, supply) is
  copied once per scenario that shares it;
- the objective, and any row indexed by no scenario, give each scenario's copy of a shared
  column its probability's part of the coefficient. That is exact because fleet costs carry
  no scenario index: the coefficient of a shared purchase is sum_s probability[s] * c, and
  scenario s's own purchase takes probability[s] * c.

tests/test_wait_and_see.py compares the derived matrix with the compiled wait-and-see model row
for row on test instances with every fleet family (all years or the first year shared, CVaR,
revenue, cost per token), and the value with the old way (a second model) on
instances/1gw-uncertain.yaml. A family or scenario field that breaks the rules above fails it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
import pyomo.environ as pyo

from planner.model.scopes import Scopes
from planner.solver.highs import Compiled, Matrix, assemble_lp, triplets


@dataclass(frozen=True)
class Columns:
    """The wait-and-see columns: the plan's, then one more per extra scenario of a shared one."""

    source: np.ndarray
    """The plan's column each wait-and-see column copies."""
    weight: np.ndarray
    """Share of a plan column's objective coefficient that each copy takes."""
    keys: list[tuple[Any, int | None]]
    """(plan variable, scenario position or None) of each column: the variable itself, or its
    copy for one scenario."""
    copy: np.ndarray
    """[shared column number, scenario] -> its column (-1 where the scenario does not share it)."""
    shared_id: np.ndarray
    """Plan column -> shared column number, or -1."""

    def objective(self, vector: np.ndarray) -> np.ndarray:
        """An objective over the plan's columns as one over the wait-and-see columns."""
        return vector[self.source] * self.weight


@dataclass(frozen=True)
class WaitAndSee:
    """The derived matrix, and how a vector over the plan's columns maps onto its columns."""

    compiled: Compiled
    """The derived matrix (no Pyomo variables behind its columns)."""
    columns: Columns

    @property
    def keys(self) -> list[tuple[Any, int | None]]:
        return self.columns.keys

    def objective(self, vector: np.ndarray) -> np.ndarray:
        return self.columns.objective(vector)


class _Positions:
    """Scopes (planner/model/scopes.py) as positions in SCENARIOS."""

    def __init__(self, m: pyo.ConcreteModel) -> None:
        self.scopes = Scopes(m)
        self.at = {s: k for k, s in enumerate(m.SCENARIOS)}

    def of(self, data: Any) -> tuple[int, ...] | None:
        names = self.scopes.of(data)
        return None if names is None else tuple(self.at[s] for s in names)


def _columns(compiled: Compiled, positions: _Positions, probability: np.ndarray) -> Columns:
    n_col, n_scenarios = len(compiled.columns), len(probability)
    shared_id = np.full(n_col, -1, dtype=np.int64)
    source, weight = list(range(n_col)), [1.0] * n_col
    keys: list[tuple[Any, int | None]] = [(v, None) for v in compiled.columns]
    copies_of: list[list[int]] = []
    position = {id(v): j for j, v in enumerate(compiled.columns)}
    fleet_vars = [  # only decisions indexed by a fleet state or path can be shared
        var
        for component in positions.scopes.m.component_objects(pyo.Var)
        if len(component) and positions.scopes.kind(component)[0] in ("fleet", "path")
        for var in component.values()
    ]
    for var in fleet_vars:
        j = position.get(id(var))  # None: fixed, or in no row
        group = None if j is None else positions.of(var)
        if j is None or group is None or len(group) == 1:
            continue
        shared_id[j] = len(copies_of)
        share = float(probability[list(group)].sum())
        copies = [-1] * n_scenarios
        for n, t in enumerate(group):  # the first scenario keeps the plan's column
            k = j if n == 0 else len(source)
            if n:
                source.append(j)
                weight.append(0.0)
                keys.append((var, t))
            keys[k] = (var, t)
            weight[k] = probability[t] / share
            copies[t] = k
        copies_of.append(copies)
    copy = np.array(copies_of, dtype=np.int64).reshape(len(copies_of), n_scenarios)
    return Columns(np.asarray(source, dtype=np.int64), np.asarray(weight), keys, copy, shared_id)


def _rows(compiled: Compiled, positions: _Positions) -> tuple[np.ndarray, np.ndarray]:
    """(plan row, scenario or -1 for all) of each wait-and-see row."""
    source: list[int] = []
    scenario: list[int] = []
    for i, con in enumerate(compiled.rows):
        group = positions.of(con)
        for t in (-1,) if group is None else group:
            source.append(i)
            scenario.append(t)
    return np.asarray(source, dtype=np.int64), np.asarray(scenario, dtype=np.int64)


def _entries(a: Matrix, n_row: int, rows: tuple[np.ndarray, np.ndarray], cols: Columns) -> Matrix:
    """Each wait-and-see row gets its plan row's entries, shared columns mapped to its
    scenario's copies (a row of all scenarios: spread over the copies by probability)."""
    source, scenario_of = rows
    order = np.argsort(a.row, kind="stable")
    per_row = np.bincount(a.row, minlength=n_row)
    first = np.concatenate(([0], np.cumsum(per_row)[:-1]))
    lengths = per_row[source]
    row = np.repeat(np.arange(len(source), dtype=np.int64), lengths)
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    entry = order[np.repeat(first[source], lengths) + offsets]
    col, value = a.col[entry].copy(), a.value[entry].copy()
    scenario = scenario_of[row]
    sid = cols.shared_id[col]
    mapped = (sid >= 0) & (scenario >= 0)
    col[mapped] = cols.copy[sid[mapped], scenario[mapped]]
    if (col < 0).any():
        raise ValueError("a scenario's row uses a fleet state the scenario does not share")
    spread = np.flatnonzero((sid >= 0) & (scenario < 0))
    if not len(spread):
        return Matrix(row, col, value)
    extra: list[tuple[int, int, float]] = [
        (int(row[e]), k, float(value[e] * cols.weight[k]))
        for e in spread.tolist()
        for k in cols.copy[sid[e]].tolist()
        if k >= 0
    ]
    keep = np.ones(len(col), dtype=bool)
    keep[spread] = False
    more = np.array(extra, dtype=float).reshape(-1, 3)
    return Matrix(
        np.concatenate((row[keep], more[:, 0].astype(np.int64))),
        np.concatenate((col[keep], more[:, 1].astype(np.int64))),
        np.concatenate((value[keep], more[:, 2])),
    )


def wait_and_see(m: pyo.ConcreteModel, compiled: Compiled) -> WaitAndSee:
    """The wait-and-see matrix of `compiled`, a compile of `m` (the plan with shared years)."""
    probability = np.array([pyo.value(m.probability[s]) for s in m.SCENARIOS], dtype=float)
    positions = _Positions(m)
    cols = _columns(compiled, positions, probability)
    source, rows = cols.source, _rows(compiled, positions)
    lp = compiled.lp
    integer = compiled.integer[source]
    offset = float(lp.offset_)
    derived_lp = assemble_lp(
        _entries(triplets(lp), lp.num_row_, rows, cols),
        cost=cols.objective(np.asarray(lp.col_cost_, dtype=float)),
        col_lower=np.asarray(lp.col_lower_, dtype=float)[source],
        col_upper=np.asarray(lp.col_upper_, dtype=float)[source],
        row_lower=np.asarray(lp.row_lower_, dtype=float)[rows[0]],
        row_upper=np.asarray(lp.row_upper_, dtype=float)[rows[0]],
        integer=integer,
        maximise=lp.sense_ == highspy.ObjSense.kMaximize,
        offset=offset,
    )
    return WaitAndSee(Compiled(derived_lp, [], [], offset, integer), cols)
