"""Every command on every plan kind: explain, sweep, frontier, compare and report run on plans
over years and under scenarios, with the same column names as single-year plans.

Horizon test catalog (tests/data/horizon-catalog), PUE 1, utilisation 1, r = 0, no energy: a
new rack (100 kW, $1M, life 4: annuity $250,000) makes 315,576 Mtok/yr at <= 10 tok/s/user.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest
from click.testing import CliRunner
from conftest import ROOT
from test_horizon import MTOK_PER_RACK_NEW, tier, write, years

import planner
from planner.cli import cli

HALF = MTOK_PER_RACK_NEW / 2
# Two years, demand half a new rack's output each year at $20: one rack, bought in 2027,
# serves both years (life 4), sells 157,788 Mtok/yr.
TWO_YEARS = {"site": {"power_mw": 1.0}, "systems": ["new"],
             "tiers": tier(20, demand_mtok_per_year=HALF), "horizon": years(2027, 2)}  # fmt: skip
# One year, two futures: the same demand, at $10 (low) or $20 (high), probability 1/2.
TWO_FUTURES = {"site": {"power_mw": 1.0}, "systems": ["new"],
               "tiers": tier(10, demand_mtok_per_year=HALF),
               "scenarios": {"low": {"probability": 0.5},
                             "high": {"probability": 0.5, "price_scale": {"t": 2.0}}}}  # fmt: skip


def marginal(expl, lever: str) -> pd.Series:
    return expl.marginals.set_index("lever").loc[lever]


def test_explain_prices_a_forecast_over_years(tmp_path):
    # With the rack fixed, one more Mtok/yr of demand in both years sells one more Mtok in each
    # at $20: +$40 of NPV (r = 0). With racks free the answer is the same (the rack has room).
    expl = planner.explain(write(tmp_path, TWO_YEARS))
    assert expl.status == "optimal"
    row = marginal(expl, "tiers.t.demand_mtok_per_year")
    assert row["dual_fixed_racks"] == pytest.approx(40, rel=1e-6)
    assert row["fd_fixed_racks"] == pytest.approx(40, rel=1e-6)
    assert row["fd_free_racks"] == pytest.approx(40, rel=1e-4)
    assert row["objective_unit"] == "usd_per_unit"
    binding = expl.binding.set_index("requirement")["binding"]
    assert binding["the t demand forecast in 2027"]
    assert binding["the t demand forecast in 2028"]
    assert not binding["the site power envelope in 2027"]  # one rack of ten fits


def test_explain_prices_a_forecast_over_futures(tmp_path):
    # One more Mtok/yr in both futures sells at $10 or $20: 0.5 x 10 + 0.5 x 20 = $15.
    expl = planner.explain(write(tmp_path, TWO_FUTURES))
    row = marginal(expl, "tiers.t.demand_mtok_per_year")
    assert row["dual_fixed_racks"] == pytest.approx(15, rel=1e-6)
    assert row["fd_free_racks"] == pytest.approx(15, rel=1e-4)
    assert "the t demand forecast in scenario high" in set(expl.binding["requirement"])


def test_near_optimal_alternative_over_years(tmp_path):
    # Best: one rack in 2027, 2 x 157,788 x $20 - 2 x 250,000 = $5,811,520. A second rack
    # bought in 2028 is charged one year inside the plan, $250,000 (4.3%); one bought in 2027
    # two years (8.6%); moving the rack to 2028 loses 2027's sales (54%). So within 3% nothing
    # else is possible (distance 0) and within 5% the most different plan adds a 2028 rack:
    # 0.1 MW apart, $250,000 worse.
    tight = planner.explain(write(tmp_path, TWO_YEARS), near_optimal_frac=0.03)
    assert tight.alternatives.iloc[0]["rack_distance_mw"] == pytest.approx(0, abs=1e-9)
    wide = planner.explain(write(tmp_path, TWO_YEARS), near_optimal_frac=0.05)
    alt = wide.alternatives.iloc[0]
    assert alt["status"] == "optimal"
    assert alt["rack_distance_mw"] == pytest.approx(0.1, rel=1e-9)
    assert alt["objective_loss"] == pytest.approx(250_000, rel=1e-6)
    assert "new 2028 1" in alt["racks"]


@pytest.mark.parametrize("body", [TWO_YEARS, TWO_FUTURES], ids=["horizon", "scenarios"])
def test_every_command_runs(tmp_path, body):
    path = str(write(tmp_path, body))
    run = CliRunner().invoke
    out = tmp_path / "out"
    for args in (
        ["solve", path, "--out", str(out), "--report"],
        ["explain", path, "--out", str(tmp_path / "explain")],
        ["report", str(tmp_path / "explain")],
        ["sweep", path, "--vary", "tiers.t.price_usd_per_mtok=10,20", "--workers", "1",
         "--out", str(tmp_path / "sweep")],
        ["frontier", path, "--x", "site.power_mw=0.5,1.0", "--out", str(tmp_path / "frontier")],
        ["compare", path, path],
    ):  # fmt: skip
        result = run(cli, args)
        assert result.exit_code == 0, (args[0], result.output)
    assert (out / "report.html").is_file() and (out / "report.xlsx").is_file()
    assert (tmp_path / "explain" / "build_schedule.csv").is_file()
    assert not (tmp_path / "explain" / "racks.csv").exists()
    sweep = pd.read_csv(tmp_path / "sweep" / "sweep.csv")
    assert list(sweep["status"]) == ["optimal", "optimal"]
    # the $20 case earns more than the $10 one: the sweep really solved both
    assert sweep["objective_value"].iloc[1] > sweep["objective_value"].iloc[0]


def test_eev_reuses_the_plans_matrix_and_gets_the_same_answer(monkeypatch):
    # EEV fixes the mean-value purchases by bounds and re-solves the plan's own compiled
    # matrix, and wait-and-see derives its matrix from it; the VSS is the same as with fresh
    # compiles, and two compiles fewer are made (RP and the mean-value model compile either way)
    import contextlib

    from planner.solver import highs, run
    from planner.solver.run import PlanRun

    path = ROOT / "instances" / "1gw-uncertain.yaml"
    calls = []
    real = highs.compile_model
    monkeypatch.setattr(run, "compile_model", lambda m: calls.append(1) or real(m))
    reused = planner.solve(path)
    with_reuse = len(calls)
    calls.clear()
    monkeypatch.setattr(PlanRun, "reusing_matrix", lambda run: contextlib.nullcontext())
    fresh = planner.solve(path)
    assert (with_reuse, len(calls)) == (2, 4)
    assert reused.values.vss == pytest.approx(fresh.values.vss, rel=1e-9, abs=1e-3)
    assert reused.values.eev == pytest.approx(fresh.values.eev, rel=1e-9)


def test_a_reused_matrix_follows_the_ratio_and_the_fixed_values(tmp_path):
    # a run's reusing_matrix may only hand back a compile of the same problem: a new Dinkelbach
    # ratio (a scalar parameter in the objective) or a purchase fixed at another count (folded
    # into the rows' bounds) must give a new matrix, not the cached one; an indexed parameter
    # changed through the run drops the matrices; another run of the same data shares none
    from conftest import write_instance

    from planner.inputs.derive import build_plan_data
    from planner.inputs.load import load_instance
    from planner.solver.run import MATRICES_KEPT, PlanRun

    body = {"objective": "cost_per_token", "site": {"power_mw": 1.0}, "systems": ["alpha"],
            "tiers": {"t": {"price_usd_per_mtok": 1, "min_tok_s_per_user": 10,
                            "demand_mtok_per_year": 100}}}  # fmt: skip
    loaded = load_instance(write_instance(tmp_path, body))
    data = build_plan_data(loaded.instance, loaded.catalog, tmp_path)
    run = PlanRun.build(data)
    m = run.model
    with run.reusing_matrix():
        first = run.compiled()
        at_zero = np.asarray(first.lp.col_cost_).copy()
        assert run.compiled() is first  # the same problem: the same compile, reused
        assert PlanRun.build(data).compiled() is not first  # another run: its own matrix
        m.cost_per_token_lambda.set_value(5.0)
        assert not np.array_equal(np.asarray(run.compiled().lp.col_cost_), at_zero)
        bought = next(iter(m.racks_bought.values()))
        bought.fix(1)
        one = run.compiled()
        one_upper = np.asarray(one.lp.row_upper_).copy()
        bought.fix(2)
        assert not np.array_equal(np.asarray(run.compiled().lp.row_upper_), one_upper)
        bought.fix(1)
        assert run.compiled() is one  # back to the first count: that compile again
        key = next(iter(m.rack_power_mw))  # an indexed parameter, in the matrix
        run.set_value(m.rack_power_mw[key], 2 * pyo.value(m.rack_power_mw[key]))
        assert run.compiled() is not one  # changed through the run: the matrices went
        # a matrix per ratio, but only the last few are kept (each is tens of MB at scale)
        for ratio in range(10):
            m.cost_per_token_lambda.set_value(float(ratio))
            run.compiled()
    assert len(run.matrices) == MATRICES_KEPT
    run.compiled()  # a compile outside reusing_matrix drops every earlier one
    assert len(run.matrices) == 1
