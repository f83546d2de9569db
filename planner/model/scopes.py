"""Which scenarios a row or a decision of the model speaks for, read from its index sets.

A component indexed by SCENARIOS (or a filtered set ending in a scenario, SCENARIO_SETS) speaks
for that scenario; one indexed by a fleet state
(FLEET_SETS: ..., year, owner) for every scenario using that fleet state; one indexed by
PATHS for every scenario with that purchase history; anything else for all scenarios at once
(the objective, a row across scenarios). The result tables (binding rows per scenario) and the
wait-and-see matrix (which rows and columns to copy per scenario) both read it here.
"""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo

from planner.model.components import FLEET_SETS, SCENARIO_SETS


class Scopes:
    """The scenarios (names, in SCENARIOS order) of a model's components' entries."""

    def __init__(self, m: pyo.ConcreteModel) -> None:
        self.m = m
        self.fleet = m.fleet_users
        self.paths = {p: m.path_users[p] for p in m.PATHS}
        self.fleet_sets = {id(getattr(m, name)) for name in FLEET_SETS}
        self.scenario_sets = {id(getattr(m, name)) for name in SCENARIO_SETS}
        self.rules: dict[int, tuple[str, int]] = {}

    def kind(self, component: Any) -> tuple[str, int]:
        """(scenario, fleet, path or all; position in the flattened index) of a component."""
        found = self.rules.get(id(component))
        if found is not None:
            return found
        found, position = ("all", 0), 0
        for part in component.index_set().subsets() if component.is_indexed() else ():
            if part is self.m.SCENARIOS:
                found = ("scenario", position)
            elif id(part) in self.scenario_sets:
                found = ("scenario", position + part.dimen - 1)
            elif id(part) in self.fleet_sets:
                found = ("fleet", position + part.dimen - 2)
            elif part is self.m.PATHS:
                found = ("path", position)
            else:
                position += part.dimen
                continue
            break
        self.rules[id(component)] = found
        return found

    def of(self, data: Any) -> tuple[str, ...] | None:
        """The scenarios a row or variable speaks for; None: all of them at once."""
        kind, k = self.kind(data.parent_component())
        if kind == "all":
            return None
        index = data.index()
        index = index if isinstance(index, tuple) else (index,)
        if kind == "scenario":
            return (index[k],)
        if kind == "fleet":
            return self.fleet[index[k], index[k + 1]]
        return self.paths[index[k]]
