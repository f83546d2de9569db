"""Wall time of `plan solve instances/1gw.yaml` against the bare-import floor, in one run.

The floor is `python -c "import gc; gc.disable(); import pyomo.environ, pandas, highspy,
pydantic"`: no planner can start faster than its libraries import. The collector is off in the
floor because `plan` turns it off while it imports (planner/cli/__init__.py): the floor gets
the same saving, so only the planner's own start-up and work are measured against it (with
the collector on, the floor itself is about 50 ms slower). The two commands alternate (floor, solve, floor, solve, ...)
so drift in machine load hits both alike, after one warm-up run of each; the medians are
compared. Target (issue 2): ratio at most 1.3.

    python bench/solve_vs_import.py [--repeats N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from common import PLAN, ROOT, Row, seconds

FLOOR = [
    sys.executable,
    "-c",
    "import gc; gc.disable(); import pyomo.environ, pandas, highspy, pydantic",
]
REPEATS = 15


def plan_command(out: Path) -> list[str]:
    return [PLAN, "solve", str(ROOT / "instances" / "1gw.yaml"), "--out", str(out)]


def measure(repeats: int = REPEATS) -> dict[str, float]:
    """Median seconds of the floor and of the solve, alternated, after a warm-up of each."""
    with tempfile.TemporaryDirectory() as tmp:
        command = plan_command(Path(tmp))
        seconds(FLOOR), seconds(command)  # warm the disk cache and .pyc files
        floor, solve = [], []
        for _ in range(repeats):
            floor.append(seconds(FLOOR))
            solve.append(seconds(command))
    f, s = statistics.median(floor), statistics.median(solve)
    ratios = sorted(b / a for a, b in zip(floor, solve, strict=True))
    return {
        "import_floor_s": f,
        "plan_solve_s": s,
        "ratio": s / f,
        "pair_ratio_p25": ratios[len(ratios) // 4],
        "pair_ratio_p75": ratios[(3 * len(ratios)) // 4],
    }


def row() -> Row:
    r = measure()
    return Row(
        "plan solve 1gw.yaml vs import floor",
        f"{r['plan_solve_s']:.3f} s",
        f"{r['import_floor_s']:.3f} s",
        f"{r['ratio']:.2f} (pairs p25-p75 {r['pair_ratio_p25']:.2f}-{r['pair_ratio_p75']:.2f})",
        "<= 1.3",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=REPEATS)
    args = parser.parse_args()
    r = measure(args.repeats)
    print(f"import floor        {r['import_floor_s']:.3f} s (median of {args.repeats})")
    print(f"plan solve 1gw.yaml {r['plan_solve_s']:.3f} s")
    print(f"ratio               {r['ratio']:.2f}  (target <= 1.3)")
    print(f"paired ratios       p25 {r['pair_ratio_p25']:.2f}, p75 {r['pair_ratio_p75']:.2f}")


if __name__ == "__main__":
    main()
