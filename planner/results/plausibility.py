"""Is the answer plausible? A solved plan's headline ratios against public ranges.

Ratios (from the plan's summary, per year averaged over the plan and its scenarios):
- revenue and profit per GW-year of site power, and revenue per GW-year actually drawn;
- the energised MW left idle (drawn over energised);
- margin = profit / revenue;
- payback = capex (racks and building) / (revenue - operating cost a year), years;
- revenue as a share of the market figure;
- cost per million output tokens;
- the site's utilisation and price realisation, and each tier's output list price (the
  price the plan charged) against the public prices of the model it serves where the ranges
  list that model, else against its name's;
- per paid tier: revenue per GPU-hour of the GPUs it ties up (set against the rental market)
  and its margin (over its racks in use at market rack-hour prices when the instance has
  `lease_out:`, as the public compute margins are; else over its own cost).
Each one outside its range gives a warning naming the ratio, its value, the range and the
range's source. The ranges live in `models/plausibility.yaml`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from planner.inputs.catalog import Catalog
from planner.inputs.instance import Instance
from planner.inputs.plausibility import Plausibility, Range


@dataclass(frozen=True)
class Finding:
    """One ratio outside its public range."""

    ratio: str
    value: float
    low: float
    high: float
    source: str
    why: str
    model: str | None = None
    """For a tier's price checked against its model's public prices: that model."""

    def words(self) -> str:
        side = "above" if self.value > self.high else "below"
        label = LABELS.get(self.ratio, self.ratio)
        if self.ratio.startswith("tiers.") and self.ratio.endswith("price_usd_per_mtok"):
            label = f"tier {self.ratio.split('.')[1]}'s output list price per million tokens"
            if self.model:
                label += f" of {self.model}"
        elif self.ratio.startswith("tiers."):
            _, tier, what = self.ratio.split(".")
            label = f"tier {tier}'s {TIER_LABELS.get(what, what)}"
        return (
            f"{label} is {_fmt(self.ratio, self.value)}, {side} the "
            f"public range {_fmt(self.ratio, self.low)} to {_fmt(self.ratio, self.high)} "
            f"({self.source}: {self.why})"
        )


LABELS = {
    "revenue_usd_per_gw_year": "revenue per GW-year",
    "profit_usd_per_gw_year": "profit per GW-year",
    "margin_frac": "margin",
    "payback_years": "payback",
    "revenue_share_of_market_frac": "revenue as a share of the 2025 inference market",
    "cost_usd_per_output_mtok": "cost per million output tokens",
    "utilisation_frac": "utilisation",
    "price_realisation_frac": "price realisation",
    "revenue_usd_per_gw_drawn_year": "revenue per GW-year drawn",
    "idle_energised_frac": "energised power left idle",
}
TIER_LABELS = {
    "revenue_usd_per_gpu_hour": "revenue per GPU-hour",
    "margin_frac": "margin",
}


def _fmt(ratio: str, value: float) -> str:
    if ratio.endswith("_frac"):
        return f"{value:.0%}"
    if ratio == "payback_years":
        return f"{value:.1f} years"
    if "mtok" in ratio or ratio.endswith("per_gpu_hour"):
        return f"${value:,.2f}"
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value >= 1e9:
        return f"{sign}${value / 1e9:,.1f}B"
    return f"{sign}${value / 1e6:,.0f}M"


def plan_ratios(inst: Instance, summary: pd.Series, market_usd: float | None) -> dict[str, float]:
    """The headline ratios of a solved plan (summary row of summary.csv)."""
    gw = inst.site.power_mw / 1000.0
    if inst.horizon is not None and isinstance(inst.horizon.site_power_mw, list):
        gw = sum(inst.horizon.site_power_mw) / len(inst.horizon.site_power_mw) / 1000.0
    revenue = float(summary["revenue_usd_per_year"] or 0.0)
    profit = float(summary["profit_usd_per_year"] or 0.0)
    out = {
        "revenue_usd_per_gw_year": revenue / gw,
        "profit_usd_per_gw_year": profit / gw,
        "utilisation_frac": inst.site.utilisation_frac,
        "price_realisation_frac": inst.site.price_realisation_frac,
    }
    if revenue > 0:
        out["margin_frac"] = profit / revenue
    cash = revenue - float(summary["operating_cost_usd_per_year"] or 0.0)
    capex = float(summary["capex_usd"] or 0.0)
    if cash > 0 and capex > 0:
        out["payback_years"] = capex / cash
    drawn_gw = float(summary.get("facility_power_mw") or 0.0) / 1000.0
    lease = float(summary.get("lease_revenue_usd_per_year") or 0.0)
    if drawn_gw > 0:
        out["revenue_usd_per_gw_drawn_year"] = revenue / drawn_gw
    energised = summary.get("energised_mw")
    if inst.site.energisation is not None and energised is not None and float(energised) > 0:
        out["idle_energised_frac"] = 1 - drawn_gw * 1000.0 / float(energised)
    if market_usd and revenue - lease > 0:  # the token market: leases are not in it
        out["revenue_share_of_market_frac"] = (revenue - lease) / market_usd
    per_mtok = summary.get("cost_usd_per_mtok")
    if per_mtok is not None and pd.notna(per_mtok) and float(summary["mtok_per_year"] or 0) > 0:
        out["cost_usd_per_output_mtok"] = float(per_mtok)
    return out


def tier_ratios(
    tiers: pd.DataFrame,
    serving: pd.DataFrame,
    catalog: Catalog,
    hours_per_year: float,
    probability: dict[str, float] | None = None,
    seller_usd_per_rack_hour: dict[tuple[str, int], float] | None = None,
) -> dict[str, dict[str, float]]:
    """Per paid tier (expected over scenarios, summed over years): revenue per GPU-hour of the
    GPUs in the racks it ties up (GPU racks only: an LPX rack adds no GPUs), its margin and its
    list price (revenue-weighted).

    The margin is set against the public compute margins, which are revenue left after paying
    for compute at market prices (OpenAI and Anthropic rent theirs). So with rack-hour prices
    (`seller_usd_per_rack_hour`, from `lease_out:`; PlanData) it is the tier's margin over its
    racks in use at those prices; without them, over the tier's own cost (tiers.csv, which
    keeps the owner's margin in any case)."""
    weight = (lambda f: f["scenario"].map(probability)) if probability else (lambda f: 1.0)  # noqa: E731
    out: dict[str, dict[str, float]] = {}
    gpus = serving.assign(
        gpus=[
            r * catalog.racks[rack].accelerators
            if catalog.racks[rack].accelerator_kind == "gpu"
            else 0.0
            for rack, r in zip(serving["rack"], serving["racks"], strict=True)
        ]
    )
    gpus = gpus.assign(w=weight(gpus) if probability else 1.0)
    tiers = tiers.assign(w=weight(tiers) if probability else 1.0)
    # one grouped sum per column (a filter per tier was quadratic in tiers)
    sums = (
        tiers.assign(
            revenue=tiers["w"] * tiers["revenue_usd_per_year"],
            cost=tiers["w"] * tiers["cost_usd_per_year"],
            listed=tiers["w"] * tiers["price_usd_per_mtok"] * tiers["revenue_usd_per_year"],
        )
        .groupby("tier", sort=False)[["revenue", "cost", "listed"]]
        .sum()
    )
    gpu_hours_of = (gpus["w"] * gpus["gpus"]).groupby(gpus["tier"]).sum() * hours_per_year
    at_market = None
    if seller_usd_per_rack_hour:
        pairs = zip(gpus["rack"], gpus["year"], strict=True)
        hourly = [seller_usd_per_rack_hour[rack, int(year)] for rack, year in pairs]
        at_market = (gpus["w"] * gpus["racks"] * hourly).groupby(gpus["tier"]).sum()
    for tier, revenue, cost, listed in sums.itertuples():
        if revenue <= 0:
            continue
        if at_market is not None:
            cost = float(at_market.get(tier, 0.0)) * hours_per_year
        ratios = {"margin_frac": 1 - cost / revenue, "price_usd_per_mtok": listed / revenue}
        gpu_hours = float(gpu_hours_of.get(tier, 0.0))
        if gpu_hours > 0:
            ratios["revenue_usd_per_gpu_hour"] = float(revenue) / gpu_hours
        out[str(tier)] = {k: float(v) for k, v in ratios.items()}
    return out


def check_plausibility(
    inst: Instance,
    summary: pd.Series,
    ranges: Plausibility,
    per_tier: dict[str, dict[str, float]] | None = None,
) -> list[Finding]:
    """Every headline ratio of the plan outside its public range (and, given `per_tier` from
    `tier_ratios`, every paid tier's)."""
    market = ranges.ratios.get("revenue_share_of_market_frac")
    values = plan_ratios(inst, summary, market.market_usd_per_year if market else None)
    found = []
    checks: list[tuple[str, float, Range, str | None]] = [
        (name, values[name], r, None) for name, r in ranges.ratios.items() if name in values
    ]
    for tier_name, tier in inst.tiers.items():
        model = tier.model or inst.workload
        by_model = ranges.model_output_price_usd_per_mtok.get(model)
        r = by_model or ranges.tier_output_price_usd_per_mtok.get(tier_name)
        charged = (
            (per_tier or {}).get(tier_name, {}).get("price_usd_per_mtok", tier.price_usd_per_mtok)
        )
        if r is not None and tier.price_usd_per_mtok > 0:
            name = f"tiers.{tier_name}.price_usd_per_mtok"
            checks.append((name, charged, r, model if by_model else None))
    for tier_name, values in (per_tier or {}).items():
        for name, r in ranges.tier_ratios.items():
            if name in values:
                checks.append((f"tiers.{tier_name}.{name}", values[name], r, None))
    for name, value, r, served in checks:
        slack = 1e-6 * max(abs(r.low), abs(r.high), 1e-12)  # a price chosen at a range's end
        if not r.low - slack <= value <= r.high + slack:
            found.append(Finding(name, value, r.low, r.high, r.source, r.why, served))
    return found
