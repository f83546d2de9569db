"""Wall time of `plan solve instances/1gw.yaml` against the bare-import floor, in one run.

The floor is `python -c "import pyomo.environ, pandas, highspy, pydantic"`: no planner can start
faster than its libraries import. Each command runs REPEATS times; the median is compared.
Target (issue 2): ratio at most 1.3.

    python bench/solve_vs_import.py [--repeats N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOOR = [sys.executable, "-c", "import pyomo.environ, pandas, highspy, pydantic"]


def plan_command(out: Path) -> list[str]:
    plan = Path(sys.executable).with_name("plan")
    return [str(plan), "solve", str(ROOT / "instances" / "1gw.yaml"), "--out", str(out)]


def median_seconds(command: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(repeats: int = 5) -> dict[str, float]:
    """Median seconds of the floor and of the solve, alternated so drift hits both alike."""
    with tempfile.TemporaryDirectory() as tmp:
        command = plan_command(Path(tmp))
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)  # warm the disk cache
        floor = median_seconds(FLOOR, repeats)
        solve = median_seconds(command, repeats)
    return {"import_floor_s": floor, "plan_solve_s": solve, "ratio": solve / floor}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    r = measure(args.repeats)
    print(f"import floor        {r['import_floor_s']:.3f} s")
    print(f"plan solve 1gw.yaml {r['plan_solve_s']:.3f} s")
    print(f"ratio               {r['ratio']:.2f}  (target <= 1.3)")


if __name__ == "__main__":
    main()
