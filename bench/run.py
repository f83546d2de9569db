"""`make bench`: every benchmark in one table, each a ratio measured in the same run.

Each row lives in its own bench/<name>.py module exposing `row() -> common.Row`; adding a
benchmark is one line in ROWS. `python bench/run.py --only fuzz` runs the rows whose module
name contains the word.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import analyst_case  # noqa: E402
import fuzz  # noqa: E402
import horizon_scale  # noqa: E402
import linear_inputs  # noqa: E402
import question_speed  # noqa: E402
import solve_vs_import  # noqa: E402
import sweep_speed  # noqa: E402
from common import Row  # noqa: E402

ROWS = [
    solve_vs_import.row,
    fuzz.row,
    sweep_speed.row_vs_raw,
    sweep_speed.row_vs_fresh,
    sweep_speed.row_workers,
    horizon_scale.row,
    analyst_case.row,
    question_speed.row_explain,
    question_speed.row_monte_carlo,
    linear_inputs.row_validate,
    linear_inputs.row_import,
]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def print_table(rows: list[Row]) -> None:
    header = Row("benchmark", "measured", "baseline", "ratio", "target")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run only rows whose module name contains this")
    args = parser.parse_args()
    chosen = [f for f in ROWS if not args.only or args.only in f.__module__]
    print(f"# {cpu_model()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print_table([f() for f in chosen])


if __name__ == "__main__":
    main()
