"""`plan catalog`: per system and tier, throughput, throughput per MW and cost per token.

A unit is what the serving arithmetic of `planner/inputs/serving.py` says one unit of the
system uses for that tier (for a recipe, the racks per unit depend on the tier).

Cost per million tokens uses the seed's formula:
    cost_usd_per_mtok = cost_usd_per_gpu_hour / (tok_s_per_gpu * 3600) * 1e6
with two costs per GPU-hour: `owned` (capex x capital recovery factor + opex + energy at the
site's PUE, spread over the GPUs and the hours of the year at full use) and `market` (a quoted
TCO or rental rate, when the catalog gives one for every rack of the system).
"""

from __future__ import annotations

import pandas as pd

from planner.inputs.catalog import Catalog
from planner.inputs.data import SECONDS_PER_HOUR, capital_recovery_factor, routes
from planner.inputs.instance import Instance

CATALOG_COLUMNS = [
    "system", "tier", "min_tok_s_per_user", "tok_s", "tok_s_per_gpu", "tok_s_per_mw",
    "owned_usd_per_gpu_hour", "owned_usd_per_mtok", "market_usd_per_gpu_hour", "market_usd_per_mtok",
]  # fmt: skip


def cost_usd_per_mtok(cost_usd_per_gpu_hour: float, tok_s_per_gpu: float) -> float:
    """Seed formula: cost per GPU-hour / tokens per GPU-hour x 1e6."""
    return cost_usd_per_gpu_hour / (tok_s_per_gpu * SECONDS_PER_HOUR) * 1e6


def owned_usd_per_hour(catalog: Catalog, racks: dict[str, float], inst: Instance) -> float:
    """Hourly cost of owning `racks` (rack -> count): annualised capex + opex + energy."""
    site = inst.site
    total = 0.0
    for rack_name, count in racks.items():
        rack = catalog.racks[rack_name]
        annual = rack.capex_usd * capital_recovery_factor(
            site.discount_rate_frac, rack.lifetime_years
        )
        annual += rack.opex_usd_per_year
        annual += (
            rack.power_kw / 1e3 * site.pue * site.hours_per_year * site.electricity_usd_per_mwh
        )
        total += count * annual
    return total / site.hours_per_year


def system_gpus(catalog: Catalog, racks: dict[str, float]) -> float:
    """GPUs in `racks` (LPUs are not GPUs)."""
    return sum(
        n * catalog.racks[r].accelerators
        for r, n in racks.items()
        if catalog.racks[r].accelerator_kind == "gpu"
    )


def market_usd_per_hour(catalog: Catalog, racks: dict[str, float]) -> float | None:
    """Quoted cost per hour of `racks`, if every rack has a per-GPU-hour quote."""
    total = 0.0
    for r, n in racks.items():
        rate = catalog.racks[r].market_usd_per_gpu_hour
        if rate is None:
            return None
        total += n * rate * catalog.racks[r].accelerators
    return total


def catalog_table(catalog: Catalog, inst: Instance) -> pd.DataFrame:
    """One row per (system, tier) the system's curve can serve."""
    rows = []
    found, _ = routes(inst, catalog, list(inst.systems or sorted(catalog.systems)))
    for (system, tier_name), served in found.items():
        tier, tok_s, racks = inst.tiers[tier_name], served.tok_s, served.racks
        gpus = system_gpus(catalog, racks)
        facility_mw = inst.site.pue * sum(
            n * catalog.racks[r].power_kw / 1e3 for r, n in racks.items()
        )
        owned_h = owned_usd_per_hour(catalog, racks, inst)
        market_h = market_usd_per_hour(catalog, racks)
        per_gpu = tok_s / gpus if gpus else None
        rows.append(
            {
                "system": system,
                "tier": tier_name,
                "min_tok_s_per_user": tier.min_tok_s_per_user,
                "tok_s": tok_s,
                "tok_s_per_gpu": per_gpu,
                "tok_s_per_mw": tok_s / facility_mw,
                "owned_usd_per_gpu_hour": owned_h / gpus if gpus else None,
                "owned_usd_per_mtok": cost_usd_per_mtok(owned_h / gpus, per_gpu)
                if per_gpu
                else None,
                "market_usd_per_gpu_hour": market_h / gpus if market_h and gpus else None,
                "market_usd_per_mtok": (
                    cost_usd_per_mtok(market_h / gpus, per_gpu) if market_h and per_gpu else None
                ),
            }
        )
    return pd.DataFrame(rows, columns=CATALOG_COLUMNS)
