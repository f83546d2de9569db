"""One NPV for every plan: its cash flows, the value left at the end, IRR and payback.

Timing: capex (racks and building) is paid at the start of the year it is spent; revenue and
operating cost (opex, energy, rent, building opex) come at the end of their year. With rate r
and years k = 0 .. T-1 of the plan,

    NPV = sum_k [ (revenue_k - operating_k) / (1 + r)^(k+1) - capex_k / (1 + r)^k ]
          + value_left / (1 + r)^T

where the value left at the end is what the plan has not yet charged of its capital: for each
rack (and block of building) still serving after the last year, its remaining annuities
(capex x CRF over its service years) discounted to the end (economic depreciation at the
discount rate). Since a rack's annuities over its whole life are worth its capex at purchase,
this NPV equals the model's objective for a plan over years, sum_k discount[k] x (revenue_k -
cost_k) with discount[k] = 1 / (1 + r)^(k+1) and each annuity charged in the years it serves
inside the plan (tests/test_npv.py). A single-year plan is read as a steady state of
STEADY_YEARS years: its year's capex at the start, its operating cash at the end of each year,
and its value left at the end such that the NPV is the year's profit x the annuity factor
(racks renewed as they retire: the value left is net of renewals).

Every figure called NPV (the terminal, summary.csv, the report, the workbook) comes from
`cash_flow` here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from planner.inputs.data import PlanData
from planner.inputs.finance import annuity_factor, capital_recovery_factor

STEADY_YEARS = 5
"""Years a single-year plan's steady state is valued over (the racks' five-year life,
economics-data section 7a)."""

CASH_COLUMNS = ["year", "revenue_usd", "operating_cost_usd", "capex_usd", "value_left_usd",
                "cash_flow_usd", "discounted_cash_usd", "cumulative_cash_usd"]  # fmt: skip


def value_left_musd(m: pyo.ConcreteModel, d: PlanData, bought: dict, s: str) -> float:
    """Scenario s's value left at the plan's end, $M at the end: each rack's and block's (and a
    fixed envelope's building's) remaining annuities, discounted to the end, times the share
    counted as value (horizon.value_left_frac; the rest is charged in the objective)."""
    rate, n = d.discount_rate_frac, len(d.years)
    building_crf = capital_recovery_factor(rate, d.facility_service_years)
    total = 0.0
    for k, y in enumerate(d.years):
        o = m.owner[y, s]
        for r in d.racks:
            left = d.rack_service_years[r] - (n - k)
            total += bought[r, y, o] * d.rack_annuity_musd_per_year[r] * annuity_factor(rate, left)
        left = d.facility_service_years - (n - k)
        block = m.blocks_energised[y, o] if (y, o) in m.ENERGISE_FLEET else None
        blocks = round(block.value or 0.0) if block is not None else 0
        annuity = blocks * d.block_annuity_musd_per_year + d.facility_capex_musd[y] * building_crf
        total += annuity * annuity_factor(rate, left)
    return total * d.value_left_frac  # the share counted as value (horizon.value_left_frac)


def steady_state_rows(summary: pd.Series) -> pd.DataFrame:
    """A single-year plan as STEADY_YEARS years: its capex in the first, the same revenue and
    operating cost every year."""
    years = list(range(1, STEADY_YEARS + 1))
    return pd.DataFrame(
        {
            "year": years,
            "revenue_usd": [float(summary["revenue_usd_per_year"])] * STEADY_YEARS,
            "operating_cost_usd": [float(summary["operating_cost_usd_per_year"])] * STEADY_YEARS,
            "capex_usd": [float(summary["capex_usd"])] + [0.0] * (STEADY_YEARS - 1),
        }
    )


def steady_state_value_left_usd(summary: pd.Series, rate: float) -> float:
    """The value left after STEADY_YEARS such that the steady state's NPV is the year's profit
    x the annuity factor (the capital the years of profit have not charged, net of renewals)."""
    rows = steady_state_rows(summary)
    profit = float(summary["profit_usd_per_year"])
    npv = profit * annuity_factor(rate, STEADY_YEARS)
    cash = _discounted(rows, rate)
    return (npv - cash) * (1 + rate) ** STEADY_YEARS


def _discounted(rows: pd.DataFrame, rate: float) -> float:
    k = np.arange(len(rows))
    operating = (rows["revenue_usd"] - rows["operating_cost_usd"]).to_numpy(dtype=float)
    capex = rows["capex_usd"].to_numpy(dtype=float)
    return float((operating / (1 + rate) ** (k + 1) - capex / (1 + rate) ** k).sum())


def cash_flow(rows: pd.DataFrame, value_left_usd: float, rate: float) -> tuple[pd.DataFrame, dict]:
    """The cash-flow table (one row per year, then the value left at the end) and its NPV, IRR
    and payback. `rows`: year, revenue_usd, operating_cost_usd, capex_usd per year."""
    n = len(rows)
    k = np.arange(n)
    frame = rows[["year", "revenue_usd", "operating_cost_usd", "capex_usd"]].copy()
    frame["value_left_usd"] = 0.0
    operating = (frame["revenue_usd"] - frame["operating_cost_usd"]).to_numpy(dtype=float)
    capex = frame["capex_usd"].to_numpy(dtype=float)
    frame["cash_flow_usd"] = operating - capex
    frame["discounted_cash_usd"] = operating / (1 + rate) ** (k + 1) - capex / (1 + rate) ** k
    end = pd.DataFrame(
        [
            {
                "year": "value left at the end",
                "revenue_usd": 0.0,
                "operating_cost_usd": 0.0,
                "capex_usd": 0.0,
                "value_left_usd": value_left_usd,
                "cash_flow_usd": value_left_usd,
                "discounted_cash_usd": value_left_usd / (1 + rate) ** n,
            }
        ]
    )
    frame = pd.concat([frame.astype({"year": object}), end], ignore_index=True)
    frame["cumulative_cash_usd"] = frame["cash_flow_usd"].cumsum()
    # the same flows on the time grid: capex of year k at t = k, operating cash at t = k + 1,
    # the value left at t = n
    timed = np.zeros(n + 1)
    timed[:n] -= capex
    timed[1:] += operating
    timed[n] += value_left_usd
    at_end, at_start = (1 + rate) ** -(k + 1.0), (1 + rate) ** -k.astype(float)
    metrics = {"npv_usd": float(frame["discounted_cash_usd"].sum()), "irr_frac": irr(timed.tolist()),
               "payback_years": payback_years(timed.tolist()), "rate_frac": rate,
               "value_left_usd": value_left_usd,
               # the NPV by cash flow, on the same dates (they add up to it)
               "pv_revenue_usd": float(frame["revenue_usd"][:n].to_numpy(dtype=float) @ at_end),
               "pv_operating_cost_usd": float(frame["operating_cost_usd"][:n].to_numpy(dtype=float) @ at_end),
               "pv_capex_usd": float(capex @ at_start),
               "pv_value_left_usd": value_left_usd / (1 + rate) ** n}  # fmt: skip
    return frame[CASH_COLUMNS], metrics


def irr(cash: list[float]) -> float | None:
    """The internal rate of return: the r > -1 with sum cash_t / (1 + r)^t = 0, from the roots
    of the polynomial sum cash_t x^t (x = 1 / (1 + r)); None when there is no such rate."""
    if not cash or all(c >= 0 for c in cash) or all(c <= 0 for c in cash):
        return None
    roots = np.polynomial.polynomial.polyroots(np.array(cash, dtype=float))
    rates = [1 / x.real - 1 for x in roots if abs(x.imag) < 1e-9 and x.real > 0]
    rates = [r for r in rates if -0.99 < r < 100]
    return min(rates, key=abs) if rates else None


def payback_years(timed: list[float]) -> float | None:
    """Years from the first capex until the cumulative cash (undiscounted) turns non-negative,
    interpolated within the year; None if it never does."""
    cumulative = 0.0
    for t, c in enumerate(timed):
        if cumulative < 0 <= cumulative + c and c > 0:
            return t - 1 + (-cumulative / c)
        cumulative += c
    return None


def expected_by_year(summary_by_year: pd.DataFrame, probability: dict[str, float]) -> pd.DataFrame:
    """Revenue, operating cost and capex per year, expected over the scenarios."""
    weight = summary_by_year["scenario"].map(probability)
    cols = ["revenue_usd", "operating_cost_usd", "capex_usd"]
    flows = summary_by_year[cols].mul(weight, axis=0).groupby(summary_by_year["year"]).sum()
    return flows.reset_index()


def plan_cash_flow(
    summary: pd.Series,
    summary_by_year: pd.DataFrame | None,
    scenarios: pd.DataFrame | None,
    rate: float,
    multi_year: bool,
) -> tuple[pd.DataFrame, dict]:
    """The plan's cash flow and NPV from its tables (or CSVs): the years of a plan over years,
    expected over scenarios, with its value left; a single-year plan's steady state."""
    if multi_year and summary_by_year is not None and scenarios is not None:
        probability = dict(zip(scenarios["scenario"], scenarios["probability"], strict=True))
        rows = expected_by_year(summary_by_year, probability)
        left = float((scenarios["probability"] * scenarios["value_left_usd"]).sum())
        return cash_flow(rows, left, rate)
    rows = steady_state_rows(summary)
    return cash_flow(rows, steady_state_value_left_usd(summary, rate), rate)
