"""Numerical range: 1 MW to 10 GW sites, $0.01 to $1,000 per Mtok, no HiGHS scaling warning,
and answers that scale with the inputs.

The base is tests/data/1gw-fixed-prices.yaml (the 1 GW site at fixed prices and forecasts, the
free tier a share of power: the default before its market) on the real catalog with its budget, and (for the scaling
checks) its forecasts removed, so only power and integrality shape the plan.
"""

from __future__ import annotations

import itertools

import pyomo.environ as pyo
import pytest
from conftest import ROOT

import planner
from planner.inputs.derive import build_plan_data
from planner.model import build_model
from planner.solver.highs import SolveSettings, solve_model

BASE = ROOT / "tests" / "data" / "1gw-fixed-prices.yaml"
TIERS = ("free", "medium", "high", "premium", "ultra")
SHIPPED_PRICES = {"free": 0, "medium": 3, "high": 6, "premium": 45, "ultra": 150}
POWERS_MW = (1, 10, 100, 1_000, 10_000)
PRICES_USD_PER_MTOK = (0.01, 1, 1_000)
GAP = SolveSettings().mip_gap_frac  # default 1e-4; a zero gap stalls at 1 GW on residual nodes


def overrides(power_mw: float, prices: dict[str, float], demand: bool = True) -> list[str]:
    sets = [f"site.power_mw={power_mw}", "site.capex_budget_usd=null"]
    sets += [f"tiers.{t}.price_usd_per_mtok={p!r}" for t, p in prices.items()]
    # only output prices move: input-token revenue off, so revenue is linear in `prices`
    sets += [f"tiers.{t}.input_price_usd_per_mtok=0" for t in prices]
    if not demand:
        sets += [f"tiers.{t}.demand_mtok_per_year=null" for t in TIERS]
    return sets


def warnings_of(result) -> list[str]:
    return [w for stage in result.solved.stages for w in stage.warnings]


@pytest.mark.parametrize("objective", ["revenue", "profit"])
def test_range_solves_without_scaling_warnings(objective):
    seen = []
    for power, price in itertools.product(POWERS_MW, PRICES_USD_PER_MTOK):
        prices = dict.fromkeys(TIERS, price)
        result = planner.solve(BASE, overrides=overrides(power, prices), objective=objective)
        assert result.solved.report.status == "optimal", (power, price)
        assert all(stage.log for stage in result.solved.stages), "HiGHS log was not captured"
        seen += [f"{power} MW, ${price}: {w}" for w in warnings_of(result)]
    assert not seen, seen


def revenue(power_mw: float, prices: dict[str, float], relax: bool = False) -> float:
    """Optimal revenue objective ($M/yr), MIP or the LP relaxation of the rack counts."""
    loaded = planner.load_instance(
        BASE, overrides(power_mw, prices, demand=False), objective="revenue"
    )
    model = build_model(build_plan_data(loaded.instance, loaded.catalog))
    if relax:
        pyo.TransformationFactory("core.relax_integer_vars").apply_to(model)
    report = solve_model(model, SolveSettings())
    assert report.status == "optimal" and not report.warnings, report
    return float(report.objective_value)


@pytest.mark.parametrize("power_mw", POWERS_MW[:-1])
def test_ten_times_the_power_earns_ten_times_up_to_integrality(power_mw):
    # Ten copies of the small plan fit the big site, so R*(10P) >= 10 R*(P); the LP relaxation
    # is linear in P, so R*(10P) <= LP(10P) = 10 LP(P). Reported values R are within the MIP
    # gap of the optima: R*(1 - GAP) <= R <= R*.
    small, big = revenue(power_mw, SHIPPED_PRICES), revenue(10 * power_mw, SHIPPED_PRICES)
    ceiling = 10 * revenue(power_mw, SHIPPED_PRICES, relax=True)
    assert 10 * small <= big / (1 - GAP) * (1 + 1e-9)
    assert big <= ceiling * (1 + 1e-9)
    if power_mw >= 100:  # integrality is negligible at scale: within 1%
        assert big == pytest.approx(10 * small, rel=1e-2)


@pytest.mark.parametrize("factor", [0.01 / 3, 1_000 / 150])
def test_scaling_every_price_scales_revenue_alike(factor):
    # The feasible set does not depend on prices, so the optimum scales with them (each side
    # within the MIP gap of its optimum).
    # Factors take the medium tier to $0.01 and the ultra tier to $1,000 per Mtok.
    scaled = {t: p * factor for t, p in SHIPPED_PRICES.items()}
    for power in (1, 1_000, 10_000):
        expected = factor * revenue(power, SHIPPED_PRICES)
        assert revenue(power, scaled) == pytest.approx(expected, rel=2 * GAP)
