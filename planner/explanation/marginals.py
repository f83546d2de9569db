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
from typing import Any

import pandas as pd
import pyomo.environ as pyo
from pyomo.common.collections import ComponentMap

from planner.explanation.base import (
    USD_PER_OBJECTIVE_UNIT,
    Baseline,
    PurchaseKey,
    expected_tokens,
    fixed_lp,
    objective_unit,
    objective_value,
    resolve_fixed_lp,
    resolve_mip,
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
    rack_key: tuple | None = None
    """For a purchase lever, the index it moves: (rack, year, owner) of `racks_bought`, or
    (year, owner) of `blocks_energised`."""
    var_name: str = "racks_bought"
    """The whole-number decision a purchase lever moves."""
    params: tuple[ParamRef, ...] = ()
    """Mutable Params (with index) the input moves together, which the dual formula
    differentiates; empty for racks."""
    weights: tuple[float, ...] = ()
    """How much each of `params` moves per model unit of the input (1 each when empty)."""


ParamRef = tuple[str, object]
"""(mutable Param name, index or None)."""


def _param(m: pyo.ConcreteModel, ref: ParamRef) -> Any:
    name, index = ref
    comp = getattr(m, name)
    return comp if index is None else comp[index]


def _shift_params(
    paths: tuple[ParamRef, ...], per_unit: float, weights: tuple[float, ...] = ()
) -> Callable[[pyo.ConcreteModel, float], None]:
    def move(m: pyo.ConcreteModel, delta: float) -> None:
        for path, weight in zip(paths, weights or (1.0,) * len(paths), strict=True):
            p = _param(m, path)
            p.set_value(pyo.value(p) + delta * per_unit * weight)

    return move


def _shift_rack(
    key: tuple, count: int, name: str = "racks_bought"
) -> Callable[[pyo.ConcreteModel, float], None]:
    """Fixed purchases (the LP) move by delta; free ones (the MILP) must be at least count + delta."""

    def move(m: pyo.ConcreteModel, delta: float) -> None:
        var = getattr(m, name)[key]
        if var.fixed:
            var.fix(count + delta)
        else:
            var.setlb(count + delta)

    return move


def _rack_keys(base: Baseline) -> dict[str, PurchaseKey]:
    """Per rack type, the purchase a rack lever moves: the first year it is bought along the
    first scenario (the first year when it is never bought)."""
    m, first = base.model, base.data.scenarios[0]
    counts = base.purchase_counts()
    keys = {}
    for rack in base.data.racks:
        path = [(rack, y, m.owner[y, first]) for y in base.data.years]
        keys[rack] = next((k for k in path if counts[k] > 0), path[0])
    return keys


def levers(base: Baseline) -> list[Lever]:
    """Site power, capex budget (when given), each rack type and each tier's forecast. In a
    plan over years or scenarios, power, budget and forecasts move in every year and scenario
    together, and a rack lever adds one rack in the year its type is first bought."""
    data = base.data
    every = "" if len(data.years) == 1 else " in every year"
    # one more MW of envelope also costs its building: the yearly building cost per MW in
    # every year and (with a budget) the building's capex out of the first year's budget
    power: tuple[ParamRef, ...] = tuple(("site_power_mw", y) for y in data.years)
    weights: tuple[float, ...] = (1.0,) * len(power)
    building = "" if not data.facility_musd_per_mw_year else ", with its building"
    if data.energises:  # the envelope is only what may be energised: its building is in blocks
        building = " that may be energised"
    elif data.facility_musd_per_mw_year:
        power += tuple(("facility_cost_musd", y) for y in data.years)
        weights += (data.facility_musd_per_mw_year,) * len(data.years)
    first_budget = next(iter(data.capex_budget_musd), None)
    if data.facility_capex_musd_per_mw and first_budget is not None and not data.energises:
        power += (("capex_budget_musd", first_budget),)
        weights += (-data.facility_capex_musd_per_mw,)
    out = [
        Lever("site.power_mw", f"one more MW of site power{every}{building}", "MW", 1.0,
              sum(data.site_power_mw.values()) / len(data.years),
              _shift_params(power, 1.0, weights), params=power, weights=weights),
    ]  # fmt: skip
    if data.capex_budget_musd:
        budget = tuple(("capex_budget_musd", y) for y in data.capex_budget_musd)
        mean = sum(data.capex_budget_musd.values()) / len(budget)
        out.append(
            Lever(
                "site.capex_budget_usd",
                f"one more $1B of capex budget{every}",
                "usd_1e9",
                1e3,
                mean / 1e3,
                _shift_params(budget, 1e3),
                params=budget,
            )
        )
    counts = base.purchase_counts()
    for rack, key in _rack_keys(base).items():
        when = "" if len(data.years) == 1 else f" in {key[1]}"
        out.append(
            Lever(
                f"racks.{rack}",
                f"one more {rack} rack{when}",
                "rack",
                1.0,
                counts[key],
                _shift_rack(key, counts[key]),
                rack_key=key,
            )
        )
    out += _block_levers(base)
    for tier in data.tiers:
        keys = tuple(k for k in data.demand_ttok_per_year if k[0] == tier)
        if not keys:
            continue
        paths = tuple(("demand_ttok_per_year", k) for k in keys)
        mean = sum(data.demand_ttok_per_year[k] for k in keys) / len(keys)
        where = {
            (True, True): "",
            (False, True): " in every year",
            (True, False): " in every scenario",
        }.get((len(data.years) == 1, len(data.scenarios) == 1), " in every year and scenario")
        out.append(
            Lever(
                f"tiers.{tier}.demand_mtok_per_year",
                f"one more Mtok/yr of {tier} demand{where}",
                "mtok_per_year",
                1 / MTOK_PER_TTOK,
                mean * MTOK_PER_TTOK,
                _shift_params(paths, 1 / MTOK_PER_TTOK),
                params=paths,
            )
        )
    return out


def _block_levers(base: Baseline) -> list[Lever]:
    """One more block energised, in the first year with room for one more under the site's
    envelope (else the first year blocks may be energised), along the first scenario."""
    m, data = base.model, base.data
    if not data.energises or not len(m.ENERGISE_FLEET):
        return []
    first = data.scenarios[0]
    path = [
        (y, m.owner[y, first]) for y in data.years if (y, m.owner[y, first]) in m.ENERGISE_FLEET
    ]
    counts = {key: round(pyo.value(m.blocks_energised[key]) or 0) for key in path}
    room = [
        k
        for k in path
        if pyo.value(m.energised_mw[k]) + data.block_mw <= data.site_power_mw[k[0]] + 1e-9
    ]
    key = room[0] if room else path[0]
    when = "" if len(data.years) == 1 else f" in {key[0]}"
    return [
        Lever(
            "energisation.blocks",
            f"one more {data.block_mw:,g} MW block energised{when}",
            "block",
            1.0,
            counts[key],
            _shift_rack(key, counts[key], "blocks_energised"),
            rack_key=key,
            var_name="blocks_energised",
        )
    ]


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
    if not lever.params:
        dF = duals.variables[getattr(m, lever.var_name)[lever.rack_key]]
    else:
        params = [_param(m, ref) for ref in lever.params]
        weights = lever.weights or (1.0,) * len(params)
        before = _shifts(m)
        # the input itself is the first parameter (the others move with it by their weights,
        # e.g. the building's budget share); every parameter enters linearly, so any step works
        step = max(abs(pyo.value(params[0])), 1.0)
        for p, w in zip(params, weights, strict=True):
            p.set_value(pyo.value(p) + step * w)
        after = _shifts(m)
        for p, w in zip(params, weights, strict=True):
            p.set_value(pyo.value(p) - step * w)
        dF = lever.model_per_unit * sum(
            _weight(duals, c) * (after[c] - b) / step for c, b in before.items()
        )
    if objective == "cost_per_token":
        dF /= pyo.value(expected_tokens(m))
    return dF


def _weight(duals: LinearDuals, component: Any) -> float:
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
    lp_value = objective_value(m, base.data)
    rows = []
    for lever in levers(base):
        dual = dual_marginal(m, duals, lever, base.objective) * scale
        lp_step = 1.0 if not lever.params else max(LP_STEP_FRAC * lever.value_units, 1e-6)
        mip_step = 1.0 if not lever.params else max(MIP_STEP_FRAC * lever.value_units, 1.0)
        lp = _fd(resolve_fixed_lp(base, partial(_move, lever, lp_step)), lp_value, lp_step)
        _, mip_value = resolve_mip(base, partial(_move, lever, mip_step))
        mip = _fd(mip_value, base.value, mip_step)
        rows.append(
            {
                "lever": lever.name,
                "description": lever.description,
                "unit": lever.unit,
                "value_units": lever.value_units,
                "objective_unit": objective_unit(base.data) + "_per_unit",
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
