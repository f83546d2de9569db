"""Every command works with price ladders, demand curves, leases and energisation decisions, on
every plan kind (one year, years, scenarios): solve, explain, report, sweep, frontier, compare."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import write_instance

from planner.cli import cli

C = 1_000 * 3600 * 8766 / 1e6  # Mtok a year of one alpha rack at 10 tok/s per user
LADDER = [{"price_usd_per_mtok": 20 - 1.25 * k, "demand_mtok_per_year": 0.5 * k * C}
          for k in range(1, 16)]  # fmt: skip
MARKET = {
    "objective": "profit",
    "systems": ["alpha", "beta"],
    "site": {"power_mw": 1.0, "facility_capex_usd_per_mw": 5e6, "discount_rate_frac": 0.08,
             "energisation": {"block_mw": 0.25}},
    "tiers": {
        "free": {"price_usd_per_mtok": 0, "min_tok_s_per_user": 10, "min_mtok_per_year": 2e4},
        "chat": {"price_usd_per_mtok": 10, "min_tok_s_per_user": 10, "demand_mtok_per_year": 4 * C,
                 "demand_curve": {"ladder": LADDER}},
        "fast": {"price_usd_per_mtok": 30, "min_tok_s_per_user": 100, "demand_mtok_per_year": C,
                 "demand_curve": {"price_elasticity": -1.5}},
    },
    "lease_out": {"usd_per_gpu_hour": {"alpha": 4.0}},
}  # fmt: skip
KINDS = {
    "one year": MARKET,
    "years": {**MARKET, "horizon": {"start_year": 2027, "years": 3,
                                    "tiers": {"chat": {"demand_mtok_per_year": [4 * C, 6 * C, 8 * C]}}}},
    "scenarios": {**MARKET, "scenarios": {"low": {"probability": 0.5, "demand_scale": {"chat": 0.5}},
                                          "high": {"probability": 0.5, "demand_scale": {"chat": 1.5}}}},
}  # fmt: skip


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_command_on_a_market_instance(tmp_path, kind):
    path = write_instance(tmp_path, KINDS[kind])
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, list(args))
        assert result.exit_code == 0, (args, result.output)
        return result.output

    out = tmp_path / "plan"
    text = run("solve", str(path), "--out", str(out), "--report")
    assert "NPV of" in text and (out / "report.html").exists() and (out / "report.xlsx").exists()
    prices = pd.read_csv(out / ("prices.csv" if kind == "one year" else "prices_by_year.csv"))
    assert set(prices["tier"]) == {"chat", "fast"}
    assert (prices["price_usd_per_mtok"] >= prices["lowest_price_usd_per_mtok"] - 1e-9).all()
    assert "Prices chosen on demand curves" in (out / "report.html").read_text()
    run("explain", str(path), "--out", str(tmp_path / "explain"))
    run("report", str(tmp_path / "explain"))
    sweep = tmp_path / "sweep"
    run("sweep", str(path), "--vary", "tiers.chat.price_usd_per_mtok=8,12", "--out", str(sweep),
        "--no-progress")  # fmt: skip
    frame = pd.read_csv(sweep / "sweep.csv")
    assert (frame["status"] == "optimal").all()
    run("report", str(sweep))
    run("frontier", str(path), "--x", "site.power_mw=0.5,1.0", "--out", str(tmp_path / "front"))
    run(
        "compare", str(path), str(write_instance(tmp_path, {**KINDS[kind], "lease_out": None}, "b"))
    )


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_sweep_case_answers_as_plan_solve_on_a_market_instance(tmp_path, kind):
    # a sweep case's row reads the prices chosen on the curves (not the reference prices) and
    # the tokens' cost without the leased racks, as summary.csv does
    import planner

    path = write_instance(tmp_path, KINDS[kind])
    solved = planner.solve(path).tables.summary.iloc[0]
    row = planner.sweep(path, vary={"site.power_mw": [1.0]}).iloc[0]
    for column in ("objective_value", "revenue_usd_per_year", "profit_usd_per_year",
                   "cost_usd_per_mtok"):  # fmt: skip
        assert row[column] == pytest.approx(solved[column], rel=1e-6), column
