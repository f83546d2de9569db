"""The one planning model: PlanData -> pyo.ConcreteModel. No file reading, no solver calls.

`build_model` reads like a table of contents: sets, parameters, decisions, expressions, one
call per constraint family from the `FAMILIES` registry, then the objective.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import cast

import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from planner.errors import TimeLimitError
from planner.inputs.data import PlanData
from planner.model.components import (
    FIRST_STAGE,
    STUDY_PARAMS,
    add_expressions,
    add_params,
    add_sets,
    add_variables,
    first_stage_vars,
    variables,
    whole_racks_alive,
)
from planner.model.families import FAMILIES, FLEET_FAMILIES
from planner.model.objectives import add_least_capex_stage, add_objective
from planner.model.reads import DataReads, reuse_key


def build_model(data: PlanData, expired: Callable[[], bool] | None = None) -> pyo.ConcreteModel:
    """Build the planning MILP over years x scenarios (units: MW, $M, Ttok).

    The data are read through a recorder: the model keeps the names it read (`data_reads`) and
    the key of its data over them (`reuse_key`), which `reusable` compares (planner/model/reads.py).
    `expired`: asked between stages (sets, parameters, ..., each constraint family); True stops
    the build with TimeLimitError (exit 5), so a time limit holds while a large model is built.
    """
    reads = DataReads(data)
    m = _build(cast(PlanData, reads), expired or (lambda: False))
    m.data_reads = frozenset(reads.names)
    m.reuse_key = reuse_key(data, m.data_reads)
    return m


def reusable(m: pyo.ConcreteModel, data: PlanData) -> bool:
    """Would building from `data` give `m` up to its mutable parameters' values?"""
    return bool(m.reuse_key == reuse_key(data, m.data_reads))


def _build(data: PlanData, expired: Callable[[], bool]) -> pyo.ConcreteModel:
    # Python's cyclic garbage collector, run over the growing heap of Pyomo objects, took
    # about 60% of the build at scale (bench/horizon_scale.py); the build makes no garbage, so
    # it is paused meanwhile, as Pyomo's own writers do.
    with PauseGC():
        m = pyo.ConcreteModel(name=data.name or "plan")
        stages: list[tuple[str, Callable[[], object]]] = [
            ("sets", lambda: add_sets(m, data)), ("parameters", lambda: add_params(m, data)),
            ("variables", lambda: add_variables(m)), ("expressions", lambda: add_expressions(m, data)),
        ]  # fmt: skip
        stages += [(f.name, partial(f.build, m)) for f in FAMILIES if f.applies(data)]
        for name, stage in stages:
            if expired():
                raise TimeLimitError(
                    f"the time limit ran out while the model was built (before "
                    f"{name}); no plan yet: raise --time-limit"
                )
            stage()
        add_objective(m, data)
        if data.objective == "revenue":
            add_least_capex_stage(m)
    return m


def update_params(m: pyo.ConcreteModel, data: PlanData) -> None:
    """Load a structurally identical PlanData's numbers into the model's mutable parameters."""
    for name in STUDY_PARAMS:
        param, values = getattr(m, name), getattr(data, name)
        if param.is_indexed():
            for key, value in values.items():
                param[key].set_value(value)
        else:
            param.set_value(values)
    m.cost_per_token_lambda.set_value(0.0)
    if data.has_cvar:
        m.cvar_weight_frac.set_value(data.cvar_weight_frac)
    if hasattr(m, "objective_floor_musd"):
        m.objective_floor_musd.set_value(0.0)


__all__ = [
    "FAMILIES", "FIRST_STAGE", "FLEET_FAMILIES", "STUDY_PARAMS", "first_stage_vars", "build_model", "reusable", "update_params",
    "variables", "whole_racks_alive",
]  # fmt: skip
