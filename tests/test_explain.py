"""`plan explain`: marginals against finite differences, binding rows, entry thresholds,
infeasibility, near-optimal alternatives. Small cases on the test catalog, derivations inline.

Test catalog (PUE 1, utilisation 1, 31,557,600 s/yr, so 1 tok/s = 31.5576 Mtok/yr):
  alpha: 100 kW, $1M, 1,000 tok/s at 10 tok/s/user -> 10,000 tok/s per MW, 1,000 per $M
  beta:  200 kW, $4M, 3,000 tok/s at 10 tok/s/user -> 15,000 tok/s per MW,   750 per $M
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import SECONDS_PER_YEAR, write_instance

import planner
from planner.explanation.alternatives import excluding, near_optimal
from planner.explanation.base import solve_baseline
from planner.explanation.binding import binding_rows
from planner.explanation.elastic import elastic_rows
from planner.explanation.entry import entry_rows
from planner.explanation.marginals import marginal_rows

MTOK_PER_TOK_S = SECONDS_PER_YEAR / 1e6


def one_tier(site: dict, systems: list[str], price: float = 1.0, **tier) -> dict:
    return {
        "site": site,
        "systems": systems,
        "tiers": {"t": {"price_usd_per_mtok": price, "min_tok_s_per_user": 10, **tier}},
    }


@pytest.fixture
def baseline(tmp_path):
    def run(body: dict, name: str = "case"):
        return solve_baseline(planner.load_instance(write_instance(tmp_path, body, name)))

    return run


def by_lever(rows: list[dict]) -> dict[str, dict]:
    return {r["lever"]: r for r in rows}


def test_power_marginal_needs_racks_free(baseline):
    # 1 MW, no budget, revenue at $1/Mtok: 5 beta racks (15,000 tok/s per MW beats alpha's
    # 10,000). With racks fixed, more site power cannot be used: dual 0, LP check 0. With racks
    # free, +1 MW buys 5 more beta: 15,000 tok/s x 31.5576 x $1 = $473,364/yr per MW.
    rows, _, _ = marginal_rows(baseline(one_tier({"power_mw": 1.0}, ["alpha", "beta"])))
    power = by_lever(rows)["site.power_mw"]
    assert power["dual_fixed_racks"] == pytest.approx(0.0, abs=1e-6)
    assert power["fd_fixed_racks"] == pytest.approx(0.0, abs=1e-6)
    assert power["fd_free_racks"] == pytest.approx(15_000 * MTOK_PER_TOK_S, rel=1e-6)
    assert power["fd_free_racks_diff"] == pytest.approx(15_000 * MTOK_PER_TOK_S, rel=1e-6)
    # One more beta rack (fixed LP, power row dropped): 3,000 tok/s -> $94,672.8/yr.
    beta = by_lever(rows)["racks.beta"]
    assert beta["dual_fixed_racks"] == pytest.approx(3_000 * MTOK_PER_TOK_S, rel=1e-6)
    assert beta["fd_fixed_racks"] == pytest.approx(beta["dual_fixed_racks"], rel=1e-6)


def test_duals_match_finite_differences_on_shares_and_demand(baseline):
    # 2 MW, revenue. low ($2, 10 tok/s/user) capped at 50% = 1 MW; fast ($5, 150 tok/s/user,
    # only beta: 3,000 - 2,000/190 x 140 = 1,526.3 tok/s per unit) capped at 30%, demand
    # 20,000 Mtok/yr = 633.8 tok/s = 0.415 beta units. Plan: 5 beta units on low (1 MW) +
    # 0.415 on fast -> 6 beta racks, 0.585 of a rack spare. With racks fixed:
    #   site power: +1 MW lifts low's cap by 0.5 MW = 2.5 units, the spare rack serves it:
    #     0.5 MW x 15,000 tok/s per MW x 31.5576 x $2 = $473,364/yr per MW;
    #   fast demand binds: one more Mtok/yr sells at $5 on the spare rack.
    # Every dual must equal its LP finite difference.
    body = {
        "site": {"power_mw": 2.0},
        "systems": ["alpha", "beta"],
        "tiers": {
            "low": {"price_usd_per_mtok": 2.0, "min_tok_s_per_user": 10,
                    "max_power_share_frac": 0.5},
            "fast": {"price_usd_per_mtok": 5.0, "min_tok_s_per_user": 150,
                     "max_power_share_frac": 0.3, "demand_mtok_per_year": 20_000},
        },
    }  # fmt: skip
    base = baseline(body)
    assert base.rack_counts() == {"alpha": 0, "beta": 6}
    rows, duals, _ = marginal_rows(base)
    assert duals.report.status == "optimal"
    for row in rows:
        assert row["fd_fixed_racks"] == pytest.approx(row["dual_fixed_racks"], rel=1e-4, abs=1e-3)
    table = by_lever(rows)
    assert table["site.power_mw"]["dual_fixed_racks"] == pytest.approx(
        0.5 * 15_000 * MTOK_PER_TOK_S * 2, rel=1e-6
    )
    assert table["tiers.fast.demand_mtok_per_year"]["dual_fixed_racks"] == pytest.approx(5.0)


def test_binding_rows_in_plain_words(baseline):
    # $12M and 1 MW: 8 alpha + 1 beta uses both exactly (tests/test_known_answers.py).
    base = baseline(one_tier({"power_mw": 1.0, "capex_budget_usd": 12e6}, ["alpha", "beta"]))
    rows = {r["constraint"]: r for r in binding_rows(base)}
    assert rows["power_envelope"]["binding"] and rows["capex_budget"]["binding"]
    assert rows["power_envelope"]["words"] == "the site power envelope binds"
    loose = baseline(one_tier({"power_mw": 1.0, "capex_budget_usd": 20e6}, ["alpha", "beta"]))
    budget = {r["constraint"]: r for r in binding_rows(loose)}["capex_budget"]
    # 5 beta = $20M: the budget binds too; at $30M it has $10M to spare.
    assert budget["binding"]
    loose = baseline(one_tier({"power_mw": 1.0, "capex_budget_usd": 30e6}, ["alpha", "beta"]))
    budget = {r["constraint"]: r for r in binding_rows(loose)}["capex_budget"]
    assert not budget["binding"] and budget["slack_units"] == pytest.approx(10e6)
    assert budget["words"] == "the capex budget has $10M to spare"


def test_entry_thresholds_match_hand_derivation(baseline):
    # Power-bound (1 MW, no budget): beta makes 15,000 tok/s per MW, alpha 10,000, so alpha
    # enters only when 1.5x faster; capex does not matter to revenue without a budget.
    rows = entry_rows(baseline(one_tier({"power_mw": 1.0}, ["alpha", "beta"])))
    (alpha,) = rows
    assert alpha["throughput_factor_to_enter"] == pytest.approx(1.5, rel=0.01)
    assert alpha["capex_factor_to_enter"] is None
    # Budget-bound ($120M, 100 MW): alpha 1,000 tok/s per $M, beta 3,000 / $4M = 750. Beta
    # enters when 3,000 f / 4 > 1,000 (f > 4/3) or 3,000 / (4 c) > 1,000 (c < 0.75).
    rows = entry_rows(baseline(one_tier({"power_mw": 100.0, "capex_budget_usd": 120e6},
                                        ["alpha", "beta"])))  # fmt: skip
    (beta,) = rows
    assert beta["throughput_factor_to_enter"] == pytest.approx(4 / 3, rel=0.01)
    assert beta["capex_factor_to_enter"] == pytest.approx(0.75, rel=0.01)


def infeasible_body(budget_usd: float) -> dict:
    # cost_per_token must serve 400,000 Mtok/yr with alpha only = 12,675 tok/s -> 13 racks =
    # 1.3 MW and $13M, on a 1 MW site. Power alone: +0.3 MW. Serving alone: 400,000 -
    # 10 racks x 31,557.6 = 84,424 Mtok/yr short.
    return one_tier(
        {"power_mw": 1.0, "capex_budget_usd": budget_usd}, ["alpha"],
        demand_mtok_per_year=400_000,
    ) | {"objective": "cost_per_token"}  # fmt: skip


def test_infeasible_instance_explained(baseline):
    base = baseline(infeasible_body(20e6))
    assert base.status == "infeasible"
    rows = {r["constraint"]: r for r in elastic_rows(base)}
    assert rows["power_envelope"]["alone_needs_units"] == pytest.approx(0.3)
    assert rows["forecast_served[t]"]["alone_needs_units"] == pytest.approx(84_424, rel=1e-6)
    assert not rows["capex_budget"]["alone_restores"]
    assert rows["capex_budget"]["words"] == "relaxing the capex budget alone does not help"


def test_infeasible_needs_power_and_budget_together(tmp_path):
    # With $11M, neither 0.3 MW alone (budget caps at 11 racks) nor budget alone (power caps
    # at 10) helps; together: +0.3 MW and +$2M (13 racks).
    path = write_instance(tmp_path, infeasible_body(11e6), "both")
    expl = planner.explain(path)
    assert str(expl.status) == "infeasible"
    sentence = expl.lines[0][2]
    assert "relaxing the site power envelope or the capex budget alone does not help" in sentence
    assert "raising site power by 0.3 MW and the budget by $2M together restores a plan" in sentence


def test_near_optimal_alternative_respects_its_bound(baseline):
    # 1 MW and $12M; alpha 0.1 MW, $1M, 1,000 tok/s; beta 0.2 MW, $4M, 3,000 tok/s. Best:
    # 8 alpha + 1 beta = 11,000 tok/s (power 1.0, budget 12). Distance |a - 8| x 0.1 +
    # |b - 1| x 0.2 MW, racks used (at most one idle per type):
    #   within 10% (>= 9,900): 10a (0.4 MW), 4a + 2b (10,000, 0.6 MW) -> 4 alpha, 2 beta;
    #   within 30% (>= 7,700): 0a + 3b (9,000 tok/s, budget 12, 0.8 + 0.4 = 1.2 MW) is the
    #   farthest (0a + 2b makes only 6,000).
    base = baseline(one_tier({"power_mw": 1.0, "capex_budget_usd": 12e6}, ["alpha", "beta"]))
    for frac in (0.01, 0.1, 0.3):
        row = near_optimal(base, frac)
        assert row["status"] in ("optimal", "feasible")
        assert row["objective_value"] >= (1 - frac) * base.value * 1e6 * (1 - 1e-9)
        assert row["objective_loss_frac"] <= frac + 1e-9
    assert near_optimal(base, 0.01)["rack_distance_mw"] == pytest.approx(0, abs=1e-9)
    mid = near_optimal(base, 0.1)
    assert mid["counts"] == {"alpha": 4, "beta": 2}
    assert mid["rack_distance_mw"] == pytest.approx(0.6, rel=1e-9)
    wide = near_optimal(base, 0.3)
    assert wide["counts"] == {"alpha": 0, "beta": 3}
    assert wide["rack_distance_mw"] == pytest.approx(1.2, rel=1e-9)
    assert wide["objective_loss_frac"] == pytest.approx(2 / 11, rel=1e-6)


def test_near_optimal_buys_no_idle_racks(baseline):
    # One tier capped at 50% of 1 MW, revenue, no budget: the best plan is 2.5 beta units
    # (3 racks). An alternative within 10% could "differ" by buying idle racks with the other
    # 0.5 MW; no_idle_racks allows at most one unassigned rack per type, so racks stay within
    # 0.5 MW of assigned units + one alpha (0.1) + one beta (0.2) = 0.8 MW.
    base = baseline(one_tier({"power_mw": 1.0}, ["alpha", "beta"], max_power_share_frac=0.5))
    row = near_optimal(base, 0.1)
    power_mw = {"alpha": 0.1, "beta": 0.2}
    assert sum(n * power_mw[r] for r, n in row["counts"].items()) <= 0.8 + 1e-9
    assert row["objective_loss_frac"] <= 0.1 + 1e-9


def test_exclude_a_rack(baseline):
    # Without beta, 1 MW and $12M buy 10 alpha = 10,000 tok/s vs 11,000: loses 1/11.
    base = baseline(one_tier({"power_mw": 1.0, "capex_budget_usd": 12e6}, ["alpha", "beta"]))
    row = excluding(base, "beta")
    assert row["racks"] == "alpha 10"
    assert row["objective_loss_frac"] == pytest.approx(1 / 11)


def test_explain_cli_writes_tables(tmp_path):
    from click.testing import CliRunner

    from planner.cli import cli

    path = write_instance(tmp_path, one_tier({"power_mw": 1.0, "capex_budget_usd": 12e6},
                                             ["alpha", "beta"]))  # fmt: skip
    out = tmp_path / "out"
    args = ["explain", str(path), "--out", str(out), "--near-optimal", "0.1", "--exclude", "beta"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "What one more unit is worth" in result.output
    for name in ("summary", "explain", "marginals", "binding", "alternatives"):
        assert (out / f"{name}.csv").is_file(), name
    alts = pd.read_csv(out / "alternatives.csv")
    # near-optimal and without beta, plus one row per data basis the plan rests on
    assert len(alts[~alts["alternative"].str.contains("--data")]) == 2
    bad = CliRunner().invoke(cli, ["explain", str(path), "--exclude", "zeta", "--out", str(out)])
    assert bad.exit_code == 2 and "zeta" in bad.output


def test_explain_cli_infeasible_exit_code(tmp_path):
    from click.testing import CliRunner

    from planner.cli import cli

    path = write_instance(tmp_path, infeasible_body(20e6))
    result = CliRunner().invoke(cli, ["explain", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 4
    assert "Why there is no plan" in result.output
    assert (tmp_path / "o" / "infeasibility.csv").is_file()
