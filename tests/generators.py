"""Generated valid instances on the test catalog (tests/data/catalog), for property tests.

`instances()` is a hypothesis strategy of instance bodies (the dict `write_instance` takes);
`random_instance(rng)` draws the same shape from a seeded `random.Random` for loops that must
see a fixed, reproducible list. Sizes stay small (at most a few dozen racks) so each solve
takes milliseconds.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path
from typing import Any

from conftest import write_instance
from hypothesis import strategies as st

import planner
from planner.errors import InstanceError
from planner.results.run import PlanResult
from planner.solver.highs import SolveSettings

SYSTEMS = ["alpha", "beta", "beta-gamma"]
SPEEDS = [10, 30, 50, 100, 150, 200, 500, 1000]
EXACT = SolveSettings(mip_gap_frac=0.0)


@st.composite
def tiers(draw: st.DrawFn, shares: bool) -> dict[str, Any]:
    count = draw(st.integers(1, 3))
    out = {}
    for index in range(count):
        tier: dict[str, Any] = {
            "price_usd_per_mtok": draw(st.sampled_from([0, 0.5, 1, 2, 3, 7, 20])),
            "min_tok_s_per_user": draw(st.sampled_from(SPEEDS)),
        }
        if draw(st.booleans()):
            tier["demand_mtok_per_year"] = draw(st.sampled_from([10, 300, 3e3, 3e4, 3e5]))
        if shares and draw(st.integers(0, 3)) == 0:
            tier["max_power_share_frac"] = draw(st.sampled_from([0.2, 0.5, 0.8]))
        out[f"t{index}"] = tier
    return out


@st.composite
def instances(
    draw: st.DrawFn, objectives: tuple[str, ...] = ("revenue", "profit"), shares: bool = True
) -> dict[str, Any]:
    """Instance bodies (valid schema; cross-checks decided at load, see `solve_body`)."""
    body: dict[str, Any] = {
        "objective": draw(st.sampled_from(objectives)),
        "site": {
            "power_mw": draw(st.sampled_from([0.25, 0.5, 1.0, 1.7, 3.0])),
            "pue": draw(st.sampled_from([1.0, 1.1, 1.3])),
        },
        "systems": draw(st.lists(st.sampled_from(SYSTEMS), min_size=1, max_size=3, unique=True)),
        "tiers": draw(tiers(shares)),
    }
    if draw(st.booleans()):
        body["site"]["capex_budget_usd"] = draw(st.sampled_from([2e6, 5e6, 1.3e7, 4e7]))
    if draw(st.integers(0, 3)) == 0:
        body["racks"] = {
            draw(st.sampled_from(["alpha", "beta"])): {"max_count": draw(st.integers(0, 4))}
        }
    return body


def random_instance(rng: random.Random) -> dict[str, Any]:
    """One instance with every feature likely: shares, forecasts, budgets, supply, rentals,
    objectives."""
    tiers_body = {}
    for index in range(rng.randint(1, 3)):
        tier: dict[str, Any] = {
            "price_usd_per_mtok": rng.choice([0, 1, 2, 5, 20]),
            "min_tok_s_per_user": rng.choice(SPEEDS),
        }
        if rng.random() < 0.6:
            tier["demand_mtok_per_year"] = rng.choice([10, 300, 3e3, 3e4, 3e5])
        share = rng.random()
        if share < 0.15:
            tier["power_share_frac"] = rng.choice([0.1, 0.3])
        elif share < 0.3:
            tier["min_power_share_frac"] = rng.choice([0.1, 0.3])
        elif share < 0.45:
            tier["max_power_share_frac"] = rng.choice([0.1, 0.3, 0.6])
        tiers_body[f"t{index}"] = tier
    body: dict[str, Any] = {
        "objective": rng.choice(["revenue", "profit", "cost_per_token"]),
        "site": {"power_mw": rng.choice([0.3, 1.0, 2.5]), "pue": rng.choice([1.0, 1.2])},
        "systems": rng.sample(SYSTEMS, rng.randint(1, 3)),
        "tiers": tiers_body,
    }
    if rng.random() < 0.5:
        body["site"]["capex_budget_usd"] = rng.choice([2e6, 5e6, 1.3e7])
    if rng.random() < 0.4:
        body["racks"] = {rng.choice(["alpha", "beta", "gamma"]): {"max_count": rng.randint(0, 4)}}
    if rng.random() < 0.35:  # drawn last: the draws above stay those of earlier instances
        body["rentals"] = {"cloud": {"rack": rng.choice(["alpha", "beta", "gamma"]),
                                     "usd_per_gpu_hour": rng.choice([0.5, 2.0, 5.0]),
                                     "max_racks": rng.choice([1, 3])}}  # fmt: skip
    _market(rng, body)
    return body


def _market(rng: random.Random, body: dict[str, Any]) -> None:
    """Demand curves, tokens floors and energisation, drawn after everything else."""
    tiers_body = body["tiers"]
    priced = [t for t in tiers_body.values()
              if t["price_usd_per_mtok"] > 0 and t.get("demand_mtok_per_year")]  # fmt: skip
    if priced and rng.random() < 0.4:
        if rng.random() < 0.5:
            curve: dict[str, Any] = {"price_elasticity": rng.choice([-0.7, -1.5, -2.5])}
        else:
            base = priced[0]
            curve = {"ladder": [{"price_usd_per_mtok": base["price_usd_per_mtok"] * f,
                                 "demand_mtok_per_year": base["demand_mtok_per_year"] * v}
                                for f, v in ((2.0, 0.3), (1.0, 1.0), (0.5, 2.5))]}  # fmt: skip
        priced[0]["demand_curve"] = curve
    if rng.random() < 0.3:
        free: dict[str, Any] = {"price_usd_per_mtok": 0, "min_tok_s_per_user": 10}
        if rng.random() < 0.5:
            free["min_mtok_per_year"] = rng.choice([3e3, 3e4, 1e5])
        else:
            free["min_token_share_frac"] = rng.choice([0.1, 0.3])
        tiers_body["free"] = free
    if rng.random() < 0.25:
        body["lease_out"] = {
            "usd_per_gpu_hour": {rng.choice(["alpha", "beta"]): rng.choice([3.0, 6.0])}
        }
    if rng.random() < 0.25:
        body["site"]["energisation"] = {"block_mw": rng.choice([0.2, 0.3])}
        body["site"]["facility_capex_usd_per_mw"] = rng.choice([1e6, 1e7])


def load_body(body: dict[str, Any]) -> planner.LoadedInstance | None:
    """The loaded instance, or None when the body breaks a cross-check (e.g. unservable floor)."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            return planner.load_instance(write_instance(Path(tmp), body))
        except InstanceError:
            return None


def solve_body(body: dict[str, Any], settings: SolveSettings = EXACT) -> PlanResult | None:
    loaded = load_body(body)
    return None if loaded is None else planner.solve(loaded, settings)


def with_site(body: dict[str, Any], **site: Any) -> dict[str, Any]:
    return {**body, "site": {**body["site"], **site}}


def with_tiers(body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """Every tier's fields updated by `changes` (callables get the tier and return the value)."""
    out = {}
    for name, tier in body["tiers"].items():
        new = dict(tier)
        for key, value in changes.items():
            new[key] = value(tier) if callable(value) else value
        out[name] = {k: v for k, v in new.items() if v is not None}
    return {**body, "tiers": out}
