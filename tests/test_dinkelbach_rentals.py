"""Cost per token with rentals that have no limit: Dinkelbach steps above the rentals' cost per
token are unbounded; the search bisects and either finds the optimum or reports unbounded.

Test catalog, PUE 1, utilisation 1, discount rate 0, no energy cost:
  alpha rack: 100 kW, $1M over 4 years -> $250,000 a year; 1,000 tok/s at 10 tok/s per user
              -> 31,557.6 Mtok a year: $7.922 per Mtok owned.
  rented alpha at $4.50 per GPU-hour: 8 x 4.5 x 8,766 = $315,576 a year -> $10.00 per Mtok.
  site 0.3 MW: at most 3 owned racks. Building: facility opex only, per MW-year.
  Tier f (10 tok/s per user) must serve 3,155.76 Mtok; tier u (same speed) has no forecast,
  so the plan may make as many tokens as it likes.
"""

from __future__ import annotations

import pytest
from conftest import write_instance

import planner
from planner.explanation.infeasible import explain_failure
from planner.solver.highs import SolveSettings, SolveStatus

EXACT = SolveSettings(mip_gap_frac=0.0)
MTOK_PER_RACK = 1_000 * 3600 * 8766 / 1e6  # 31,557.6


def _body(facility_opex_usd_per_mw_year: float) -> dict:
    return {
        "objective": "cost_per_token",
        "site": {"power_mw": 0.3, "discount_rate_frac": 0.0, "electricity_usd_per_mwh": 0.0,
                 "facility_opex_usd_per_mw_year": facility_opex_usd_per_mw_year},
        "systems": ["alpha"],
        "tiers": {"f": {"price_usd_per_mtok": 1, "min_tok_s_per_user": 10,
                        "demand_mtok_per_year": MTOK_PER_RACK / 10},
                  "u": {"price_usd_per_mtok": 1, "min_tok_s_per_user": 10}},
        "rentals": {"cloud": {"rack": "alpha", "usd_per_gpu_hour": 4.5}},
    }  # fmt: skip


def test_an_optimum_below_the_rentals_is_found_past_an_unbounded_step(tmp_path):
    # Building $100,000 per MW-year x 0.3 MW = $30,000 a year.
    # First step (lambda 0): the cheapest plan serving f rents 0.1 rack: $31,557.6 + $30,000
    #   for 3,155.76 Mtok = $19.51 per Mtok, above the rentals' $10: the next step is unbounded.
    # Optimum: own 3 racks (cheaper than renting), no rentals (they cost more than the average):
    #   ($30,000 + 3 x $250,000) / (3 x 31,557.6) = $780,000 / 94,672.8 = $8.2389 per Mtok
    #   (2 racks: $530,000 / 63,115.2 = $8.397; renting on top pulls the ratio towards $10).
    result = planner.solve(write_instance(tmp_path, _body(1e5)), EXACT)
    report = result.solved.report
    assert report.status == SolveStatus.OPTIMAL, report.termination
    assert report.objective_value == pytest.approx(780_000 / (3 * MTOK_PER_RACK), rel=1e-6)
    assert result.tables.racks.set_index("rack").at["alpha", "count"] == 3
    assert any(s.status == SolveStatus.UNBOUNDED for s in result.solved.stages) or any(
        s.status == SolveStatus.INFEASIBLE for s in result.solved.stages
    ), "the test should pass through an unbounded step"


def test_a_ratio_only_unlimited_rentals_approach_is_unbounded_in_words(tmp_path):
    # Building $1,000,000 per MW-year x 0.3 MW = $300,000 a year. Owning 3 racks costs
    # $1,050,000 / 94,672.8 = $11.09 per Mtok; every extra rented rack pulls the ratio down
    # towards the rentals' $10.00, which no finite plan reaches: unbounded, at $10.
    result = planner.solve(write_instance(tmp_path, _body(1e6)), EXACT)
    report = result.solved.report
    assert report.status == SolveStatus.UNBOUNDED
    line = explain_failure(result)
    assert "falls toward $10 per million tokens" in line and "max_racks" in line
    assert report.best_bound == pytest.approx(10.0, rel=1e-5)


def test_with_a_rental_limit_the_same_site_has_an_optimum(tmp_path):
    # As above, with at most 7 rented racks: ($300,000 + 3 x $250,000 + 7 x $315,576) /
    # (10 x 31,557.6) = $3,259,032 / 315,576 = $10.3272 per Mtok; fewer rentals cost more per
    # token ($11.09 with none), since each rented rack ($10) is below the average.
    body = _body(1e6)
    body["rentals"]["cloud"]["max_racks"] = 7
    result = planner.solve(write_instance(tmp_path, body), EXACT)
    report = result.solved.report
    assert report.status == SolveStatus.OPTIMAL, report.termination
    assert report.objective_value == pytest.approx(3_259_032 / 315_576, rel=1e-6)
