"""The horizon default chooses its own phasing, and it is worth at least any hand-made one.

A finance analyst asked "build 1 GW now or phase it?" and copied YAML files: 100/200/300/400/500 MW
against the grid connection's 250/500/1,000/1,000/1,000. With `site.energisation` the plan chooses
its blocks (50 MW) up to the grid's phases, so every hand-made phasing in 50 MW steps within them
is a plan it could choose: its NPV can only be as high or higher (to the solver's gap).
"""

from __future__ import annotations

import pytest
from conftest import ROOT

import planner
from planner.solver.highs import SolveSettings

HORIZON = ROOT / "instances" / "1gw-2026-2030.yaml"
TIGHT = SolveSettings(mip_gap_frac=1e-6)
GREENFIELD = {"site.energisation.energised_mw": 0}
"""Both sides pay for every MW they energise (a hand-made phasing has no brownfield hall)."""


def hand_made(phases_mw: list[int]) -> float:
    """NPV with the envelope fixed at `phases_mw` and paid for, energised or used or not."""
    result = planner.solve(HORIZON, TIGHT, overrides={"site.energisation": None,
                                                      "horizon.site_power_mw": phases_mw})  # fmt: skip
    assert result.status == "optimal"
    return float(result.tables.summary.at[0, "npv_usd"])


def test_the_chosen_phasing_beats_the_hand_made_ones():
    chosen = planner.solve(HORIZON, TIGHT, overrides=GREENFIELD)
    assert chosen.status == "optimal"
    npv = float(chosen.tables.summary.at[0, "npv_usd"])
    energised = chosen.tables.summary_by_year["energised_mw"].tolist()
    assert energised == sorted(energised)  # never switched off
    assert energised[-1] < 1000  # the full GW does not pay: the plan stops short of it
    for phases in ([100, 200, 300, 400, 500], [250, 500, 1000, 1000, 1000]):
        assert npv >= hand_made(phases) * (1 - 1e-6) - 1e-6 * abs(npv), phases


def test_the_chosen_phasing_draws_most_of_what_it_energises():
    # blocks are bought when racks fill them: at most the last block of a year is part-empty
    result = planner.solve(HORIZON)
    by_year = result.tables.summary_by_year
    assert (by_year["facility_power_mw"] >= by_year["energised_mw"] - 50 - 1e-6).all()
    assert float(by_year["facility_power_mw"].sum()) >= 0.8 * float(by_year["energised_mw"].sum())
    assert result.tables.summary.at[0, "npv_usd"] == pytest.approx(
        result.tables.summary.at[0, "objective_value"], rel=1e-9
    )
