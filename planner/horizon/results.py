"""Solved horizon model -> DataFrames (year- and scenario-indexed) and the output files.

Every table has a trailing `scenario` column (`base` without `scenarios:`), so the same
columns serve single-future and stochastic plans.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyomo.environ as pyo

from planner.data import MTOK_PER_TTOK, USD_PER_MUSD
from planner.horizon.data import HorizonData
from planner.horizon.solve import HorizonSolve, StochasticValues
from planner.instance import Instance
from planner.results import ALLOCATION_COLUMNS, SUMMARY_COLUMNS, TIER_COLUMNS, delivered_ttok

SCHEDULE_COLUMNS = ["year", "rack", "bought", "retired", "in_service", "capex_usd", "scenario"]
TIERS_BY_YEAR_COLUMNS = ["year", *TIER_COLUMNS, "scenario"]
ALLOCATION_BY_YEAR_COLUMNS = ["year", *ALLOCATION_COLUMNS, "scenario"]
SUMMARY_BY_YEAR_COLUMNS = [
    "year", "site_power_mw", "facility_power_mw", "revenue_usd", "cost_usd", "profit_usd",
    "capex_usd", "mtok", "discount_factor", "scenario",
]  # fmt: skip
SCENARIO_COLUMNS = [
    "scenario", "probability", "npv_profit_usd", "npv_revenue_usd", "pv_cost_usd", "pv_capex_usd",
    "mtok", "binding",
]  # fmt: skip
STOCHASTIC_COLUMNS = [
    "instance", "objective", "status", "nonanticipativity", "expected_value_usd", "vss_usd",
    "evpi_usd", "eev_usd", "wait_and_see_usd",
]  # fmt: skip


@dataclass(frozen=True)
class HorizonTables:
    summary: pd.DataFrame
    schedule: pd.DataFrame
    tiers_by_year: pd.DataFrame
    allocation_by_year: pd.DataFrame
    summary_by_year: pd.DataFrame
    scenarios: pd.DataFrame
    stochastic: pd.DataFrame | None


def _v(x) -> float:
    v = float(pyo.value(x))
    return 0.0 if abs(v) < 1e-9 else v


def _schedule(m, d: HorizonData) -> list[dict]:
    rows = []
    for s in d.scenarios:
        for y in d.years:
            for r in d.base.racks:
                bought = round(_v(m.buy[r, y, m.owner[y, s]]))
                life = d.rack_lifetime_years[r]
                retired = d.existing_retired[r, y] + (
                    round(_v(m.buy[r, y - life, m.owner[y - life, s]]))
                    if y - life in d.years
                    else 0
                )
                rows.append({"year": y, "rack": r, "bought": bought, "retired": retired,
                             "in_service": round(_v(m.in_service[r, y, m.owner[y, s]])),
                             "capex_usd": bought * d.base.rack_capex_musd[r] * USD_PER_MUSD, "scenario": s})  # fmt: skip
    return rows


FLEET_FAMILIES = ("power_envelope", "capex_budget", "delivery_limit")  # indexed (..., year, owner)


def _binding(m, d: HorizonData) -> dict[str, str]:
    """Scenario -> inequality families with a row at zero slack in that scenario, in one pass.

    A row indexed by scenario belongs to it; a fleet row indexed (..., year, owner) belongs to
    every scenario that uses that fleet state.
    """
    users: dict[tuple, list[str]] = {}
    for (y, s), o in m.owner.items():
        users.setdefault((y, o), []).append(s)
    found: dict[str, list[str]] = {s: [] for s in d.scenarios}
    for con in m.component_objects(pyo.Constraint, active=True):
        for index, row in con.items():
            if not isinstance(index, tuple) or row.has_ub() == row.has_lb():
                continue
            fleet_row = con.local_name in FLEET_FAMILIES
            scenarios = users.get(index[-2:], []) if fleet_row else [index[-1]]
            if all(con.name in found[s] for s in scenarios):
                continue
            body = pyo.value(row.body)
            bound = pyo.value(row.upper if row.has_ub() else row.lower)
            if abs(bound - body) <= 1e-6 * max(1, abs(body)):
                for s in scenarios:
                    if con.name not in found[s]:
                        found[s].append(con.name)
    return {s: " ".join(names) for s, names in found.items()}


def build_horizon_tables(
    inst: Instance, d: HorizonData, hs: HorizonSolve, sv: StochasticValues | None
) -> HorizonTables:
    """Tables of a solved horizon/scenario plan (summary row only when there is no plan)."""
    m, report = hs.model, hs.report
    summary = dict.fromkeys(SUMMARY_COLUMNS)
    summary.update(instance=inst.name, objective=inst.objective, status=str(report.status),
                   mip_gap_frac=report.mip_gap_frac, solve_s=round(report.solve_s, 3))  # fmt: skip
    stochastic = None
    if inst.scenarios:
        stochastic = pd.DataFrame([{
            "instance": inst.name, "objective": inst.objective, "status": str(report.status),
            "nonanticipativity": inst.stochastic.nonanticipativity,
            **({} if sv is None else {"expected_value_usd": sv.expected_value, "vss_usd": sv.vss,
                                      "evpi_usd": sv.evpi, "eev_usd": sv.eev, "wait_and_see_usd": sv.wait_and_see}),
        }], columns=STOCHASTIC_COLUMNS)  # fmt: skip
    if not report.status.has_solution:
        empty = [pd.DataFrame(columns=c) for c in (SCHEDULE_COLUMNS, TIERS_BY_YEAR_COLUMNS,
                 ALLOCATION_BY_YEAR_COLUMNS, SUMMARY_BY_YEAR_COLUMNS, SCENARIO_COLUMNS)]  # fmt: skip
        return HorizonTables(pd.DataFrame([summary], columns=SUMMARY_COLUMNS), *empty, stochastic)
    b, spy = d.base, 3600 * inst.site.hours_per_year * inst.site.utilisation_frac
    binding = _binding(m, d)
    must_serve = d.objective == "cost_per_token"
    tiers, alloc, by_year, scen = [], [], [], []
    for s in d.scenarios:
        for y in d.years:
            capacity = {t: sum(_v(m.units[sy, t, y, s]) * b.throughput_ttok_per_year[sy, t]
                               for sy in m.tier_servers[t]) for t in b.tiers}  # fmt: skip
            served = {t: delivered_ttok(_v(m.sold_ttok_per_year[t, y, s]),
                                        d.price_musd_per_ttok[t, y, s] > 0 or must_serve,
                                        capacity[t], d.demand_ttok_per_year.get((t, y, s)))
                      for t in b.tiers}  # fmt: skip
            for sy, t in b.servable:
                u = _v(m.units[sy, t, y, s])
                if u > 0:
                    share = u * b.throughput_ttok_per_year[sy, t] / capacity[t]
                    alloc.append({"year": y, "system": sy, "tier": t, "units": u, "scenario": s,
                                  "facility_power_mw": u * b.system_power_mw[sy] * b.pue,
                                  "tok_s": u * b.tok_s[sy, t],
                                  "mtok_per_year": served[t] * share * MTOK_PER_TTOK})  # fmt: skip
            for t in b.tiers:
                mtok = served[t] * MTOK_PER_TTOK
                power = b.pue * sum(
                    _v(m.units[sy, t, y, s]) * b.system_power_mw[sy] for sy in m.tier_servers[t]
                )
                dem = d.demand_ttok_per_year.get((t, y, s))
                tiers.append({"year": y, "tier": t, "price_usd_per_mtok": d.list_price_usd_per_mtok[t, y, s],
                              "min_tok_s_per_user": inst.tiers[t].min_tok_s_per_user, "facility_power_mw": power,
                              "power_share_frac": power / d.site_power_mw[y],
                              "tok_s": sum(_v(m.units[sy, t, y, s]) * b.tok_s[sy, t] for sy in m.tier_servers[t]),
                              "mtok_per_year": mtok, "demand_mtok_per_year": None if dem is None else dem * MTOK_PER_TTOK,
                              "revenue_usd_per_year": mtok * d.price_musd_per_ttok[t, y, s], "scenario": s})  # fmt: skip
            rev, cost = (
                _v(m.revenue_musd[y, s]) * USD_PER_MUSD,
                _v(m.cost_musd[y, s]) * USD_PER_MUSD,
            )
            by_year.append({"year": y, "site_power_mw": d.site_power_mw[y], "scenario": s,
                            "facility_power_mw": b.pue * sum(b.rack_power_mw[r] * _v(m.in_service[r, y, m.owner[y, s]]) for r in b.racks),
                            "revenue_usd": rev, "cost_usd": cost, "profit_usd": rev - cost,
                            "capex_usd": _v(m.capex_musd[y, m.owner[y, s]]) * USD_PER_MUSD,
                            "mtok": sum(served[t] for t in b.tiers) * MTOK_PER_TTOK,
                            "discount_factor": d.discount[y]})  # fmt: skip
        scen.append({"scenario": s, "probability": d.probability[s],
                     "npv_profit_usd": _v(m.npv_profit_musd[s]) * USD_PER_MUSD,
                     "npv_revenue_usd": _v(m.npv_revenue_musd[s]) * USD_PER_MUSD,
                     "pv_cost_usd": _v(m.pv_cost_musd[s]) * USD_PER_MUSD,
                     "pv_capex_usd": _v(m.pv_capex_musd[s]) * USD_PER_MUSD,
                     "mtok": sum(r["mtok"] for r in by_year if r["scenario"] == s), "binding": binding[s]})  # fmt: skip
    sby = pd.DataFrame(by_year, columns=SUMMARY_BY_YEAR_COLUMNS)
    p = sby["scenario"].map(d.probability)
    n = len(d.years)
    pv_cost = sum(d.probability[s] * _v(m.pv_cost_musd[s]) for s in d.scenarios)
    pv_tok = sum(d.probability[s] * _v(m.pv_tokens_ttok[s]) for s in d.scenarios)
    objective_value = (hs.report.objective_value if inst.objective == "cost_per_token"
                       else sum(sc["probability"] * sc["npv_revenue_usd" if inst.objective == "revenue"
                                else "npv_profit_usd"] for sc in scen))  # fmt: skip
    last = sby[sby["year"] == d.years[-1]]
    summary.update(
        objective_value=objective_value,
        revenue_usd_per_year=float((p * sby["revenue_usd"]).sum() / n),
        cost_usd_per_year=float((p * sby["cost_usd"]).sum() / n),
        profit_usd_per_year=float((p * sby["profit_usd"]).sum() / n),
        capex_usd=float((p * sby["capex_usd"]).sum()),
        facility_power_mw=float(
            (last["scenario"].map(d.probability) * last["facility_power_mw"]).sum()
        ),
        mtok_per_year=float((p * sby["mtok"]).sum() / n),
        cost_usd_per_mtok=pv_cost / pv_tok if pv_tok > 0 else None,
    )
    summary["it_power_mw"] = summary["facility_power_mw"] / b.pue
    summary["tok_s"] = summary["mtok_per_year"] * 1e6 / spy
    return HorizonTables(
        pd.DataFrame([summary], columns=SUMMARY_COLUMNS),
        pd.DataFrame(_schedule(m, d), columns=SCHEDULE_COLUMNS),
        pd.DataFrame(tiers, columns=TIERS_BY_YEAR_COLUMNS),
        pd.DataFrame(alloc, columns=ALLOCATION_BY_YEAR_COLUMNS), sby,
        pd.DataFrame(scen, columns=SCENARIO_COLUMNS), stochastic,
    )  # fmt: skip
