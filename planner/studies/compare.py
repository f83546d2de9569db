"""Several instances side by side: NPV, profit, revenue, capex, payback, IRR and the racks
bought (one NPV, planner/results/npv.py), with revenue ratios to the first and previous."""

from __future__ import annotations

import pandas as pd

from planner.inputs.load import LoadedInstance
from planner.results.npv import plan_cash_flow
from planner.results.run import solve_loaded
from planner.solver.highs import SolveSettings

COMPARE_COLUMNS = [
    "instance", "status", "revenue_usd_per_year", "ratio_to_previous", "claimed_ratio_to_previous",
    "ratio_to_first", "tok_s", "mtok_per_year", "capex_usd", "facility_power_mw",
    "cost_usd_per_mtok", "claim_source", "npv_usd", "profit_usd_per_year", "capex_racks_usd",
    "capex_facility_usd", "payback_years", "irr_frac", "energised_mw", "value_left_usd", "racks_bought",
]  # fmt: skip
SHOWN = ["instance", "status", "npv_usd", "profit_usd_per_year", "revenue_usd_per_year",
         "capex_usd", "payback_years", "irr_frac", "racks_bought"]  # fmt: skip
"""The columns the terminal shows (the CSV has them all)."""


def compare(loaded: list[LoadedInstance], settings: SolveSettings | None = None) -> pd.DataFrame:
    """Solve each instance; one row each, revenue ratios against first and previous, beside
    the ratio a source claims. Instances that give `comparison.order` (every one of them) are
    put in that order (the GTC generations: Hopper, Blackwell, Rubin, Rubin + LPX), others
    stay in the order given."""
    if loaded and all(x.instance.comparison is not None for x in loaded):
        loaded = sorted(loaded, key=lambda x: x.instance.comparison.order)  # type: ignore[union-attr]
    rows = []
    for item in loaded:
        result = solve_loaded(item, settings)
        tables = result.tables
        summary = tables.summary.iloc[0]
        row = {c: summary.get(c) for c in COMPARE_COLUMNS}
        if result.solved.report.status.has_solution:
            _, metrics = plan_cash_flow(summary, tables.summary_by_year, tables.scenarios,
                                        item.instance.site.discount_rate_frac,
                                        item.instance.horizon is not None)  # fmt: skip
            row.update(payback_years=metrics["payback_years"], irr_frac=metrics["irr_frac"])
            bought = tables.schedule[tables.schedule["scenario"] == result.data.scenarios[0]]
            counts = bought.groupby("rack", sort=False)["bought"].sum()
            row["racks_bought"] = "; ".join(f"{int(n):,} {r}" for r, n in counts.items() if n)
        claim = item.instance.comparison
        row["claimed_ratio_to_previous"] = claim.claimed_ratio_to_previous if claim else None
        row["claim_source"] = claim.claim_source if claim else ""
        rows.append(row)
    frame = pd.DataFrame(rows, columns=COMPARE_COLUMNS)
    revenue = frame["revenue_usd_per_year"].astype(float)
    frame["ratio_to_first"] = revenue / revenue.iloc[0] if len(frame) else None
    frame["ratio_to_previous"] = revenue / revenue.shift(1)
    return frame


def verdict(frame: pd.DataFrame) -> str:
    """Which plan has the highest NPV, and by how much over the next, in words."""
    from planner.results.present import money

    ranked = frame.dropna(subset=["npv_usd"]).sort_values("npv_usd", ascending=False)
    if len(ranked) < 2:
        return ""
    best, next_best = ranked.iloc[0], ranked.iloc[1]
    gap = float(best["npv_usd"]) - float(next_best["npv_usd"])
    capex = float(best["capex_usd"] or 0.0) - float(next_best["capex_usd"] or 0.0)
    spend = f"{money(abs(capex))} {'more' if capex > 0 else 'less'} capex"
    return (f"{best['instance']} has the highest NPV of profit, {money(float(best['npv_usd']))}: "
            f"{money(gap)} more than {next_best['instance']}, for {spend}.")  # fmt: skip
