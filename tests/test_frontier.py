"""plan frontier and plan curves; the finance example script end to end."""

from __future__ import annotations

import importlib.util

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import ROOT, SECONDS_PER_YEAR, write_instance

from planner.cli import cli

MTOK_PER_TOK_S = SECONDS_PER_YEAR / 1e6
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ALPHA = {
    "site": {"power_mw": 10.0, "capex_budget_usd": 2e6},
    "systems": ["alpha"],
    "tiers": {"t": {"price_usd_per_mtok": 1.0, "min_tok_s_per_user": 10}},
}


def test_budget_frontier_knows_the_answer(tmp_path):
    # alpha: $1M and 1,000 tok/s per rack at 10 tok/s/user; 10 MW never binds (100 racks).
    # Budget $2M, $3M, $4M, $2.5M -> 2, 3, 4, 2 racks -> revenue = racks x 1,000 x 31.5576 x $1.
    # Between budgets $1M apart the marginal value is 31,557.6 $/yr per $1M = 0.0315576 per $.
    path = write_instance(tmp_path, ALPHA)
    out = tmp_path / "fr"
    args = ["frontier", str(path), "--x", "site.capex_budget_usd=2e6,3e6,4e6,2.5e6"]
    result = CliRunner().invoke(cli, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out / "frontier.csv")
    assert frame["site.capex_budget_usd"].tolist() == [2e6, 2.5e6, 3e6, 4e6]  # sorted by x
    expected = [n * 1_000 * MTOK_PER_TOK_S for n in (2, 2, 3, 4)]
    assert frame["objective_value"].tolist() == pytest.approx(expected)
    assert frame["racks_alpha"].tolist() == [2, 2, 3, 4]
    assert frame["d_objective_per_x"].tolist()[2:] == pytest.approx([2 * 0.0315576, 0.0315576])
    assert (out / "frontier.png").read_bytes()[:8] == PNG_MAGIC


def test_frontier_marks_infeasible_points(tmp_path):
    body = {**ALPHA, "tiers": {"t": {**ALPHA["tiers"]["t"], "min_power_share_frac": 0.5}}}
    path = write_instance(tmp_path, body)
    out = tmp_path / "fr"
    # half of 10 MW needs 50 racks = $50M; a $2M budget cannot buy it.
    args = ["frontier", str(path), "--x", "site.capex_budget_usd=2e6,60e6", "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out / "frontier.csv")
    assert frame["status"].tolist() == ["infeasible", "optimal"]
    assert (out / "frontier.png").read_bytes()[:8] == PNG_MAGIC


def test_frontier_needs_numbers(tmp_path):
    path = write_instance(tmp_path, ALPHA)
    result = CliRunner().invoke(cli, ["frontier", str(path), "--x", "objective=profit,revenue"])
    assert result.exit_code == 2 and "needs numbers" in result.output


def test_curves_for_one_system_plan(tmp_path):
    # alpha is 0.1 MW at PUE 1: 1,000 tok/s at 10 tok/s/user = 10,000 tok/s per MW; the plan
    # buys only alpha, so the mix curve is alpha's own curve.
    path = write_instance(tmp_path, ALPHA)
    out = tmp_path / "curves"
    result = CliRunner().invoke(cli, ["curves", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    curves = pd.read_csv(out / "curves.csv")
    alpha = curves[curves["series"] == "alpha"].set_index("tok_s_per_user")["tok_s_per_mw"]
    mix = curves[curves["series"] == "mix"].set_index("tok_s_per_user")["tok_s_per_mw"]
    assert alpha.loc[10] == pytest.approx(10_000)
    assert mix.loc[alpha.index].tolist() == pytest.approx(alpha.tolist())
    tiers = pd.read_csv(out / "curve_tiers.csv")
    assert tiers.loc[0, "tok_s_per_mw"] == pytest.approx(10_000)
    assert (out / "curves.png").read_bytes()[:8] == PNG_MAGIC


def test_curves_on_shipped_1gw(tmp_path):
    result = CliRunner().invoke(cli, ["curves", str(ROOT / "instances" / "1gw.yaml"), "--out", str(tmp_path)])  # fmt: skip
    assert result.exit_code == 0, result.output
    curves = pd.read_csv(tmp_path / "curves.csv")
    assert {"gb300-nvl72", "vr-nvl72-lpx", "mix"} <= set(curves["series"])


def test_finance_example_end_to_end(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "finance_study", ROOT / "examples" / "finance_study.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.main(["--out", str(tmp_path), "--samples", "4", "--points", "2"])
    assert result["stats"]["cases"] == 4 and result["stats"]["solved"] == 4
    assert result["table"].shape == (2, 2)
    # a higher ultra price cannot lower the optimal profit
    assert (result["table"].iloc[1] >= result["table"].iloc[0]).all()
    assert (tmp_path / "frontier" / "frontier.png").exists()
    assert (tmp_path / "monte-carlo" / "sweep.csv").exists()
