"""Near-optimal alternatives: plans almost as good as the best that buy a different rack mix."""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd
import pyomo.environ as pyo

from planner.explanation.base import (
    USD_PER_OBJECTIVE_UNIT,
    Baseline,
    objective_value,
    rack_var,
    revenue_cost_tokens,
    units_var,
    year_scenario,
)
from planner.model import build_model
from planner.solver.highs import SolveSettings, solve_model
from planner.solver.strategies import solve_plan

ALTERNATIVE_MIP_GAP_FRAC = 1e-3
ALTERNATIVE_TIME_LIMIT_S = 30.0
"""The distance objective is only a search direction: an incumbent at the limit is kept."""

ALTERNATIVE_COLUMNS = ["alternative", "status", "objective_value", "objective_loss",
                       "objective_loss_frac", "bound_value", "rack_distance_mw", "racks", "words"]  # fmt: skip


def add_near_optimal_constraints(
    m: pyo.ConcreteModel, objective: str, best: float, frac: float, counts: dict[str, int]
) -> None:
    """Keep the objective within `frac` of the best and maximise the L1 distance of the rack mix.

    The distance counts each rack type by its facility power (MW), so many small racks do not
    outweigh a few large ones.

    objective floor (revenue, profit):  value >= best - frac * |best|
    objective cap (cost_per_token):     cost <= (1 + frac) * best * tokens   (ratio <= (1+frac) best)
    distance, for rack in RACKS, with binary above[rack] and big-M = most racks the site fits:
        distance[rack] <= racks[rack] - counts[rack] + M * (1 - above[rack])
        distance[rack] <= counts[rack] - racks[rack] + M * above[rack]
    no idle racks, for rack in RACKS (else buying unused racks would be a cheap "difference"):
        racks[rack] <= sum_{(system, tier) in SERVABLE} system_racks[system, rack] * units[system, tier] + 1
    maximise sum_rack pue * rack_power_mw[rack] * distance[rack]
        (= the facility MW of racks bought differently from the best plan, at the optimum)
    """
    for obj in m.component_data_objects(pyo.Objective, active=True):
        obj.deactivate()
    revenue, cost, tokens = revenue_cost_tokens(m)
    year, _ = year_scenario(m)
    if objective == "cost_per_token":
        m.near_optimal = pyo.Constraint(
            expr=cost <= (1 + frac) * best * tokens,
            doc="cost per token within frac of the best",
        )
    else:
        value = revenue - (cost if objective == "profit" else 0)
        m.near_optimal = pyo.Constraint(
            expr=value >= best - frac * abs(best), doc="objective within frac of the best"
        )
    big_m = {
        r: counts[r]
        + math.floor(pyo.value(m.site_power_mw[year]) / (pyo.value(m.pue * m.rack_power_mw[r])))
        for r in m.RACKS
    }
    m.above = pyo.Var(m.RACKS, domain=pyo.Binary, doc="rack count above the best plan's")
    m.distance = pyo.Var(m.RACKS, domain=pyo.NonNegativeReals, doc="|racks - best racks|")

    @m.Constraint(m.RACKS, doc="distance when above")
    def distance_above(m, rack):
        return m.distance[rack] <= rack_var(m, rack) - counts[rack] + big_m[rack] * (
            1 - m.above[rack]
        )

    @m.Constraint(m.RACKS, doc="distance when below")
    def distance_below(m, rack):
        return m.distance[rack] <= counts[rack] - rack_var(m, rack) + big_m[rack] * m.above[rack]

    @m.Constraint(m.RACKS, doc="racks bought are used, up to a fraction of one rack")
    def no_idle_racks(m, rack):
        used = sum(
            m.system_racks[system, rack] * units_var(m, system, tier)
            for system, tier in m.SERVABLE
            if (system, rack) in m.SYSTEM_RACKS
        )
        return rack_var(m, rack) <= used + 1

    m.rack_distance = pyo.Objective(
        expr=sum(m.pue * m.rack_power_mw[r] * m.distance[r] for r in m.RACKS),
        sense=pyo.maximize,
        doc="L1 distance of the rack mix, facility MW",
    )


def _settings(base: Baseline) -> SolveSettings:
    return replace(
        base.settings,
        mip_gap_frac=ALTERNATIVE_MIP_GAP_FRAC,
        time_limit_s=min(
            base.settings.time_limit_s or ALTERNATIVE_TIME_LIMIT_S, ALTERNATIVE_TIME_LIMIT_S
        ),
    )


def _row(base: Baseline, m, name: str, status: str, bound: float | None) -> dict:
    scale = USD_PER_OBJECTIVE_UNIT[base.objective]
    if status not in ("optimal", "feasible"):
        return {"alternative": name, "status": status, "words": f"{name}: no plan ({status})"}
    value = objective_value(m, base.objective)
    counts = {r: int(round(pyo.value(rack_var(m, r)))) for r in base.data.racks}
    best = base.rack_counts()
    loss = (base.value - value) if base.objective != "cost_per_token" else (value - base.value)
    mix = ", ".join(f"{r} {n}" for r, n in counts.items() if n)
    return {
        "alternative": name,
        "status": status,
        "objective_value": value * scale,
        "objective_loss": loss * scale,
        "objective_loss_frac": loss / abs(base.value) if base.value else None,
        "bound_value": None if bound is None else bound * scale,
        "rack_distance_mw": sum(
            abs(counts[r] - best[r]) * base.data.rack_power_mw[r] * base.data.pue for r in counts
        ),
        "racks": mix,
        "counts": counts,
        "words": f"{name}: {mix or 'no racks'}; loses {loss / abs(base.value):.2%} of the objective"
        if base.value
        else f"{name}: {mix}",
    }


def near_optimal(base: Baseline, frac: float) -> dict:
    """The plan within `frac` of the best whose rack counts differ most from the best's."""
    m = build_model(base.data)
    add_near_optimal_constraints(m, base.objective, base.value, frac, base.rack_counts())
    report = solve_model(m, _settings(base))
    bound = base.value - frac * abs(base.value)
    if base.objective == "cost_per_token":
        bound = (1 + frac) * base.value
    return _row(base, m, f"within {frac:.1%}, most different", str(report.status), bound)


def excluding(base: Baseline, rack: str) -> dict:
    """The best plan that buys no `rack`, and what it costs."""
    m = build_model(base.data)
    rack_var(m, rack).fix(0)
    solved = solve_plan(m, base.data, base.settings)
    return _row(base, m, f"without {rack}", str(solved.report.status), None)


def alternatives_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=ALTERNATIVE_COLUMNS)
