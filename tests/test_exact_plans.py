"""A solver tolerance never buys or hides a rack: the plan is checked on whole racks in exact
decimal arithmetic and repaired (planner/solver/exact.py).

Test catalog: alpha racks draw 100 kW and cost $1M; PUE 1; 1,000 tok/s at 10 tok/s/user.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from conftest import write_instance

import planner
from planner.errors import InstanceError
from planner.solver import highs

ONE_TIER = {"t": {"price_usd_per_mtok": 100, "min_tok_s_per_user": 10}}  # a rack pays for itself


def racks(result) -> dict[str, int]:
    return dict(zip(result.tables.racks["rack"], result.tables.racks["count"], strict=True))


@pytest.mark.parametrize("short_usd", [0.01, 0.001])
@pytest.mark.parametrize("objective", ["revenue", "profit"])
def test_a_budget_a_cent_short_buys_one_rack_fewer(tmp_path, objective, short_usd):
    # $12M - 1 cent (or a tenth of one) cannot buy 12 racks of $1M: 11, whatever the objective
    body = {"objective": objective, "site": {"power_mw": 10.0, "capex_budget_usd": 12e6 - short_usd},
            "systems": ["alpha"], "tiers": ONE_TIER}  # fmt: skip
    result = planner.solve(write_instance(tmp_path, body))
    assert result.status == "optimal"
    assert racks(result) == {"alpha": 11}
    assert result.tables.summary.at[0, "capex_usd"] <= 12e6 - short_usd


@pytest.mark.parametrize("objective", ["revenue", "profit"])
def test_power_a_watt_short_fits_one_rack_fewer(tmp_path, objective):
    body = {"objective": objective, "site": {"power_mw": 1.0 - 1e-6}, "systems": ["alpha"],
            "tiers": ONE_TIER}  # fmt: skip
    result = planner.solve(write_instance(tmp_path, body))
    assert racks(result) == {"alpha": 9}


def test_cost_per_token_a_cent_short_is_infeasible(tmp_path):
    # serving 12 racks' output needs 12 racks; $12M - 1 cent buys 11: no plan
    demand = 12 * 1_000 * 3600 * 8766 / 1e6
    body = {"objective": "cost_per_token", "site": {"power_mw": 10.0, "capex_budget_usd": 12e6 - 0.01},
            "systems": ["alpha"],
            "tiers": {"t": {"price_usd_per_mtok": 1, "min_tok_s_per_user": 10,
                            "demand_mtok_per_year": demand}}}  # fmt: skip
    assert planner.solve(write_instance(tmp_path, body)).status == "infeasible"


def test_the_repair_tightens_a_limit_the_solver_let_through(tmp_path, monkeypatch):
    # With HiGHS's default tolerance (1e-7 in $M = $0.10) the solver itself buys the 12th rack
    # on a budget a cent short; the exact check must catch it and repair the plan to 11.
    monkeypatch.setattr(highs, "PRIMAL_FEASIBILITY_TOLERANCE", 1e-7)
    monkeypatch.setattr(highs, "MIP_FEASIBILITY_TOLERANCE", 1e-6)
    body = {"site": {"power_mw": 10.0, "capex_budget_usd": 12e6 - 0.01}, "systems": ["alpha"],
            "tiers": ONE_TIER}  # fmt: skip
    from planner.inputs.derive import build_plan_data
    from planner.model import build_model
    from planner.solver.exact import limit_violations, whole_racks

    loaded = planner.load_instance(write_instance(tmp_path, body))
    data = build_plan_data(loaded.instance, loaded.catalog)
    m = build_model(data)
    highs.solve_model(m, highs.SolveSettings())
    assert whole_racks(m)[("alpha", 0, "base")] == 12  # the tolerance lets it through
    assert [v[0] for v in limit_violations(m, data, whole_racks(m))] == ["capex_budget_musd"]
    result = planner.solve(loaded)
    assert racks(result) == {"alpha": 11}
    assert result.tables.summary.at[0, "capex_usd"] == 11e6


def test_the_exact_check_uses_the_decimals_as_written(tmp_path):
    # ten 0.1 MW racks fit a 1 MW site exactly (in binary floats 10 x 0.1 > 1.0)
    from planner.inputs.derive import build_plan_data
    from planner.model import build_model
    from planner.solver.exact import limit_violations

    assert sum([0.1] * 10) != 1.0 and sum([Fraction("0.1")] * 10) == 1
    body = {"site": {"power_mw": 1.0}, "systems": ["alpha"], "tiers": ONE_TIER}
    loaded = planner.load_instance(write_instance(tmp_path, body))
    data = build_plan_data(loaded.instance, loaded.catalog)
    m = build_model(data)
    assert limit_violations(m, data, {("alpha", 0, "base"): 10}) == []
    assert [v[0] for v in limit_violations(m, data, {("alpha", 0, "base"): 11})] == [
        "site_power_mw"
    ]


def test_cost_per_token_never_reports_optimal_with_a_forecast_unserved(tmp_path):
    # A forecast of 0.001 Mtok/yr is a billionth of a rack's output: HiGHS's resolution (1e-9
    # Ttok). The run once said "optimal" with no rack and the forecast unserved, then exited 1
    # with an error; a forecast that must be served is now refused at load below 0.01 Mtok.
    body = {"objective": "cost_per_token", "site": {"power_mw": 1.0}, "systems": ["alpha"],
            "tiers": {"t": {"price_usd_per_mtok": 1, "min_tok_s_per_user": 10,
                            "demand_mtok_per_year": 1e-3}}}  # fmt: skip
    with pytest.raises(InstanceError, match=r"tiers\.t\.demand_mtok_per_year: 0\.001 Mtok"):
        planner.solve(write_instance(tmp_path, body))


@pytest.mark.parametrize("demand", [1.0, 0.1, 0.01])
@pytest.mark.parametrize("objective", ["revenue", "profit", "cost_per_token"])
def test_small_forecasts_are_served_by_whole_racks(tmp_path, objective, demand):
    # 1 Mtok/yr and below (a rack makes 31,557.6 Mtok/yr) at $1,000/Mtok: revenue and cost per
    # token buy one whole rack and sell the forecast; profit buys nothing (a rack's annuity,
    # about $302,000, is far above $1,000 x 1 Mtok).
    t = {
        "t": {"price_usd_per_mtok": 1000, "min_tok_s_per_user": 10, "demand_mtok_per_year": demand}
    }
    body = {"objective": objective, "site": {"power_mw": 1.0}, "systems": ["alpha"], "tiers": t}
    result = planner.solve(write_instance(tmp_path, body))
    assert result.status == "optimal"
    bought = 0 if objective == "profit" else 1
    assert racks(result) == {"alpha": bought}
    sold = result.tables.summary.at[0, "mtok_per_year"]
    assert sold == pytest.approx(demand * bought, rel=1e-9, abs=1e-12)


def test_a_power_floor_below_the_tolerance_is_not_met_by_nothing(tmp_path):
    # 10% of a 1e-9 MW site is 1e-10 MW for the free tier: inside HiGHS's row tolerance, so
    # the solver can report the floor "met" with no rack at all. The run said optimal, then
    # exited 1 with an error; such a floor is now refused at load, naming the field.
    body = {"site": {"power_mw": 1e-9}, "systems": ["alpha"],
            "tiers": {"free": {"price_usd_per_mtok": 0, "min_tok_s_per_user": 10,
                               "min_power_share_frac": 0.1},
                      "paid": {"price_usd_per_mtok": 100, "min_tok_s_per_user": 10}}}  # fmt: skip
    with pytest.raises(InstanceError, match=r"tiers\.free\.min_power_share_frac: 0\.1 of 1e-09 MW"):
        planner.solve(write_instance(tmp_path, body))
