"""Is the answer plausible? A solved plan's headline ratios against public ranges.

Ratios (from the plan's summary, per year averaged over the plan and its scenarios):
- revenue and profit per GW-year of site power;
- margin = profit / revenue;
- payback = capex (racks and building) / (revenue - operating cost a year), years;
- revenue as a share of the market figure;
- cost per million output tokens;
- the site's utilisation and price realisation, and each tier's output list price (by name).
Each one outside its range gives a warning naming the ratio, its value, the range and the
range's source. The ranges live in `models/plausibility.yaml`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

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

    def words(self) -> str:
        side = "above" if self.value > self.high else "below"
        label = LABELS.get(self.ratio, self.ratio)
        if self.ratio.startswith("tiers."):
            label = f"tier {self.ratio.split('.')[1]}'s output list price per million tokens"
        return (f"{label} is {_fmt(self.ratio, self.value)}, {side} the "
                f"public range {_fmt(self.ratio, self.low)} to {_fmt(self.ratio, self.high)} "
                f"({self.source}: {self.why})")  # fmt: skip


LABELS = {
    "revenue_usd_per_gw_year": "revenue per GW-year",
    "profit_usd_per_gw_year": "profit per GW-year",
    "margin_frac": "margin",
    "payback_years": "payback",
    "revenue_share_of_market_frac": "revenue as a share of the 2025 inference market",
    "cost_usd_per_output_mtok": "cost per million output tokens",
    "utilisation_frac": "utilisation",
    "price_realisation_frac": "price realisation",
}


def _fmt(ratio: str, value: float) -> str:
    if ratio.endswith("_frac"):
        return f"{value:.0%}"
    if ratio == "payback_years":
        return f"{value:.1f} years"
    if ratio.endswith("per_mtok") or ratio.startswith("tiers."):
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
        if market_usd:
            out["revenue_share_of_market_frac"] = revenue / market_usd
    cash = revenue - float(summary["operating_cost_usd_per_year"] or 0.0)
    capex = float(summary["capex_usd"] or 0.0)
    if cash > 0 and capex > 0:
        out["payback_years"] = capex / cash
    per_mtok = summary.get("cost_usd_per_mtok")
    if per_mtok is not None and pd.notna(per_mtok) and float(summary["mtok_per_year"] or 0) > 0:
        out["cost_usd_per_output_mtok"] = float(per_mtok)
    return out


def check_plausibility(inst: Instance, summary: pd.Series, ranges: Plausibility) -> list[Finding]:
    """Every headline ratio of the plan outside its public range."""
    market = ranges.ratios.get("revenue_share_of_market_frac")
    values = plan_ratios(inst, summary, market.market_usd_per_year if market else None)
    found = []
    checks: list[tuple[str, float, Range]] = [
        (name, values[name], r) for name, r in ranges.ratios.items() if name in values
    ]
    for tier_name, tier in inst.tiers.items():
        r = ranges.tier_output_price_usd_per_mtok.get(tier_name)
        if r is not None and tier.price_usd_per_mtok > 0:
            checks.append((f"tiers.{tier_name}.price_usd_per_mtok", tier.price_usd_per_mtok, r))
    for name, value, r in checks:
        if not r.low <= value <= r.high:
            found.append(Finding(name, value, r.low, r.high, r.source, r.why))
    return found
