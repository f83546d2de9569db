"""Solved model -> tidy DataFrames with the fixed, unit-suffixed CSV columns."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyomo.environ as pyo

from planner.data import MTOK_PER_TTOK, USD_PER_MUSD, PlanData
from planner.instance import Instance
from planner.strategies import PlanSolve

SUMMARY_COLUMNS = [
    "instance", "objective", "status", "objective_value", "revenue_usd_per_year",
    "cost_usd_per_year", "profit_usd_per_year", "capex_usd", "it_power_mw",
    "facility_power_mw", "tok_s", "mtok_per_year", "cost_usd_per_mtok", "mip_gap_frac", "solve_s",
]  # fmt: skip
RACK_COLUMNS = ["rack", "count", "power_kw_each", "facility_power_mw", "capex_usd"]
TIER_COLUMNS = [
    "tier", "price_usd_per_mtok", "min_tok_s_per_user", "facility_power_mw", "power_share_frac",
    "tok_s", "mtok_per_year", "demand_mtok_per_year", "revenue_usd_per_year",
]  # fmt: skip
ALLOCATION_COLUMNS = ["system", "tier", "units", "facility_power_mw", "tok_s", "mtok_per_year"]


@dataclass(frozen=True)
class Tables:
    """The four result tables of one plan."""

    summary: pd.DataFrame
    racks: pd.DataFrame
    tiers: pd.DataFrame
    allocation: pd.DataFrame


def _val(x: object) -> float:
    """Solver value with round-off noise around zero removed."""
    v = float(pyo.value(x))
    return 0.0 if abs(v) < 1e-9 else v


def _rack_rows(m: pyo.ConcreteModel, data: PlanData) -> list[dict]:
    rows = []
    for rack in data.racks:
        count = int(round(_val(m.racks[rack])))
        rows.append(
            {
                "rack": rack,
                "count": count,
                "power_kw_each": data.rack_power_mw[rack] * 1e3,
                "facility_power_mw": count * data.rack_power_mw[rack] * data.pue,
                "capex_usd": count * data.rack_capex_musd[rack] * USD_PER_MUSD,
            }
        )
    return rows


def _capacity_ttok(m: pyo.ConcreteModel, data: PlanData) -> dict[str, float]:
    capacity = {t: 0.0 for t in data.tiers}
    for system, tier in data.servable:
        capacity[tier] += _val(m.units[system, tier]) * data.throughput_ttok_per_year[system, tier]
    return capacity


def delivered_ttok(sold: float, sales_count: bool, capacity: float, demand: float | None) -> float:
    """Tokens a tier delivers in a year.

    When sales count (the tier earns money, or every forecast must be served) this is the
    model's `sold_ttok_per_year`. A zero-price tier (free) leaves that variable without a
    reason to rise, so it is reported as what the tier's capacity serves, up to its forecast:
    the tokens the free users actually get.
    """
    if sales_count:
        return sold
    return capacity if demand is None else min(capacity, demand)


def served_ttok(m: pyo.ConcreteModel, data: PlanData, tier: str, capacity: float) -> float:
    """`delivered_ttok` of a tier in the single-year model."""
    sales_count = data.tier_revenue_musd_per_ttok[tier] > 0 or data.must_serve_forecasts
    return delivered_ttok(_val(m.sold_ttok_per_year[tier]), sales_count, capacity,
                          data.tier_demand_ttok_per_year.get(tier))  # fmt: skip


def _allocation_rows(m: pyo.ConcreteModel, data: PlanData) -> list[dict]:
    capacity = _capacity_ttok(m, data)
    units = {k: _val(m.units[k]) for k in data.servable}
    rows = []
    for (system, tier), u in units.items():
        if u <= 0:
            continue
        sold = served_ttok(m, data, tier, capacity[tier])
        share = u * data.throughput_ttok_per_year[system, tier] / capacity[tier]
        rows.append(
            {
                "system": system,
                "tier": tier,
                "units": u,
                "facility_power_mw": u * data.system_power_mw[system] * data.pue,
                "tok_s": u * data.tok_s[system, tier],
                "mtok_per_year": sold * share * MTOK_PER_TTOK,
            }
        )
    return rows


def _tier_rows(
    m: pyo.ConcreteModel, data: PlanData, inst: Instance, alloc: pd.DataFrame
) -> list[dict]:
    rows = []
    capacity = _capacity_ttok(m, data)
    for tier in data.tiers:
        spec = inst.tiers[tier]
        mine = alloc[alloc["tier"] == tier]
        power = float(mine["facility_power_mw"].sum())
        mtok = served_ttok(m, data, tier, capacity[tier]) * MTOK_PER_TTOK
        rows.append(
            {
                "tier": tier,
                "price_usd_per_mtok": spec.price_usd_per_mtok,
                "min_tok_s_per_user": spec.min_tok_s_per_user,
                "facility_power_mw": power,
                "power_share_frac": power / data.site_power_mw,
                "tok_s": float(mine["tok_s"].sum()),
                "mtok_per_year": mtok,
                "demand_mtok_per_year": spec.demand_mtok_per_year,
                "revenue_usd_per_year": mtok * spec.revenue_usd_per_mtok,
            }
        )
    return rows


def build_tables(m: pyo.ConcreteModel, data: PlanData, inst: Instance, solved: PlanSolve) -> Tables:
    """Tables for a solved plan; with no solution, the summary row alone (status, no numbers)."""
    report = solved.report
    summary = {c: None for c in SUMMARY_COLUMNS}
    summary.update(
        instance=inst.name, objective=inst.objective, status=str(report.status),
        mip_gap_frac=report.mip_gap_frac, solve_s=round(report.solve_s, 3),
    )  # fmt: skip
    if not report.status.has_solution:
        empty = (pd.DataFrame(columns=c) for c in (RACK_COLUMNS, TIER_COLUMNS, ALLOCATION_COLUMNS))
        return Tables(pd.DataFrame([summary], columns=SUMMARY_COLUMNS), *empty)
    racks = pd.DataFrame(_rack_rows(m, data), columns=RACK_COLUMNS)
    alloc = pd.DataFrame(_allocation_rows(m, data), columns=ALLOCATION_COLUMNS)
    tiers = pd.DataFrame(_tier_rows(m, data, inst, alloc), columns=TIER_COLUMNS)
    revenue = float(tiers["revenue_usd_per_year"].sum())
    cost = _val(m.cost_musd_per_year) * USD_PER_MUSD
    mtok = float(tiers["mtok_per_year"].sum())
    facility = float(racks["facility_power_mw"].sum())
    objective_value = {
        "revenue": revenue, "profit": revenue - cost,
        "cost_per_token": cost / mtok if mtok > 0 else None,
    }[inst.objective]  # fmt: skip
    summary.update(
        objective_value=objective_value,
        revenue_usd_per_year=revenue,
        cost_usd_per_year=cost,
        profit_usd_per_year=revenue - cost,
        capex_usd=float(racks["capex_usd"].sum()),
        it_power_mw=facility / data.pue,
        facility_power_mw=facility,
        tok_s=float(tiers["tok_s"].sum()),
        mtok_per_year=mtok,
        cost_usd_per_mtok=cost / mtok if mtok > 0 else None,
    )
    return Tables(pd.DataFrame([summary], columns=SUMMARY_COLUMNS), racks, tiers, alloc)
