"""Plain-words reasons why a plan has no solution, from bounds computed on the plan data.

Each check relaxes everything but one requirement family and asks whether that family alone
already exceeds the site's power or the budget, using the best system for the purpose.
"""

from __future__ import annotations

from planner.inputs.data import PlanData
from planner.results.run import PlanResult
from planner.solver.highs import SolveStatus


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

    def __getattr__(self, name: str):
        return getattr(self.plan, name)


def _best(data, tier: str, per: str) -> tuple[str, float] | None:
    """(system, Ttok/yr per facility MW or per $M capex) of the best system for a tier."""
    best: tuple[str, float] | None = None
    for system, t in data.servable:
        if t != tier:
            continue
        tokens = data.throughput_ttok_per_year[system, tier]
        if per == "mw":
            denominator = data.system_power_mw[system] * data.pue
        else:
            denominator = sum(
                n * data.rack_capex_musd[r]
                for (s, r), n in data.system_racks.items()
                if s == system
            )
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
                    f"{tier} forecast of {demand * 1e6:,.0f} Mtok/yr needs at least {mw:,.1f} MW "
                    f"(with {per_mw[0]}), more than the site's {data.site_power_mw:,.1f} MW"
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
                    sum(
                        n * data.rack_capex_musd[r]
                        for (s, r), n in data.system_racks.items()
                        if s == system
                    )
                    / (data.system_power_mw[system] * data.pue)
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
    largest_unit_mw = max((data.system_power_mw[s] * data.pue for s in data.systems), default=0.0)
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
        return "no feasible plan found within the time limit; raise --time-limit"
    if status == SolveStatus.ERROR:
        return f"solver error: {result.solved.report.termination}"
    if status == SolveStatus.UNBOUNDED:
        return "the objective is unbounded: a limit (power, demand) is missing"
    if not result.data.is_single:
        from planner.explanation.infeasible_horizon import explain_infeasible

        return "infeasible: " + explain_infeasible(result.data, result.settings)
    reasons = infeasibility_reasons(result.data)
    if not reasons:
        return (
            "infeasible: the power shares, supply limits, budget and forecasts conflict in "
            "combination; relax one of them"
        )
    return "infeasible: " + "; ".join(reasons)
