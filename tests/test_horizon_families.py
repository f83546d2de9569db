"""Each constraint family of the horizon/scenario model binds: dropping it changes the answer.

As tests/test_constraint_families.py for the single-year model: a small two-year instance on
the horizon test catalog is solved as built and with one family deactivated.
"""

from __future__ import annotations

import pyomo.environ as pyo
import pytest
from test_horizon import MTOK_PER_RACK_OLD, NEWSVENDOR, tier, write, years

from planner.inputs.derive import build_plan_data
from planner.inputs.load import load_instance
from planner.model import build_model
from planner.solver.highs import SolveSettings
from planner.solver.run import PlanRun
from planner.solver.strategies import solve_plan


def two_tiers(**dear) -> dict:
    return {"cheap": {"price_usd_per_mtok": 10, "min_tok_s_per_user": 10},
            "dear": {"price_usd_per_mtok": 50, "min_tok_s_per_user": 10, **dear}}  # fmt: skip


H2 = years(2027, 2)
CASES = {
    # budget $5M a year keeps the plan bounded; the 0.1 MW site allows one rack.
    "power_envelope": {"site": {"power_mw": 0.1, "capex_budget_usd": 5e6}, "tiers": tier(20), "horizon": H2},
    # $1M a year buys one rack; without rack balance units need no racks.
    "rack_balance": {"site": {"power_mw": 1.0, "capex_budget_usd": 1e6}, "tiers": tier(20, demand_mtok_per_year=1e7), "horizon": H2},
    "capex_budget": {"site": {"power_mw": 1.0, "capex_budget_usd": 1e6}, "tiers": tier(20), "horizon": H2},
    "delivery_limit": {"site": {"power_mw": 1.0}, "tiers": tier(20),
                       "horizon": years(2027, 2, racks={"new": {"max_deliveries_per_year": 1, "first_year": 2028}})},
    # demand far above what a 0.1 MW site makes: without capacity, sales reach the forecast.
    "tier_capacity": {"site": {"power_mw": 0.1}, "tiers": tier(20, demand_mtok_per_year=1e7), "horizon": H2},
    "demand_limit": {"site": {"power_mw": 1.0}, "tiers": tier(20, demand_mtok_per_year=MTOK_PER_RACK_OLD), "horizon": H2},
    "tier_power_share_fixed": {"site": {"power_mw": 1.0}, "tiers": two_tiers(power_share_frac=0.2), "horizon": H2},
    "tier_power_share_min": {"site": {"power_mw": 1.0}, "tiers": {
        "free": {"price_usd_per_mtok": 0, "min_tok_s_per_user": 10, "min_power_share_frac": 0.3},
        "paid": {"price_usd_per_mtok": 20, "min_tok_s_per_user": 10}}, "horizon": H2},
    "tier_power_share_max": {"site": {"power_mw": 1.0}, "tiers": two_tiers(max_power_share_frac=0.2), "horizon": H2},
    "cvar_shortfall": {**NEWSVENDOR, "stochastic": {"cvar_alpha_frac": 0.5, "cvar_weight_frac": 1.0}},
}  # fmt: skip


def solve_without(tmp_path, body: dict, family: str | None):
    loaded = load_instance(write(tmp_path, body))
    data = build_plan_data(loaded.instance, loaded.catalog, tmp_path)
    m = build_model(data)
    if family is not None:
        component = getattr(m, family)
        assert len(component) > 0, f"{family} is built empty on its case"
        component.deactivate()
    hs = solve_plan(PlanRun(data, m, SolveSettings()))
    value = pyo.value(m.objective) if hs.report.status.has_solution else None
    return str(hs.report.status), value


@pytest.mark.parametrize("family", sorted(CASES))
def test_dropping_a_family_changes_the_answer(tmp_path, family):
    with_it = solve_without(tmp_path, CASES[family], None)
    without = solve_without(tmp_path, CASES[family], family)
    assert with_it[0] == "optimal"
    changed = without[0] != with_it[0] or without[1] != pytest.approx(with_it[1], rel=1e-6)
    assert changed, f"{family} never binds: {with_it} both ways"


def test_dropping_the_revenue_floor_loses_revenue(tmp_path, monkeypatch):
    # Revenue objective, stage 2 buys the least capex that keeps stage 1's revenue. Without
    # the floor, stage 2 buys nothing and the plan earns nothing.
    body = {**CASES["capex_budget"], "objective": "revenue"}
    loaded = load_instance(write(tmp_path, body))
    data = build_plan_data(loaded.instance, loaded.catalog, tmp_path)
    kept = build_model(data)
    solve_plan(PlanRun(data, kept, SolveSettings()))
    dropped = build_model(data)
    monkeypatch.setattr(dropped.objective_floor, "activate", lambda: None)
    solve_plan(PlanRun(data, dropped, SolveSettings()))
    assert pyo.value(kept.objective) > 0
    assert pyo.value(dropped.objective) == pytest.approx(0, abs=1e-6)


def test_shared_purchases_are_what_makes_it_two_stage(tmp_path):
    # Nonanticipativity is structural (one purchase variable per shared year, see
    # docs/formulation.md). Building the same newsvendor with no shared year lets each future
    # buy its own racks: the answer becomes the wait-and-see value ($131,152 against $65,576).
    from dataclasses import replace

    loaded = load_instance(write(tmp_path, NEWSVENDOR))
    data = build_plan_data(loaded.instance, loaded.catalog, tmp_path)
    values = {}
    for label, d in (("shared", data), ("free", replace(data, shared_years=()))):
        m = build_model(d)
        solve_plan(PlanRun(d, m, SolveSettings()))
        values[label] = sum(pyo.value(m.probability[s] * m.npv_profit_musd[s]) for s in m.SCENARIOS)
    assert values["shared"] == pytest.approx(0.065_576, rel=1e-6)
    assert values["free"] == pytest.approx(0.131_152, rel=1e-6)
