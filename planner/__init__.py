"""Token Factory Planner: which racks to buy and how to split a site's power across tiers.

The public names below import on first use (PEP 562), so `plan --help`, `plan validate` and
`plan schema` do not pay for pandas and Pyomo.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from planner.load import LoadedInstance, load_instance
    from planner.plan import PlanResult
    from planner.solver import SolveSettings, SolveStatus

_LAZY = {
    "LoadedInstance": "planner.load",
    "load_instance": "planner.load",
    "PlanResult": "planner.plan",
    "SolveSettings": "planner.solver",
    "SolveStatus": "planner.solver",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'planner' has no attribute {name!r}")


def solve(
    instance: str | Path | LoadedInstance, settings: SolveSettings | None = None, **load_kwargs
) -> PlanResult:
    """Load (if given a path) and solve an instance; the result carries DataFrames in `.tables`."""
    from planner.load import LoadedInstance, load_instance
    from planner.plan import solve_loaded

    loaded = (
        instance if isinstance(instance, LoadedInstance) else load_instance(instance, **load_kwargs)
    )
    return solve_loaded(loaded, settings)


__all__ = ["LoadedInstance", "PlanResult", "SolveSettings", "SolveStatus", "load_instance", "solve"]
