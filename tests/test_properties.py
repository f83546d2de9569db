"""Properties of optimal plans on generated instances (tests/generators.py, test catalog).

Solved with mip_gap_frac = 0 so optimal values compare up to solver tolerances (REL_TOL): a
relaxed constraint can only help a maximisation, a tighter one can only hurt.
"""

from __future__ import annotations

import pyomo.environ as pyo
import pytest
from generators import EXACT, instances, load_body, solve_body, with_site, with_tiers
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from planner.inputs.derive import build_plan_data
from planner.model import build_model
from planner.results.checks import check_plan
from planner.solver.highs import solve_model

REL_TOL = 1e-6
PROPS = settings(
    max_examples=25, derandomize=True, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow],
)  # fmt: skip


def optimum(body: dict) -> float:
    result = solve_body(body, EXACT)
    assume(result is not None)
    assert result is not None
    assert result.solved.report.status == "optimal", result.solved.report
    return float(result.solved.report.objective_value)


def at_least(better: float, worse: float) -> bool:
    return better >= worse - REL_TOL * max(1.0, abs(worse))


@settings(PROPS, max_examples=40)
@given(body=instances(objectives=("revenue", "profit", "cost_per_token")))
def test_every_reported_plan_passes_the_invariants(body):
    result = solve_body(body)
    assume(result is not None and result.solved.report.status.has_solution)
    assert result is not None
    loaded = result.loaded
    assert check_plan(loaded.instance, loaded.catalog, result.tables) == []


@settings(PROPS)
@given(body=instances(), factor=st.sampled_from([1.25, 2.0, 5.0]))
def test_more_power_never_lowers_the_optimum(body, factor):
    base = optimum(body)
    more = optimum(with_site(body, power_mw=body["site"]["power_mw"] * factor))
    assert at_least(more, base), (base, more)


@settings(PROPS)
@given(body=instances(), factor=st.sampled_from([1.25, 2.0, 5.0]))
def test_more_budget_never_lowers_the_optimum(body, factor):
    budget = body["site"].get("capex_budget_usd", 3e6)
    base = optimum(with_site(body, capex_budget_usd=budget))
    more = optimum(with_site(body, capex_budget_usd=budget * factor))
    unlimited = optimum(with_site(body, capex_budget_usd=None))
    assert at_least(more, base) and at_least(unlimited, more), (base, more, unlimited)


@settings(PROPS)
@given(body=instances(), data=st.data())
def test_a_higher_price_never_lowers_the_optimum(body, data):
    tier = data.draw(st.sampled_from(sorted(body["tiers"])), label="tier")
    raise_usd = data.draw(st.sampled_from([0.01, 1.0, 10.0]), label="raise")
    dearer = {**body["tiers"][tier]}
    dearer["price_usd_per_mtok"] += raise_usd
    base = optimum(body)
    more = optimum({**body, "tiers": {**body["tiers"], tier: dearer}})
    assert at_least(more, base), (base, more)


@settings(PROPS)
@given(body=instances(), factor=st.sampled_from([0.0, 0.1, 0.5, 0.9]))
def test_tighter_demand_never_raises_the_optimum(body, factor):
    assume(any("demand_mtok_per_year" in t for t in body["tiers"].values()))
    tighter = with_tiers(
        body,
        demand_mtok_per_year=lambda t: (
            None if "demand_mtok_per_year" not in t else t["demand_mtok_per_year"] * factor
        ),
    )
    assert at_least(optimum(body), optimum(tighter))


def stage_one(body: dict, relax: bool) -> float:
    """Optimum of the user's objective alone (no least-capex stage), MIP or LP relaxation."""
    loaded = load_body(body)
    assert loaded is not None, "the generator only makes loadable stage-one cases"
    model = build_model(build_plan_data(loaded.instance, loaded.catalog))
    if relax:
        pyo.TransformationFactory("core.relax_integer_vars").apply_to(model)
    report = solve_model(model, EXACT)
    assert report.status == "optimal", report
    return float(report.objective_value)


@settings(PROPS)
@given(body=instances())
def test_lp_relaxation_bounds_the_mip(body):
    assume(load_body(body) is not None)
    mip, lp = stage_one(body, relax=False), stage_one(body, relax=True)
    assert at_least(lp, mip), (lp, mip)


def test_relaxation_really_relaxes(tmp_path):
    """The LP bound is strict on an instance where integrality binds (guards the transform).

    0.15 MW of alpha racks (0.1 MW each, 1,000 tok/s at 10 tok/s/user): the MIP buys 1 rack,
    the LP 1.5, so the LP earns 1.5x: 1,500 tok/s x 31,557,600 s = 47,336.4 Mtok at $1/Mtok
    = $47,336.4 = 0.0473364 $M (the model's objective unit).
    """
    body = {
        "objective": "revenue",
        "site": {"power_mw": 0.15},
        "systems": ["alpha"],
        "tiers": {"t": {"price_usd_per_mtok": 1, "min_tok_s_per_user": 10}},
    }
    assert stage_one(body, relax=True) == pytest.approx(0.0473364)
    assert stage_one(body, relax=True) == pytest.approx(1.5 * stage_one(body, relax=False))
