"""Start-up stays lean: commands that do not solve do not import pandas or Pyomo."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT

from planner.cli import STATUS_EXIT
from planner.solver.highs import SolveStatus

CHECK = """
import sys
from planner.cli import cli
sys.argv = ["plan", *sys.argv[1:]]
try:
    cli()
except SystemExit:
    pass
heavy = sorted(m for m in ("pandas", "pyomo.environ", "highspy") if m in sys.modules)
print("HEAVY", heavy)
"""


def test_validate_and_help_skip_the_solver_stack():
    for args in (["--help"], ["validate", str(ROOT / "instances" / "1gw.yaml")]):
        proc = subprocess.run([sys.executable, "-c", CHECK, *args], capture_output=True,
                              text=True, check=True, cwd=ROOT)  # fmt: skip
        assert "HEAVY []" in proc.stdout, (args, proc.stdout)


def test_every_status_has_an_exit_code():
    assert set(STATUS_EXIT) == {str(s) for s in SolveStatus}
    assert all(STATUS_EXIT[s] == STATUS_EXIT[str(s)] for s in SolveStatus)
