"""Checks on a horizon/scenario plan's tables that do not depend on the formulation.

Recomputed from the tables, the catalog and the per-year inputs (the instance's series as
expanded by planner.inputs.data, which the known-answer tests check on their own): for each
year and scenario, racks in service = existing + bought within their lifetime; facility power
within the year's envelope; capex within the year's budget; deliveries within their limit and
none before a rack's first year; racks used within racks in service; tokens within demand and
within the capacity the allocation makes; revenue = price x tokens; shared purchases equal in
every scenario. Returns human-readable violations; an empty list means pass.
"""

from __future__ import annotations

from planner.inputs.catalog import Catalog
from planner.inputs.data import PlanData
from planner.inputs.instance import Instance
from planner.results.checks import (
    REL_TOL,
    _over,
    market_violations,
    serving_seconds,
    tier_route,
)
from planner.results.tables import Tables, rows


def _off(a: float, b: float) -> bool:
    return abs(a - b) > REL_TOL * max(1.0, abs(a), abs(b))


def check_horizon_plan(inst: Instance, catalog: Catalog, d: PlanData, tables: Tables) -> list[str]:
    """All invariant violations of a solved horizon plan (empty when it is consistent)."""
    bad: list[str] = []
    site = inst.site
    sched = tables.schedule
    seconds = serving_seconds(inst)
    bought = {(r.rack, r.year, r.scenario): r.bought for r in rows(sched)}
    shared_years = set(d.shared_years)
    first = d.scenarios[0]
    for row in rows(sched):
        where = f"{row.scenario} {row.year} {row.rack}"
        spec = catalog.racks[row.rack]
        life = d.rack_service_years[row.rack]
        alive = d.existing_in_service[row.rack, row.year] + sum(
            bought.get((row.rack, y, row.scenario), 0)
            for y in range(row.year - life + 1, row.year + 1)
        )
        if row.in_service != alive:
            bad.append(
                f"fleet: {where}: in_service {row.in_service} != existing + bought alive {alive}"
            )
        if _off(row.capex_usd, row.bought * spec.capex_usd):
            bad.append(f"capex: {where}: {row.capex_usd:.6g} != bought x price")
        limit = d.max_deliveries.get((row.rack, row.year))
        if limit is not None and row.bought > limit:
            bad.append(f"deliveries: {where}: bought {row.bought} > {limit}")
        if row.bought < 0:
            bad.append(f"deliveries: {where}: negative purchase")
        if row.year in shared_years and row.bought != bought[row.rack, row.year, first]:
            bad.append(f"nonanticipativity: {where}: bought {row.bought} differs from {first}")
    for (rack_name, s), group in sched.groupby(["rack", "scenario"]):
        rack = str(rack_name)
        cap = inst.racks[rack].max_count if rack in inst.racks else None
        if cap is not None and group["bought"].sum() > cap:
            bad.append(f"supply: {s} {rack}: bought {group['bought'].sum()} > max_count {cap}")
    energised = {(r.year, r.scenario): r.energised_mw for r in rows(tables.summary_by_year)}
    per_mw = site.facility_capex_usd_per_mw or 0.0
    for (year, s), group in sched.groupby(["year", "scenario"]):
        y = int(str(year))
        it_mw = sum(r.in_service * catalog.racks[r.rack].power_kw / 1e3 for r in rows(group))
        on = energised[y, s]
        start = site.energisation.energised_mw if site.energisation is not None else 0.0
        before = energised.get((y - 1, s), start)
        if _over(on, d.site_power_mw[y]) or (
            site.energisation is None and _off(on, d.site_power_mw[y])
        ):
            bad.append(
                f"power: {s} {y}: {on:.6g} MW energised; the envelope is {d.site_power_mw[y]:g} MW"
            )
        if site.energisation is not None:
            blocks = (on - start) / site.energisation.block_mw
            if abs(blocks - round(blocks)) > 1e-9 or on < before - 1e-9:
                bad.append(f"power: {s} {y}: {on:.6g} MW energised is not whole blocks, or fell")
        if _over(site.pue * it_mw, on):
            bad.append(f"power: {s} {y}: {site.pue * it_mw:.6g} MW > {on:g} MW energised")
        capex_usd = float(group["capex_usd"].sum())
        if site.energisation is not None:  # blocks energised this year are paid this year
            capex_usd += (on - before) * per_mw
        # the racks' (and blocks') share of the budget: what a fixed building leaves of it
        if y in d.capex_budget_musd and _over(capex_usd, d.capex_budget_musd[y] * 1e6):
            bad.append(
                f"budget: {s} {y}: capex {capex_usd:.6g} > {d.capex_budget_musd[y] * 1e6:.6g}"
            )

    in_service = {(r.rack, r.year, r.scenario): r.in_service for r in rows(sched)}
    used: dict[tuple[str, int, str], float] = {}
    capacity_mtok: dict[tuple[str, int, str], float] = {}
    for row in rows(tables.allocation_by_year):
        served = tier_route(inst, catalog, row.system, row.tier)
        if served is None:
            bad.append(f"capacity: {row.system} cannot serve {row.tier}")
            continue
        for rack, n in served.racks.items():
            key = (rack, row.year, row.scenario)
            used[key] = used.get(key, 0.0) + n * row.units
        key = (row.tier, row.year, row.scenario)
        capacity_mtok[key] = (
            capacity_mtok.get(key, 0.0) + row.units * served.tok_s * seconds[row.tier] / 1e6
        )
    lease = inst.lease_out
    for row in rows(tables.leases_by_year):
        key = (row.rack, row.year, row.scenario)
        used[key] = used.get(key, 0.0) + row.racks_leased
        if row.racks_leased < 0 or _over(row.racks_leased, in_service.get(key, 0)):
            bad.append(
                f"leases: {key}: {row.racks_leased:.6g} leased > {in_service.get(key, 0)} owned"
            )
        if lease is not None:
            k = row.year - d.years[0]
            price = lease.usd_per_gpu_hour[row.rack] * (1 + lease.growth_frac_per_year) ** k
            expected = (row.racks_leased * catalog.racks[row.rack].accelerators * price
                        * lease.utilisation_frac * site.hours_per_year)  # fmt: skip
            if _off(row.revenue_usd, expected):
                bad.append(f"leases: {key}: revenue {row.revenue_usd:.6g} != GPU-hours x price")
    rented = tables.rentals_by_year.groupby(["rack", "year", "scenario"])["racks_rented"].sum()
    for key, units in used.items():
        have = in_service.get(key, 0) + float(rented.get(key, 0.0))
        if _over(units, have):
            bad.append(f"racks: {key}: used {units:.6g} > in service and rented {have:.6g}")
    for row in rows(tables.tiers_by_year):
        key = (row.tier, row.year, row.scenario)
        where = f"{row.scenario} {row.year} {row.tier}"
        if _over(row.mtok_per_year, capacity_mtok.get(key, 0.0)):
            bad.append(
                f"capacity: {where}: {row.mtok_per_year:.6g} Mtok > {capacity_mtok.get(key, 0.0):.6g}"
            )
        demand = d.demand_ttok_per_year.get(key)
        if demand is not None and _over(row.mtok_per_year, demand * 1e6):
            bad.append(
                f"demand: {where}: {row.mtok_per_year:.6g} Mtok > forecast {demand * 1e6:.6g}"
            )
        price = d.price_musd_per_ttok[key]
        if key in d.curves:  # the price chosen on the curve, at the key's realisation
            ref_price, ref_ttok = d.curves[key].reference
            bad += [f"{where}: {v}" for v in market_violations(
                inst, row.tier, row.price_usd_per_mtok, row.mtok_per_year, ref_price, ref_ttok * 1e6)]  # fmt: skip
            price = row.price_usd_per_mtok * d.price_musd_per_ttok[key] / ref_price
        if _off(row.revenue_usd_per_year, row.mtok_per_year * price):
            bad.append(f"revenue: {where}: {row.revenue_usd_per_year:.6g} != price x tokens")
        floor = d.tier_min_ttok_per_year.get(key)
        if floor is not None and row.mtok_per_year < floor * 1e6 * (1 - REL_TOL):
            bad.append(f"floor: {where}: {row.mtok_per_year:.6g} Mtok < {floor * 1e6:.6g}")
    total = tables.tiers_by_year.groupby(["year", "scenario"])["mtok_per_year"].sum()
    for row in rows(tables.tiers_by_year):
        share = d.tier_min_token_share_frac.get(row.tier)
        if share and row.mtok_per_year < share * total[row.year, row.scenario] * (1 - REL_TOL):
            bad.append(f"floor: {row.scenario} {row.year} {row.tier}: under {share:g} of tokens")
    by_year = tables.tiers_by_year.groupby(["year", "scenario"])["revenue_usd_per_year"].sum()
    leases = tables.leases_by_year.groupby(["year", "scenario"])["revenue_usd"].sum()
    for row in rows(tables.summary_by_year):
        earned = float(by_year.get((row.year, row.scenario), 0.0))
        earned += float(leases.get((row.year, row.scenario), 0.0))
        if _off(row.revenue_usd, earned):
            bad.append(f"revenue: {row.scenario} {row.year}: summary != sum over tiers")
    return bad
