"""Each constraint family binds somewhere: dropping it from the built model changes the answer.

For every family, a small instance on the test catalog is solved twice: as built, and with
that family deactivated. If a family were silently inactive (never built, or built empty),
both answers would agree and the test would fail. The family also holds in the reported plan.
"""

from __future__ import annotations

import pytest
from conftest import write_instance

from planner.inputs.derive import build_plan_data
from planner.inputs.load import load_instance
from planner.model import build_model
from planner.solver.highs import SolveSettings
from planner.solver.run import PlanRun
from planner.solver.strategies import solve_plan


def tier(price: float, speed: float = 10, **extra) -> dict:
    return {"price_usd_per_mtok": price, "min_tok_s_per_user": speed, **extra}


CASES = {
    # 1 MW, unlimited demand: without power limits racks are unbounded.
    "power_envelope": {"site": {"power_mw": 1.0}, "systems": ["alpha"], "tiers": {"t": tier(1)}},
    # Without rack balance, units need no racks: budget $2M no longer caps output.
    "rack_balance": {
        "site": {"power_mw": 1.0, "capex_budget_usd": 2e6},
        "systems": ["alpha"],
        "tiers": {"t": tier(1, demand_mtok_per_year=1e6)},
    },
    "capex_budget": {
        "site": {"power_mw": 1.0, "capex_budget_usd": 2e6},
        "systems": ["alpha"],
        "tiers": {"t": tier(1)},
    },
    # Without capacity, tokens sold need no systems: revenue jumps to the demand.
    "tier_capacity": {
        "site": {"power_mw": 0.1},
        "systems": ["alpha"],
        "tiers": {"t": tier(1, demand_mtok_per_year=1e6)},
    },
    "demand_limit": {
        "site": {"power_mw": 1.0},
        "systems": ["alpha"],
        "tiers": {"t": tier(1, demand_mtok_per_year=1e4)},
    },
    # cost_per_token: the slow tier is cheap per token, the forecast tier (100 tok/s/user) is
    # dear; without the must-serve rows the plan would skip the dear forecast.
    "forecast_served": {
        "objective": "cost_per_token",
        "site": {"power_mw": 1.0},
        "systems": ["alpha"],
        "tiers": {"slow": tier(0), "fast": tier(1, 100, demand_mtok_per_year=1e3)},
    },
    "tier_power_share_fixed": {
        "site": {"power_mw": 1.0},
        "systems": ["alpha"],
        "tiers": {"free": tier(0, power_share_frac=0.5), "paid": tier(1)},
    },
    "tier_power_share_min": {
        "site": {"power_mw": 1.0},
        "systems": ["alpha"],
        "tiers": {"free": tier(0, min_power_share_frac=0.3), "paid": tier(1)},
    },
    "tier_power_share_max": {
        "site": {"power_mw": 1.0},
        "systems": ["alpha"],
        "tiers": {"cheap": tier(1), "dear": tier(5, max_power_share_frac=0.2)},
    },
    "supply_limit": {
        "site": {"power_mw": 1.0},
        "systems": ["alpha", "beta"],
        "racks": {"beta": {"max_count": 1}},
        "tiers": {"t": tier(1)},
    },
    # a 0.1 MW site owns one rack; two more can be rented. Without the limit, renting (at far
    # less than the tokens earn) has no end: unbounded.
    "rental_limit": {
        "site": {"power_mw": 0.1},
        "systems": ["alpha"],
        "tiers": {"t": tier(100)},
        "rentals": {"cloud": {"rack": "alpha", "usd_per_gpu_hour": 1, "max_racks": 2}},
    },
    # the tier may use 20% of the site (two owned racks) and three rented racks. Without the
    # split, racks can be counted as rented (leaving the share) while none is paid for: ten
    # owned racks serve it.
    "rental_split": {
        "site": {"power_mw": 1.0},
        "systems": ["alpha"],
        "tiers": {"t": tier(100, max_power_share_frac=0.2)},
        "rentals": {"cloud": {"rack": "alpha", "usd_per_gpu_hour": 1, "max_racks": 3}},
    },
    # free must hold 40% of the site (four racks' power on site); paid sells one rack's output.
    # Renting ($70,128 a year) is cheaper than owning (profit). With the rows: four owned racks for
    # free, one rented for paid. Without them, a second rented rack is booked to paid (which
    # uses one) while free runs on it and counts it as site power: three owned, two rented.
    "rental_use": {
        "objective": "profit",
        "site": {"power_mw": 1.0},
        "systems": ["alpha"],
        "tiers": {
            "free": tier(0, min_power_share_frac=0.4),
            "paid": tier(100, demand_mtok_per_year=31_557.6),
        },
        "rentals": {"cloud": {"rack": "alpha", "usd_per_gpu_hour": 1, "max_racks": 2}},
    },
    # a 0.1 MW site sells one rack's output on an elastic curve (e = -2 around $10 for 1e4
    # Mtok). Without the pieces' link to sales, the pieces fill with no tokens made; without
    # their widths, the top piece (at $20) takes every token.
    "curve_sold": {
        "site": {"power_mw": 0.1},
        "systems": ["alpha"],
        "tiers": {"t": tier(10, demand_mtok_per_year=1e4, demand_curve={"price_elasticity": -2})},
    },
    "curve_piece": {
        "site": {"power_mw": 0.1},
        "systems": ["alpha"],
        "tiers": {"t": tier(10, demand_mtok_per_year=1e4, demand_curve={"price_elasticity": -2})},
    },
    # free must serve 40,000 Mtok (more than a rack makes): two of the five racks serve it.
    "token_floor": {
        "site": {"power_mw": 0.5},
        "systems": ["alpha"],
        "tiers": {"free": tier(0, min_mtok_per_year=4e4), "paid": tier(1)},
    },
    # free must serve a quarter of all tokens.
    "token_share": {
        "site": {"power_mw": 0.4},
        "systems": ["alpha"],
        "tiers": {"free": tier(0, min_token_share_frac=0.25), "paid": tier(1)},
    },
    # 1 MW may be energised in blocks of 0.3 MW: three blocks. Without the limit the blocks
    # (and racks) grow without end.
    "energisation_limit": {
        "site": {"power_mw": 1.0, "energisation": {"block_mw": 0.3}},
        "systems": ["alpha"],
        "tiers": {"t": tier(1)},
    },
}


def outcome(data, drop: str | None) -> tuple[str, float | None]:
    model = build_model(data)
    if drop is not None:
        getattr(model, drop).deactivate()
    solved = solve_plan(PlanRun(data, model, SolveSettings()))
    value = solved.report.objective_value
    return str(solved.report.status), None if value is None else round(value, 9)


def test_every_family_component_has_a_case():
    # a family added without a case here (or, for multi-year families, in
    # tests/test_horizon_families.py) fails: each must show it binds
    from test_horizon_families import CASES as HORIZON_CASES

    from planner.model import FAMILIES

    built = {c for f in FAMILIES for c in f.components}
    assert built <= set(CASES) | set(HORIZON_CASES)


@pytest.mark.parametrize("family", sorted(CASES))
def test_family_binds(tmp_path, family):
    loaded = load_instance(write_instance(tmp_path, CASES[family], name=family))
    data = build_plan_data(loaded.instance, loaded.catalog)
    built = build_model(data)
    assert len(getattr(built, family)) > 0, f"{family} built empty"
    with_family = outcome(data, None)
    without = outcome(data, family)
    assert with_family[0] == "optimal"
    assert with_family != without, f"dropping {family} did not change the answer"
