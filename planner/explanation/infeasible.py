"""Why a plan has no solution, in one line of plain words: the one explainer of `plan solve`.

Two steps, cheapest first:
- Bounds on the plan data (single-year plans): each check relaxes everything but one
  requirement family and asks whether that family alone already exceeds the site's power or
  the budget, using the best system for the purpose ("needs at least 1,234 MW").
- Relaxation (every plan kind, and single-year plans the bounds do not explain): each
  relaxable family is dropped in turn and the model re-solved; a family whose removal gives a
  plan is a cause, and the rows of it that plan breaks say where (years, scenarios). Only run
  on infeasible instances, so the extra solves cost nothing on the usual path.

`plan explain` quantifies the same conflict row by row (planner/explanation/elastic.py).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pyomo.environ as pyo

from planner.inputs.data import PlanData
from planner.model import build_model
from planner.model.families import REQUIREMENTS
from planner.results.run import PlanResult
from planner.solver.highs import SolveSettings, SolveStatus, make_solver, solve_model


class _SingleYear:
    """The one year and scenario of a single-year PlanData, as scalars and per-tier tables."""

    def __init__(self, plan: PlanData) -> None:
        year, scenario = plan.years[0], plan.scenarios[0]
        self.plan = plan
        self.site_power_mw = plan.site_power_mw[year]
        self.capex_budget_musd = plan.capex_budget_musd.get(year)
        self.tier_demand_ttok_per_year = {
            t: v for (t, y, s), v in plan.demand_ttok_per_year.items() if (y, s) == (year, scenario)
        }

    def __getattr__(self, name: str) -> Any:
        return getattr(self.plan, name)


def _unit_capex_musd(data: Any, system: str, tier: str) -> float:
    """Capex of the racks one unit of `system` serving `tier` uses, $M."""
    return sum(
        n * data.rack_capex_musd[r]
        for (s, t, r), n in data.system_racks.items()
        if (s, t) == (system, tier)
    )


def _best(data: Any, tier: str, per: str) -> tuple[str, float] | None:
    """(system, Ttok/yr per facility MW or per $M capex) of the best system for a tier."""
    best: tuple[str, float] | None = None
    for system, t in data.servable:
        if t != tier:
            continue
        tokens = data.throughput_ttok_per_year[system, tier]
        if per == "mw":
            denominator = data.system_power_mw[system, tier] * data.pue
        else:
            denominator = _unit_capex_musd(data, system, tier)
        value = tokens / denominator
        if best is None or value > best[1]:
            best = (system, value)
    return best


def infeasibility_reasons(plan: PlanData) -> list[str]:
    """Requirements that cannot be met even on their own (single-year plans)."""
    data = _SingleYear(plan)
    reasons: list[str] = []
    need_mw = 0.0
    need_musd = 0.0
    if data.must_serve_forecasts:
        for tier, demand in data.tier_demand_ttok_per_year.items():
            per_mw, per_musd = _best(data, tier, "mw"), _best(data, tier, "usd")
            if per_mw is None or per_musd is None:
                reasons.append(
                    f"{tier} forecast must be served but no allowed system reaches its speed"
                )
                continue
            mw = demand / per_mw[1]
            need_mw += mw
            need_musd += demand / per_musd[1]
            if mw > data.site_power_mw:
                reasons.append(
                    f"{tier} forecast of {demand * 1e6:,.0f} Mtok/yr needs at least {mw:,.2f} MW "
                    f"(with {per_mw[0]}), more than the site's {data.site_power_mw:,.2f} MW"
                )
        if need_mw > data.site_power_mw and not reasons:
            reasons.append(
                f"serving every forecast needs at least {need_mw:,.1f} MW; the site has "
                f"{data.site_power_mw:,.1f} MW"
            )
    if data.capex_budget_musd is not None:
        floors = {**data.tier_min_share_frac, **data.tier_fixed_share_frac}
        for tier, share in floors.items():
            cheapest = min(
                (
                    _unit_capex_musd(data, system, tier)
                    / (data.system_power_mw[system, tier] * data.pue)
                    for system, t in data.servable
                    if t == tier
                ),
                default=None,
            )
            if cheapest is not None:
                need_musd += cheapest * share * data.site_power_mw
        if need_musd > data.capex_budget_musd:
            reasons.append(
                f"the forecasts and power shares need at least ${need_musd * 1e6:,.0f} of racks; "
                f"the budget is ${data.capex_budget_musd * 1e6:,.0f}"
            )
    floor_frac = sum({**data.tier_min_share_frac, **data.tier_fixed_share_frac}.values())
    largest_unit_mw = max((data.rack_power_mw[r] * data.pue for r in data.racks), default=0.0)
    if data.tier_fixed_share_frac and floor_frac > 1 - largest_unit_mw / data.site_power_mw:
        reasons.append(
            f"the fixed and minimum power shares add up to {floor_frac:.1%} of the site's "
            f"{data.site_power_mw:,.1f} MW, which whole racks can meet only if that power is an "
            f"exact sum of rack powers; cap the tiers with max_power_share_frac instead"
        )
    for rack, limit in data.rack_max_count.items():
        if limit == 0:
            reasons.append(f"supply limit: no {rack} racks can be bought")
    return reasons


def explain_failure(result: PlanResult) -> str:
    """One line for the user when a solve produced no plan."""
    status = result.solved.report.status
    if status == SolveStatus.NO_SOLUTION:
        if result.settings.time_limit_s is None:  # no limit was hit: say what HiGHS said
            return (
                f"HiGHS stopped without a plan ({result.solved.report.termination}), with no "
                "time limit set; the inputs may be numbers it cannot use"
            )
        return "no feasible plan found within the time limit; raise --time-limit"
    if status == SolveStatus.ERROR:
        return f"solver error: {result.solved.report.termination}"
    if status == SolveStatus.UNBOUNDED:
        if result.data.objective == "cost_per_token":  # Dinkelbach says what the ratio nears
            return result.solved.report.termination
        return "the objective is unbounded: a limit (power, demand) is missing"
    reasons = infeasibility_reasons(result.data) if result.data.is_single else []
    if reasons:
        return "infeasible: " + "; ".join(reasons)
    return "infeasible: " + explain_infeasible(result.data, result.settings)


RELAX_ORDER = ("power_envelope", "capex_budget", "supply_limit", "delivery_limit",
               "forecast_served", "tier_power_share_fixed", "tier_power_share_min")  # fmt: skip
RELAXABLE = {name: str(REQUIREMENTS[name].relaxed) for name in RELAX_ORDER}
"""Requirements dropped one at a time to find the culprit (words: model/families.py)."""


def _broken_rows(con: pyo.Constraint) -> list[tuple]:
    out = []
    for index, row in con.items():
        body = pyo.value(row.body)
        tol = 1e-6 * max(1.0, abs(body))
        if (row.has_ub() and body > pyo.value(row.upper) + tol) or (
            row.has_lb() and body < pyo.value(row.lower) - tol
        ):
            out.append(index if isinstance(index, tuple) else (index,))
    return out


def _unserved_years(d: PlanData, settings: SolveSettings) -> list:
    """Years where even the plan that sells the most revenue cannot meet every forecast."""
    as_revenue = replace(d, objective="revenue")
    m = build_model(as_revenue)
    if not solve_model(m, settings, make_solver()).status.has_solution:
        return []
    short = {
        y
        for (t, y, s), dem in d.demand_ttok_per_year.items()
        if pyo.value(m.sold_ttok_per_year[t, y, s]) < dem * (1 - 1e-6) - 1e-9
    }
    return sorted(short)


def explain_infeasible(d: PlanData, settings: SolveSettings) -> str:
    """One line: the requirements whose relaxation gives a plan, with the years they break."""
    causes = []
    if d.objective == "cost_per_token":
        short = _unserved_years(d, settings)
        if short:
            causes.append(
                f"forecasts served in full (forecast_served) in {', '.join(map(str, short))}"
            )
    for family, what in RELAXABLE.items():
        if family == "forecast_served" and d.objective == "cost_per_token":
            continue
        m = build_model(d)
        con = getattr(m, family, None)
        if con is None:
            continue
        if len(con) == 0:
            continue
        con.deactivate()
        report = solve_model(m, settings, make_solver())
        if not report.status.has_solution:
            continue
        years = sorted({y for index in _broken_rows(con) for y in index if y in d.years})
        where = f" in {', '.join(str(y) for y in years)}" if years and len(d.years) > 1 else ""
        causes.append(f"{what} ({family}){where}")
    if not causes:
        return (
            "no plan meets every year's requirements, and no single one of site power, budget, "
            "deliveries, forecasts or power shares is to blame alone; relax several"
        )
    return "no plan meets every year's requirements; a plan exists if you relax " + " or ".join(
        causes
    )
