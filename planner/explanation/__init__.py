"""`plan explain`: why the optimum is what it is, what the next unit of each input is worth,
what would change it, and (for an infeasible instance) which requirements conflict.

Pipeline: solve the MILP (`base`), then marginals from the fixed-racks LP checked by
finite differences (`marginals`), binding requirements (`binding`), entry thresholds for
unused systems (`entry`), near-optimal alternatives (`alternatives`), or elastic slacks when
there is no plan (`elastic`). Tables in user units; `write_explanation` writes CSVs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from planner.explanation.base import solve_baseline
from planner.explanation.compose import Explanation
from planner.inputs.load import LoadedInstance, load_instance
from planner.solver.highs import SolveSettings


def explain(
    instance: str | Path | LoadedInstance,
    near_optimal_frac: float | None = None,
    exclude: tuple[str, ...] | list[str] = (),
    entry: bool = True,
    settings: SolveSettings | None = None,
    **load_kwargs: Any,
) -> Explanation:
    """Solve and explain an instance (a path or a LoadedInstance); see the module docstring."""
    from dataclasses import replace

    from planner.explanation.compose import compose
    from planner.results.run import solve_loaded

    loaded = (
        instance if isinstance(instance, LoadedInstance) else load_instance(instance, **load_kwargs)
    )
    expl = compose(solve_baseline(loaded, settings), near_optimal_frac, tuple(exclude), entry)
    # the plan's own tables as `plan solve` writes them (one purchase order for every command)
    return replace(expl, plan=solve_loaded(loaded, settings, with_values=False))


__all__ = ["Explanation", "explain"]
