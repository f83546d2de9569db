"""Wrong answers the two drifted models gave, each pinned by a hand-solved case on the one model.

Horizon test catalog (tests/data/horizon-catalog), PUE 1, utilisation 1, 8,766 h/yr, r = 0,
no energy cost, no opex: old and new racks draw 100 kW and cost $1M; at <= 10 tok/s/user an old
rack makes 31,557.6 Mtok/yr and a new one 315,576. Catalog lifetime 4 years: annuity $250,000.
"""

from __future__ import annotations

import time

import pytest
from test_horizon import (
    MTOK_PER_RACK_NEW,
    MTOK_PER_RACK_OLD,
    NEWSVENDOR,
    bought,
    solve,
    tier,
    write,
    years,
)

import planner
from planner.solver.highs import SolveSettings


def test_an_installed_rack_no_system_uses_still_draws_power_and_costs(tmp_path):
    # 5 old racks installed in 2026 (life 4: in service in 2027), but only the `new` system is
    # allowed. They draw 0.5 MW of the 1 MW site, so 5 new racks fit, not 10.
    # Profit 2027: 5 x (315,576 x $20 - 250,000) = $30,307,600 (old racks: no opex, no energy).
    body = {"site": {"power_mw": 1.0}, "systems": ["new"], "tiers": tier(20),
            "horizon": years(2027, 1, racks={"old": {"existing": [{"count": 5, "install_year": 2026}]}})}  # fmt: skip
    r = solve(tmp_path, body)
    assert bought(r) == {(2027, "new"): 5}
    assert r.tables.summary.at[0, "facility_power_mw"] == pytest.approx(1.0)
    assert r.tables.summary.at[0, "objective_value"] == pytest.approx(
        5 * (MTOK_PER_RACK_NEW * 20 - 250_000), rel=1e-9
    )


def test_an_installed_rack_no_system_uses_pays_its_opex(tmp_path):
    # Same fleet with $1/MWh energy: 5 old racks x 0.1 MW x 8,766 h x $1 = $4,383 a year, paid
    # whether or not they serve.
    body = {"site": {"power_mw": 1.0, "electricity_usd_per_mwh": 1.0}, "systems": ["new"],
            "tiers": tier(20),
            "horizon": years(2027, 1, racks={"old": {"existing": [{"count": 5, "install_year": 2026}]}})}  # fmt: skip
    r = solve(tmp_path, body)
    energy_new = 5 * 0.1 * 8766 * 1.0
    energy_old = 5 * 0.1 * 8766 * 1.0
    expected = 5 * (MTOK_PER_RACK_NEW * 20 - 250_000) - energy_new - energy_old
    assert r.tables.summary.at[0, "objective_value"] == pytest.approx(expected, rel=1e-9)


def test_max_count_and_deliveries_both_hold(tmp_path):
    # new: at most 2 delivered a year, but only 1 in all (max_count). 1 MW site, 2027-2028,
    # $20. The rack bought in 2027 serves both years: 2 x (6,311,520 - 250,000) = $12,123,040.
    # With deliveries replacing max_count, 2 a year would be bought.
    body = {"site": {"power_mw": 1.0}, "systems": ["new"], "tiers": tier(20),
            "racks": {"new": {"max_count": 1}},
            "horizon": years(2027, 2, racks={"new": {"max_deliveries_per_year": 2}})}  # fmt: skip
    r = solve(tmp_path, body)
    assert bought(r) == {(2027, "new"): 1}
    assert r.tables.summary.at[0, "objective_value"] == pytest.approx(
        2 * (MTOK_PER_RACK_NEW * 20 - 250_000), rel=1e-9
    )


def test_max_count_caps_the_whole_plan_not_each_year(tmp_path):
    # Life 1: a rack serves one year. max_count 1 over 2027-2028: one rack in one year only.
    body = {"site": {"power_mw": 1.0}, "systems": ["new"], "tiers": tier(20),
            "racks": {"new": {"max_count": 1}},
            "horizon": years(2027, 2, racks={"new": {"lifetime_years": 1}})}  # fmt: skip
    r = solve(tmp_path, body)
    assert sum(bought(r).values()) == 1
    assert r.tables.summary.at[0, "objective_value"] == pytest.approx(
        MTOK_PER_RACK_NEW * 20 - 1_000_000, rel=1e-9
    )


CVAR_NEWSVENDOR = {**NEWSVENDOR, "tiers": tier(20, demand_mtok_per_year=MTOK_PER_RACK_OLD)}
# $20: a sold-out old rack earns $631,152 against an annuity of $250,000. Demand: one rack's
# output (low) or three (high), probability 1/2. NPV by racks bought (low, high):
#   1: (381,152, 381,152)   2: (131,152, 762,304)   3: (-118,848, 1,143,456)


def test_cvar_sales_are_the_best_each_scenario_can_do(tmp_path):
    # CVaR at alpha 0.5 with weight 1 is the low scenario's NPV: 1 rack. In the high scenario
    # that rack must still sell its whole output: NPV 631,152 - 250,000 = $381,152 in both, so
    # the expected value, EEV and the outcome table are those of sold-out racks. Wait and see:
    # low buys 1 (381,152), high 3; CVaR = min = 381,152 = RP, so EVPI = 0.
    r = solve(tmp_path, {**CVAR_NEWSVENDOR,
                         "stochastic": {"cvar_alpha_frac": 0.5, "cvar_weight_frac": 1.0}})  # fmt: skip
    assert bought(r) == {(0, "old"): 1}
    scen = r.tables.scenarios.set_index("scenario")["npv_profit_usd"]
    assert scen["high"] == pytest.approx(381_152, rel=1e-9)
    assert scen["low"] == pytest.approx(381_152, rel=1e-9)
    stoch = r.tables.stochastic.iloc[0]
    assert stoch["expected_value_usd"] == pytest.approx(381_152, rel=1e-9)
    assert stoch["evpi_usd"] == pytest.approx(0, abs=1e-3)


def test_cvar_objective_value_is_the_blended_objective_and_both_are_named(tmp_path):
    # weight 0.1, alpha 0.5: blended = 0.9 E + 0.1 CVaR (CVaR = the low NPV):
    #   1 rack: 381,152; 2: 0.9 x 446,728 + 0.1 x 131,152 = 415,170.4;
    #   3: 0.9 x 512,304 + 0.1 x (-118,848) = 449,188.8  -> 3 racks.
    r = solve(tmp_path, {**CVAR_NEWSVENDOR,
                         "stochastic": {"cvar_alpha_frac": 0.5, "cvar_weight_frac": 0.1}})  # fmt: skip
    assert bought(r) == {(0, "old"): 3}
    assert r.tables.summary.at[0, "objective_value"] == pytest.approx(449_188.8, rel=1e-9)
    stoch = r.tables.stochastic.iloc[0]
    assert stoch["expected_value_usd"] == pytest.approx(512_304, rel=1e-9)
    assert stoch["cvar_usd"] == pytest.approx(-118_848, rel=1e-9)
    assert stoch["objective_value"] == pytest.approx(449_188.8, rel=1e-9)


def test_revenue_with_cvar_buys_no_idle_racks(tmp_path):
    # Revenue objective, CVaR weight 1: demand is one old rack's output in both futures, so
    # every plan with at least one rack earns 31,557.6 x $20 = $631,152 in every future. The
    # least-capex stage keeps that value and buys exactly one rack.
    body = {**NEWSVENDOR, "objective": "revenue", "tiers": tier(20, demand_mtok_per_year=MTOK_PER_RACK_OLD),
            "scenarios": {"a": {"probability": 0.5}, "b": {"probability": 0.5, "price_scale": {"t": 1.0}}},
            "stochastic": {"cvar_alpha_frac": 0.5, "cvar_weight_frac": 1.0}}  # fmt: skip
    r = solve(tmp_path, body)
    assert bought(r) == {(0, "old"): 1}
    assert r.tables.summary.at[0, "objective_value"] == pytest.approx(631_152, rel=1e-9)


@pytest.mark.parametrize(("lifetime", "service", "price"), [(2.5, 3, 20), (0.5, 1, 40)])
def test_a_fractional_lifetime_serves_whole_years_rounded_up(tmp_path, lifetime, service, price):
    # old with lifetime_years 2.5 (racks CSV override): it serves 3 whole years and its $1M is
    # recovered over them (r = 0: $333,333.33 a year). 0.1 MW site (one rack), 4 years from
    # 2027, $20 (631,152 a year > the annuity): a rack bought in 2027 serves 2027-2029 and is
    # replaced in 2030. Lifetime 0.5 serves 1 year: its annuity is the whole $1M, so at $40
    # (1,262,304 a year) a new rack is bought every year.
    (tmp_path / "racks.csv").write_text(f"rack,lifetime_years\nold,{lifetime}\n")
    body = {"site": {"power_mw": 0.1}, "systems": ["old"], "tiers": tier(20),
            "racks_csv": "racks.csv", "horizon": years(2027, 4)}  # fmt: skip
    body["tiers"] = tier(price)
    r = solve(tmp_path, body)
    sched = r.tables.schedule.set_index("year")
    expected = [1, 0, 0, 1] if service == 3 else [1, 1, 1, 1]
    assert sched["bought"].tolist() == expected
    assert sched["in_service"].tolist() == [1, 1, 1, 1]
    annuity = 1e6 / service
    charged = sum(
        min(service, 2031 - y) for y, n in zip(range(2027, 2031), expected, strict=True) if n
    )
    assert r.tables.summary.at[0, "objective_value"] == pytest.approx(
        4 * MTOK_PER_RACK_OLD * price - charged * annuity, rel=1e-9
    )


def test_cost_per_token_evpi_is_never_negative(tmp_path):
    # Must serve: low needs 0.1 of an old rack's output, high one rack's. Either way one rack
    # ($250,000 a year). RP = 250,000 / E[tokens] = 250,000 / (0.5 x (3,155.76 + 31,557.6))
    # = $14.404/Mtok. The mean of each future's own ratio would be
    # 0.5 x (79.22 + 7.922) = $43.57, above RP: an EVPI of -29.17 $/Mtok. The wait-and-see
    # plans (one rack each) have the same ratio of expectations: WS = RP, EVPI = 0.
    body = {**NEWSVENDOR, "objective": "cost_per_token",
            "scenarios": {"low": {"probability": 0.5, "demand_scale": {"t": 0.1}},
                          "high": {"probability": 0.5}}}  # fmt: skip
    r = solve(tmp_path, body)
    rp = 250_000 / (0.5 * 1.1 * MTOK_PER_RACK_OLD)
    assert r.values.rp == pytest.approx(rp, rel=1e-9)
    assert r.values.wait_and_see == pytest.approx(rp, rel=1e-9)
    assert r.values.evpi == pytest.approx(0, abs=1e-9)


def test_the_time_limit_is_one_budget_for_the_whole_run(tmp_path, monkeypatch):
    # Every solve of the run (Dinkelbach steps, EEV, wait and see) gets what is left of one
    # budget: with each HiGHS call made to take 0.3 s, a 1 s limit stops the run after about
    # 1 s, where per-solve limits would let all of them run.
    from planner.solver import run

    calls = []
    real = run.solve_compiled

    def slow(compile, settings, solver):
        time.sleep(0.3)
        given = settings() if callable(settings) else settings  # read after the compile
        calls.append(given.time_limit_s)
        return real(compile, given, solver)

    monkeypatch.setattr(run, "solve_compiled", slow)
    path = write(tmp_path, {**NEWSVENDOR, "objective": "cost_per_token"})
    r = planner.solve(path, SolveSettings(time_limit_s=1.0))
    # every solve gets what is left of the one budget (no wall-clock assertion: timing is
    # measured in bench/, never asserted in a test)
    assert calls and all(limit is not None and limit <= 1.0 for limit in calls)
    assert calls == sorted(calls, reverse=True)  # the budget only shrinks
    assert r.status in ("optimal", "feasible")
    assert "time limit" in r.values.note
