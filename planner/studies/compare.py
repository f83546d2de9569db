"""Several instances side by side: NPV, profit, revenue, capex, payback, IRR and the racks
bought (one NPV, planner/results/npv.py), with revenue ratios to the first and previous, each
plan's cash flow, and its NPV split into the present values of revenue, operating cost, capex
and the value left at the end (which add up to it), so the words can say where a difference
comes from."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from planner.inputs.load import LoadedInstance
from planner.results.run import solve_loaded
from planner.solver.highs import SolveSettings

COMPARE_COLUMNS = [
    "instance", "status", "revenue_usd_per_year", "ratio_to_previous", "claimed_ratio_to_previous",
    "ratio_to_first", "tok_s", "mtok_per_year", "capex_usd", "facility_power_mw",
    "cost_usd_per_mtok", "claim_source", "npv_usd", "profit_usd_per_year", "capex_racks_usd",
    "capex_facility_usd", "payback_years", "irr_frac", "energised_mw", "value_left_usd", "racks_bought",
    "pv_revenue_usd", "pv_operating_cost_usd", "pv_capex_usd", "pv_value_left_usd",
]  # fmt: skip
PV_PARTS = {"pv_revenue_usd": "revenue", "pv_operating_cost_usd": "operating cost",
            "pv_capex_usd": "capex", "pv_value_left_usd": "value left at the end"}  # fmt: skip
"""The NPV's parts (planner/results/npv.py `cash_flow` metrics, on its dates: capex at the
start of its year, operating cash at its end, the value left at the end of the plan)."""
PV_SIGNS = {"pv_revenue_usd": 1, "pv_operating_cost_usd": -1, "pv_capex_usd": -1,
            "pv_value_left_usd": 1}  # fmt: skip
"""NPV = the sum of each part times its sign."""

SHOWN = ["instance", "status", "npv_usd", "profit_usd_per_year", "revenue_usd_per_year",
         "capex_usd", "payback_years", "irr_frac", "racks_bought"]  # fmt: skip
"""The columns the terminal shows (the CSV has them all)."""


@dataclass(frozen=True)
class Comparison:
    """The side-by-side table and each plan's cash flow (planner/results/npv.py CASH_COLUMNS),
    by instance name."""

    table: pd.DataFrame
    cash: dict[str, pd.DataFrame]


def compare(loaded: list[LoadedInstance], settings: SolveSettings | None = None) -> pd.DataFrame:
    """Solve each instance; one row each, revenue ratios against first and previous, beside
    the ratio a source claims. Instances that give `comparison.order` (every one of them) are
    put in that order (the GTC generations: Hopper, Blackwell, Rubin, Rubin + LPX), others
    stay in the order given."""
    return compare_plans(loaded, settings).table


def compare_plans(
    loaded: list[LoadedInstance], settings: SolveSettings | None = None
) -> Comparison:
    """`compare`, keeping each plan's cash flow for the side-by-side report."""
    if loaded and all(x.instance.comparison is not None for x in loaded):
        loaded = sorted(loaded, key=lambda x: x.instance.comparison.order)  # type: ignore[union-attr]
    rows = []
    cash: dict[str, pd.DataFrame] = {}
    for item in loaded:
        result = solve_loaded(item, settings)
        tables = result.tables
        summary = tables.summary.iloc[0]
        row = {c: summary.get(c) for c in COMPARE_COLUMNS}
        if result.solved.report.status.has_solution:
            flows, metrics = result.cash_flow()
            row.update(payback_years=metrics["payback_years"], irr_frac=metrics["irr_frac"])
            row.update({part: metrics[part] for part in PV_PARTS})
            cash[str(summary["instance"])] = flows
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
    return Comparison(frame, cash)


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
    return (
        f"{best['instance']} has the highest NPV of profit, {money(float(best['npv_usd']))}: "
        f"{money(gap)} more than {next_best['instance']}, for {spend}."
    )


def why(frame: pd.DataFrame) -> str:
    """Where the NPV gap between the best plan and the next comes from: the difference of each
    present value, largest first (they add up to the gap)."""
    from planner.results.present import money

    ranked = frame.dropna(subset=["npv_usd", "pv_revenue_usd"]).sort_values(
        "npv_usd", ascending=False
    )
    if len(ranked) < 2:
        return ""
    best, other = ranked.iloc[0], ranked.iloc[1]
    gap = float(best["npv_usd"]) - float(other["npv_usd"])
    changes = [(float(best[c]) - float(other[c]), words) for c, words in PV_PARTS.items()]
    changes.sort(key=lambda c: -abs(c[0]))
    said = [
        f"its {words} {money(abs(change))} {'more' if change > 0 else 'less'}"
        for change, words in changes
        if abs(change) >= 0.005 * abs(gap)
    ]
    if not said:
        return ""
    listed = said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]
    return (
        f"Why: {best['instance']}'s NPV is {money(gap)} higher than {other['instance']}'s: "
        f"{listed} (present values at each plan's rate, which add up to the gap)."
    )
