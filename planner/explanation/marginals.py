"""Marginal values: duals of the fixed-racks LP, each checked by finite-difference re-solves.

For a parameter p of the LP  max/min f(x, p)  s.t.  g_c(x, p) <= / >= / == b_c(p), the
envelope theorem gives  dV/dp = df/dp + sum_c y_c * d(b_c - g_c)/dp  at the optimum (x*, y*),
with y_c HiGHS's row dual (objective change per unit raise of the row's active bound). The
derivatives d/dp are exact differences: every parameter enters the model linearly. A fixed
rack count's marginal is its column dual. For cost_per_token the LP is one Dinkelbach step
F(lambda) = cost - lambda * tokens, and d lambda*/dp = (dF/dp) / tokens*.

Each marginal is checked twice: a re-solve of the same LP with the parameter moved a little
(`fd_lp`, should agree), and a re-solve of the MILP with racks free to change (`fd_mip`,
differs where whole racks or a re-optimised mix matter: with racks fixed, the power and
budget rows often do not bind in the LP even when they shape the plan).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import pandas as pd
import pyomo.environ as pyo
from pyomo.common.collections import ComponentMap

from planner.explanation.base import (
    OBJECTIVE_UNIT,
    USD_PER_OBJECTIVE_UNIT,
    Baseline,
    fixed_lp,
    objective_value,
    rack_var,
    resolve_fixed_lp,
    resolve_mip,
    revenue_cost_tokens,
    year_scenario,
)
from planner.inputs.data import MTOK_PER_TTOK
from planner.solver.highs import LinearDuals, SolveStatus, solve_lp_duals

LP_STEP_FRAC = 1e-5
"""The LP check moves a parameter by this fraction of its value (still in the dual's range)."""
MIP_STEP_FRAC = 0.01
"""The MILP check moves a parameter by 1% of its value (at least one user unit)."""


@dataclass(frozen=True)
class Lever:
    """One input whose marginal value is reported, with its user unit and how to move it."""

    name: str
    description: str
    unit: str
    model_per_unit: float
    """Model units (MW, $M, Ttok, racks) per user unit (MW, $1B, Mtok/yr, rack)."""
    value_units: float
    """The input's current value in user units."""
    move: Callable[[pyo.ConcreteModel, float], None]
    """move(m, delta_units): shift the input by delta user units in model m."""
    param: ParamRef | None = None
    """Mutable Param component (with index) the dual formula differentiates; None for racks."""


ParamRef = tuple[str, object]
"""(mutable Param name, index or None)."""


def _param(m: pyo.ConcreteModel, ref: ParamRef):
    name, index = ref
    comp = getattr(m, name)
    return comp if index is None else comp[index]


def _shift_param(path: ParamRef, per_unit: float) -> Callable[[pyo.ConcreteModel, float], None]:
    def move(m: pyo.ConcreteModel, delta: float) -> None:
        p = _param(m, path)
        p.set_value(pyo.value(p) + delta * per_unit)

    return move


def _shift_rack(rack: str, count: int) -> Callable[[pyo.ConcreteModel, float], None]:
    """Fixed racks (the LP) move by delta; free racks (the MILP) must be at least count + delta."""

    def move(m: pyo.ConcreteModel, delta: float) -> None:
        var = rack_var(m, rack)
        if var.fixed:
            var.fix(count + delta)
        else:
            var.setlb(count + delta)

    return move


def levers(base: Baseline) -> list[Lever]:
    """Site power, capex budget (when given), each rack type and each tier's forecast."""
    data = base.data
    year, scenario = year_scenario(base.model)
    power: ParamRef = ("site_power_mw", year)
    out = [
        Lever("site.power_mw", "one more MW of site power", "MW", 1.0, data.site_power_mw[year],
              _shift_param(power, 1.0), power),
    ]  # fmt: skip
    if year in data.capex_budget_musd:
        budget: ParamRef = ("capex_budget_musd", year)
        out.append(
            Lever("site.capex_budget_usd", "one more $1B of capex budget", "usd_1e9", 1e3,
                  data.capex_budget_musd[year] / 1e3, _shift_param(budget, 1e3), budget)
        )  # fmt: skip
    for rack, count in base.rack_counts().items():
        out.append(
            Lever(
                f"racks.{rack}",
                f"one more {rack} rack",
                "rack",
                1.0,
                count,
                _shift_rack(rack, count),
            )
        )
    for (tier, _, _), demand in data.demand_ttok_per_year.items():
        path: ParamRef = ("demand_ttok_per_year", (tier, year, scenario))
        out.append(
            Lever(f"tiers.{tier}.demand_mtok_per_year",
                  f"one more Mtok/yr of {tier} demand", "mtok_per_year", 1 / MTOK_PER_TTOK,
                  demand * MTOK_PER_TTOK, _shift_param(path, 1 / MTOK_PER_TTOK), path)
        )  # fmt: skip
    return out


def _shifts(m: pyo.ConcreteModel) -> ComponentMap:
    """bound - body for every active constraint, and the active objective, at current values."""
    out = ComponentMap()
    for con in m.component_data_objects(pyo.Constraint, active=True):
        bound = con.upper if con.upper is not None else con.lower
        out[con] = pyo.value(bound) - pyo.value(con.body)
    obj = next(m.component_data_objects(pyo.Objective, active=True))
    out[obj] = pyo.value(obj.expr)
    return out


def dual_marginal(m: pyo.ConcreteModel, duals: LinearDuals, lever: Lever, objective: str) -> float:
    """dV/d(user unit) at the LP optimum, in model objective units (see module docstring)."""
    if lever.param is None:
        rack = lever.name.removeprefix("racks.")
        dF = duals.variables[rack_var(m, rack)]
    else:
        p = _param(m, lever.param)
        before = _shifts(m)
        step = max(abs(pyo.value(p)), 1.0)
        p.set_value(pyo.value(p) + step)
        after = _shifts(m)
        p.set_value(pyo.value(p) - step)
        dF = lever.model_per_unit * sum(
            _weight(duals, c) * (after[c] - b) / step for c, b in before.items()
        )
    if objective == "cost_per_token":
        dF /= pyo.value(revenue_cost_tokens(m)[2])
    return dF


def _weight(duals: LinearDuals, component) -> float:
    """A row's dual; the objective's own derivative counts once."""
    if isinstance(component.parent_component(), pyo.Objective):
        return 1.0
    return duals.constraints.get(component, 0.0)


def _move(lever: Lever, delta: float, m: pyo.ConcreteModel) -> None:
    lever.move(m, delta)


def _fd(value: float | None, base_value: float, delta: float) -> float | None:
    return None if value is None else (value - base_value) / delta


def marginal_rows(base: Baseline) -> tuple[list[dict], LinearDuals, pyo.ConcreteModel]:
    """One row per lever: dual, LP finite difference, MILP finite difference, differences."""
    scale = USD_PER_OBJECTIVE_UNIT[base.objective]
    m = fixed_lp(base)
    duals = solve_lp_duals(m, base.settings)
    if duals.report.status != SolveStatus.OPTIMAL:
        return [], duals, m
    lp_value = objective_value(m, base.objective)
    rows = []
    for lever in levers(base):
        dual = dual_marginal(m, duals, lever, base.objective) * scale
        lp_step = 1.0 if lever.param is None else max(LP_STEP_FRAC * lever.value_units, 1e-6)
        mip_step = 1.0 if lever.param is None else max(MIP_STEP_FRAC * lever.value_units, 1.0)
        lp = _fd(resolve_fixed_lp(base, partial(_move, lever, lp_step)), lp_value, lp_step)
        _, mip_value = resolve_mip(base, partial(_move, lever, mip_step))
        mip = _fd(mip_value, base.value, mip_step)
        rows.append(
            {
                "lever": lever.name,
                "description": lever.description,
                "unit": lever.unit,
                "value_units": lever.value_units,
                "objective_unit": OBJECTIVE_UNIT[base.objective] + "_per_unit",
                "dual_fixed_racks": dual,
                "fd_fixed_racks": None if lp is None else lp * scale,
                "fd_fixed_racks_step_units": lp_step,
                "fd_fixed_racks_diff": None if lp is None else lp * scale - dual,
                "fd_free_racks": None if mip is None else mip * scale,
                "fd_free_racks_step_units": mip_step,
                "fd_free_racks_diff": None if mip is None else mip * scale - dual,
            }
        )
    return rows, duals, m


MARGINAL_COLUMNS = [
    "lever", "description", "unit", "value_units", "objective_unit", "dual_fixed_racks",
    "fd_fixed_racks", "fd_fixed_racks_step_units", "fd_fixed_racks_diff", "fd_free_racks",
    "fd_free_racks_step_units", "fd_free_racks_diff",
]  # fmt: skip


def marginals_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=MARGINAL_COLUMNS)
