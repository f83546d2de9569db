"""Token Factory Planner: which racks to buy and how to split a site's power across tiers.

The public names below import on first use (PEP 562), so `plan --help`, `plan validate` and
`plan schema` do not pay for pandas and Pyomo.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.version import __version__ as __version__

if TYPE_CHECKING:
    from planner.inputs.load import LoadedInstance, load_instance
    from planner.results.run import PlanResult
    from planner.solver.highs import SolveSettings, SolveStatus

_LAZY = {
    "LoadedInstance": "planner.inputs.load",
    "load_instance": "planner.inputs.load",
    "PlanResult": "planner.results.run",
    "SolveSettings": "planner.solver.highs",
    "SolveStatus": "planner.solver.highs",
}


@dataclass(frozen=True)
class Validation:
    """What `planner.validate` found: the loaded instance, notes and warnings."""

    loaded: LoadedInstance
    notes: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def valid(self) -> bool:
        """Always True: an invalid instance raises InstanceError instead."""
        return True


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'planner' has no attribute {name!r}")


Overrides = Mapping[str, Any] | Sequence[str] | None
"""{"site.power_mw": 500, "tiers.ultra.demand_mtok_per_year": None} (typed values), or the
CLI's ["site.power_mw=500"] strings."""


def _load(
    instance: str | Path | LoadedInstance, overrides: Overrides = None, **load_kwargs: Any
) -> LoadedInstance:
    from planner.inputs.load import LoadedInstance, load_instance

    if isinstance(instance, LoadedInstance):
        if overrides:
            raise TypeError("overrides apply to an instance file; load it again with them")
        return instance
    from planner.inputs.yamlio import override_strings

    return load_instance(instance, override_strings(overrides), **load_kwargs)


def solve(
    instance: str | Path | LoadedInstance,
    settings: SolveSettings | None = None,
    overrides: Overrides = None,
    progress: Callable[[str], None] | None = None,
    **load_kwargs: Any,
) -> PlanResult:
    """Load (if given a path) and solve an instance; the result carries DataFrames in `.tables`
    and shows itself as a table in a notebook. `progress`: called with a line every few
    seconds while a long run works (`print` will do).

    `overrides={"site.power_mw": 500}` changes instance fields (re-validated); `objective=`,
    `catalog_dir=` and `racks_csv=` are as on the command line. Every instance is solved by the
    one model: a single-year plan is a horizon of one year with one scenario. With `horizon:`
    or `scenarios:` the tables are per year and scenario (build schedule, VSS and EVPI);
    otherwise racks, tiers and allocation.
    """
    from planner.results.progress import Progress
    from planner.results.run import solve_loaded

    ticker = Progress(progress)
    try:
        return solve_loaded(_load(instance, overrides, **load_kwargs), settings, progress=ticker)
    finally:
        ticker.close()


def validate(instance: str | Path, overrides: Overrides = None, **load_kwargs: Any) -> Validation:
    """Check an instance without solving: the loaded instance, its notes (tiers nothing serves,
    racks nothing uses, thin data) and warnings (likely unit slips). Raises InstanceError."""
    from planner.inputs.load import coverage_notes

    loaded = _load(instance, overrides, **load_kwargs)
    return Validation(loaded, tuple(coverage_notes(loaded)), loaded.warnings)


def report(outdir: str | Path) -> list[Path]:
    """report.html and report.xlsx from a results folder (plan, horizon, scenarios or sweep)."""
    from planner.report import write_report

    return write_report(Path(outdir))


def compare(instances: Sequence[str | Path], settings: SolveSettings | None = None) -> Any:
    """Solve each instance and return revenues side by side with ratios (a DataFrame)."""
    from planner.inputs.load import load_instance
    from planner.studies.compare import compare as run_compare

    return run_compare([load_instance(p) for p in instances], settings)


def explain(instance: str | Path | LoadedInstance, **kwargs: Any) -> Any:
    """Solve and explain an instance: marginals, binding requirements, entry thresholds,
    alternatives or, when infeasible, the conflicting requirements (`planner.explanation.explain`).

    Imported on first use so `import planner` stays light.
    """
    from planner.explanation import explain as run

    return run(instance, **kwargs)


def sweep(instance: str | Path, **kwargs: Any) -> Any:
    """A grid and/or Monte Carlo study as a DataFrame (see planner.studies.api.sweep)."""
    from planner.studies.api import sweep as run_sweep

    return run_sweep(instance, **kwargs)


def frontier(instance: str | Path, x: str, values: Any, out: str | Path, **kwargs: Any) -> Any:
    """The optimum against one input, with frontier.csv/.png (see planner.studies.api.frontier)."""
    from planner.studies.api import frontier as run_frontier

    return run_frontier(instance, x, values, out, **kwargs)


__all__ = [
    "LoadedInstance",
    "PlanResult",
    "SolveSettings",
    "SolveStatus",
    "Validation",
    "compare",
    "explain",
    "frontier",
    "load_instance",
    "report",
    "solve",
    "sweep",
    "validate",
]
