"""Every constraint family binds on some GENERATED instance, not only on hand-built ones.

tests/test_constraint_families.py drops each family on a case written to make it bind. Here a
fixed-seed stream of random instances (tests/generators.py: shares, forecasts, budgets, supply
limits and all three objectives) is solved with and without each family the built model
contains; every family must change the answer (status or objective) on at least one of them.
A family that is built but never matters (the "inactive GPU budget" failure) fails this test,
and a new family added to the formulation is picked up without editing this file.
"""

from __future__ import annotations

import random

import pyomo.environ as pyo
from generators import EXACT, load_body, random_instance
from test_constraint_families import CASES

from planner.inputs.derive import build_plan_data
from planner.model import build_model
from planner.solver.run import PlanRun
from planner.solver.strategies import solve_plan

SEED = 20261123
MAX_INSTANCES = 80
STAGE_ROWS = {"objective_floor"}  # the least-capex stage's own row, switched on by the strategy


def outcome(data, drop: str | None) -> tuple[str, float | None]:
    model = build_model(data)
    if drop is not None:
        getattr(model, drop).deactivate()
    report = solve_plan(PlanRun(data, model, EXACT)).report
    value = report.objective_value
    return str(report.status), None if value is None else round(value, 7)


def families(model: pyo.ConcreteModel) -> set[str]:
    """Constraint families with at least one row in this model."""
    return {
        c.local_name
        for c in model.component_objects(pyo.Constraint)
        if len(c) > 0 and c.local_name not in STAGE_ROWS
    }


def test_every_family_binds_on_a_generated_instance():
    rng = random.Random(SEED)
    built: set[str] = set()
    binding: dict[str, dict] = {}
    for _ in range(MAX_INSTANCES):
        body = random_instance(rng)
        loaded = load_body(body)
        if loaded is None:
            continue
        data = build_plan_data(loaded.instance, loaded.catalog)
        present = families(build_model(data))
        built |= present
        todo = present - set(binding)
        if not todo:
            continue
        base = outcome(data, None)
        for family in sorted(todo):
            if outcome(data, family) != base:
                binding[family] = body
        if built >= set(CASES) and set(binding) == built:
            break
    assert built >= set(CASES), f"generator never builds {sorted(set(CASES) - built)}"
    silent = sorted(built - set(binding))
    assert not silent, f"never changed the answer when dropped: {silent}"
