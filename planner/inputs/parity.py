"""Rental parity: the most a tier's tokens can sell for while GPU-hours can be rented.

A seller can rent the racks of a route at the market's price per GPU-hour (`lease_out`, the
prices the plan itself leases idle racks out at) and sell the tokens they make. Competition
from such sellers caps a tier's price: at most what a seller renting the cheapest route must
charge to keep the public compute margin m (`lease_out.entrant_margin_frac`, revenue left after
paying for compute: OpenAI about 70%, Anthropic 53-68%, economics-data.md section 4). For a route
of q_r racks of type r per unit making x output tok/s per unit, sold at the tier's utilisation u:

    cost per sold Mtok  c = sum_r q_r x hourly_r / (x * 3600 * u / 10^6)
    parity list price   p = c / ((1 - m) * realised per list)

where hourly_r is the rack's rent (GPUs x price per GPU-hour, x (1 + growth)^k in year k) for a
rack the market rents, and the plan's own yearly cost of owning it (capital recovery, opex,
energy and its share of the building) over the hours of a year for one it does not (LPX), and
"realised per list" is the tier's realised revenue per output token (price realisation and input
tokens) over its list price. A route counts in a year when all its racks can serve all of it
(`horizon.racks.<rack>.first_year` and `first_available`). The plan then prices each tier on its
curve at or below p (planner/inputs/market.py).
"""

from __future__ import annotations

from planner.inputs.catalog import Catalog
from planner.inputs.data import SECONDS_PER_HOUR, USD_PER_MUSD, TierYearScenario
from planner.inputs.instance import Instance
from planner.inputs.serving import Route


def _available(inst: Instance, rack: str, year: int) -> bool:
    """Can racks of this type serve the whole of `year` (always without `horizon:`)?"""
    sched = inst.horizon.racks.get(rack) if inst.horizon else None
    if sched is None or sched.first_year is None:
        return True
    return year > sched.first_year or (year == sched.first_year and sched.first_year_frac >= 1)


def seller_costs(
    inst: Instance,
    catalog: Catalog,
    years: list[int],
    owned_musd_per_rack_year: dict[tuple[str, int], float],
) -> dict[tuple[str, int], float]:
    """(rack, year) -> what an hour of the rack costs a seller renting it: GPUs x the lease
    price x (1 + growth)^k in year k for a rack `lease_out` prices, else its owner's yearly cost
    ($M) over the hours of a year. Empty without `lease_out`."""
    lease = inst.lease_out
    if lease is None:
        return {}
    hours = inst.site.hours_per_year
    out = {}
    for (rack, y), owned in owned_musd_per_rack_year.items():
        if rack in lease.usd_per_gpu_hour:
            k = years.index(y)
            rent = lease.usd_per_gpu_hour[rack] * (1 + lease.growth_frac_per_year) ** k
            out[rack, y] = catalog.racks[rack].accelerators * rent
        else:
            out[rack, y] = owned * USD_PER_MUSD / hours
    return out


def parity_prices(
    inst: Instance,
    years: list[int],
    found: dict[tuple[str, str], Route],
    price: dict[TierYearScenario, float],
    list_price: dict[TierYearScenario, float],
    seller_usd_per_rack_hour: dict[tuple[str, int], float],
) -> dict[TierYearScenario, tuple[float, str]]:
    """(tier, year, scenario) -> (parity list price $/Mtok, the system it is priced on), for
    every tier with a demand curve when `lease_out.entrant_margin_frac` is given
    (`seller_usd_per_rack_hour`: `seller_costs`)."""
    lease = inst.lease_out
    if lease is None or lease.entrant_margin_frac is None:
        return {}
    keep = 1 - lease.entrant_margin_frac
    routes_of: dict[str, list[tuple[str, Route]]] = {}  # one pass over the routes, not per tier
    for (system, t), r in found.items():
        if r.tok_s > 0:
            routes_of.setdefault(t, []).append((system, r))
    scenarios_of: dict[tuple[str, int], list[str]] = {}
    for t, y, s in price:
        scenarios_of.setdefault((t, y), []).append(s)
    out: dict[TierYearScenario, tuple[float, str]] = {}
    for t, tier in inst.tiers.items():
        if tier.demand_curve is None:
            continue
        util = tier.utilisation_frac or inst.site.utilisation_frac
        for y in years:
            costs = [
                (
                    sum(q * seller_usd_per_rack_hour[rack, y] for rack, q in r.racks.items())
                    / (r.tok_s * SECONDS_PER_HOUR * util / 1e6),
                    system,
                )
                for system, r in routes_of.get(t, [])
                if all(_available(inst, rack, y) for rack in r.racks)
            ]
            if not costs:
                continue
            cost, system = min(costs, key=lambda c: c[0])  # the first system on a tie
            for s in scenarios_of.get((t, y), []):
                realised, listed = price[t, y, s], list_price[t, y, s]
                if listed > 0 and realised > 0:
                    out[t, y, s] = (cost / (keep * realised / listed), system)
    return out
