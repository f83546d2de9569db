"""Instances small enough to solve on paper; each derivation is in the comment above it.

Test catalog (tests/data/catalog), PUE 1, utilisation 1, 8,766 h/yr = 31,557,600 s/yr:
  alpha: 100 kW, $1M, curve 1,000 tok/s at <= 10 tok/s/user down to 100 at 100
  beta:  200 kW, $4M, curve 3,000 tok/s at <= 10 tok/s/user down to 1,000 at 200
So per MW alpha makes 10,000 tok/s and beta 15,000; per $M alpha 1,000 and beta 750.
"""

from __future__ import annotations

import itertools

import pytest
from conftest import SECONDS_PER_YEAR

from planner.inputs.finance import capital_recovery_factor
from planner.results.checks import check_plan

MTOK_PER_TOK_S = SECONDS_PER_YEAR / 1e6  # 31.5576 Mtok/yr per tok/s


def one_tier(site: dict, systems: list[str], price: float = 1.0, **tier) -> dict:
    return {
        "site": site,
        "systems": systems,
        "tiers": {"t": {"price_usd_per_mtok": price, "min_tok_s_per_user": 10, **tier}},
    }


def racks_of(result) -> dict[str, int]:
    return dict(zip(result.tables.racks["rack"], result.tables.racks["count"], strict=True))


def test_one_system_one_tier(solve_case):
    # 1 MW / 0.1 MW = 10 alpha racks x 1,000 tok/s = 10,000 tok/s
    # = 10,000 x 31.5576 = 315,576 Mtok/yr; x $2 = $631,152/yr.
    r = solve_case(one_tier({"power_mw": 1.0}, ["alpha"], price=2.0))
    assert r.status == "optimal"
    assert racks_of(r) == {"alpha": 10}
    assert r.tables.summary.at[0, "revenue_usd_per_year"] == pytest.approx(631_152, rel=1e-9)
    assert check_plan(r.loaded.instance, r.loaded.catalog, r.tables) == []


def test_power_bound_buys_the_best_per_mw(solve_case):
    # No budget, 1 MW: beta makes 15,000 tok/s per MW vs alpha's 10,000 -> 5 beta racks,
    # 15,000 tok/s x 31.5576 x $1 = $473,364/yr.
    r = solve_case(one_tier({"power_mw": 1.0}, ["alpha", "beta"]))
    assert racks_of(r) == {"alpha": 0, "beta": 5}
    assert r.tables.summary.at[0, "revenue_usd_per_year"] == pytest.approx(15_000 * MTOK_PER_TOK_S)


def test_budget_bound_buys_the_best_per_dollar(solve_case):
    # $5M budget, 10 MW: alpha makes 1,000 tok/s per $M vs beta's 750 -> 5 alpha racks,
    # 5,000 tok/s -> $157,788/yr.
    r = solve_case(one_tier({"power_mw": 10.0, "capex_budget_usd": 5e6}, ["alpha", "beta"]))
    assert racks_of(r) == {"alpha": 5, "beta": 0}
    assert r.tables.summary.at[0, "revenue_usd_per_year"] == pytest.approx(5_000 * MTOK_PER_TOK_S)


def test_power_and_budget_both_bind(solve_case):
    # 1 MW and $12M: max 1000x + 3000y s.t. 0.1x + 0.2y <= 1, x + 4y <= 12.
    # Vertices: (10,0) -> 10,000; (0,3) -> 9,000; both tight at y=1, x=8 -> 11,000 tok/s.
    r = solve_case(one_tier({"power_mw": 1.0, "capex_budget_usd": 12e6}, ["alpha", "beta"]))
    assert racks_of(r) == {"alpha": 8, "beta": 1}
    assert r.tables.summary.at[0, "capex_usd"] == pytest.approx(12e6)
    assert r.tables.summary.at[0, "facility_power_mw"] == pytest.approx(1.0)


def test_integer_racks_change_the_answer(solve_case):
    # 0.3 MW: the LP relaxation would buy 1.5 beta (4,500 tok/s). With whole racks the options
    # are 3 alpha (3,000), 1 beta (3,000) or 1 alpha + 1 beta (0.3 MW, 4,000): a mix.
    r = solve_case(one_tier({"power_mw": 0.3}, ["alpha", "beta"]))
    assert racks_of(r) == {"alpha": 1, "beta": 1}
    assert r.tables.summary.at[0, "tok_s"] == pytest.approx(4_000)


def test_interpolated_throughput_and_input_revenue(solve_case):
    # Tier at 55 tok/s/user: alpha's curve 1,000 - (900/90) x 45 = 550 tok/s per rack.
    # 1 MW -> 10 racks -> 5,500 tok/s = 173,566.8 Mtok/yr. Revenue per output Mtok:
    # $3 + 8 input tokens x $0.5 = $7 -> $1,214,967.6/yr.
    body = one_tier({"power_mw": 1.0}, ["alpha"], price=3.0)
    body["tiers"]["t"].update(
        min_tok_s_per_user=55, input_price_usd_per_mtok=0.5, input_tokens_per_output_token=8
    )
    r = solve_case(body)
    assert r.tables.tiers.at[0, "tok_s"] == pytest.approx(5_500)
    assert r.tables.summary.at[0, "revenue_usd_per_year"] == pytest.approx(
        5_500 * MTOK_PER_TOK_S * 7
    )


def test_demand_binds_before_power(solve_case):
    # Demand 100,000 Mtok/yr needs 100,000 / 31.5576 = 3,168.8 tok/s: 4 alpha racks (least
    # capex among revenue-optimal plans), not the 10 that fit.
    r = solve_case(one_tier({"power_mw": 1.0}, ["alpha"], demand_mtok_per_year=100_000))
    assert r.tables.summary.at[0, "mtok_per_year"] == pytest.approx(100_000)
    assert racks_of(r) == {"alpha": 4}


def annual_cost_usd(capex_usd: float, power_mw: float) -> float:
    """Rack cost per year at 8% over 4 years, $70/MWh, PUE 1, always on."""
    return capex_usd * capital_recovery_factor(0.08, 4) + power_mw * 8766 * 70


def test_cost_per_token_matches_brute_force(solve_case):
    # Tier `must` forecasts 12,000 tok/s (378,691.2 Mtok/yr) at 10 tok/s/user and tier `extra`
    # sells anything at the same speed. Alpha is cheaper per token, beta denser per MW; 1 MW
    # cannot hold 12 alpha racks, so the cheapest ratio mixes. Brute force: every (alpha, beta)
    # count that fits 1 MW and meets the forecast, sells its whole capacity (tokens raise the
    # denominator at no cost) and has ratio cost / capacity.
    demand = 12_000 * MTOK_PER_TOK_S
    body = {
        "objective": "cost_per_token",
        "site": {"power_mw": 1.0},
        "systems": ["alpha", "beta"],
        "tiers": {
            "must": {
                "price_usd_per_mtok": 1,
                "min_tok_s_per_user": 10,
                "demand_mtok_per_year": demand,
            },
            "extra": {"price_usd_per_mtok": 1, "min_tok_s_per_user": 10},
        },
    }
    r = solve_case(body)
    best = min(
        (
            annual_cost_usd(1e6 * a + 4e6 * b, 0.1 * a + 0.2 * b)
            / ((1000 * a + 3000 * b) * MTOK_PER_TOK_S),
            a,
            b,
        )
        for a, b in itertools.product(range(11), range(6))
        if 0.1 * a + 0.2 * b <= 1 + 1e-9 and 1000 * a + 3000 * b >= 12_000
    )
    assert best[1:] == (6, 2)  # hand check: (6, 2) at $12.78/Mtok beats (4, 3) and (0, 5)
    assert r.status == "optimal"
    assert r.tables.summary.at[0, "cost_usd_per_mtok"] == pytest.approx(best[0], rel=1e-6)
    assert r.solved.report.objective_value == pytest.approx(best[0], rel=1e-6)
    assert racks_of(r) == {"alpha": 6, "beta": 2}
    assert len(r.solved.dinkelbach) >= 2
    assert check_plan(r.loaded.instance, r.loaded.catalog, r.tables) == []
