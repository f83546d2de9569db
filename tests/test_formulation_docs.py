"""Every constraint and objective of a built model is documented in docs/formulation.md."""

from __future__ import annotations

import pyomo.environ as pyo
from conftest import ROOT, write_instance

from planner.data import build_plan_data
from planner.formulation import build_model
from planner.load import load_instance

RICH = {
    "site": {"power_mw": 1.0, "capex_budget_usd": 1e7},
    "systems": ["alpha", "beta"],
    "racks": {"beta": {"max_count": 2}},
    "tiers": {
        "a": {"price_usd_per_mtok": 1, "min_tok_s_per_user": 10, "power_share_frac": 0.2},
        "b": {"price_usd_per_mtok": 2, "min_tok_s_per_user": 50, "min_power_share_frac": 0.1},
        "c": {"price_usd_per_mtok": 3, "min_tok_s_per_user": 90, "max_power_share_frac": 0.5,
              "demand_mtok_per_year": 100},
    },
}  # fmt: skip


def components(objective: str, tmp_path) -> set[str]:
    loaded = load_instance(write_instance(tmp_path, {**RICH, "objective": objective}))
    model = build_model(build_plan_data(loaded.instance, loaded.catalog))
    kinds = (pyo.Constraint, pyo.Objective, pyo.Set, pyo.Var)
    return {c.local_name for kind in kinds for c in model.component_objects(kind)}


def test_every_component_is_documented(tmp_path):
    doc = (ROOT / "docs" / "formulation.md").read_text()
    names = components("revenue", tmp_path) | components("cost_per_token", tmp_path)
    names = {n for n in names if not n.endswith("_index") and "_domain" not in n}
    missing = sorted(n for n in names if f"`{n}" not in doc)
    assert not missing, f"not in docs/formulation.md: {missing}"


def horizon_components(body: dict, tmp_path) -> set[str]:
    from planner.horizon.build import build_horizon_model
    from planner.horizon.data import build_horizon_data

    loaded = load_instance(write_instance(tmp_path, body, name="h"))
    model = build_horizon_model(build_horizon_data(loaded.instance, loaded.catalog, tmp_path))
    kinds = (pyo.Constraint, pyo.Objective, pyo.Set, pyo.Var, pyo.Param, pyo.Expression)
    return {c.local_name for kind in kinds for c in model.component_objects(kind)}


def test_every_horizon_component_is_documented(tmp_path):
    rich = {**RICH, "horizon": {"start_year": 2027, "years": 2,
                                "racks": {"alpha": {"max_deliveries_per_year": 3}}},
            "scenarios": {"a": {"probability": 0.5}, "b": {"probability": 0.5}},
            "stochastic": {"cvar_weight_frac": 0.5}}  # fmt: skip
    names = set()
    for objective in ("revenue", "cost_per_token"):
        names |= horizon_components({**rich, "objective": objective}, tmp_path)
    names = {n for n in names if not n.endswith("_index") and "_domain" not in n}
    doc = (ROOT / "docs" / "formulation.md").read_text()
    section = doc[doc.index("## Horizon and scenarios") :]
    single = doc[: doc.index("## Horizon and scenarios")]
    missing = sorted(n for n in names if f"`{n}" not in section and f"`{n}" not in single)
    assert not missing, f"not in docs/formulation.md: {missing}"
