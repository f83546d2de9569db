"""Finance views of a results folder: the answer in a sentence, cash flow by year with NPV,
IRR and payback, and the spread of outcomes over scenarios (P10/P50/P90).

The cash flow and its NPV are planner/results/npv.py's, read from the folder's CSVs: the same
figure the terminal and summary.csv show (`npv_usd`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.results.npv import CASH_COLUMNS, plan_cash_flow
from planner.results.present import money

__all__ = ["CASH_COLUMNS", "answer", "cash_flow", "has_money", "percentiles"]


def has_money(frames: dict[str, pd.DataFrame]) -> bool:
    """Whether the folder's summary has the columns a cash flow needs (a solved plan)."""
    needed = {"revenue_usd_per_year", "operating_cost_usd_per_year", "capex_usd"}
    summary = frames.get("summary")
    return (
        summary is not None
        and needed <= set(summary.columns)
        and pd.notna(summary.iloc[0]["revenue_usd_per_year"])
    )


def cash_flow(frames: dict[str, pd.DataFrame], rate: float) -> tuple[pd.DataFrame, dict]:
    """The cash-flow table and its NPV, IRR and payback (planner/results/npv.py)."""
    by_year = frames.get("summary_by_year")
    scenarios = frames.get("scenarios")
    multi_year = by_year is not None and not by_year.empty and set(by_year["year"]) != {0}
    if scenarios is not None and "value_left_usd" not in scenarios:
        scenarios = scenarios.assign(value_left_usd=0.0)  # a folder written before it existed
    return plan_cash_flow(frames["summary"].iloc[0], by_year, scenarios, rate, multi_year)


def percentiles(scenarios: pd.DataFrame, column: str = "npv_profit_usd") -> dict[str, float]:
    """P10, P50 and P90 of a scenario outcome, weighted by probability (the smallest outcome
    whose cumulative probability reaches the level)."""
    ordered = scenarios.sort_values(column)
    cumulative = ordered["probability"].cumsum().to_numpy()
    values = ordered[column].to_numpy(dtype=float)
    out = {}
    for name, level in (("P10", 0.1), ("P50", 0.5), ("P90", 0.9)):
        k = int(np.searchsorted(cumulative, level - 1e-12))
        out[name] = float(values[min(k, len(values) - 1)])
    return out


def answer(frames: dict[str, pd.DataFrame], metrics: dict) -> str:
    """The plan in one sentence."""
    summary = frames["summary"].iloc[0]
    if str(summary["status"]) not in ("optimal", "feasible"):
        return f"No plan: the solve ended {summary['status']}."
    racks = frames["racks"]
    bought = [(r, int(n)) for r, n in zip(racks["rack"], racks["count"], strict=True) if n > 0]
    items = [f"{n:,} {r}" for r, n in bought]
    what = (
        ", ".join(items[:-1]) + (" and " if len(items) > 1 else "") + items[-1]
        if items
        else "no racks"
    )
    building = float(summary.get("capex_facility_usd") or 0.0)
    racks_capex = float(summary.get("capex_racks_usd") or summary["capex_usd"])
    text = f"Buy {what} racks ({money(racks_capex)})"
    if building:
        text += f" for a {money(building)} building"
    revenue, profit = float(summary["revenue_usd_per_year"]), float(summary["profit_usd_per_year"])
    text += f": they earn {money(revenue)} a year"
    if revenue > 0:
        text += f" for a profit of {money(profit)} ({profit / revenue:.0%} margin)"
    if metrics.get("payback_years") is not None:
        text += f", paying back in {metrics['payback_years']:.1f} years"
    if metrics.get("npv_usd") is not None:
        text += f"; NPV {money(metrics['npv_usd'])} at {metrics['rate_frac']:.0%}"
    return text + "."
