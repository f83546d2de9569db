"""The wait-and-see matrix derived from the plan's compiled matrix is the compiled wait-and-see
model (every scenario buying its own racks), row for row, column for column.

A family added without a scenario, fleet-state or path index where it needs one, or a fleet
cost that starts to depend on the scenario, makes the derivation wrong and these tests fail.
"""

from __future__ import annotations

from collections import Counter

import pyomo.environ as pyo
import pytest
from conftest import RICH_FLEET, ROOT, write_instance

import planner
from planner.inputs.data import perfect_information
from planner.inputs.derive import build_plan_data
from planner.inputs.load import load_instance
from planner.model import build_model
from planner.solver.highs import compile_model, linear_vector, triplets
from planner.solver.wait_and_see import wait_and_see

SCENARIOS = {
    "low": {"probability": 0.3, "demand_scale": {"c": 0.5}},
    "mid": {"probability": 0.5},
    "high": {"probability": 0.2, "demand_scale": {"c": 3.0}, "price_scale": {"b": 1.5}},
}
RICH = {
    **RICH_FLEET,
    "tiers": {
        "a": {"price_usd_per_mtok": 1, "min_tok_s_per_user": 10, "min_power_share_frac": 0.1},
        "b": {"price_usd_per_mtok": 2, "min_tok_s_per_user": 50, "max_power_share_frac": 0.6},
        "c": {"price_usd_per_mtok": 3, "min_tok_s_per_user": 90, "demand_mtok_per_year": 100},
    },
    "horizon": {"start_year": 2027, "years": 3, "capex_budget_usd": [1e7, 5e6, 5e6],
                "racks": {"alpha": {"max_deliveries_per_year": 3,
                                    "existing": [{"count": 1, "install_year": 2026}]}}},
    "scenarios": SCENARIOS,
}  # fmt: skip
CASES = {
    "all years shared, profit": RICH,
    "first year shared, CVaR": {
        **RICH, "stochastic": {"nonanticipativity": "first_year", "cvar_weight_frac": 0.5}
    },
    "revenue": {**RICH, "objective": "revenue"},
    "energised in blocks, priced on a curve, with a tokens floor": {
        **RICH, "stochastic": {"nonanticipativity": "first_year"},
        "site": {**RICH["site"], "facility_capex_usd_per_mw": 1e6,
                 "energisation": {"block_mw": 0.3, "lead_time_years": 1}},
        "tiers": {**RICH["tiers"],
                  "c": {**RICH["tiers"]["c"], "demand_curve": {"price_elasticity": -1.5}},
                  "f": {"price_usd_per_mtok": 0, "min_tok_s_per_user": 10,
                        "min_mtok_per_year": 10, "min_token_share_frac": 0.05}},
    },
    "cost per token": {
        **RICH, "objective": "cost_per_token",
        "stochastic": {"nonanticipativity": "first_year"},
    },
}  # fmt: skip


def column_key(m: pyo.ConcreteModel, var, scenario: str | None) -> tuple:
    """A column by name, as the wait-and-see model names it: a shared purchase's copy for a
    scenario has that scenario as its owner."""
    index = var.index()
    index = index if isinstance(index, tuple) else (index,)
    if scenario is not None:
        index = (*index[:-1], scenario)
    return var.parent_component().local_name, index


def canonical(lp, keys: list[tuple]) -> tuple[Counter, dict, dict, dict]:
    """Rows as multisets of (column key, coefficient) with bounds; columns' costs, bounds and
    integrality by key. Coefficients to 12 significant digits (the derivation multiplies a
    summed coefficient by a probability share)."""

    def r(x: float) -> float:
        return float(f"{x:.12g}")

    a = triplets(lp)
    entries: dict[int, list] = {}
    for i, j, v in zip(a.row.tolist(), a.col.tolist(), a.value.tolist(), strict=True):
        entries.setdefault(i, []).append((keys[j], r(v)))
    rows = Counter(
        (tuple(sorted(entries.get(i, []))), r(lp.row_lower_[i]), r(lp.row_upper_[i]))
        for i in range(lp.num_row_)
    )
    cost = {k: r(c) for k, c in zip(keys, lp.col_cost_, strict=True)}
    bounds = {k: (lo, up) for k, lo, up in zip(keys, lp.col_lower_, lp.col_upper_, strict=True)}
    integer = dict(zip(keys, [int(t) for t in lp.integrality_] or [0] * len(keys), strict=True))
    return rows, cost, bounds, integer


def both(tmp_path, body: dict):
    loaded = load_instance(write_instance(tmp_path, body))
    data = build_plan_data(loaded.instance, loaded.catalog, tmp_path)
    rp_model, ws_model = build_model(data), build_model(perfect_information(data))
    rp, ws = compile_model(rp_model), compile_model(ws_model)
    return data, rp_model, rp, ws_model, ws


@pytest.mark.parametrize("case", CASES)
def test_derived_matrix_is_the_compiled_wait_and_see_model(tmp_path, case):
    data, rp_model, rp, ws_model, ws = both(tmp_path, CASES[case])
    derived = wait_and_see(rp_model, rp)
    names = list(rp_model.SCENARIOS)
    derived_keys = [
        column_key(rp_model, var, None if t is None else names[t]) for var, t in derived.keys
    ]
    ws_keys = [column_key(ws_model, var, None) for var in ws.columns]
    assert sorted(derived_keys) == sorted(ws_keys)
    assert rp.lp.num_col_ < ws.lp.num_col_  # purchases really were shared in the plan
    assert canonical(derived.compiled.lp, derived_keys) == canonical(ws.lp, ws_keys)
    assert derived.compiled.lp.offset_ == pytest.approx(ws.lp.offset_, rel=1e-12)
    if data.objective == "cost_per_token":  # Dinkelbach's two vectors split the same way
        for expr in ("pv_cost_musd", "pv_tokens_ttok"):
            vec_rp, _ = linear_vector(rp, sum(
                rp_model.probability[s] * getattr(rp_model, expr)[s] for s in names))  # fmt: skip
            vec_ws, _ = linear_vector(ws, sum(
                ws_model.probability[s] * getattr(ws_model, expr)[s] for s in names))  # fmt: skip
            got = dict(zip(derived_keys, derived.objective(vec_rp), strict=True))
            want = dict(zip(ws_keys, vec_ws, strict=True))
            assert got == pytest.approx(want, rel=1e-12, abs=1e-15)


def test_a_row_using_a_fleet_state_its_scenario_does_not_share_is_refused(tmp_path):
    # the model's rows of scenario "high" use the 2027 fleet that every scenario shares; told
    # that only low and mid use it (as a family indexed by the wrong owner would leave it),
    # the derivation finds high's rows on a fleet it does not share, and refuses rather than
    # solving a wrong wait-and-see problem
    _, rp_model, rp, _, _ = both(tmp_path, RICH)
    rp_model.fleet_users = {**rp_model.fleet_users, (2027, "low"): ("low", "mid")}
    with pytest.raises(ValueError, match="does not share"):
        wait_and_see(rp_model, rp)


def test_wait_and_see_on_the_shipped_scenario_instance_matches_its_own_model():
    # the value the run reports (from the derived matrix) equals the wait-and-see model's own
    # optimum, solved the old way (a second model built and solved)
    from planner.solver.highs import SolveSettings
    from planner.solver.run import PlanRun
    from planner.solver.stochastic import objective_of
    from planner.solver.strategies import solve_plan

    result = planner.solve(ROOT / "instances" / "1gw-uncertain.yaml")
    ws_data = perfect_information(result.data)
    ws_model = build_model(ws_data)
    solved = solve_plan(PlanRun(ws_data, ws_model, SolveSettings()))
    assert result.values.wait_and_see == pytest.approx(
        objective_of(ws_model, ws_data, solved), rel=1e-4
    )
    assert result.values.evpi > 0
