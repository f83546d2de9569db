"""Finance views of a results folder: the answer in a sentence, cash flow by year with NPV,
IRR and payback, and the spread of outcomes over scenarios (P10/P50/P90).

Cash flow in a year = revenue - operating cost (opex, energy, rent, building opex) - capex
(racks and building spent that year). A plan over years uses its own years (expected over
scenarios). A single-year plan is read as a steady state: the year's capex in year 0, then the
year's operating cash for the racks' five-year life (economics-data section 7a), and in year 5
the building's remaining book value (straight line over its own life), so the building is not
charged to five years of racks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.results.present import money

STEADY_YEARS = 5
BUILDING_LIFE_YEARS = 20.0

CASH_COLUMNS = ["year", "revenue_usd", "operating_cost_usd", "capex_usd", "cash_flow_usd",
                "discounted_cash_usd", "cumulative_cash_usd"]  # fmt: skip


def irr(cash: list[float]) -> float | None:
    """The internal rate of return: the r > -1 with sum cash_k / (1 + r)^k = 0, from the roots
    of the polynomial sum cash_k x^k (x = 1 / (1 + r)); None when there is no such rate."""
    if not cash or all(c >= 0 for c in cash) or all(c <= 0 for c in cash):
        return None
    roots = np.polynomial.polynomial.polyroots(np.array(cash, dtype=float))
    rates = [1 / x.real - 1 for x in roots if abs(x.imag) < 1e-9 and x.real > 0]
    rates = [r for r in rates if -0.99 < r < 100]
    return min(rates, key=abs) if rates else None


def has_money(frames: dict[str, pd.DataFrame]) -> bool:
    """Whether the folder's summary has the columns a cash flow needs (a solved plan)."""
    needed = {"revenue_usd_per_year", "operating_cost_usd_per_year", "capex_usd"}
    summary = frames.get("summary")
    return (summary is not None and needed <= set(summary.columns)
            and pd.notna(summary.iloc[0]["revenue_usd_per_year"]))  # fmt: skip


def cash_flow(frames: dict[str, pd.DataFrame], rate: float) -> tuple[pd.DataFrame, dict]:
    """The cash-flow table and its NPV, IRR and payback (years until cumulative cash >= 0)."""
    if "summary_by_year" in frames and not frames["summary_by_year"].empty:
        sby = frames["summary_by_year"].copy()
        weight = sby["scenario"].map(frames["scenarios"].set_index("scenario")["probability"])
        cols = ["revenue_usd", "operating_cost_usd", "capex_usd"]
        flows = sby[cols].mul(weight, axis=0).groupby(sby["year"]).sum().reset_index()
        years = flows["year"].tolist()
        cash = (flows["revenue_usd"] - flows["operating_cost_usd"] - flows["capex_usd"]).tolist()
        frame = flows.assign(cash_flow_usd=cash)
        factors = [1 / (1 + rate) ** k for k in range(len(years))]
    else:
        row = frames["summary"].iloc[0]
        revenue, operating = (
            float(row["revenue_usd_per_year"]),
            float(row["operating_cost_usd_per_year"]),
        )
        capex, building = float(row["capex_usd"]), float(row.get("capex_facility_usd") or 0.0)
        residual = building * (1 - STEADY_YEARS / BUILDING_LIFE_YEARS)
        years = list(range(STEADY_YEARS + 1))
        frame = pd.DataFrame({
            "year": years,
            "revenue_usd": [0.0] + [revenue] * STEADY_YEARS,
            "operating_cost_usd": [0.0] + [operating] * STEADY_YEARS,
            "capex_usd": [capex] + [0.0] * (STEADY_YEARS - 1) + [-residual],
        })  # fmt: skip
        cash = (frame["revenue_usd"] - frame["operating_cost_usd"] - frame["capex_usd"]).tolist()
        frame["cash_flow_usd"] = cash
        factors = [1 / (1 + rate) ** k for k in years]
    frame["discounted_cash_usd"] = [c * f for c, f in zip(cash, factors, strict=True)]
    frame["cumulative_cash_usd"] = np.cumsum(cash)
    payback = None
    cumulative = 0.0
    for k, c in enumerate(cash):
        if cumulative + c >= 0 and cumulative < 0 and c > 0:
            payback = k - 1 + (-cumulative / c)
            break
        cumulative += c
    metrics = {"npv_usd": float(frame["discounted_cash_usd"].sum()), "irr_frac": irr(cash),
               "payback_years": payback, "rate_frac": rate}  # fmt: skip
    return frame[CASH_COLUMNS], metrics


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
