"""`plan explain`: why the optimum is what it is, what the next unit of each input is worth,
what would change it, and (for an infeasible instance) which requirements conflict.

Pipeline: solve the MILP (`base`), then marginals from the fixed-racks LP checked by
finite differences (`marginals`), binding requirements (`binding`), entry thresholds for
unused systems (`entry`), near-optimal alternatives (`alternatives`), the plan without each
data basis it rests on (`bases`), or elastic slacks when there is no plan (`elastic`). Tables in user units; `write_explanation` writes CSVs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from planner.explanation.base import solve_baseline
from planner.explanation.compose import Explanation
from planner.inputs.load import LoadedInstance, load_instance
from planner.results.progress import SILENT, Progress
from planner.solver.highs import SolveSettings


def explain(
    instance: str | Path | LoadedInstance,
    near_optimal_frac: float | None = None,
    exclude: tuple[str, ...] | list[str] = (),
    entry: bool = True,
    settings: SolveSettings | None = None,
    bases: bool = True,
    progress: Progress | None = None,
    **load_kwargs: Any,
) -> Explanation:
    """Solve and explain an instance (a path or a LoadedInstance); see the module docstring.
    `bases`: also solve without each data basis the plan rests on (explanation/bases.py);
    `progress` says every few seconds which step is under way."""
    from dataclasses import replace

    import pandas as pd

    from planner.explanation.alternatives import alternatives_frame
    from planner.explanation.bases import without_basis_rows
    from planner.explanation.compose import compose
    from planner.results.run import solve_loaded

    loaded = (
        instance if isinstance(instance, LoadedInstance) else load_instance(instance, **load_kwargs)
    )
    progress = progress or SILENT
    with progress.stage("solving the plan to the explanations' gap"):
        base = solve_baseline(loaded, settings)
    with progress.stage("marginal values, requirements, entry thresholds and alternatives"):
        expl = compose(base, near_optimal_frac, tuple(exclude), entry)
    # the plan's own tables as `plan solve` writes them (one purchase order for every command)
    with progress.stage("the plan as plan solve writes it"):
        plan = solve_loaded(loaded, settings, with_values=False)
    expl = replace(expl, plan=plan)
    if not (bases and plan.solved.report.status.has_solution):
        return expl
    with progress.stage("solving again without each data basis"):
        rows = without_basis_rows(loaded, plan, settings)
    if not rows:
        return expl
    table = alternatives_frame(rows)
    both = table if expl.alternatives.empty else pd.concat([expl.alternatives, table])
    lines = [*expl.lines, *(("basis", r["alternative"], r["words"]) for r in rows)]
    return replace(expl, alternatives=both.reset_index(drop=True), lines=lines)


__all__ = ["Explanation", "explain"]
