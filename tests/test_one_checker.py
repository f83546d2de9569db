"""The one checker (planner/results/checks.py) catches a wrong plan of any kind: each test breaks
one invariant in a solved plan's tables and expects a violation naming it."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import write_instance

import planner
from planner.results.checks import check_horizon_plan, check_plan

BODY = {
    "objective": "profit",
    "site": {"power_mw": 0.5, "discount_rate_frac": 0.0, "electricity_usd_per_mwh": 0.0},
    "systems": ["alpha"],
    "tiers": {"free": {"price_usd_per_mtok": 0, "min_tok_s_per_user": 10, "min_power_share_frac": 0.2},
              "paid": {"price_usd_per_mtok": 20, "min_tok_s_per_user": 10}},
    "rentals": {"cloud": {"rack": "alpha", "usd_per_gpu_hour": 1, "max_racks": 1}},
}  # fmt: skip


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    result = planner.solve(write_instance(tmp_path_factory.mktemp("c"), BODY))
    assert result.status == "optimal"
    assert check_plan(result.loaded.instance, result.loaded.catalog, result.tables) == []
    return result


def broken(solved, table: str, column: str, change) -> list[str]:
    tables = solved.tables
    frame = getattr(tables, table).copy()
    frame.loc[frame.index[0], column] = change(frame.loc[frame.index[0], column])
    return check_plan(solved.loaded.instance, solved.loaded.catalog,
                      replace(tables, **{table: frame}))  # fmt: skip


@pytest.mark.parametrize(
    ("table", "column", "change", "words"),
    [
        ("schedule", "in_service", lambda n: n + 1, "fleet"),  # a rack not bought
        ("schedule", "bought", lambda n: n + 10, "fleet"),  # bought, yet not in service
        ("summary_by_year", "energised_mw", lambda v: v - 0.3, "power"),  # racks over the MW on
        ("tiers_by_year", "mtok_per_year", lambda v: v * 10 + 1, "capacity"),  # tokens not made
        ("tiers_by_year", "revenue_usd_per_year", lambda v: v + 1e6, "revenue"),
        ("tiers_by_year", "power_share_frac", lambda v: v + 0.1, "share"),
        ("tiers_by_year", "price_usd_per_mtok", lambda v: v + 1, "price"),
        ("rentals_by_year", "racks_rented", lambda v: v + 5, "rentals"),
        ("summary_by_year", "energised_mw", lambda v: v + 1, "power"),  # more than the envelope
    ],
)
def test_the_checker_catches(solved, table, column, change, words):
    found = broken(solved, table, column, change)
    assert any(v.startswith(words) for v in found), found


def test_a_plan_over_years_is_checked_by_the_same_checker(tmp_path):
    body = {**BODY, "horizon": {"start_year": 2027, "years": 2}}
    r = planner.solve(write_instance(tmp_path, body))
    assert check_horizon_plan(r.loaded.instance, r.loaded.catalog, r.data, r.tables) == []
    shares = r.tables.tiers_by_year.copy()
    shares.loc[shares["tier"] == "free", "power_share_frac"] = 0.0  # under its 20% floor
    found = check_horizon_plan(r.loaded.instance, r.loaded.catalog, r.data,
                               replace(r.tables, tiers_by_year=shares))  # fmt: skip
    assert any(v.startswith("share") for v in found), found


def test_every_family_component_has_its_facts_in_one_place():
    # each family's facts (words, units, relaxability, elastic sentence) were kept in three
    # explanation modules; now model/families.py REQUIREMENTS holds them, and the explanation
    # tables are views of it. A new requirement component without its facts fails here.
    from planner.explanation.binding import REQUIREMENT_UNITS as WORDS
    from planner.explanation.elastic import NEEDS
    from planner.explanation.infeasible import RELAXABLE
    from planner.model.families import BALANCES, FAMILIES, REQUIREMENTS

    components = {c for family in FAMILIES for c in family.components}
    assert components == set(REQUIREMENTS) | set(BALANCES)
    assert not set(REQUIREMENTS) & set(BALANCES)
    assert set(WORDS) == set(REQUIREMENTS)
    assert set(NEEDS) <= set(REQUIREMENTS) and set(RELAXABLE) <= set(REQUIREMENTS)
    assert all(REQUIREMENTS[name].relaxed == words for name, words in RELAXABLE.items())
    assert all("{x}" in sentence for sentence in NEEDS.values())
    # and the short words a text uses for a family (binding lists, reports) are the registry's:
    # every requirement and balance has them, and they read as words
    from planner.results.present import SNAKE, words

    for name in [*REQUIREMENTS, *BALANCES]:
        assert words(name) == (REQUIREMENTS[name].short if name in REQUIREMENTS else BALANCES[name])
        assert words(name) and not SNAKE.findall(words(name)), name
