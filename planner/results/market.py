"""What the plan chose in the market: each curve tier's price, where it sits on its curve, and
the MW energised.

Once the model has chosen a price on a curve, the plan is a fixed-price plan at that price:
`at_chosen_prices` returns the PlanData with each curve key's price (realised, input tokens
included), list price and market volume at that price, so every table, check and report reads
one price per (tier, year, scenario) however it was set.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pyomo.environ as pyo

from planner.inputs.data import MTOK_PER_TTOK, PlanData

PRICE_COLUMNS = [
    "year", "tier", "scenario", "price_usd_per_mtok", "reference_price_usd_per_mtok",
    "price_frac_of_reference", "mtok_per_year", "demand_at_price_mtok_per_year",
    "reference_demand_mtok_per_year", "lowest_price_usd_per_mtok", "highest_price_usd_per_mtok",
    "curve_points", "parity_price_usd_per_mtok", "parity_system",
]  # fmt: skip
"""prices_by_year.csv: one row per curve tier, year and scenario."""
CURVE_COLUMNS = ["year", "tier", "scenario", "point", "price_usd_per_mtok", "demand_mtok_per_year"]
"""curves_by_year.csv: each curve's breakpoints (what the plan could sell at each price)."""


def _sold(m: pyo.ConcreteModel, key: tuple[str, int, str]) -> float:
    return max(0.0, pyo.value(m.sold_ttok_per_year[key], exception=False) or 0.0)


def chosen_list_price(m: pyo.ConcreteModel, d: PlanData, key: tuple[str, int, str]) -> float:
    """The list price ($/Mtok) the plan charges on a curve: its pieces' revenue per token sold
    (the top of the curve when nothing is sold)."""
    return d.curves[key].price_at(_sold(m, key))


def demand_at_chosen_price(m: pyo.ConcreteModel, d: PlanData, key: tuple[str, int, str]) -> float:
    """Ttok a year the (piecewise-linear) market takes at the chosen price: the volume sold,
    or the ceiling's volume when the plan sells less than the market takes at the ceiling."""
    return max(_sold(m, key), d.curves[key].points[0][1])


def at_chosen_prices(m: pyo.ConcreteModel, d: PlanData) -> PlanData:
    """`d` with each curve key's price, list price and market volume at the price chosen."""
    if not d.curves:
        return d
    price, list_price = dict(d.price_musd_per_ttok), dict(d.list_price_usd_per_mtok)
    demand = dict(d.demand_ttok_per_year)
    for key in d.curves:
        realised_per_list = d.price_musd_per_ttok[key] / d.list_price_usd_per_mtok[key]
        chosen = chosen_list_price(m, d, key)
        list_price[key] = chosen
        price[key] = chosen * realised_per_list
        demand[key] = demand_at_chosen_price(m, d, key)
    return replace(
        d,
        price_musd_per_ttok=price,
        list_price_usd_per_mtok=list_price,
        demand_ttok_per_year=demand,
    )


def price_rows(m: pyo.ConcreteModel, d: PlanData) -> list[dict[str, Any]]:
    """One row per curve key: the chosen price beside the reference point and the curve's
    ends."""
    rows = []
    for (t, y, s), curve in d.curves.items():
        chosen = chosen_list_price(m, d, (t, y, s))
        ref_price, ref_volume = curve.reference
        points = "; ".join(f"${p:,.4g} for {v * MTOK_PER_TTOK:,.4g} Mtok" for p, v in curve.points)
        rows.append(
            {
                "year": y,
                "tier": t,
                "scenario": s,
                "price_usd_per_mtok": chosen,
                "reference_price_usd_per_mtok": ref_price,
                "price_frac_of_reference": chosen / ref_price,
                "mtok_per_year": _sold(m, (t, y, s)) * MTOK_PER_TTOK,
                "demand_at_price_mtok_per_year": demand_at_chosen_price(m, d, (t, y, s))
                * MTOK_PER_TTOK,
                "reference_demand_mtok_per_year": ref_volume * MTOK_PER_TTOK,
                "lowest_price_usd_per_mtok": curve.points[-1][0],
                "highest_price_usd_per_mtok": curve.points[0][0],
                "curve_points": points,
                # rental parity (lease_out.entrant_margin_frac): the cap and its system
                "parity_price_usd_per_mtok": None if curve.parity is None else curve.parity[0],
                "parity_system": None if curve.parity is None else curve.parity[1],
            }
        )
    return rows


def curve_rows(d: PlanData) -> list[dict[str, Any]]:
    """Each curve's breakpoints, highest price first: price and the market's volume there."""
    return [
        {
            "year": y,
            "tier": t,
            "scenario": s,
            "point": k,
            "price_usd_per_mtok": price,
            "demand_mtok_per_year": volume * MTOK_PER_TTOK,
        }
        for (t, y, s), curve in d.curves.items()
        for k, (price, volume) in enumerate(curve.points)
    ]
