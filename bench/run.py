"""`make bench`: every benchmark in one table, each a ratio measured in the same run.

Sections are added as features land; today: end-to-end `plan solve instances/1gw.yaml`
against the bare-import floor (issue 2's target: at most 1.3).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import solve_vs_import  # noqa: E402


def main() -> None:
    r = solve_vs_import.measure()
    rows = [
        ("plan solve 1gw.yaml vs import floor", f"{r['plan_solve_s']:.3f} s", f"{r['import_floor_s']:.3f} s", f"{r['ratio']:.2f}", "<= 1.3"),
    ]  # fmt: skip
    header = ("benchmark", "measured", "baseline", "ratio", "target")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
