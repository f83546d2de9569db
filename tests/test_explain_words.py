"""Words of `plan explain` for numbers at their edges: near-zero values, gains for losses."""

from __future__ import annotations

from planner.explanation.bases import _basis_words
from planner.explanation.compose import _marginal_line, _money_rate


def test_small_values_are_cents_never_scientific_notation():
    # a finite difference of 3.64e-06 dollars printed "$3.64e-06/yr" in the report
    assert _money_rate(3.64e-06, "usd_per_year") == "$0/yr"
    assert _money_rate(-3.64e-06, "usd_per_year") == "$0/yr"
    assert _money_rate(123.456, "usd_per_year") == "$123.46/yr"
    assert _money_rate(1.6e6, "usd_per_year") == "$1.6M/yr"
    assert _money_rate(1e-05, "usd_per_mtok") == "$0/Mtok"
    assert _money_rate(-0.12345, "usd_per_mtok") == "-$0.1235/Mtok"


def test_a_difference_that_shows_as_zero_is_not_said():
    row = {"description": "one more $1B of capex budget", "objective_unit": "usd_per_year",
           "dual_fixed_racks": 0.0, "fd_fixed_racks": 0.0, "fd_fixed_racks_diff": 0.0,
           "fd_free_racks": 3.64e-06, "fd_free_racks_diff": 3.64e-06}  # fmt: skip
    assert "difference" not in _marginal_line(row)
    assert "(difference $2.5k/yr)" in _marginal_line(row | {"fd_free_racks_diff": 2_500.0})


def test_a_basis_whose_removal_earns_more_says_so():
    # under rental parity, solving without vendor claims can raise prices (a dearer route sets
    # parity) and the objective: "-$106.44M less; the objective loses -0.9%" read backwards
    words = _basis_words("without vendor claims", 19.9e9, -106.44e6, -0.009)
    assert words.endswith("$106.44M more; the objective gains 0.9%")
    words = _basis_words("without estimates", 17.71e9, 2.09e9, 0.181)
    assert words.endswith("$2.09B less; the objective loses 18.1%")
