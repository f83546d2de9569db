"""Case inputs -> validated instance + PlanData, the `derate` knob, and in-place model updates.

`systems.<system>.derate=0.7` multiplies a system's throughput curve by 0.7 (measured curves
are often 30% off). It is applied at the data step, after `build_plan_data`: the throughput
parameters scale, the set of servable (system, tier) pairs does not change (a curve's reach in
tok/s per user is a speed, which a derate does not touch).
"""

from __future__ import annotations

import copy
import math
from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from planner.errors import InstanceError
from planner.inputs.data import PlanData
from planner.inputs.derive import build_plan_data
from planner.inputs.instance import Instance
from planner.inputs.load import LoadedInstance, cross_check
from planner.inputs.yamlio import apply_knob, format_validation_error
from planner.studies.cases import Case

DERATE_MAX = 10.0


def split_knobs(case: Case, systems: list[str]) -> tuple[dict[str, float], dict[str, Any]]:
    """Separate `systems.<system>.derate` knobs (validated) from plain instance overrides."""
    derate: dict[str, float] = {}
    plain: dict[str, Any] = {}
    for path, value in case.items():
        keys = path.split(".")
        if len(keys) != 3 or keys[0] != "systems" or keys[2] != "derate":
            plain[path] = value
            continue
        if keys[1] not in systems:
            raise InstanceError(
                f"{path}: unknown system '{keys[1]}' (allowed: {', '.join(systems)})"
            )
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise InstanceError(f"{path}: derate must be a number (got {value!r})")
        if not (0 < value <= DERATE_MAX) or math.isnan(value):
            raise InstanceError(f"{path}: derate must be > 0 and <= {DERATE_MAX:g} (got {value!r})")
        derate[keys[1]] = float(value)
    return derate, plain


def apply_derate(data: PlanData, derate: dict[str, float]) -> PlanData:
    """Scale each derated system's throughput (tok/s and Ttok/yr) by its factor."""
    if not derate:
        return data
    return replace(
        data,
        tok_s={k: v * derate.get(k[0], 1.0) for k, v in data.tok_s.items()},
        throughput_ttok_per_year={
            k: v * derate.get(k[0], 1.0) for k, v in data.throughput_ttok_per_year.items()
        },
    )


def case_instance(base: LoadedInstance, raw: dict[str, Any], plain: dict[str, Any]) -> Instance:
    """Apply a case's overrides to the base instance's raw YAML, re-validate and cross-check."""
    data = copy.deepcopy(raw)
    for path, value in plain.items():
        apply_knob(data, path, value, "--vary")
    source = f"{base.path} (case {', '.join(f'{k}={v}' for k, v in plain.items())})"
    try:
        inst = Instance.model_validate(data)
    except ValidationError as exc:
        raise InstanceError(format_validation_error(exc, source, Instance)) from None
    cross_check(inst, base.catalog, source)
    return inst


def case_data(base: LoadedInstance, raw: dict[str, Any], case: Case) -> tuple[Instance, PlanData]:
    """The case's instance and plan data (derate applied). Raises InstanceError if invalid."""
    systems = list(base.instance.systems or sorted(base.catalog.systems))
    derate, plain = split_knobs(case, sorted(base.catalog.systems))
    inst = case_instance(base, raw, plain)
    allowed = inst.systems or systems
    for system in derate:
        if system not in allowed:
            raise InstanceError(f"systems.{system}.derate: {system} is not allowed by the instance")
    return inst, apply_derate(build_plan_data(inst, base.catalog, base.path.parent), derate)
