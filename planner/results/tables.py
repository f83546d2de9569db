"""Solved model -> tidy DataFrames with fixed, unit-suffixed columns, for every plan kind.

The tables are computed once, per year and scenario (`build_schedule`, `tiers_by_year`,
`allocation_by_year`, `summary_by_year`, `scenarios`); a single-year plan's `racks`, `tiers` and
`allocation` are the same rows without the year and scenario columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from planner.inputs.catalog import BASES
from planner.inputs.data import MTOK_PER_TTOK, USD_PER_MUSD, PlanData
from planner.inputs.instance import Instance
from planner.model import whole_racks_alive
from planner.model.objectives import OBJECTIVE_COMPONENTS
from planner.model.scopes import Scopes
from planner.results.market import (
    CURVE_COLUMNS,
    PRICE_COLUMNS,
    at_chosen_prices,
    curve_rows,
    price_rows,
)
from planner.results.npv import plan_cash_flow, steady_state_value_left_usd, value_left_musd
from planner.solver.highs import RowActivity
from planner.solver.stochastic import StochasticValues, cvar, objective_musd
from planner.solver.strategies import PlanSolve


def basis_column(basis: str) -> str:
    """The summary column of the token revenue on routes of `basis`: revenue_frac_vendor_claim."""
    return f"revenue_frac_{basis.replace('-', '_')}"


SUMMARY_COLUMNS = [
    "instance", "objective", "status", "objective_value", "revenue_usd_per_year",
    "cost_usd_per_year", "profit_usd_per_year", "capex_usd", "it_power_mw",
    "facility_power_mw", "tok_s", "mtok_per_year", "cost_usd_per_mtok", "mip_gap_frac", "solve_s",
    "vendor_claim_revenue_frac", "data", "capex_racks_usd", "capex_facility_usd",
    "list_revenue_usd_per_year", "facility_cost_usd_per_year", "operating_cost_usd_per_year",
    "rental_cost_usd_per_year", "energised_mw", "npv_usd", "value_left_usd",
    "lease_revenue_usd_per_year", *(basis_column(b) for b in BASES),
]  # fmt: skip
"""Columns are a contract: new ones go at the end. `revenue_frac_<basis>`: the share of token
revenue whose route rests at weakest on that basis (catalog.BASES), summing to 1 with revenue."""
RACK_COLUMNS = ["rack", "count", "power_kw_each", "facility_power_mw", "capex_usd",
                "capex_usd_each", "description"]  # fmt: skip
"""The purchase order: new columns go at the end (capex_usd_each: the unit price;
description: what the rack is, in the catalog's words)."""
TIER_COLUMNS = [
    "tier", "price_usd_per_mtok", "min_tok_s_per_user", "facility_power_mw", "power_share_frac",
    "tok_s", "mtok_per_year", "demand_mtok_per_year", "revenue_usd_per_year",
    "input_tokens_per_request", "output_tokens_per_request", "input_mtok_per_year",
    "input_price_usd_per_mtok", "output_revenue_usd_per_year", "input_revenue_usd_per_year",
    "utilisation_frac", "made_mtok_per_year", "price_realisation_frac", "list_revenue_usd_per_year",
    "cost_usd_per_year", "margin_frac", "rented_power_mw",
]  # fmt: skip
"""tok_s, mtok_per_year, demand_mtok_per_year and price_usd_per_mtok count OUTPUT tokens (the
names predate input tokens and are a contract); input_* count input tokens; revenue is both.
facility_power_mw is drawn from the site; rented_power_mw is the power of the tier's units that
run on rented racks (at the site's PUE), drawn elsewhere: their sum is the units' power."""
ALLOCATION_COLUMNS = ["system", "tier", "units", "facility_power_mw", "tok_s", "mtok_per_year",
                      "revenue_usd_per_year", "data_basis"]  # fmt: skip
SCHEDULE_COLUMNS = ["year", "rack", "bought", "retired", "in_service", "capex_usd", "scenario"]
PURCHASE_ORDER_COLUMNS = ["year", "rack", "count", "capex_usd_each", "capex_usd", "scenario",
                          "description"]  # fmt: skip
TIERS_BY_YEAR_COLUMNS = ["year", *TIER_COLUMNS, "scenario"]
ALLOCATION_BY_YEAR_COLUMNS = ["year", *ALLOCATION_COLUMNS, "scenario"]
SUMMARY_BY_YEAR_COLUMNS = [
    "year", "site_power_mw", "facility_power_mw", "revenue_usd", "cost_usd", "profit_usd",
    "capex_usd", "mtok", "discount_factor", "scenario", "capex_racks_usd", "capex_facility_usd",
    "list_revenue_usd", "facility_cost_usd", "operating_cost_usd", "rental_cost_usd",
    "energised_mw", "lease_revenue_usd", "lease_cost_usd",
]  # fmt: skip
SCENARIO_COLUMNS = [
    "scenario", "probability", "npv_profit_usd", "npv_revenue_usd", "pv_cost_usd", "pv_capex_usd",
    "mtok", "binding", "value_left_usd",
]  # fmt: skip
RENTAL_COLUMNS = ["rental", "rack", "racks_rented", "gpu_hours", "cost_usd"]
RENTALS_BY_YEAR_COLUMNS = ["year", *RENTAL_COLUMNS, "scenario"]
LEASES_BY_YEAR_COLUMNS = ["year", "rack", "racks_leased", "revenue_usd", "cost_usd", "scenario"]
SERVING_COLUMNS = ["tier", "system", "rack", "phases", "racks"]
SERVING_BY_YEAR_COLUMNS = ["year", *SERVING_COLUMNS, "scenario"]
STOCHASTIC_COLUMNS = [
    "instance", "objective", "status", "nonanticipativity", "expected_value_usd", "cvar_usd",
    "objective_value", "vss_usd", "evpi_usd", "eev_usd", "wait_and_see_usd", "note",
]  # fmt: skip


@dataclass(frozen=True)
class Tables:
    """Every result table of one plan; `files` picks those its plan kind writes."""

    summary: pd.DataFrame
    racks: pd.DataFrame
    """Racks bought over the plan (the first scenario's purchases when there are several)."""
    schedule: pd.DataFrame
    tiers_by_year: pd.DataFrame
    allocation_by_year: pd.DataFrame
    summary_by_year: pd.DataFrame
    scenarios: pd.DataFrame
    stochastic: pd.DataFrame | None
    serving_by_year: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=SERVING_BY_YEAR_COLUMNS)
    )
    """Racks of each type each (system, tier) uses, and for which phases: the prefill:decode
    and LPX:GPU ratios of every tier."""
    rentals_by_year: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=RENTALS_BY_YEAR_COLUMNS)
    )
    """Cloud capacity rented per year and scenario (instances with `rentals:`)."""
    prices_by_year: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=PRICE_COLUMNS)
    )
    """Each curve tier's chosen price beside its reference point (instances with curves)."""
    leases_by_year: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=LEASES_BY_YEAR_COLUMNS)
    )
    """Owned racks leased out by the GPU-hour (instances with `lease_out:`)."""
    curves_by_year: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=CURVE_COLUMNS)
    )
    """Each demand curve's breakpoints (instances with curves)."""

    @property
    def tiers(self) -> pd.DataFrame:
        """The tier table of a single-year plan (no year and scenario columns)."""
        return self.tiers_by_year[TIER_COLUMNS].reset_index(drop=True)

    @property
    def allocation(self) -> pd.DataFrame:
        """The allocation table of a single-year plan (no year and scenario columns)."""
        return self.allocation_by_year[ALLOCATION_COLUMNS].reset_index(drop=True)

    @property
    def rentals(self) -> pd.DataFrame:
        """The rentals table of a single-year plan (no year and scenario columns)."""
        return self.rentals_by_year[RENTAL_COLUMNS].reset_index(drop=True)

    @property
    def serving(self) -> pd.DataFrame:
        """The serving table of a single-year plan (no year and scenario columns)."""
        return self.serving_by_year[SERVING_COLUMNS].reset_index(drop=True)

    @property
    def purchase_order(self) -> pd.DataFrame:
        """A plan over years as procurement reads it: the racks to order, year by year (rows
        with purchases only; per scenario, which agree where purchases are shared)."""
        s = self.schedule[self.schedule["bought"] > 0]
        words = dict(zip(self.racks["rack"], self.racks["description"], strict=True))
        return pd.DataFrame(
            {
                "year": s["year"],
                "rack": s["rack"],
                "count": s["bought"],
                "capex_usd_each": s["capex_usd"] / s["bought"],
                "capex_usd": s["capex_usd"],
                "scenario": s["scenario"],
                "description": s["rack"].map(words),
            },
            columns=PURCHASE_ORDER_COLUMNS,
        ).reset_index(drop=True)

    def files(self, multi_period: bool) -> dict[str, pd.DataFrame]:
        """CSV name -> frame: the single-year contract, or the per-year/per-scenario tables."""
        if not multi_period:  # racks.csv is the purchase order: racks bought, not the catalog
            racks = self.racks[self.racks["count"] > 0].reset_index(drop=True)
            frames = {"summary": self.summary, "racks": racks, "tiers": self.tiers,
                      "allocation": self.allocation, "serving": self.serving}  # fmt: skip
            if not self.rentals_by_year.empty:
                frames["rentals"] = self.rentals
            if not self.prices_by_year.empty:
                frames["prices"] = self.prices_by_year.drop(columns=["year", "scenario"])
            if not self.leases_by_year.empty:
                frames["leases"] = self.leases_by_year.drop(columns=["year", "scenario"])
            if not self.curves_by_year.empty:
                frames["curves"] = self.curves_by_year.drop(columns=["year", "scenario"])
            return frames
        frames = {"summary": self.summary, "purchase_order": self.purchase_order,
                  "build_schedule": self.schedule,
                  "tiers_by_year": self.tiers_by_year, "allocation_by_year": self.allocation_by_year,
                  "summary_by_year": self.summary_by_year, "scenarios": self.scenarios,
                  "serving_by_year": self.serving_by_year}  # fmt: skip
        if not self.rentals_by_year.empty:
            frames["rentals_by_year"] = self.rentals_by_year
        if not self.prices_by_year.empty:
            frames["prices_by_year"] = self.prices_by_year
        if not self.leases_by_year.empty:
            frames["leases_by_year"] = self.leases_by_year
        if not self.curves_by_year.empty:
            frames["curves_by_year"] = self.curves_by_year
        if self.stochastic is not None:
            frames["stochastic"] = self.stochastic
        return frames


def rows(frame: pd.DataFrame) -> list[Any]:
    """A frame's rows as named tuples, typed Any: a frame's columns carry no static types."""
    return list(frame.itertuples())


def _v(var: Any) -> float:
    """A variable's solver value with round-off noise around zero removed."""
    v = var.value or 0.0
    return 0.0 if abs(v) < 1e-9 else float(v)


@dataclass(frozen=True)
class Fleet:
    """Racks bought (rounded to whole racks), in service, their yearly cost and capex per fleet
    state (year, owner), computed from the purchases as docs/formulation.md defines them."""

    bought: dict[tuple[str, int, str], int]
    in_service: dict[tuple[str, int, str], int]
    cost_musd: dict[tuple[int, str], float]
    capex_musd: dict[tuple[int, str], float]
    operating_musd: dict[tuple[int, str], float]
    """The part of cost_musd that is opex and energy (the rest is capital recovery)."""
    energised_mw: dict[tuple[int, str], float] = field(default_factory=dict)
    """Facility MW energised (the envelope unless the plan chooses blocks)."""
    building_capex_musd: dict[tuple[int, str], float] = field(default_factory=dict)
    building_cost_musd: dict[tuple[int, str], float] = field(default_factory=dict)
    """The building's yearly cost: capital recovery of what is built and in service, plus opex."""
    building_opex_musd: dict[tuple[int, str], float] = field(default_factory=dict)

    @classmethod
    def of(cls, m: pyo.ConcreteModel, d: PlanData) -> Fleet:
        bought = {key: round(_v(var)) for key, var in m.racks_bought.items()}
        in_service, cost, capex, operating = {}, {}, {}, {}
        for y, o in m.FLEET:
            cost[y, o], capex[y, o], operating[y, o] = 0.0, 0.0, 0.0
            for r in d.racks:
                alive = whole_racks_alive(m, bought, r, y, o)
                new = alive - d.existing_in_service[r, y]
                in_service[r, y, o] = alive
                running = alive * (d.rack_opex_musd_per_year[r] + d.rack_energy_musd_per_year[r, y])
                cost[y, o] += new * d.rack_annuity_musd_per_year[r] + running
                operating[y, o] += running
                capex[y, o] += d.rack_capex_musd[r] * bought[r, y, o]
        return cls(bought, in_service, cost, capex, operating, *_building(m, d))


def _building(m: pyo.ConcreteModel, d: PlanData) -> tuple[dict, dict, dict, dict]:
    """Energised MW, building capex, yearly cost and opex per fleet state, on whole blocks,
    as docs/formulation.md defines them (the fixed envelope's numbers without energisation)."""
    blocks = {key: round(_v(var)) for key, var in m.blocks_energised.items()}
    energised, capex, cost, opex = {}, {}, {}, {}
    for y, o in m.FLEET:
        mine = [(yb, blocks.get((yb, m.owner[yb, o]), 0)) for yb in d.years if yb <= y]
        total = sum(n for _, n in mine)
        alive = sum(n for yb, n in mine if y < yb + d.facility_service_years)
        start = d.energised_at_start_mw
        energised[y, o] = start + d.block_mw * total if d.energises else d.site_power_mw[y]
        capex[y, o] = d.facility_capex_musd[y] + d.block_capex_musd * blocks.get((y, o), 0)
        start_opex = d.block_opex_musd_per_year * start / d.block_mw if d.energises else 0.0
        opex[y, o] = d.facility_opex_musd[y] + d.block_opex_musd_per_year * total + start_opex
        cost[y, o] = (
            d.facility_cost_musd[y]
            + d.block_annuity_musd_per_year * alive
            + d.block_opex_musd_per_year * total
            + start_opex
        )
    return energised, capex, cost, opex


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


def _schedule(m: pyo.ConcreteModel, d: PlanData, fleet: Fleet) -> list[dict]:
    rows = []
    for s in d.scenarios:
        for y in d.years:
            for r in d.racks:
                bought = fleet.bought[r, y, m.owner[y, s]]
                life = d.rack_service_years[r]
                retired = d.existing_retired[r, y]
                if y - life in d.years:
                    retired += fleet.bought[r, y - life, m.owner[y - life, s]]
                rows.append(
                    {
                        "year": y,
                        "rack": r,
                        "bought": bought,
                        "retired": retired,
                        "in_service": fleet.in_service[r, y, m.owner[y, s]],
                        "capex_usd": bought * d.rack_capex_musd[r] * USD_PER_MUSD,
                        "scenario": s,
                    }
                )
    return rows


def _rack_list(schedule: pd.DataFrame, d: PlanData) -> pd.DataFrame:
    first = schedule[schedule["scenario"] == d.scenarios[0]]
    totals = first.groupby("rack", sort=False)[["bought", "capex_usd"]].sum()
    count: dict[Any, Any] = totals["bought"].to_dict()
    capex: dict[Any, Any] = totals["capex_usd"].to_dict()
    racks = [
        {
            "rack": r,
            "count": int(count[r]),
            "power_kw_each": d.rack_power_mw[r] * 1e3,
            "facility_power_mw": int(count[r]) * d.rack_power_mw[r] * d.pue,
            "capex_usd": float(capex[r]),
            "capex_usd_each": d.rack_capex_musd[r] * USD_PER_MUSD,
            "description": d.rack_description.get(r, ""),
        }
        for r in d.racks
    ]
    return pd.DataFrame(racks, columns=RACK_COLUMNS)


def binding_by_scenario(
    m: pyo.ConcreteModel, d: PlanData, rows: RowActivity | None
) -> dict[str, str]:
    """Scenario -> inequality families with a row at zero slack in that scenario, read from
    the rows of the solve the plan came from (HiGHS's activities: no expression evaluated).

    A row belongs to the scenarios it speaks for (planner/model/scopes.py): its own, every
    scenario using its fleet state, or every scenario on its purchase path.
    """
    if rows is None:
        return dict.fromkeys(d.scenarios, "")
    scopes = Scopes(m)
    found: dict[str, list[str]] = {s: [] for s in d.scenarios}
    upper_only = np.isinf(rows.lower) & np.isfinite(rows.upper)
    lower_only = np.isfinite(rows.lower) & np.isinf(rows.upper)
    bound = np.where(upper_only, rows.upper, rows.lower)
    tight = (upper_only | lower_only) & (
        np.abs(bound - rows.activity) <= 1e-6 * np.maximum(1.0, np.abs(rows.activity))
    )
    for k in np.flatnonzero(tight).tolist():
        row = rows.constraints[k]
        name = row.parent_component().name
        if name in OBJECTIVE_COMPONENTS:  # the objective's own rows (CVaR), not requirements
            continue
        for s in scopes.of(row) or ():
            if name not in found[s]:
                found[s].append(name)
    order = {c.name: k for k, c in enumerate(m.component_objects(pyo.Constraint, active=True))}
    return {s: " ".join(sorted(names, key=order.__getitem__)) for s, names in found.items()}


def year_rows(
    m: pyo.ConcreteModel,
    d: PlanData,
    inst: Instance,
    fleet: Fleet,
    y: int,
    s: str,
    tiers: list[dict],
    alloc: list[dict],
    by_year: list[dict],
    serving: list[dict] | None = None,
) -> None:
    """The tier, allocation and summary rows of one year in one scenario."""
    units = {(sy, t): _v(m.units[sy, t, y, s]) for sy, t in d.servable}
    capacity = {
        t: sum(units[sy, t] * d.throughput_ttok_per_year[sy, t] for sy in m.tier_servers[t])
        for t in d.tiers
    }
    served = {
        t: delivered_ttok(
            _v(m.sold_ttok_per_year[t, y, s]),
            d.price_musd_per_ttok[t, y, s] > 0 or d.must_serve_forecasts,
            capacity[t],
            d.demand_ttok_per_year.get((t, y, s)),
        )
        for t in d.tiers
    }
    power = dict.fromkeys(d.tiers, 0.0)
    tok_s = dict.fromkeys(d.tiers, 0.0)
    use: dict[tuple[str, str], float] = {}  # (rack, tier) -> racks in use
    for (sy, t), u in units.items():
        if u <= 0:
            continue
        for rack in d.routes[sy, t].racks:
            use[rack, t] = use.get((rack, t), 0.0) + u * d.system_racks[sy, t, rack]
        share = u * d.throughput_ttok_per_year[sy, t] / capacity[t]
        facility_mw, rate = u * d.system_power_mw[sy, t] * d.pue, u * d.tok_s[sy, t]
        power[t] += facility_mw
        tok_s[t] += rate
        alloc.append(
            {
                "year": y,
                "system": sy,
                "tier": t,
                "units": u,
                "scenario": s,
                "facility_power_mw": facility_mw,
                "tok_s": rate,
                "mtok_per_year": served[t] * share * MTOK_PER_TTOK,
                "revenue_usd_per_year": served[t]
                * share
                * d.price_musd_per_ttok[t, y, s]
                * USD_PER_MUSD,
                "data_basis": d.routes[sy, t].basis,
            }
        )
        for rack, phases in d.routes[sy, t].phases.items() if serving is not None else ():
            assert serving is not None
            serving.append(
                {
                    "year": y,
                    "tier": t,
                    "system": sy,
                    "rack": rack,
                    "phases": "+".join(phases),
                    "racks": u * d.system_racks[sy, t, rack],
                    "scenario": s,
                }
            )
    rented_mw = {
        t: d.pue
        * sum(
            d.rack_power_mw[m.rental_rack[n]] * _v(m.rented_for[n, t, y, s])
            for n in m.tier_rentals[t]
        )
        for t in d.tiers
    }
    for t in d.tiers:  # the site's power: rented racks draw theirs elsewhere
        power[t] -= rented_mw[t]
    o = m.owner[y, s]
    tier_cost = _tier_costs(m, d, fleet, y, s, use, power)
    for t in d.tiers:
        mtok = served[t] * MTOK_PER_TTOK
        dem = d.demand_ttok_per_year.get((t, y, s))
        tier = inst.tiers[t]
        output_usd = mtok * d.list_price_usd_per_mtok[t, y, s]
        tiers.append(
            {
                "year": y,
                "tier": t,
                "price_usd_per_mtok": d.list_price_usd_per_mtok[t, y, s],
                "min_tok_s_per_user": inst.tiers[t].min_tok_s_per_user,
                "facility_power_mw": power[t],
                "power_share_frac": power[t] / fleet.energised_mw[y, o]
                if fleet.energised_mw[y, o] > 0
                else 0.0,
                "tok_s": tok_s[t],
                "mtok_per_year": mtok,
                "demand_mtok_per_year": None if dem is None else dem * MTOK_PER_TTOK,
                "revenue_usd_per_year": mtok * d.price_musd_per_ttok[t, y, s],
                "scenario": s,
                "input_tokens_per_request": tier.input_tokens,
                "output_tokens_per_request": tier.output_tokens,
                "input_mtok_per_year": mtok * tier.input_per_output,
                "input_price_usd_per_mtok": tier.input_price_usd_per_mtok
                * (
                    d.list_price_usd_per_mtok[t, y, s] / tier.price_usd_per_mtok
                    if tier.price_usd_per_mtok > 0
                    else 1.0
                ),
                "output_revenue_usd_per_year": output_usd * d.tier_price_realisation_frac[t],
                "input_revenue_usd_per_year": (
                    mtok * d.price_musd_per_ttok[t, y, s] / d.tier_price_realisation_frac[t]
                    - output_usd
                )
                * d.tier_price_realisation_frac[t],
                "utilisation_frac": d.tier_utilisation_frac[t],
                "made_mtok_per_year": capacity[t] * MTOK_PER_TTOK,
                "price_realisation_frac": d.tier_price_realisation_frac[t],
                "list_revenue_usd_per_year": mtok
                * d.price_musd_per_ttok[t, y, s]
                / d.tier_price_realisation_frac[t],
                "cost_usd_per_year": tier_cost[t] * USD_PER_MUSD,
                "margin_frac": 1 - tier_cost[t] / (served[t] * d.price_musd_per_ttok[t, y, s])
                if served[t] * d.price_musd_per_ttok[t, y, s] > 0
                else None,
                "rented_power_mw": rented_mw[t],
            }
        )
    lease = sum(d.lease_revenue_musd_per_year[r, y] * _v(m.leased[r, y, s]) for r in m.LEASE_RACKS)
    revenue = (
        sum(served[t] * d.price_musd_per_ttok[t, y, s] for t in d.tiers) + lease
    ) * USD_PER_MUSD
    rent = sum(d.rental_cost_musd_per_year[n] * _v(m.rented[n, y, s]) for n in d.rentals)
    cost = (fleet.cost_musd[y, o] + fleet.building_cost_musd[y, o] + rent) * USD_PER_MUSD
    it_mw = sum(d.rack_power_mw[r] * fleet.in_service[r, y, o] for r in d.racks)
    racks_capex, building = (
        fleet.capex_musd[y, o] * USD_PER_MUSD,
        fleet.building_capex_musd[y, o] * USD_PER_MUSD,
    )
    listed = (
        sum(
            served[t] * d.price_musd_per_ttok[t, y, s] / d.tier_price_realisation_frac[t]
            for t in d.tiers
        )
        + lease
    ) * USD_PER_MUSD  # fmt: skip (leases at their price)
    lease_cost = lease_building_musd(m, d, fleet, y, s, power) + sum(
        _v(m.leased[r, y, s]) * lease_cost_each(d, fleet, r, y, o) for r in m.LEASE_RACKS
    )
    by_year.append(
        {
            "year": y,
            "site_power_mw": d.site_power_mw[y],
            "facility_power_mw": d.pue * it_mw,
            "revenue_usd": revenue,
            "cost_usd": cost,
            "profit_usd": revenue - cost,
            "capex_usd": racks_capex + building,
            "mtok": sum(served.values()) * MTOK_PER_TTOK,
            "discount_factor": d.discount[y],
            "scenario": s,
            "capex_racks_usd": racks_capex,
            "capex_facility_usd": building,
            "list_revenue_usd": listed,
            "facility_cost_usd": fleet.building_cost_musd[y, o] * USD_PER_MUSD,
            "operating_cost_usd": (
                fleet.operating_musd[y, o] + fleet.building_opex_musd[y, o] + rent
            )
            * USD_PER_MUSD,
            "rental_cost_usd": rent * USD_PER_MUSD,
            "energised_mw": fleet.energised_mw[y, o],
            "lease_revenue_usd": lease * USD_PER_MUSD,
            "lease_cost_usd": lease_cost * USD_PER_MUSD,
        }
    )


def _tier_costs(
    m: pyo.ConcreteModel, d: PlanData, fleet: Fleet, y: int, s: str, use: dict, power: dict
) -> dict[str, float]:
    """A year's cost split over tiers, $M: each rack type's yearly cost (capital recovery,
    opex, energy, rent) in proportion to the racks of that type each tier uses, and the
    building in proportion to facility power. Idle racks are carried by the tiers using their
    type, so tier costs add up to the year's cost whenever every type in service is used."""
    o = m.owner[y, s]
    out = dict.fromkeys(d.tiers, 0.0)
    used_of: dict[str, float] = {r: _v(m.leased[r, y, s]) for r in m.LEASE_RACKS}  # leases' share
    for (rack, _), racks in use.items():
        used_of[rack] = used_of.get(rack, 0.0) + racks
    for r in d.racks:
        alive = fleet.in_service[r, y, o]
        new = alive - d.existing_in_service[r, y]
        cost = new * d.rack_annuity_musd_per_year[r] + alive * (
            d.rack_opex_musd_per_year[r] + d.rack_energy_musd_per_year[r, y]
        )
        cost += sum(
            d.rental_cost_musd_per_year[n] * _v(m.rented[n, y, s])
            for n, rr in d.rentals.items()
            if rr == r
        )
        total = used_of.get(r, 0.0)
        for t in d.tiers:
            if total > 0:
                out[t] += cost * use.get((r, t), 0.0) / total
    used_mw = sum(power.values()) + lease_power_mw(m, d, y, s)
    for t in d.tiers:
        if used_mw > 0:
            out[t] += fleet.building_cost_musd[y, o] * power[t] / used_mw
    return out


def lease_power_mw(m: pyo.ConcreteModel, d: PlanData, y: int, s: str) -> float:
    """Facility power of the racks leased out in year y of scenario s, MW."""
    return sum(d.pue * d.rack_power_mw[r] * _v(m.leased[r, y, s]) for r in m.LEASE_RACKS)


def lease_building_musd(
    m: pyo.ConcreteModel, d: PlanData, fleet: Fleet, y: int, s: str, power: dict
) -> float:
    """The leased racks' share of the building's yearly cost (by facility power, as tiers')."""
    leased_mw = lease_power_mw(m, d, y, s)
    used_mw = sum(power.values()) + leased_mw
    return fleet.building_cost_musd[y, m.owner[y, s]] * leased_mw / used_mw if used_mw > 0 else 0.0


def _stochastic(
    inst: Instance,
    report: Any,
    values: StochasticValues | None,
    expected_usd: float | None,
    cvar_usd: float | None,
) -> pd.DataFrame:
    row = {"instance": inst.name, "objective": inst.objective, "status": str(report.status),
           "nonanticipativity": inst.stochastic.nonanticipativity,
           "expected_value_usd": expected_usd, "cvar_usd": cvar_usd}  # fmt: skip
    if values is not None:
        row.update(
            objective_value=values.rp,
            vss_usd=values.vss,
            evpi_usd=values.evpi,
            eev_usd=values.eev,
            wait_and_see_usd=values.wait_and_see,
            note=values.note,
        )
    return pd.DataFrame([row], columns=STOCHASTIC_COLUMNS)


def build_tables(
    m: pyo.ConcreteModel,
    d: PlanData,
    inst: Instance,
    solved: PlanSolve,
    values: StochasticValues | None = None,
) -> Tables:
    """Tables of a solved plan; with no solution, the summary row alone (status, no numbers)."""
    report = solved.report
    summary = dict.fromkeys(SUMMARY_COLUMNS)
    summary.update(
        instance=inst.name,
        objective=inst.objective,
        status=str(report.status),
        data=inst.data,
        mip_gap_frac=report.mip_gap_frac,
        solve_s=round(report.solve_s, 3),
    )
    if not report.status.has_solution:
        stochastic = _stochastic(inst, report, values, None, None) if inst.scenarios else None
        return Tables(
            pd.DataFrame([summary], columns=SUMMARY_COLUMNS),
            pd.DataFrame(columns=RACK_COLUMNS),
            pd.DataFrame(columns=SCHEDULE_COLUMNS),
            pd.DataFrame(columns=TIERS_BY_YEAR_COLUMNS),
            pd.DataFrame(columns=ALLOCATION_BY_YEAR_COLUMNS),
            pd.DataFrame(columns=SUMMARY_BY_YEAR_COLUMNS),
            pd.DataFrame(columns=SCENARIO_COLUMNS),
            stochastic,
        )
    d = at_chosen_prices(m, d)  # a price chosen on a curve is the tier's price from here on
    tiers: list[dict] = []
    alloc: list[dict] = []
    by_year: list[dict] = []
    serving: list[dict] = []
    fleet = Fleet.of(m, d)
    for s in d.scenarios:
        for y in d.years:
            year_rows(m, d, inst, fleet, y, s, tiers, alloc, by_year, serving)
    sby = pd.DataFrame(by_year, columns=SUMMARY_BY_YEAR_COLUMNS)
    binding = binding_by_scenario(m, d, solved.report.rows)
    scen = []
    for s in d.scenarios:
        mine = sby[sby["scenario"] == s]
        scen.append(
            {
                "scenario": s,
                "probability": d.probability[s],
                "npv_profit_usd": float((mine["discount_factor"] * mine["profit_usd"]).sum()),
                "npv_revenue_usd": float((mine["discount_factor"] * mine["revenue_usd"]).sum()),
                "pv_cost_usd": float((mine["discount_factor"] * mine["cost_usd"]).sum()),
                "pv_capex_usd": float((mine["discount_factor"] * mine["capex_usd"]).sum()),
                "mtok": float(mine["mtok"].sum()),
                "binding": binding[s],
                "value_left_usd": _value_left_usd(m, d, inst, fleet, s, mine),
            }
        )
    scenarios = pd.DataFrame(scen, columns=SCENARIO_COLUMNS)
    p = sby["scenario"].map(d.probability)
    n = len(d.years)
    # cost per token: the cost of the racks serving tokens (leased racks' cost left out)
    pv_cost = float((p * sby["discount_factor"] * (sby["cost_usd"] - sby["lease_cost_usd"])).sum())
    pv_mtok = float((p * sby["discount_factor"] * sby["mtok"]).sum())
    npv = scenarios.set_index("scenario")[
        "npv_revenue_usd" if inst.objective == "revenue" else "npv_profit_usd"
    ]
    expected = float((scenarios["probability"] * npv.values).sum())
    outcomes = {str(s): float(v) for s, v in npv.items()}
    cvar_usd = cvar(outcomes, d.probability, d.cvar_alpha_frac) if inst.scenarios else None
    objective_value = {
        "cost_per_token": pv_cost / pv_mtok if pv_mtok > 0 else None,
        "revenue": objective_musd(m, d) * USD_PER_MUSD if d.has_cvar else expected,
        "profit": objective_musd(m, d) * USD_PER_MUSD if d.has_cvar else expected,
    }[inst.objective]
    last = sby[sby["year"] == d.years[-1]]
    facility_mw = float((last["scenario"].map(d.probability) * last["facility_power_mw"]).sum())
    energised_mw = float((last["scenario"].map(d.probability) * last["energised_mw"]).sum())
    summary.update(
        objective_value=objective_value,
        revenue_usd_per_year=float((p * sby["revenue_usd"]).sum() / n),
        cost_usd_per_year=float((p * sby["cost_usd"]).sum() / n),
        profit_usd_per_year=float((p * sby["profit_usd"]).sum() / n),
        capex_usd=float((p * sby["capex_usd"]).sum()),
        capex_racks_usd=float((p * sby["capex_racks_usd"]).sum()),
        capex_facility_usd=float((p * sby["capex_facility_usd"]).sum()),
        list_revenue_usd_per_year=float((p * sby["list_revenue_usd"]).sum() / n),
        facility_cost_usd_per_year=float((p * sby["facility_cost_usd"]).sum() / n),
        operating_cost_usd_per_year=float((p * sby["operating_cost_usd"]).sum() / n),
        rental_cost_usd_per_year=float((p * sby["rental_cost_usd"]).sum() / n),
        facility_power_mw=facility_mw,
        mtok_per_year=float((p * sby["mtok"]).sum() / n),
        cost_usd_per_mtok=pv_cost / pv_mtok if pv_mtok > 0 else None,
        energised_mw=energised_mw,
        lease_revenue_usd_per_year=float((p * sby["lease_revenue_usd"]).sum() / n),
    )
    summary["it_power_mw"] = facility_mw / d.pue
    _, finance = plan_cash_flow(
        pd.Series(summary), sby, scenarios, d.discount_rate_frac, inst.horizon is not None
    )
    summary.update(npv_usd=finance["npv_usd"], value_left_usd=finance["value_left_usd"])
    alloc_frame = pd.DataFrame(alloc, columns=ALLOCATION_BY_YEAR_COLUMNS)
    weight = alloc_frame["scenario"].map(d.probability) * alloc_frame["revenue_usd_per_year"]
    by_basis = weight.groupby(alloc_frame["data_basis"]).sum()
    for basis in BASES:
        share = float(by_basis.get(basis, 0.0) / weight.sum()) if weight.sum() > 0 else 0.0
        summary[basis_column(basis)] = share
    summary["vendor_claim_revenue_frac"] = summary["revenue_frac_vendor_claim"]
    tier_frame = pd.DataFrame(tiers, columns=TIERS_BY_YEAR_COLUMNS)
    summary["tok_s"] = float(
        (tier_frame["scenario"].map(d.probability) * tier_frame["tok_s"]).sum() / n
    )
    schedule = pd.DataFrame(_schedule(m, d, fleet), columns=SCHEDULE_COLUMNS)
    return Tables(
        pd.DataFrame([summary], columns=SUMMARY_COLUMNS),
        _rack_list(schedule, d),
        schedule,
        tier_frame,
        alloc_frame,
        sby,
        scenarios,
        _stochastic(inst, report, values, expected, cvar_usd) if inst.scenarios else None,
        pd.DataFrame(serving, columns=SERVING_BY_YEAR_COLUMNS),
        pd.DataFrame(_rentals(m, d, inst), columns=RENTALS_BY_YEAR_COLUMNS),
        pd.DataFrame(price_rows(m, d), columns=PRICE_COLUMNS),
        pd.DataFrame(_leases(m, d, fleet, by_year), columns=LEASES_BY_YEAR_COLUMNS),
        pd.DataFrame(curve_rows(d), columns=CURVE_COLUMNS),
    )


def _value_left_usd(
    m: pyo.ConcreteModel, d: PlanData, inst: Instance, fleet: Fleet, s: str, mine: pd.DataFrame
) -> float:
    """Scenario s's value left at the end (planner/results/npv.py): the remaining annuities of
    a plan over years; a single-year plan's steady state, from the scenario's own year."""
    if inst.horizon is not None:
        return value_left_musd(m, d, fleet.bought, s) * USD_PER_MUSD
    row = mine.iloc[0]
    year = pd.Series(
        {
            "revenue_usd_per_year": row["revenue_usd"],
            "capex_usd": row["capex_usd"],
            "operating_cost_usd_per_year": row["operating_cost_usd"],
            "profit_usd_per_year": row["profit_usd"],
        }
    )
    return steady_state_value_left_usd(year, d.discount_rate_frac)


def lease_cost_each(d: PlanData, fleet: Fleet, r: str, y: int, o: str) -> float:
    """A rack's share of its type's yearly cost in fleet state (y, o): capital recovery of
    those bought in the plan, opex and energy, over the racks in service, $M."""
    alive = fleet.in_service[r, y, o]
    if not alive:
        return 0.0
    new = alive - d.existing_in_service[r, y]
    running = d.rack_opex_musd_per_year[r] + d.rack_energy_musd_per_year[r, y]
    return (new * d.rack_annuity_musd_per_year[r] + alive * running) / alive


def _leases(m: pyo.ConcreteModel, d: PlanData, fleet: Fleet, by_year: list[dict]) -> list[dict]:
    """Racks leased out per year and scenario: revenue, and their cost: the racks' own yearly
    cost (capital recovery of those bought in the plan, opex, energy) and their share of the
    building by facility power, so the leases' costs add up to `lease_cost_usd` by year."""
    lease_cost = {(row["year"], row["scenario"]): row["lease_cost_usd"] for row in by_year}
    rows = []
    for s in d.scenarios:
        for y in d.years:
            o = m.owner[y, s]
            leased = {r: _v(m.leased[r, y, s]) for r in m.LEASE_RACKS}
            own = {
                r: n * lease_cost_each(d, fleet, r, y, o) * USD_PER_MUSD for r, n in leased.items()
            }
            mw = {r: n * d.rack_power_mw[r] for r, n in leased.items()}
            building = lease_cost[y, s] - sum(own.values())
            for r, racks in leased.items():
                share = building * mw[r] / sum(mw.values()) if sum(mw.values()) > 0 else 0.0
                revenue = d.lease_revenue_musd_per_year[r, y] * racks * USD_PER_MUSD
                rows.append(
                    {
                        "year": y,
                        "rack": r,
                        "racks_leased": racks,
                        "revenue_usd": revenue,
                        "cost_usd": own[r] + share,
                        "scenario": s,
                    }
                )
    return rows


def _rentals(m: pyo.ConcreteModel, d: PlanData, inst: Instance) -> list[dict]:
    rows = []
    for s in d.scenarios:
        for y in d.years:
            for n, rack in d.rentals.items():
                racks = _v(m.rented[n, y, s])
                cost = d.rental_cost_musd_per_year[n] * racks * USD_PER_MUSD
                rows.append(
                    {
                        "year": y,
                        "rental": n,
                        "rack": rack,
                        "racks_rented": racks,
                        "gpu_hours": cost / inst.rentals[n].usd_per_gpu_hour,
                        "cost_usd": cost,
                        "scenario": s,
                    }
                )
    return rows
