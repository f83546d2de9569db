"""Checks on a plan's tables that do not depend on the formulation.

Recomputed from the instance and catalog only: power within the envelope, capex within
budget, tokens within demand and within capacity, racks used within racks bought, shares,
and revenue = price x tokens. Returns human-readable violations; an empty list means pass.
"""

from __future__ import annotations

from planner.inputs.catalog import Catalog
from planner.inputs.data import workload
from planner.inputs.instance import Instance
from planner.inputs.serving import Route, route
from planner.results.tables import Tables, rows

REL_TOL = 1e-6


def _over(value: float, limit: float) -> bool:
    return value > limit + REL_TOL * max(1.0, abs(limit))


def tier_route(inst: Instance, catalog: Catalog, system: str, tier: str) -> Route | None:
    """How `system` serves `tier` by the serving arithmetic of the inputs step (tok/s and
    racks per unit), derived again from the instance and catalog; None when it cannot."""
    r = route(catalog, system, workload(inst, tier), inst.data == "measured")
    return r if isinstance(r, Route) else None


def serving_seconds(inst: Instance) -> dict[str, float]:
    """Seconds a year each tier's racks serve: hours x the tier's (else the site's) utilisation."""
    site = inst.site
    return {t: 3600 * site.hours_per_year * (x.utilisation_frac or site.utilisation_frac)
            for t, x in inst.tiers.items()}  # fmt: skip


def market_violations(
    inst: Instance, tier_name: str, price: float, mtok: float, ref_price: float, ref_mtok: float
) -> list[str]:
    """A curve tier's row against its curve, recomputed from the instance: the price within
    the curve's range, and the tokens sold within what the market takes at that price (for an
    elasticity D0 (p / p0)^e; for a ladder, the envelope's volume at the price)."""
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
        ladder = sorted((q.price_usd_per_mtok * p_scale, q.demand_mtok_per_year * v_scale)
                        for q in curve.ladder)  # fmt: skip
        lo, hi = ladder[0][0], ladder[-1][0]
        takes = max(v for p, v in ladder if p >= price * (1 - REL_TOL)) if price <= hi else 0.0
    if price < lo * (1 - REL_TOL) or _over(price, hi):
        bad.append(f"price: {tier_name} at ${price:.6g} outside its curve's ${lo:.6g}-${hi:.6g}")
    if _over(mtok, takes):
        bad.append(
            f"demand: {tier_name} sells {mtok:.6g} Mtok > the market's {takes:.6g} at ${price:.6g}"
        )
    return bad


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
    """All invariant violations of a solved plan (empty when it is consistent)."""
    bad: list[str] = []
    site = inst.site
    counts = dict(zip(tables.racks["rack"], tables.racks["count"], strict=True))
    it_mw = sum(n * catalog.racks[r].power_kw / 1e3 for r, n in counts.items())
    energised = float(tables.summary.iloc[0]["energised_mw"])
    if site.energisation is None:
        if abs(energised - site.power_mw) > REL_TOL * site.power_mw:
            bad.append(f"power: {energised:.6g} MW energised, not the whole {site.power_mw:g} MW")
    else:
        blocks = (energised - site.energisation.energised_mw) / site.energisation.block_mw
        if abs(blocks - round(blocks)) > 1e-9 or _over(energised, site.power_mw):
            bad.append(f"power: {energised:.6g} MW energised is not whole blocks within the site")
    if _over(site.pue * it_mw, energised):
        bad.append(f"power: {site.pue * it_mw:.6g} MW facility > {energised:g} MW energised")
    paid_mw = energised - (site.energisation.energised_mw if site.energisation else 0.0)
    building = (site.facility_capex_usd_per_mw or 0.0) * paid_mw  # the building energised
    capex = sum(n * catalog.racks[r].capex_usd for r, n in counts.items()) + building
    if site.capex_budget_usd is not None and _over(capex, site.capex_budget_usd):
        bad.append(f"budget: capex {capex:.6g} (racks and building) > {site.capex_budget_usd:.6g}")
    if any(n < 0 for n in counts.values()):
        bad.append("racks: negative count")

    used = {r: 0.0 for r in counts}
    seconds = serving_seconds(inst)
    capacity_mtok = {t: 0.0 for t in inst.tiers}
    power_mw = {t: 0.0 for t in inst.tiers}
    for row in rows(tables.allocation):
        served = tier_route(inst, catalog, row.system, row.tier)
        if served is None:
            bad.append(f"capacity: {row.system} cannot serve {row.tier}")
            continue
        for rack, n in served.racks.items():
            used[rack] = used.get(rack, 0.0) + n * row.units
        capacity_mtok[row.tier] += row.units * served.tok_s * seconds[row.tier] / 1e6
        power_mw[row.tier] += (
            row.units
            * site.pue
            * sum(n * catalog.racks[r].power_kw / 1e3 for r, n in served.racks.items())
        )
    leased: dict[str, float] = {str(k): float(v) for k, v in
                                tables.leases_by_year.groupby("rack")["racks_leased"].sum().items()}  # fmt: skip
    for rack, n in leased.items():
        price = inst.lease_out.usd_per_gpu_hour.get(rack) if inst.lease_out else None
        if price is None or n < 0 or _over(n, counts.get(rack, 0)):
            bad.append(f"leases: {rack} leases {n:.6g} racks, owning {counts.get(rack, 0)}")
        used[rack] = used.get(rack, 0.0) + n
    rented = tables.rentals.groupby("rack")["racks_rented"].sum().to_dict()
    for row in rows(tables.rentals):
        limit = inst.rentals[row.rental].max_racks
        if row.racks_rented < 0 or (limit is not None and _over(row.racks_rented, limit)):
            bad.append(f"rentals: {row.rental} rents {row.racks_rented:.6g} (limit {limit})")
    for rack, u in used.items():
        have = counts.get(rack, 0) + rented.get(rack, 0.0)
        if _over(u, have):
            bad.append(f"racks: {rack} used {u:.6g} > bought and rented {have:.6g}")

    shares = 0.0
    for row in rows(tables.tiers):
        tier = inst.tiers[row.tier]
        if _over(row.mtok_per_year, capacity_mtok[row.tier]):
            bad.append(
                f"capacity: {row.tier} sells {row.mtok_per_year:.6g} > {capacity_mtok[row.tier]:.6g} Mtok"
            )
        if tier.demand_curve is not None and inst.objective != "cost_per_token":
            bad += market_violations(inst, row.tier, row.price_usd_per_mtok, row.mtok_per_year,
                                     tier.price_usd_per_mtok, tier.demand_mtok_per_year or 0.0)  # fmt: skip
        elif tier.demand_mtok_per_year is not None and _over(
            row.mtok_per_year, tier.demand_mtok_per_year
        ):
            bad.append(
                f"demand: {row.tier} sells {row.mtok_per_year:.6g} > {tier.demand_mtok_per_year:.6g}"
            )
        elif abs(row.price_usd_per_mtok - tier.price_usd_per_mtok) > REL_TOL * max(
            1.0, tier.price_usd_per_mtok
        ):
            bad.append(f"price: {row.tier} reported ${row.price_usd_per_mtok:.6g}, fixed at "
                       f"${tier.price_usd_per_mtok:.6g}")  # fmt: skip
        if tier.min_mtok_per_year and row.mtok_per_year < tier.min_mtok_per_year * (1 - REL_TOL):
            bad.append(f"floor: {row.tier} serves {row.mtok_per_year:.6g} Mtok < "
                       f"{tier.min_mtok_per_year:.6g}")  # fmt: skip
        total_mtok = float(tables.tiers["mtok_per_year"].sum())
        if (
            tier.min_token_share_frac
            and row.mtok_per_year < tier.min_token_share_frac * total_mtok * (1 - REL_TOL)
        ):
            bad.append(f"floor: {row.tier} serves {row.mtok_per_year:.6g} of {total_mtok:.6g} Mtok, "
                       f"under {tier.min_token_share_frac:g} of them")  # fmt: skip
        expected = row.mtok_per_year * row.price_usd_per_mtok * revenue_per_list_usd(inst, row.tier)
        if tier.price_usd_per_mtok <= 0:  # a zero-priced tier earns its input price as written
            realised = tier.price_realisation_frac or site.price_realisation_frac
            expected = (
                row.mtok_per_year * realised * tier.input_price_usd_per_mtok * tier.input_per_output
            )
        if abs(row.revenue_usd_per_year - expected) > REL_TOL * max(1.0, abs(expected)):
            bad.append(
                f"revenue: {row.tier} {row.revenue_usd_per_year:.6g} != price x tokens {expected:.6g}"
            )
        if row.rented_power_mw < 0 or _over(row.rented_power_mw, power_mw[row.tier]):
            bad.append(f"rentals: {row.tier} runs {row.rented_power_mw:.6g} MW on rented racks, "
                       f"more than its units' {power_mw[row.tier]:.6g} MW")  # fmt: skip
        share = (power_mw[row.tier] - row.rented_power_mw) / energised if energised else 0.0
        shares += share
        if abs(share - row.power_share_frac) > REL_TOL:
            bad.append(
                f"share: {row.tier} reported {row.power_share_frac:.6g}, recomputed {share:.6g}"
            )
        if tier.power_share_frac is not None and abs(share - tier.power_share_frac) > REL_TOL:
            bad.append(f"share: {row.tier} {share:.6g} != fixed {tier.power_share_frac}")
        if tier.min_power_share_frac is not None and share < tier.min_power_share_frac - REL_TOL:
            bad.append(f"share: {row.tier} {share:.6g} < min {tier.min_power_share_frac}")
        if tier.max_power_share_frac is not None and _over(share, tier.max_power_share_frac):
            bad.append(f"share: {row.tier} {share:.6g} > max {tier.max_power_share_frac}")
    if _over(shares, 1.0):
        bad.append(f"share: tier shares sum to {shares:.6g} > 1")
    rented_mw = site.pue * sum(
        row.racks_rented * catalog.racks[row.rack].power_kw / 1e3 for row in rows(tables.rentals)
    )
    if abs(float(tables.tiers["rented_power_mw"].sum()) - rented_mw) > REL_TOL * max(
        1.0, rented_mw
    ):
        bad.append(f"rentals: tiers run {tables.tiers['rented_power_mw'].sum():.6g} MW on rented "
                   f"racks, the rentals are {rented_mw:.6g} MW")  # fmt: skip

    summary = tables.summary.iloc[0]
    lease_usd = 0.0
    for row in rows(tables.leases_by_year):
        lease = inst.lease_out
        if lease is None:
            continue
        rate = lease.usd_per_gpu_hour[row.rack] * lease.utilisation_frac * site.hours_per_year
        expected_usd = row.racks_leased * catalog.racks[row.rack].accelerators * rate
        if abs(row.revenue_usd - expected_usd) > REL_TOL * max(1.0, expected_usd):
            bad.append(
                f"leases: {row.rack} earns {row.revenue_usd:.6g}, GPU-hours x price {expected_usd:.6g}"
            )
        lease_usd += expected_usd
    revenue = float(tables.tiers["revenue_usd_per_year"].sum()) + lease_usd
    if abs(summary["revenue_usd_per_year"] - revenue) > REL_TOL * max(1.0, revenue):
        bad.append("revenue: summary differs from the sum over tiers")
    return bad
