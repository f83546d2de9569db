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
from planner.inputs.data import SECONDS_PER_HOUR
from planner.inputs.derive import routes
from planner.inputs.finance import capital_recovery_factor
from planner.inputs.instance import Instance
from planner.inputs.serving import at_speed

CATALOG_COLUMNS = [
    "system", "tier", "min_tok_s_per_user", "tok_s", "tok_s_per_gpu", "tok_s_per_mw",
    "owned_usd_per_gpu_hour", "owned_usd_per_mtok", "market_usd_per_gpu_hour", "market_usd_per_mtok",
    "data_basis",
]  # fmt: skip


def cost_usd_per_mtok(cost_usd_per_gpu_hour: float, tok_s_per_gpu: float) -> float:
    """Seed formula: cost per GPU-hour / tokens per GPU-hour x 1e6."""
    return cost_usd_per_gpu_hour / (tok_s_per_gpu * SECONDS_PER_HOUR) * 1e6


def owned_usd_per_hour(catalog: Catalog, racks: dict[str, float], inst: Instance) -> float:
    """Hourly cost of owning `racks` (rack -> count): annualised capex + opex + energy, and
    their share of the building by facility power (the site's facility capex per MW over its
    life, plus its opex per MW-year; about a fifth of the total at the default site)."""
    site = inst.site
    building = (site.facility_capex_usd_per_mw or 0.0) * capital_recovery_factor(
        site.discount_rate_frac, site.facility_lifetime_years
    ) + site.facility_opex_usd_per_mw_year  # per facility MW a year
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
        annual += rack.power_kw / 1e3 * site.pue * building
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
                "data_basis": served.basis,
            }
        )
    return pd.DataFrame(rows, columns=CATALOG_COLUMNS)


SEED_SPEED_TOK_S_PER_USER = 116.0
"""The speed of the seed's table (seed 001). Its "65x tokens per second per GPU" is InferenceX
v2's Blackwell-over-Hopper ratio of tokens per DOLLAR at 116 tok/s per user (9.7x at 40;
serving-data.md section 5), printed as tokens per GPU; the catalog is read at that speed."""
SEED_ROWS = (
    # system, generation, the seed's $/GPU-hour, tok/s per GPU and printed $/Mtok
    ("hgx-h200", "Hopper (HGX H200)", 1.41, 90.0, 4.20),
    ("gb300-nvl72", "Blackwell (GB300 NVL72)", 2.65, 6000.0, 0.12),
)
SEED_COLUMNS = [
    "generation", "seed_usd_per_gpu_hour", "seed_tok_s_per_gpu", "seed_usd_per_mtok",
    "formula_usd_per_mtok", "catalog_usd_per_gpu_hour", "catalog_tok_s_per_gpu",
    "catalog_usd_per_mtok", "why",
]  # fmt: skip


def seed_reconciled(seed: pd.DataFrame) -> str:
    """The seed's ratios against the catalog's, in words: the seed's 65x tokens per GPU and 2x
    cost per GPU-hour give its 35x cost per token; InferenceX measured 65x per dollar."""
    hop, bw = seed.iloc[0], seed.iloc[1]
    seed_gpu = bw["seed_tok_s_per_gpu"] / hop["seed_tok_s_per_gpu"]
    seed_cost = bw["seed_usd_per_gpu_hour"] / hop["seed_usd_per_gpu_hour"]
    text = (
        f"the seed's {seed_gpu:.0f}x tokens per GPU over {seed_cost:.2f}x the cost per "
        f"GPU-hour gives its {seed_gpu / seed_cost:.0f}x lower cost per token; InferenceX "
        f"v2 measured 65x tokens per dollar (not per GPU) at {SEED_SPEED_TOK_S_PER_USER:g} "
        "tok/s per user"
    )
    if pd.notna(hop["catalog_usd_per_mtok"]) and pd.notna(bw["catalog_usd_per_mtok"]):
        gpu = bw["catalog_tok_s_per_gpu"] / hop["catalog_tok_s_per_gpu"]
        dollar = hop["catalog_usd_per_mtok"] / bw["catalog_usd_per_mtok"]
        text += (
            f"; the catalog's measured curves give {gpu:.0f}x per GPU and {dollar:.0f}x per "
            "dollar there, and that gap, not the seed's, is what the plans use"
        )
    return text


def seed_table(catalog: Catalog) -> pd.DataFrame:
    """Seed 001's cost-per-million-token table, recomputed: its own formula on its own inputs,
    then the shipped catalog's quoted cost per GPU-hour and its measured curve at the seed's
    speed (total input + output tokens per GPU at 8K/1K, as InferenceX counts them)."""
    rows = []
    for system, generation, usd_h, tok_s, printed in SEED_ROWS:
        formula = cost_usd_per_mtok(usd_h, tok_s)
        row: dict = {"generation": generation, "seed_usd_per_gpu_hour": usd_h,
                     "seed_tok_s_per_gpu": tok_s, "seed_usd_per_mtok": printed,
                     "formula_usd_per_mtok": formula}  # fmt: skip
        implied = usd_h / (printed * SECONDS_PER_HOUR) * 1e6
        row["why"] = (
            f"{usd_h} / ({tok_s:,.0f} x 3,600) x 1e6 = ${formula:.3g}; the printed ${printed} "
            f"implies {implied:,.0f} tok/s per GPU: the table's inputs are rounded"
        )
        sy = catalog.systems.get(system)
        curve = sy.curves.get("deepseek-r1") if sy else None
        rack = catalog.racks.get(system)
        rate = at_speed(curve, SEED_SPEED_TOK_S_PER_USER) if curve else None
        if rack is not None and rate is not None and rack.market_usd_per_gpu_hour:
            total = rate.value * (curve.input_tokens + curve.output_tokens) / curve.output_tokens  # type: ignore[union-attr]
            per_gpu = total / rack.accelerators
            row.update(
                catalog_usd_per_gpu_hour=rack.market_usd_per_gpu_hour,
                catalog_tok_s_per_gpu=per_gpu,
                catalog_usd_per_mtok=cost_usd_per_mtok(rack.market_usd_per_gpu_hour, per_gpu),
            )
        rows.append(row)
    return pd.DataFrame(rows, columns=SEED_COLUMNS)
