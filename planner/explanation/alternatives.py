"""Near-optimal alternatives: plans almost as good as the best that buy a different rack mix."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import pandas as pd
import pyomo.environ as pyo

from planner.explanation.base import (
    USD_PER_OBJECTIVE_UNIT,
    Baseline,
    PurchaseKey,
    expected_cost,
    expected_tokens,
    objective_value,
    purchase_counts,
    purchase_label,
)
from planner.inputs.data import PlanData
from planner.model import build_model
from planner.solver.highs import SolveSettings, solve_model
from planner.solver.run import PlanRun
from planner.solver.strategies import solve_plan

ALTERNATIVE_MIP_GAP_FRAC = 1e-3
ALTERNATIVE_TIME_LIMIT_S = 30.0
"""The distance objective is only a search direction: an incumbent at the limit is kept."""

ALTERNATIVE_COLUMNS = ["alternative", "status", "objective_value", "objective_loss",
                       "objective_loss_frac", "bound_value", "rack_distance_mw", "racks", "words",
                       "revenue_usd_per_year", "revenue_loss_usd_per_year"]  # fmt: skip
"""Columns are a contract: new ones go at the end (the revenue columns: the data-basis rows)."""


def add_near_optimal_constraints(
    m: pyo.ConcreteModel, data: PlanData, best: float, frac: float, counts: dict[PurchaseKey, int]
) -> None:
    """Keep the objective within `frac` of the best and maximise the L1 distance of the
    purchases (rack, year, owner) from the best plan's.

    The distance counts each rack by its facility power (MW), so many small racks do not
    outweigh a few large ones.

    objective floor (revenue, profit):  objective >= best - frac * |best|
    objective cap (cost_per_token):     E[PV cost] <= (1 + frac) * best * E[PV tokens]
    distance, for key in PURCHASES, with binary above[key] and big-M = most racks the site fits:
        distance[key] <= racks_bought[key] - counts[key] + M * (1 - above[key])
        distance[key] <= counts[key] - racks_bought[key] + M * above[key]
    no idle racks, single-year plans (else buying unused racks would be a cheap "difference"):
        racks_bought[key] <= sum_{(system, tier) in SERVABLE} system_racks[system, tier, rack] * units[system, tier] + 1
    maximise sum_key pue * rack_power_mw[rack] * distance[key]
        (= the facility MW of racks bought differently from the best plan, at the optimum)
    """
    for obj in m.component_data_objects(pyo.Objective, active=True):
        obj.deactivate()
    if data.objective == "cost_per_token":
        m.near_optimal = pyo.Constraint(
            expr=expected_cost(m) <= (1 + frac) * best * expected_tokens(m),
            doc="cost per token within frac of the best",
        )
    else:
        m.near_optimal = pyo.Constraint(
            expr=m.objective.expr >= best - frac * abs(best),
            doc="objective within frac of the best",
        )
    m.PURCHASES = pyo.Set(dimen=3, initialize=list(counts), ordered=True, doc="(rack, year, owner)")
    big_m = {
        (r, y, o): counts[r, y, o]
        + math.floor(pyo.value(m.site_power_mw[y]) / (pyo.value(m.pue * m.rack_power_mw[r])))
        for r, y, o in counts
    }
    m.above = pyo.Var(m.PURCHASES, domain=pyo.Binary, doc="purchase above the best plan's")
    m.distance = pyo.Var(m.PURCHASES, domain=pyo.NonNegativeReals, doc="|bought - best bought|")

    @m.Constraint(m.PURCHASES, doc="distance when above")
    def distance_above(m: pyo.ConcreteModel, *key: Any) -> Any:
        return m.distance[key] <= m.racks_bought[key] - counts[key] + big_m[key] * (
            1 - m.above[key]
        )

    @m.Constraint(m.PURCHASES, doc="distance when below")
    def distance_below(m: pyo.ConcreteModel, *key: Any) -> Any:
        return m.distance[key] <= counts[key] - m.racks_bought[key] + big_m[key] * m.above[key]

    if data.is_single:

        @m.Constraint(m.PURCHASES, doc="racks bought are used, up to a fraction of one rack")
        def no_idle_racks(m: pyo.ConcreteModel, rack: str, year: int, owner: str) -> Any:
            used = sum(
                n * m.units[system, tier, year, owner] for system, tier, n in m.rack_users[rack]
            )
            return m.racks_bought[rack, year, owner] <= used + 1

    m.rack_distance = pyo.Objective(
        expr=sum(m.pue * m.rack_power_mw[k[0]] * m.distance[k] for k in m.PURCHASES),
        sense=pyo.maximize,
        doc="L1 distance of the purchases, facility MW",
    )


def _settings(base: Baseline) -> SolveSettings:
    return replace(
        base.settings,
        mip_gap_frac=ALTERNATIVE_MIP_GAP_FRAC,
        time_limit_s=min(
            base.settings.time_limit_s or ALTERNATIVE_TIME_LIMIT_S, ALTERNATIVE_TIME_LIMIT_S
        ),
    )


def _row(base: Baseline, m: pyo.ConcreteModel, name: str, status: str, bound: float | None) -> dict:
    scale = USD_PER_OBJECTIVE_UNIT[base.objective]
    if status not in ("optimal", "feasible"):
        return {"alternative": name, "status": status, "words": f"{name}: no plan ({status})"}
    value = objective_value(m, base.data)
    bought = purchase_counts(m)
    best = base.purchase_counts()
    counts = {purchase_label(k, base.data): n for k, n in bought.items()}
    loss = (base.value - value) if base.objective != "cost_per_token" else (value - base.value)
    mix = ", ".join(f"{label} {n}" for label, n in counts.items() if n)
    return {
        "alternative": name,
        "status": status,
        "objective_value": value * scale,
        "objective_loss": loss * scale,
        "objective_loss_frac": loss / abs(base.value) if base.value else None,
        "bound_value": None if bound is None else bound * scale,
        "rack_distance_mw": sum(
            abs(n - best[k]) * base.data.rack_power_mw[k[0]] * base.data.pue
            for k, n in bought.items()
        ),
        "racks": mix,
        "counts": counts,
        "words": f"{name}: {mix or 'no racks'}; loses {loss / abs(base.value):.2%} of the objective"
        if base.value
        else f"{name}: {mix}",
    }


def near_optimal(base: Baseline, frac: float) -> dict:
    """The plan within `frac` of the best whose purchases differ most from the best's, valued
    with those purchases fixed and the rest (allocation, sales) re-optimised."""
    m = build_model(base.data)
    add_near_optimal_constraints(m, base.data, base.value, frac, base.purchase_counts())
    report = solve_model(m, _settings(base))
    if report.status.has_solution:  # value the purchases found at their best sales
        found = purchase_counts(m)
        m = build_model(base.data)
        for key, count in found.items():
            m.racks_bought[key].fix(count)
        solve_plan(PlanRun(base.data, m, base.settings))
    bound = base.value - frac * abs(base.value)
    if base.objective == "cost_per_token":
        bound = (1 + frac) * base.value
    return _row(base, m, f"within {frac:.1%}, most different", str(report.status), bound)


def excluding(base: Baseline, rack: str) -> dict:
    """The best plan that buys no `rack`, and what it costs."""
    m = build_model(base.data)
    for key, var in m.racks_bought.items():
        if key[0] == rack:
            var.fix(0)
    solved = solve_plan(PlanRun(base.data, m, base.settings))
    return _row(base, m, f"without {rack}", str(solved.report.status), None)


def alternatives_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=ALTERNATIVE_COLUMNS)
