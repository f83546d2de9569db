"""Why an instance is infeasible: elastic slacks on each requirement, then single relaxations.

Every requirement row (site power, capex budget, forecasts that must be served, power
shares, supply limits) gets non-negative slacks that let it be violated:

    body - slack_up <= upper        body + slack_down >= lower

and the model minimises  sum_row (slack_up + slack_down) / max(1, |bound|), the total
violation relative to each requirement's size. The nonzero slacks are one smallest-violation
set of conflicting requirements. Then each requirement is tried alone: with only its slacks
free, is there a plan, and how far must it move? ("raising the budget does not help").
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd
import pyomo.environ as pyo

from planner.explanation.base import Baseline
from planner.explanation.binding import REQUIREMENT_UNITS, amount, row_label, subject
from planner.model import build_model
from planner.model.families import REQUIREMENTS
from planner.solver.highs import SolveSettings, solve_model

SLACK_TOL = 1e-6
ELASTIC_COLUMNS = ["constraint", "requirement", "unit", "violation_units", "alone_restores",
                   "alone_needs_units", "words"]  # fmt: skip


ELASTIC_MIP_GAP_FRAC = 1e-4
ELASTIC_TIME_LIMIT_S = 20.0
"""Each elastic MILP stops here; the amounts are then upper bounds (status says so)."""

NEEDS = {name: r.needs for name, r in REQUIREMENTS.items() if r.needs is not None}
"""Requirement families made elastic (demand_limit caps sales, so it never conflicts)."""


@dataclass(frozen=True)
class ElasticRow:
    """One requirement row made elastic: its name, words, unit and model units per unit."""

    constraint: str
    requirement: str
    unit: str
    per_unit: float
    needs: str
    """Sentence template with {x}: what must change for this row to hold."""


def elastic_model(base: Baseline) -> tuple[pyo.ConcreteModel, list[ElasticRow]]:
    """A copy of the plan model whose requirement rows can be violated at a price."""
    m = build_model(base.data)
    rows: list[ElasticRow] = []
    cons = []
    for family, needs in NEEDS.items():
        unit, per_unit, template = REQUIREMENT_UNITS[family]
        comp = getattr(m, family, None)
        if comp is None:
            continue
        for index, con in comp.items():
            words = needs.replace("{index}", str(subject(index)))
            label = row_label(con, base.data.is_single)
            rows.append(
                ElasticRow(label, template.format(index=subject(index)), unit, per_unit, words)
            )
            cons.append(con)
    names = [r.constraint for r in rows]
    m.ELASTIC_ROWS = pyo.Set(initialize=names, ordered=True, doc="requirement rows made elastic")
    m.slack_up = pyo.Var(m.ELASTIC_ROWS, domain=pyo.NonNegativeReals, doc="excess over upper")
    m.slack_down = pyo.Var(m.ELASTIC_ROWS, domain=pyo.NonNegativeReals, doc="shortfall")
    m.elastic = pyo.ConstraintList(doc="requirement rows with slacks")
    weights = {}
    for name, con in zip(names, cons, strict=True):
        con.deactivate()
        bound = con.upper if con.upper is not None else con.lower
        weights[name] = 1.0 / max(1.0, abs(pyo.value(bound)))
        if con.upper is not None:
            m.elastic.add(con.body - m.slack_up[name] <= con.upper)
        else:
            m.slack_up[name].fix(0)
        if con.lower is not None:
            m.elastic.add(con.body + m.slack_down[name] >= con.lower)
        else:
            m.slack_down[name].fix(0)
    for obj in m.component_data_objects(pyo.Objective, active=True):
        obj.deactivate()
    m.violation = pyo.Objective(
        expr=sum(weights[n] * (m.slack_up[n] + m.slack_down[n]) for n in names),
        sense=pyo.minimize,
        doc="total violation relative to each requirement's size",
    )
    return m, rows


def _violation(m: pyo.ConcreteModel, name: str) -> float:
    return sum(pyo.value(v) or 0.0 for v in (m.slack_up[name], m.slack_down[name]))


def _only(m: pyo.ConcreteModel, keep: str | set[str]) -> None:
    """Allow slack on `keep` alone (the others fixed at 0)."""
    keep = {keep} if isinstance(keep, str) else keep
    for name in m.ELASTIC_ROWS:
        for var in (m.slack_up[name], m.slack_down[name]):
            if name in keep:
                var.unfix()
            else:
                var.fix(0)


def elastic_rows(base: Baseline) -> list[dict]:
    """The smallest-violation set and, for every requirement, whether relaxing it alone helps."""
    m, rows = elastic_model(base)
    report = solve_model(m, _settings(base))
    if not report.status.has_solution:
        return []
    return [_row(r, _violation(m, r.constraint), _alone(base, r.constraint)) for r in rows]


def _settings(base: Baseline) -> SolveSettings:
    limit = base.settings.time_limit_s or ELASTIC_TIME_LIMIT_S
    return replace(
        base.settings,
        mip_gap_frac=ELASTIC_MIP_GAP_FRAC,
        time_limit_s=min(limit, ELASTIC_TIME_LIMIT_S),
    )


def _alone(base: Baseline, keep: str) -> float | None:
    """The least violation of `keep` that gives a plan with every other requirement met."""
    m, _ = elastic_model(base)
    _only(m, keep)
    report = solve_model(m, _settings(base))
    return _violation(m, keep) if report.status.has_solution else None


def _row(row: ElasticRow, violation: float, alone: float | None) -> dict:
    units = violation / row.per_unit if violation > SLACK_TOL else 0.0
    alone_units = None if alone is None else alone / row.per_unit
    if units or alone_units is not None:
        words = row.needs.format(x=amount(units or alone_units or 0.0, row.unit))
    else:
        words = f"relaxing {row.requirement} alone does not help"
    return {
        "constraint": row.constraint,
        "requirement": row.requirement,
        "unit": row.unit,
        "violation_units": units,
        "alone_restores": alone is not None,
        "alone_needs_units": alone_units,
        "words": words,
    }


def power_and_budget_together(base: Baseline) -> str | None:
    """When neither site power nor budget alone restores a plan, whether both together do."""
    m, rows = elastic_model(base)
    keep = {"power_envelope", "capex_budget"}
    if not keep <= set(m.ELASTIC_ROWS):
        return None
    _only(m, keep)
    if not solve_model(m, _settings(base)).status.has_solution:
        return "raising site power and budget together does not help either"
    power = _violation(m, "power_envelope")
    budget = _violation(m, "capex_budget") * 1e6
    return (
        f"raising site power by {amount(power, 'MW')} and the budget by {amount(budget, 'usd')} "
        "together restores a plan"
    )


def summary_sentence(rows: list[dict], together: str | None = None) -> str:
    """Plain words: the smallest conflict, what fixes it alone, and what does not help."""
    conflict = [r["words"] for r in rows if r["violation_units"] > 0]
    alone = [r["words"] for r in rows if r["alone_restores"] and r["violation_units"] == 0]
    futile = [r["requirement"] for r in rows if not r["alone_restores"]]
    parts = []
    if conflict:
        parts.append("; ".join(conflict))
    if alone:
        parts.append("or instead: " + "; or ".join(alone))
    if futile:
        parts.append("relaxing " + " or ".join(futile) + " alone does not help")
    if together:
        parts.append(together)
    return "; ".join(parts)


def elastic_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=ELASTIC_COLUMNS)
