"""Two of finance's next questions on the five-year default, against its own `plan solve`.

- `plan explain instances/1gw-2026-2030.yaml` against `plan solve` of the same file, each end to
  end as a user runs it (a new process: start-up, imports, every re-solve, files), alternated,
  medians of REPEATS. Issue 23: explain took 125 s and printed nothing; target under 10x solve.
- A Monte Carlo study of 100 five-year draws (one shared price-path shock and one shared demand
  shock per draw) on two local workers, end to end through `planner.sweep`, against one solve
  of the base plan in the same run (the ratio is wall time per draw over one solve: two workers
  that lost nothing would give about 0.5). Issue 23: 312 s; target under 60 s.

    python bench/question_speed.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from common import PLAN, ROOT, Row, seconds

import planner
from planner.inputs.load import load_instance
from planner.results.run import solve_loaded

INSTANCE = ROOT / "instances" / "1gw-2026-2030.yaml"
REPEATS = 3
EXPLAIN_TARGET_RATIO = 10.0
DRAWS = 100
MONTE_CARLO_TARGET_S = 60.0
STUDY = """\
samples: 100
seed: 2
distributions:
  "horizon.tiers.*.price_usd_per_mtok.growth_frac_per_year+": {dist: uniform, low: -0.3, high: 0.1}
  "horizon.tiers.*.demand_mtok_per_year.start*": {dist: lognormal, median: 1.0, sigma: 0.3}
"""
"""The study of bench/RESULTS.md: prices falling faster or slower for every tier at once (points
added to each tier's yearly change), and every tier's demand scaled by one factor."""


def measure_explain(repeats: int = REPEATS) -> dict[str, float]:
    """Median wall seconds of `plan explain` and `plan solve` of the five-year default."""
    with tempfile.TemporaryDirectory() as tmp:
        solve = [PLAN, "solve", str(INSTANCE), "--out", f"{tmp}/solve", "--quiet"]
        explain = [PLAN, "explain", str(INSTANCE), "--out", f"{tmp}/explain", "--quiet"]
        seconds(solve)  # warm the disk cache and .pyc files
        solves, explains = [], []
        for _ in range(repeats):
            solves.append(seconds(solve))
            explains.append(seconds(explain))
    s, e = statistics.median(solves), statistics.median(explains)
    return {"solve_s": s, "explain_s": e, "ratio": e / s}


def measure_monte_carlo(draws: int = DRAWS, workers: int = 2) -> dict[str, float]:
    """Wall seconds of the 100-draw study on `workers` local processes, and of one solve of the
    base plan in this process (warm), with how many draws solved."""
    loaded = load_instance(INSTANCE)
    solve_loaded(loaded)  # warm
    start = time.perf_counter()
    solve_loaded(load_instance(INSTANCE))
    one_s = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        study = Path(tmp) / "study.yaml"
        study.write_text(STUDY.replace("samples: 100", f"samples: {draws}"))
        start = time.perf_counter()
        frame = planner.sweep(INSTANCE, study=study, workers=workers)
        wall_s = time.perf_counter() - start
    solved = int(frame["status"].isin(["optimal", "feasible"]).sum())
    return {"wall_s": wall_s, "one_solve_s": one_s, "draws": len(frame), "solved": solved,
            "ratio": wall_s / len(frame) / one_s, "workers": workers}  # fmt: skip


def row_explain() -> Row:
    r = measure_explain()
    return Row(
        "plan explain 1gw-2026-2030.yaml vs its plan solve (end to end)",
        f"{r['explain_s']:.2f} s",
        f"{r['solve_s']:.2f} s",
        f"{r['ratio']:.2f}",
        f"<= {EXPLAIN_TARGET_RATIO:.0f} (was 125 s)",
    )


def row_monte_carlo() -> Row:
    r = measure_monte_carlo()
    return Row(
        f"Monte Carlo, {r['draws']} five-year draws on {r['workers']} workers: per draw / one solve",
        f"{r['wall_s']:.1f} s in all, {r['solved']} of {r['draws']} solved",
        f"one solve {r['one_solve_s']:.2f} s",
        f"{r['ratio']:.2f}",
        f"total < {MONTE_CARLO_TARGET_S:.0f} s (was 312 s)",
    )


if __name__ == "__main__":
    from run import print_table

    print_table([row_explain(), row_monte_carlo()])
