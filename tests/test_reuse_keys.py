"""A sweep reuses a built model only when a fresh build would give the same model, and a resumed
sweep re-solves its cases when a file the instance reads has changed.

The reuse key is derived from what `build_model` read (planner/model/reads.py); these tests
compare reused against fresh builds case by case, over generated instances and cases that
change rentals, fleets, forecasts, shares, speeds, objectives and every mutable parameter.
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

import pyomo.environ as pyo
import pytest
from conftest import ROOT, write_instance

import planner
from planner.inputs.load import load_instance
from planner.model import build_model, reusable, update_params
from planner.solver.highs import SolveSettings
from planner.studies.knobs import case_data
from planner.studies.runner import BaseSpec, CaseRunner

EXACT = SolveSettings(mip_gap_frac=0.0)
RENTAL_SITE = {
    "site": {"power_mw": 0.1},
    "systems": ["alpha"],
    "objective": "profit",
    "tiers": {"t": {"price_usd_per_mtok": 10.0, "min_tok_s_per_user": 10}},
    "rentals": {"cloud": {"rack": "alpha", "usd_per_gpu_hour": 2.0, "max_racks": 2}},
}
"""One alpha rack fits; a rented alpha rack makes 1,000 tok/s = 31,557.6 Mtok a year, $315,576
at $10, for 8 GPUs x $2 x 8,766 h = $140,256: each rental earns $175,320, so without a limit
the plan is unbounded."""


def test_a_rental_losing_its_limit_is_not_the_model_with_the_limit(tmp_path):
    spec = replace(BaseSpec(str(write_instance(tmp_path, RENTAL_SITE))), settings=EXACT)
    runner = CaseRunner(spec)
    limited = runner.run({"rentals.cloud.max_racks": 2})
    unlimited = runner.run({"rentals.cloud.max_racks": None})
    assert limited["status"] == "optimal"
    assert unlimited["status"] == "unbounded"
    assert runner.builds == 2
    back = runner.run({"rentals.cloud.max_racks": 3})  # the first model again, 1 more rental
    assert runner.builds == 2
    gain = back["summary"]["objective_value"] - limited["summary"]["objective_value"]
    assert gain == pytest.approx(175_320, rel=1e-9)


def test_the_key_is_of_what_the_build_read(tmp_path):
    loaded = load_instance(write_instance(tmp_path, RENTAL_SITE))
    raw = loaded.instance.model_dump()
    _, data = case_data(loaded, raw, {})
    m = build_model(data)
    assert {"rentals", "rental_max_racks", "racks", "objective"} <= m.data_reads
    assert "unservable" not in m.data_reads and "routes" not in m.data_reads  # words only
    _, cheaper = case_data(loaded, raw, {"rentals.cloud.usd_per_gpu_hour": 1.0})
    _, unlimited = case_data(loaded, raw, {"rentals.cloud.max_racks": None})
    _, renamed = case_data(loaded, raw, {"rentals": {"other": raw["rentals"]["cloud"]}})
    assert reusable(m, cheaper)  # a mutable parameter's value
    assert not reusable(m, unlimited)  # LIMITED_RENTALS loses its member
    assert not reusable(m, renamed)  # RENTALS changes


# -- generated instances and cases -------------------------------------------------------------

KNOBS: list[tuple[str, list[Any]]] = [
    ("site.power_mw", [0.3, 1.0, 2.5]),
    ("site.pue", [1.0, 1.2]),
    ("site.capex_budget_usd", [None, 2e6, 5e6, 1.3e7]),
    ("site.electricity_usd_per_mwh", [0, 70]),
    ("tiers.t0.price_usd_per_mtok", [0, 1, 5, 20]),
    ("tiers.t0.demand_mtok_per_year", [None, 300, 3e4]),
    ("tiers.t0.min_tok_s_per_user", [10, 50, 200]),
    ("tiers.t0.max_power_share_frac", [None, 0.3, 0.6]),
    ("tiers.t0.min_power_share_frac", [None, 0.1]),
    ("objective", ["revenue", "profit", "cost_per_token"]),
    ("racks.alpha.max_count", [None, 0, 2, 5]),
    ("rentals.cloud.max_racks", [None, 1, 3]),
    ("rentals.cloud.usd_per_gpu_hour", [0.5, 2.0, 5.0]),
    ("systems.alpha.derate", [0.5, 1.0]),
]
"""Every kind of input a study changes: mutable parameters, and structural fields (a forecast or
a share appearing, a speed that changes who serves, the objective, a supply or rental limit
appearing or going)."""


def _body(rng: random.Random) -> dict[str, Any]:
    tiers = {}
    for index in range(rng.randint(1, 2)):
        tiers[f"t{index}"] = {"price_usd_per_mtok": rng.choice([1, 5, 20]),
                              "min_tok_s_per_user": rng.choice([10, 50, 200]),
                              "demand_mtok_per_year": rng.choice([300, 3e4, 3e5])}  # fmt: skip
    body: dict[str, Any] = {
        "objective": rng.choice(["revenue", "profit"]),
        "site": {"power_mw": rng.choice([0.3, 1.0]), "capex_budget_usd": 1.3e7},
        "systems": ["alpha", "beta-gamma"] if rng.random() < 0.5 else ["alpha", "beta"],
        "tiers": tiers,
        "rentals": {"cloud": {"rack": "alpha", "usd_per_gpu_hour": 2.0, "max_racks": 2}},
    }
    if rng.random() < 0.5:  # a plan over years with an installed fleet
        body["horizon"] = {"start_year": 2027, "years": 2,
                           "racks": {"alpha": {"existing": [{"count": rng.randint(0, 3),
                                                             "install_year": 2026}]}}}  # fmt: skip
    return body


def _cases(rng: random.Random, count: int) -> list[dict[str, Any]]:
    cases = []
    for _ in range(count):
        chosen = rng.sample(KNOBS, rng.randint(1, 4))
        cases.append({path: rng.choice(values) for path, values in chosen})
    return cases


def _outcome(row: dict[str, Any]) -> tuple[str, float | None]:
    value = row["summary"].get("objective_value")
    return row["status"], None if value is None else round(value, 3)


@pytest.mark.parametrize("seed", range(25))
def test_reused_models_answer_as_fresh_builds(tmp_path, seed):
    # 25 instances x 8 cases = 200 generated cases, each solved on a reused model (when the
    # derived key allows) and on a fresh build; status and objective must agree case by case.
    rng = random.Random(seed)
    spec = replace(BaseSpec(str(write_instance(tmp_path, _body(rng)))), settings=EXACT)
    cases = _cases(rng, 8)
    reused_runner, fresh_runner = CaseRunner(spec), CaseRunner(replace(spec, reuse_model=False))
    for case in cases:
        reused, fresh = reused_runner.run(case), fresh_runner.run(case)
        assert reused["status"] == fresh["status"], (case, reused["message"], fresh["message"])
        if fresh["status"] in ("optimal", "feasible"):
            expected = fresh["summary"]["objective_value"]
            got = reused["summary"]["objective_value"]
            assert got == pytest.approx(expected, rel=1e-7, abs=1e-6), case


def test_generated_cases_do_reuse_models(tmp_path):
    # the key is not so strict that nothing is reused: price and power cases share a model
    rng = random.Random(7)
    spec = replace(BaseSpec(str(write_instance(tmp_path, _body(rng)))), settings=EXACT)
    runner = CaseRunner(spec)
    for price in (1, 2, 3):
        for power in (0.3, 1.0):
            runner.run({"tiers.t0.price_usd_per_mtok": price, "site.power_mw": power})
    assert runner.builds == 1


def test_reused_expressions_equal_a_fresh_builds(tmp_path):
    # A reused model given new numbers must value every expression as a fresh build does, for
    # the same decisions; a number read at build time from a mutable parameter would stay at
    # the first case's value (the opex a brownfield site pays on the MW energised before the
    # plan did: only a cost-per-token objective's choices showed it, the reports recompute).
    body = {**RENTAL_SITE,
            "site": {"power_mw": 1.0, "facility_capex_usd_per_mw": 1e6,
                     "facility_opex_usd_per_mw_year": 1e5, "electricity_usd_per_mwh": 50,
                     "energisation": {"block_mw": 0.5, "energised_mw": 0.5}},
            "horizon": {"start_year": 2027, "years": 2}}  # fmt: skip
    loaded = load_instance(write_instance(tmp_path, body))
    raw = loaded.instance.model_dump()
    _, first = case_data(loaded, raw, {})
    _, moved = case_data(loaded, raw, {"site.facility_opex_usd_per_mw_year": 7e5,
                                       "site.facility_capex_usd_per_mw": 3e6,
                                       "site.electricity_usd_per_mwh": 90,
                                       "tiers.t.price_usd_per_mtok": 4.0})  # fmt: skip
    reused, fresh = build_model(first), build_model(moved)
    assert reusable(reused, moved)
    update_params(reused, moved)
    for model in (reused, fresh):  # the same decisions in both: 1 of every variable
        for var in model.component_data_objects(pyo.Var):
            var.set_value(1, skip_validation=True)
    compared = 0
    for expr in fresh.component_objects(pyo.Expression):
        for key, fresh_part in expr.items():
            reused_part = getattr(reused, expr.local_name)[key]
            assert pyo.value(reused_part) == pytest.approx(pyo.value(fresh_part)), (expr.name, key)
            compared += 1
    assert compared > 20 and hasattr(fresh, "building_cost_musd")


# -- resumed sweeps ------------------------------------------------------------------------------


def test_resume_resolves_after_the_fleet_file_changes(tmp_path):
    # 0.1 MW, one alpha rack fits: an installed rack in racks.csv fills the site, so the plan
    # buys nothing; with the file emptied, the plan buys the rack itself.
    (tmp_path / "racks.csv").write_text("rack,count\nalpha,1\n")
    body = {"site": {"power_mw": 0.1}, "systems": ["alpha"], "objective": "profit",
            "tiers": {"t": {"price_usd_per_mtok": 10.0, "min_tok_s_per_user": 10}},
            "horizon": {"start_year": 2027, "years": 2, "existing_racks_csv": "racks.csv"}}  # fmt: skip
    path = write_instance(tmp_path, body)
    vary = {"tiers.t.price_usd_per_mtok": [20, 30]}
    out = tmp_path / "out"
    first = planner.sweep(path, vary=vary, out=out)
    again = planner.sweep(path, vary=vary, out=out)
    assert again.attrs["resumed_cases"] == 2
    (tmp_path / "racks.csv").write_text("rack,count\nalpha,0\n")
    changed = planner.sweep(path, vary=vary, out=out)
    assert changed.attrs["resumed_cases"] == 0
    assert (changed["capex_usd"] > first["capex_usd"]).all()


def test_routes_live_on_their_catalog():
    # routes were remembered in a module-level table keyed by id(catalog); they now live on
    # the (frozen) catalog they were worked out from, and a copy with other content starts
    # afresh: without performance data a recipe has no route, whatever the original said
    from planner.inputs.derive import workload
    from planner.inputs.serving import NoRoute, Route, route

    loaded = planner.load_instance(ROOT / "instances" / "1gw.yaml")
    w = workload(loaded.instance, "premium")
    first = route(loaded.catalog, "vr-nvl72-lpx", w)
    assert isinstance(first, Route) and route(loaded.catalog, "vr-nvl72-lpx", w) is first
    bare = loaded.catalog.model_copy(update={"performance": {}})
    assert not bare.routes()
    assert isinstance(route(bare, "vr-nvl72-lpx", w), NoRoute)
    assert route(loaded.catalog, "vr-nvl72-lpx", w) is first


def test_a_price_on_a_demand_curve_keeps_the_sweeps_model():
    # the build read `curves` whole (each curve's prices and volumes), so on 1gw.yaml's market
    # every price case rebuilt the model (reuse saved nothing: bench/sweep_speed.py, 1.01x);
    # the structure takes only the curves' keys (PlanData.curve_keys), the prices reach the
    # model as mutable parameters, and three price cases share one model with the answers of
    # fresh builds
    spec = replace(BaseSpec(str(ROOT / "instances" / "1gw.yaml")), settings=EXACT)
    cases = [{"tiers.high.price_usd_per_mtok": p, "tiers.premium.price_usd_per_mtok": 2 * p}
             for p in (6.0, 10.0, 14.0)]  # fmt: skip
    reused, fresh = CaseRunner(spec), CaseRunner(replace(spec, reuse_model=False))
    for case in cases:
        a, b = reused.run(case), fresh.run(case)
        assert a["status"] == b["status"] == "optimal"
        assert a["summary"]["objective_value"] == pytest.approx(
            b["summary"]["objective_value"], rel=1e-9
        )
    assert reused.builds == 1 and fresh.builds == 3
    assert "curves" not in reused.kept[-1].model.data_reads


def test_the_variable_list_lives_on_its_model(tmp_path):
    """`variables(m)` is cached on the model itself, not in module state keyed by identity: a
    clone lists its own variables (a module cache keyed by the original would hand the clone the
    original's, and fixing one would then change the other), and a new variable component is
    listed at once."""
    from planner.model.components import variables

    loaded = load_instance(write_instance(tmp_path, RENTAL_SITE))
    _, data = case_data(loaded, loaded.instance.model_dump(), {})
    m = build_model(data)
    listed = variables(m)
    assert listed is variables(m)  # cached
    twin = m.clone()
    assert all(v.model() is twin for v in variables(twin))
    assert len(variables(twin)) == len(listed)
    twin.extra = pyo.Var()
    assert len(variables(twin)) == len(listed) + 1
    assert len(variables(m)) == len(listed)


def test_rental_parity_cases_reuse_only_what_they_may():
    # Rental parity moves each curve's ends with the lease prices; under the curve's floor a
    # curve becomes one point, so the pieces (the model's structure) change. Reused models must
    # give the fresh builds' answers: parity binding above the floor, below it, and off.
    spec = replace(BaseSpec(str(ROOT / "instances" / "1gw.yaml")), settings=EXACT)
    cases = [{"lease_out.usd_per_gpu_hour.vr-nvl72": v, "lease_out.entrant_margin_frac": m}
             for v, m in ((7.0, 0.7), (0.5, 0.7), (7.0, None))]  # fmt: skip
    runner = CaseRunner(spec)
    reused = [runner.run(c)["summary"]["objective_value"] for c in cases]
    fresh = [CaseRunner(replace(spec, reuse_model=False)).run(c)["summary"]["objective_value"]
             for c in cases]  # fmt: skip
    assert reused == pytest.approx(fresh, rel=1e-9)
    assert len(set(round(v) for v in fresh)) == 3  # the cases differ
