"""The bench's baselines solve what they claim to (the bench itself runs in `make bench`)."""

from __future__ import annotations

import sys
from dataclasses import replace

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))


def test_the_raw_highs_baseline_solves_the_sweeps_own_problems():
    # bench/sweep_speed.py compares a sweep case with highspy on the same matrix; on 1gw.yaml's
    # market a tier's price moves its demand curve's pieces, and the baseline that only moved
    # sold-token costs solved another problem ($27.6B against the sweep's $19.1B). It now sets
    # each case's objective and bounds from the planner's own compile: the optima agree.
    import sweep_speed

    spec = sweep_speed.BaseSpec(str(sweep_speed.INSTANCE))
    spec = replace(spec, settings=replace(spec.settings, threads=1))
    cases = sweep_speed.price_cases(3)
    planner_values = sweep_speed.time_runner(spec, cases)[1]
    raw_values = sweep_speed.time_raw_highs(spec, cases)[1]
    assert raw_values == pytest.approx(planner_values, rel=1e-6)
    assert len(set(planner_values)) == 3  # the cases differ, so agreement means something


def test_the_monte_carlo_row_solves_its_study():
    # bench/question_speed.py times a 100-draw study; a study the sweep refused, or draws that
    # all failed, would time an error path: two draws on one worker must solve
    import question_speed

    r = question_speed.measure_monte_carlo(draws=2, workers=1)
    assert (r["draws"], r["solved"]) == (2, 2)
    assert r["wall_s"] > 0 and r["one_solve_s"] > 0
