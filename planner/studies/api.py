"""Notebook entry points behind `planner.sweep` and `planner.frontier`."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from planner.errors import UsageError
from planner.inputs.instance import Objective
from planner.inputs.yamlio import override_strings
from planner.solver.highs import SolveSettings
from planner.studies.cases import Case, combine, grid_cases, load_study, parse_vary, sample_cases
from planner.studies.runner import BaseSpec

Vary = Mapping[str, Iterable[Any] | str] | Iterable[str] | None


def _varies(vary: Vary, max_cases: int) -> list[tuple[str, list[Any]]]:
    """{'path': [values] or 'SPEC'} or ['PATH=SPEC', ...] -> [(path, values)]. An iterable is
    read only up to the case limit (range(1, 10**9) is refused, not built)."""
    if vary is None:
        return []
    if isinstance(vary, Mapping):
        out = []
        for path, spec in vary.items():
            if isinstance(spec, str):
                out.append(parse_vary(f"{path}={spec}"))
                continue
            values = list(itertools.islice(spec, max_cases + 1))
            if len(values) > max_cases:
                raise UsageError(
                    f"vary {path}: more than {max_cases:,} values; narrow it or raise max_cases"
                )
            out.append((path, values))
        return out
    return [parse_vary(text) for text in vary]


MAX_CASES = 100_000
"""Most cases a sweep builds unless --max-cases raises it (a typo can ask for 10^9)."""


def build_cases(
    vary: Vary,
    study: str | Path | None,
    samples: int | None,
    seed: int | None,
    max_cases: int = MAX_CASES,
) -> list[Case]:
    """The grid (--vary) crossed with the Monte Carlo draws (--study), or either alone; at
    most `max_cases` of them (counted before any is built)."""
    varies = _varies(vary, max_cases)
    loaded = load_study(study) if study else None
    count = math.prod(len(values) for _, values in varies) if varies else 1
    if loaded is not None:
        count *= loaded.samples if samples is None else samples
    if count > max_cases:
        raise UsageError(
            f"the sweep has {count:,} cases, more than {max_cases:,}; narrow --vary or "
            "--samples, or raise --max-cases"
        )
    grid = grid_cases(varies)
    drawn = sample_cases(loaded, samples, seed) if loaded is not None else []
    cases = combine(grid, drawn)
    if not cases:
        raise UsageError("nothing to sweep: give --vary PATH=SPEC and/or --study FILE")
    return cases


def make_spec(
    instance: str | Path,
    overrides: Iterable[str] = (),
    objective: Objective | None = None,
    catalog_dir: str | Path | None = None,
    settings: SolveSettings | None = None,
) -> BaseSpec:
    return BaseSpec.of(instance, tuple(overrides), objective, catalog_dir, None, settings)


def sweep(
    instance: str | Path,
    vary: Vary = None,
    study: str | Path | None = None,
    samples: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    out: str | Path | None = None,
    overrides: Mapping[str, Any] | Iterable[str] = (),
    objective: Objective | None = None,
    catalog_dir: str | Path | None = None,
    settings: SolveSettings | None = None,
    progress: bool = False,
    max_cases: int = MAX_CASES,
) -> pd.DataFrame:
    """Solve a grid and/or Monte Carlo study of `instance`; one DataFrame row per case.

    vary: {"tiers.ultra.price_usd_per_mtok": [100, 150], "site.power_mw": "500:1000:250"}.
    overrides: {"site.power_mw": 500} (typed values) or ["site.power_mw=500"].
    With `out`, cases persist in out/cases/ (a re-run skips them) and out/sweep.csv,
    sweep_summary.csv (P10/P50/P90) and tornado.csv/.png are written.
    """
    from planner.studies.engine import run_cases

    cases = build_cases(vary, study, samples, seed, max_cases)
    spec = make_spec(instance, override_strings(overrides), objective, catalog_dir, settings)
    target = None if out is None else Path(out)
    frame = run_cases(spec, cases, target, workers=workers, scheduler=scheduler, progress=progress)
    if target is not None and frame["status"].isin(["optimal", "feasible"]).any():
        from planner.results.files import output_lock
        from planner.studies.outcomes import write_outcomes

        with output_lock(target):
            write_outcomes(frame, cases, target, spec)
    return frame


def frontier(
    instance: str | Path,
    x: str,
    values: Iterable[Any] | str,
    out: str | Path,
    overrides: Iterable[str] = (),
    objective: Objective | None = None,
    catalog_dir: str | Path | None = None,
    workers: int = 1,
) -> pd.DataFrame:
    """The optimum against one input; writes out/frontier.csv and out/frontier.png."""
    from planner.studies.frontier import frontier as run_frontier

    path, points = _varies({x: values}, MAX_CASES)[0]
    spec = make_spec(instance, overrides, objective, catalog_dir)
    return run_frontier(spec, path, points, Path(out), workers=workers)
