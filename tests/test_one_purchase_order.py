"""One purchase order: `plan solve`, `plan explain`, `plan report` and a sweep case of the same
instance buy the same racks (the same compiled model, the same settings, HiGHS deterministic;
the revenue objective's ties broken by least capex, docs/formulation.md)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import ROOT

from planner.cli import cli

INSTANCES = [ROOT / "instances" / "1gw.yaml", ROOT / "instances" / "1gw-2026-2030.yaml"]


@pytest.mark.parametrize("path", INSTANCES, ids=lambda p: p.stem)
def test_solve_explain_report_and_sweep_buy_the_same_racks(tmp_path, path):
    runner = CliRunner()
    name = "build_schedule.csv" if "2026" in path.stem else "racks.csv"
    solve, explain, sweep = tmp_path / "solve", tmp_path / "explain", tmp_path / "sweep"
    assert runner.invoke(cli, ["solve", str(path), "--out", str(solve), "--report"]).exit_code == 0
    assert runner.invoke(cli, ["explain", str(path), "--out", str(explain)]).exit_code == 0
    assert (solve / name).read_bytes() == (explain / name).read_bytes()
    # a sweep whose second case is the instance itself, solved on the first case's model
    budget = "site.capex_budget_usd" if "2026" not in path.stem else "site.discount_rate_frac"
    base = "5e10" if "2026" not in path.stem else "0.10"
    other = "4e10" if "2026" not in path.stem else "0.12"
    result = runner.invoke(cli, ["sweep", str(path), "--vary", f"{budget}={other},{base}",
                                 "--out", str(sweep), "--no-progress"])  # fmt: skip
    assert result.exit_code == 0, result.output
    cases = [json.loads(p.read_text()) for p in (sweep / "cases").glob("*.json")]
    case = next(c for c in cases if float(c["inputs"][budget]) == float(base))
    import pandas as pd

    schedule = pd.read_csv(solve / name)
    count = "bought" if "bought" in schedule else "count"
    bought = schedule.groupby("rack")[count].sum()
    assert {r: n for r, n in case["racks"].items() if n} == {
        r: int(n) for r, n in bought.items() if n
    }
