"""`plan explain` on the shipped instances: shadow prices against finite differences, and an
infeasible variant of the 1 GW instance explained in plain words."""

from __future__ import annotations

import pytest
from conftest import ROOT, SINGLE_YEAR_INSTANCES

import planner
from planner.explanation.base import solve_baseline
from planner.explanation.marginals import marginal_rows


@pytest.mark.parametrize("path", SINGLE_YEAR_INSTANCES, ids=lambda p: p.stem)
def test_shadow_prices_match_finite_differences(path):
    """Each dual of the fixed-racks LP equals its LP finite difference, except a rack fixed at
    zero, where the LP is degenerate (the dual is one side of the kink; both are reported)."""
    rows, duals, _ = marginal_rows(solve_baseline(planner.load_instance(path)))
    assert duals.report.status == "optimal"
    checked = 0
    for row in rows:
        if row["unit"] == "rack" and row["value_units"] == 0:
            continue
        assert row["fd_fixed_racks"] == pytest.approx(
            row["dual_fixed_racks"], rel=1e-3, abs=1e-6 * max(1.0, abs(row["dual_fixed_racks"]))
        ), row["lever"]
        assert row["fd_free_racks"] is not None, row["lever"]
        checked += 1
    assert checked >= 2


def test_1gw_demand_marginals_are_prices_with_racks_fixed():
    # 1gw (profit): every paid forecast binds and the plan has spare capacity, so one more
    # Mtok/yr of demand sells at the tier's price with racks fixed; re-optimising racks costs
    # a little of it (free-racks value below the price, above zero).
    rows, _, _ = marginal_rows(solve_baseline(planner.load_instance(ROOT / "instances/1gw.yaml")))
    prices = {"medium": 3, "high": 6, "premium": 45, "ultra": 150}
    table = {r["lever"]: r for r in rows}
    for tier, price in prices.items():
        row = table[f"tiers.{tier}.demand_mtok_per_year"]
        assert row["dual_fixed_racks"] == pytest.approx(price, rel=1e-6)
        assert 0 < row["fd_free_racks"] < price


def test_1gw_infeasible_variant_explained():
    # cost_per_token must serve every forecast; at 300 MW the site is short. Power alone, or
    # the free tier's 10% floor alone (it is 30 MW), restores a plan; the budget does not.
    expl = planner.explain(
        ROOT / "instances/1gw.yaml", entry=False, overrides=["site.power_mw=300"],
        objective="cost_per_token",
    )  # fmt: skip
    assert str(expl.status) == "infeasible"
    rows = expl.infeasibility.set_index("constraint")
    power = rows.loc["power_envelope", "alone_needs_units"]
    floor = rows.loc["tier_power_share_min[free]", "alone_needs_units"]
    assert 0 < power < 30 and floor == pytest.approx(power, rel=1e-3)
    assert not rows.loc["capex_budget", "alone_restores"]
    sentence = expl.lines[0][2]
    assert sentence.startswith("the site needs") and "capex budget alone does not help" in sentence
