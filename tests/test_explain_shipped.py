"""`plan explain` on the shipped instances: shadow prices against finite differences, and an
infeasible variant of the 1 GW instance explained in plain words."""

from __future__ import annotations

import pytest
from conftest import ROOT, SINGLE_YEAR_INSTANCES

import planner
from planner.explanation.base import (
    USD_PER_OBJECTIVE_UNIT,
    objective_value,
    resolve_fixed_lp,
    solve_baseline,
)
from planner.explanation.marginals import levers, marginal_rows


@pytest.mark.parametrize("path", SINGLE_YEAR_INSTANCES, ids=lambda p: p.stem)
def test_shadow_prices_match_finite_differences(path):
    """Each dual of the fixed-racks LP is a supergradient of the LP value (a subgradient for a
    cost objective): it lies between the forward and the backward finite differences, which
    are equal, and then equal to the dual, unless the plan sits on a kink (a forecast, share
    or rack count binding within the step; the dual is then one side, and both are reported).
    A rack fixed at zero has no backward difference and is skipped."""
    base = solve_baseline(planner.load_instance(path))
    rows, duals, m = marginal_rows(base)
    assert duals.report.status == "optimal"
    scale = USD_PER_OBJECTIVE_UNIT[base.objective]
    lp_value = objective_value(m, base.data) * scale
    by_name = {lever.name: lever for lever in levers(base)}
    checked = smooth = 0
    for row in rows:
        if row["unit"] == "rack" and row["value_units"] == 0:
            continue
        lever, step = by_name[row["lever"]], row["fd_fixed_racks_step_units"]
        less = resolve_fixed_lp(base, lambda mm, lever=lever, step=step: lever.move(mm, -step))
        assert less is not None and row["fd_fixed_racks"] is not None, row["lever"]
        backward = (lp_value - less * scale) / step
        dual = row["dual_fixed_racks"]
        tol = 1e-3 * max(abs(dual), abs(backward), abs(row["fd_fixed_racks"])) + 1e-6
        lo, hi = sorted((row["fd_fixed_racks"], backward))
        assert lo - tol <= dual <= hi + tol, (row["lever"], lo, dual, hi)
        if hi - lo <= tol:  # no kink: the dual is the derivative
            assert dual == pytest.approx(row["fd_fixed_racks"], rel=1e-3, abs=1e-6)
            smooth += 1
        # one more block where every block the envelope allows is energised has no plan with
        # racks free (n/a); every other lever has one
        at_envelope = row["unit"] == "block" and row["fd_free_racks"] is None
        assert row["fd_free_racks"] is not None or at_envelope, row["lever"]
        checked += 1
    assert checked >= 2
    # a lever off any kink has the dual as its derivative; where the site's MW moves binding
    # power shares (the keynote instances split the site 25% a tier: hopper's and rubin-lpx's
    # one MW lever moves their free minimum and paid maxima), that lever sits on a kink
    # (hopper: forward $2.59M/yr, backward $3.5M/yr) and may be the only one
    shares = any(t.max_power_share_frac or t.power_share_frac
                 for t in base.loaded.instance.tiers.values())  # fmt: skip
    assert smooth >= 1 or shares


def test_1gw_demand_marginals_are_prices_with_racks_fixed():
    # 1gw (profit): every paid forecast binds and the plan has spare capacity, so one more
    # Mtok/yr of demand sells at the tier's realised revenue per output Mtok with racks fixed;
    # re-optimising racks costs a little of it (free-racks value below it, above zero).
    # realisation x (output price + input price x input/output tokens):
    #   medium 0.6 x (1.10 + 0.27 x 5,000/1,024) = 1.4510;  high 0.6 x (10 + 1.25 x 8) = 12
    #   premium 0.4 x (20 + 2.50 x 20,000/1,024) = 27.531;  ultra 0.4 x (40 + 5 x 32) = 80
    rows, _, _ = marginal_rows(
        solve_baseline(planner.load_instance(ROOT / "tests" / "data" / "1gw-fixed-prices.yaml"))
    )
    prices = {"medium": 0.6 * (1.10 + 0.27 * 5000 / 1024), "high": 12.0,
              "premium": 0.4 * (20 + 2.5 * 20000 / 1024), "ultra": 80.0}  # fmt: skip
    table = {r["lever"]: r for r in rows}
    for tier, price in prices.items():
        row = table[f"tiers.{tier}.demand_mtok_per_year"]
        assert row["dual_fixed_racks"] == pytest.approx(price, rel=1e-6)
        assert 0 < row["fd_free_racks"] < price


def test_1gw_infeasible_variant_explained():
    # cost_per_token must serve every forecast; at 42 MW the site is short (by 2.66 MW, on the
    # racks' all-in power; at 40 MW the shortfall, 4.46 MW, is more than the free floor's 4 MW,
    # so the floor alone could not help there). Power alone, or the free tier's 10% floor alone
    # (it is 4.2 MW), restores a plan; the budget does not.
    expl = planner.explain(
        ROOT / "tests" / "data" / "1gw-fixed-prices.yaml", entry=False, bases=False,
        overrides=["site.power_mw=42"], objective="cost_per_token",
    )  # fmt: skip
    assert str(expl.status) == "infeasible"
    rows = expl.infeasibility.set_index("constraint")
    power = rows.loc["power_envelope", "alone_needs_units"]
    floor = rows.loc["tier_power_share_min[free]", "alone_needs_units"]
    assert 0 < power < 4.2 and floor == pytest.approx(power, rel=1e-3)
    assert not rows.loc["capex_budget", "alone_restores"]
    sentence = expl.lines[0][2]
    assert sentence.startswith("the site needs") and "capex budget alone does not help" in sentence
