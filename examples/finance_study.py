"""A finance scenario study of instances/1gw.yaml, end to end, from Python.

1. Price sweep: what is the plan worth as the ultra price moves, and what if the Vera Rubin +
   LPX curve is 30% below its vendor figure?
2. Monte Carlo: prices, ultra demand and the LPX derate drawn from studies/1gw-prices.yaml;
   the spread of profit and how often LPX racks are bought.
3. Frontier: profit against the capex budget, with the marginal value of the next $1B.

    python examples/finance_study.py [--out DIR] [--samples N] [--points N]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import planner

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instances" / "1gw.yaml"
STUDY = ROOT / "studies" / "1gw-prices.yaml"


def price_sweep(out: Path, points: int):
    prices = np.linspace(75, 225, points).round(2).tolist()
    frame = planner.sweep(
        INSTANCE,
        vary={"tiers.ultra.price_usd_per_mtok": prices, "systems.vr-nvl72-lpx.derate": [0.7, 1.0]},
        out=out / "price-sweep",
    )
    table = frame.pivot(
        index="tiers.ultra.price_usd_per_mtok",
        columns="systems.vr-nvl72-lpx.derate",
        values="profit_usd_per_year",
    )
    return frame, table / 1e9


def monte_carlo(out: Path, samples: int):
    frame = planner.sweep(INSTANCE, study=STUDY, samples=samples, out=out / "monte-carlo")
    solved = frame[frame["status"] == "optimal"]
    profit = solved["profit_usd_per_year"] / 1e9
    stats = {
        "cases": len(frame),
        "solved": len(solved),
        "profit_p10_busd": float(profit.quantile(0.1)),
        "profit_p50_busd": float(profit.quantile(0.5)),
        "profit_p90_busd": float(profit.quantile(0.9)),
        "share_buying_lpx": float((solved["racks_groq-lpx"] > 0).mean()),
    }
    return frame, stats


def budget_frontier(out: Path, points: int):
    budgets = np.linspace(5e9, 20e9, points).tolist()
    return planner.frontier(INSTANCE, "site.capex_budget_usd", budgets, out / "frontier")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "outputs" / "finance-study")
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--points", type=int, default=7)
    args = parser.parse_args(argv)
    _, table = price_sweep(args.out, args.points)
    print("Profit, $B/yr, by ultra price (rows) and VR+LPX derate (columns):")
    print(table.round(1).to_string())
    _, stats = monte_carlo(args.out, args.samples)
    print("Monte Carlo:", ", ".join(f"{k} {v:.3g}" for k, v in stats.items()))
    frontier = budget_frontier(args.out, args.points)
    print("Profit against capex budget (d_objective_per_x: $/yr of profit per $ of budget):")
    print(frontier[["site.capex_budget_usd", "objective_value", "d_objective_per_x"]].to_string())
    print(f"Wrote {args.out}/ (price-sweep/, monte-carlo/, frontier/frontier.png)")
    return {"table": table, "stats": stats, "frontier": frontier}


if __name__ == "__main__":
    main()
