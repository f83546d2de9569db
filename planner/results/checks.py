"""The one checker of a plan's tables, for every plan kind, independent of the formulation.

Recomputed from the by-year tables, the catalog and the per-year inputs (the instance's series
as expanded by planner.inputs.derive, which the known-answer tests check on their own): for each
year and scenario, racks in service = existing + bought within their lifetime; MW energised
within the envelope, in whole blocks, never falling, and facility power within it; capex
(racks and blocks) within the year's budget; deliveries within their limit and none before a
rack's first year; racks used and leased within racks in service and rented; rentals within
their limits; tokens within demand (or the market at the chosen price, within the curve's
range) and within the capacity the allocation makes; tokens floors; power shares of the power
energised; revenue = price x tokens (+ leases); shared purchases equal in every scenario. A
single-year plan is year 0 of one scenario (`checks.check_plan`). Returns human-readable
violations; an empty list means pass.
"""

from __future__ import annotations

from typing import Any

from planner.inputs.catalog import Catalog
from planner.inputs.data import PlanData
from planner.inputs.derive import build_plan_data, workload
from planner.inputs.instance import Instance
from planner.inputs.market import Curve
from planner.inputs.serving import Route, route
from planner.results.tables import Tables, rows

REL_TOL = 1e-6


def _over(value: float, limit: float) -> bool:
    return value > limit + REL_TOL * max(1.0, abs(limit))


def tier_route(inst: Instance, catalog: Catalog, system: str, tier: str) -> Route | None:
    """How `system` serves `tier` by the serving arithmetic of the inputs step (tok/s and
    racks per unit), derived again from the instance and catalog; None when it cannot."""
    r = route(catalog, system, workload(inst, tier), inst.data_rank)
    return r if isinstance(r, Route) else None


def serving_seconds(inst: Instance) -> dict[str, float]:
    """Seconds a year each tier's racks serve: hours x the tier's (else the site's) utilisation."""
    site = inst.site
    return {
        t: 3600 * site.hours_per_year * (x.utilisation_frac or site.utilisation_frac)
        for t, x in inst.tiers.items()
    }


def market_violations(
    inst: Instance,
    tier_name: str,
    price: float,
    mtok: float,
    ref_price: float,
    ref_mtok: float,
    cap: float | None = None,
) -> list[str]:
    """A curve tier's row against its curve, recomputed from the instance: the price within
    the curve's range (both ends at most the rental-parity `cap` when there is one), and the
    tokens sold within what the market takes at that price (for an elasticity D0 (p / p0)^e;
    for a ladder, the envelope's volume at the price)."""
    curve = inst.tiers[tier_name].demand_curve
    if curve is None:
        return []
    bad = []
    if curve.ladder is None:
        assert curve.price_elasticity is not None
        lo, hi = ref_price * curve.min_price_frac, ref_price * curve.max_price_frac
        takes = ref_mtok * (price / ref_price) ** curve.price_elasticity
    else:
        tier = inst.tiers[tier_name]
        p_scale = ref_price / tier.price_usd_per_mtok
        v_scale = ref_mtok / (tier.demand_mtok_per_year or 1.0)
        ladder = sorted(
            (q.price_usd_per_mtok * p_scale, q.demand_mtok_per_year * v_scale) for q in curve.ladder
        )
        lo, hi = ladder[0][0], ladder[-1][0]
        takes = max(v for p, v in ladder if p >= price * (1 - REL_TOL)) if price <= hi else 0.0
    if cap is not None:
        lo, hi = min(lo, cap), min(hi, cap)
    if price < lo * (1 - REL_TOL) or _over(price, hi):
        bad.append(f"price: {tier_name} at ${price:.6g} outside its curve's ${lo:.6g}-${hi:.6g}")
    if _over(mtok, takes):
        bad.append(
            f"demand: {tier_name} sells {mtok:.6g} Mtok > the market's {takes:.6g} at ${price:.6g}"
        )
    return bad


def _parity_price(curve: Curve) -> float | None:
    """The rental-parity cap of a curve (None without one)."""
    return None if curve.parity is None else curve.parity[0]


def revenue_per_list_usd(inst: Instance, tier_name: str) -> float:
    """Revenue per output token per dollar of its list price: realisation x (1 + input tokens
    per output token x input price / the tier's output price); input prices follow the output
    price in proportion (a tier priced 0 earns its input price unscaled, as a flat fee)."""
    tier, site = inst.tiers[tier_name], inst.site
    realised = tier.price_realisation_frac or site.price_realisation_frac
    if tier.price_usd_per_mtok <= 0:
        return realised
    return realised * (
        1 + tier.input_price_usd_per_mtok * tier.input_per_output / tier.price_usd_per_mtok
    )


def check_plan(inst: Instance, catalog: Catalog, tables: Tables) -> list[str]:
    """All invariant violations of a solved single-year plan (empty when it is consistent).

    One checker for every plan kind: a single-year plan is checked by
    `planner.results.checks.check_horizon_plan` over its by-year tables (year 0, one
    scenario), with the instance's numbers as the data step expands them."""
    return check_horizon_plan(inst, catalog, build_plan_data(inst, catalog), tables)


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
    # racks bought in a first year that starts late serve only the part of it left
    serving = {
        (r.rack, r.year, r.scenario): r.in_service
        - d.first_year_idle_frac.get((r.rack, r.year), 0.0) * r.bought
        for r in rows(sched)
    }
    used: dict[tuple[str, int, str], float] = {}
    capacity_mtok: dict[tuple[str, int, str], float] = {}
    units_mw: dict[tuple[str, int, str], float] = {}  # the tier's units' power, rented or not
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
        units_mw[key] = units_mw.get(key, 0.0) + row.units * site.pue * sum(
            n * catalog.racks[r].power_kw / 1e3 for r, n in served.racks.items()
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
            expected = (
                row.racks_leased
                * catalog.racks[row.rack].accelerators
                * price
                * lease.utilisation_frac
                * site.hours_per_year
            )
            if _off(row.revenue_usd, expected):
                bad.append(f"leases: {key}: revenue {row.revenue_usd:.6g} != GPU-hours x price")
    for row in rows(tables.rentals_by_year):
        most = inst.rentals[row.rental].max_racks
        if row.racks_rented < 0 or (most is not None and _over(row.racks_rented, most)):
            bad.append(
                f"rentals: {row.scenario} {row.year} {row.rental} rents "
                f"{row.racks_rented:.6g} (limit {most})"
            )
    rented = tables.rentals_by_year.groupby(["rack", "year", "scenario"])["racks_rented"].sum()
    for key, units in used.items():
        have = serving.get(key, 0) + float(rented.get(key, 0.0))
        if _over(units, have):
            bad.append(
                f"racks: {key}: used {units:.6g} > in service (serving) and rented {have:.6g}"
            )
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
            bad += [
                f"{where}: {v}"
                for v in market_violations(
                    inst,
                    row.tier,
                    row.price_usd_per_mtok,
                    row.mtok_per_year,
                    ref_price,
                    ref_ttok * 1e6,
                    _parity_price(d.curves[key]),
                )
            ]
            price = row.price_usd_per_mtok * d.price_musd_per_ttok[key] / ref_price
        if _off(row.revenue_usd_per_year, row.mtok_per_year * price):
            bad.append(f"revenue: {where}: {row.revenue_usd_per_year:.6g} != price x tokens")
        floor = d.tier_min_ttok_per_year.get(key)
        if floor is not None and row.mtok_per_year < floor * 1e6 * (1 - REL_TOL):
            bad.append(f"floor: {where}: {row.mtok_per_year:.6g} Mtok < {floor * 1e6:.6g}")
        bad += _share_violations(
            inst, row, where, units_mw.get(key, 0.0), energised[row.year, row.scenario]
        )
        if key not in d.curves and _off(row.price_usd_per_mtok, d.list_price_usd_per_mtok[key]):
            bad.append(
                f"price: {where}: reported ${row.price_usd_per_mtok:.6g}, the tier's "
                f"${d.list_price_usd_per_mtok[key]:.6g}"
            )
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


def _share_violations(
    inst: Instance, row: Any, where: str, units_mw: float, energised: float
) -> list[str]:
    """A tier's site power (its units' power less what runs on rented racks) as a share of the
    power energised, against its fixed, minimum and maximum shares; rented power within its
    units' power."""
    bad = []
    if row.rented_power_mw < -REL_TOL or _over(row.rented_power_mw, units_mw):
        bad.append(
            f"rentals: {where}: {row.rented_power_mw:.6g} MW on rented racks, more than "
            f"its units' {units_mw:.6g} MW"
        )
    share = (units_mw - row.rented_power_mw) / energised if energised > 0 else 0.0
    if abs(share - row.power_share_frac) > REL_TOL:
        bad.append(f"share: {where}: reported {row.power_share_frac:.6g}, recomputed {share:.6g}")
    tier = inst.tiers[row.tier]
    if tier.power_share_frac is not None and abs(share - tier.power_share_frac) > REL_TOL:
        bad.append(f"share: {where}: {share:.6g} != fixed {tier.power_share_frac}")
    if tier.min_power_share_frac is not None and share < tier.min_power_share_frac - REL_TOL:
        bad.append(f"share: {where}: {share:.6g} < min {tier.min_power_share_frac}")
    if tier.max_power_share_frac is not None and _over(share, tier.max_power_share_frac):
        bad.append(f"share: {where}: {share:.6g} > max {tier.max_power_share_frac}")
    return bad
