"""Start-up stays lean: commands that do not solve do not import pandas or Pyomo."""

from __future__ import annotations

import subprocess
import sys

import pytest
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


STATUS_WORDS = {"optimal": "optimal", "feasible": "feasible within", "infeasible": "infeasible",
                "unbounded": "unbounded", "no_solution": "no solution found",
                "error": "unexpected error"}  # fmt: skip
"""How README's "Exit codes" table names each status."""


def documented_exit_codes() -> dict[str, int]:
    """Status -> the code of the README table row that names it (read from the README)."""
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## Exit codes") :].split("\n\n")[1]
    rows = [line.split("|") for line in table.splitlines() if line.startswith("| ")]
    codes = {}
    for status, words in STATUS_WORDS.items():
        found = [int(cells[1]) for cells in rows[1:] if words in cells[2]]
        assert len(found) == 1, (status, found)
        codes[status] = found[0]
    return codes


def test_every_status_has_its_documented_exit_code():
    assert set(STATUS_EXIT) == {str(s) for s in SolveStatus}
    assert documented_exit_codes() == STATUS_EXIT


@pytest.mark.parametrize("status", list(SolveStatus), ids=str)
def test_plan_solve_exits_with_the_status_code(status, tmp_path, monkeypatch):
    # every status a solve can end with reaches the shell as its documented code
    from dataclasses import replace

    from click.testing import CliRunner

    from planner.cli import cli
    from planner.solver import run
    from planner.solver.highs import SolveReport

    real = run.solve_compiled

    def fake(compile, settings, solver):
        if status.has_solution:  # a real plan, reported with this status
            return replace(real(compile, settings, solver), status=status)
        return SolveReport(status, None, None, None, 0.0, "test")

    monkeypatch.setattr(run, "solve_compiled", fake)
    path = ROOT / "instances" / "100mw-enterprise.yaml"
    result = CliRunner().invoke(cli, ["solve", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == documented_exit_codes()[str(status)], result.output
