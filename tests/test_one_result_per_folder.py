"""One result per folder: run.json names the files of the folder's result; a later result
removes what the earlier one wrote and it did not (never a file of the user's), and readers use
only the named files."""

from __future__ import annotations

import json

from click.testing import CliRunner
from conftest import ROOT

from planner.cli import cli

HORIZON = ROOT / "instances" / "1gw-2026-2030.yaml"
SINGLE = ROOT / "instances" / "1gw.yaml"


def run(*args: str) -> None:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output


def test_a_single_year_plan_after_a_horizon_leaves_no_schedule_behind(tmp_path):
    out = tmp_path / "out"
    run("solve", str(HORIZON), "--out", str(out), "--report")
    assert (out / "build_schedule.csv").exists() and (out / "report.html").exists()
    (out / "notes.csv").write_text("mine\n")  # the user's own file
    (out / "entry.csv").write_text("mine too\n")  # a user's file with one of our names
    run("solve", str(SINGLE), "--out", str(out))
    names = {p.name for p in out.iterdir()}
    assert "build_schedule.csv" not in names and "tiers_by_year.csv" not in names
    assert "report.html" not in names  # the horizon's report went with its result
    assert {"notes.csv", "entry.csv"} <= names  # never ours, never removed
    manifest = json.loads((out / "run.json").read_text())["files"]
    assert "racks.csv" in manifest and "entry.csv" not in manifest
    run("report", str(out))  # reads the single-year plan only
    html = (out / "report.html").read_text()
    assert "Purchase schedule by year" not in html
    assert "report.html" in json.loads((out / "run.json").read_text())["files"]


def test_a_solve_after_explain_removes_the_explanation(tmp_path):
    out = tmp_path / "out"
    run("explain", str(SINGLE), "--out", str(out), "--no-entry", "--set", "site.power_mw=500")
    assert (out / "marginals.csv").exists()
    explained = json.loads((out / "run.json").read_text())
    assert explained["command"] == "explain" and "marginals.csv" in explained["files"]
    run("solve", str(SINGLE), "--out", str(out))
    assert not (out / "marginals.csv").exists() and not (out / "explain.csv").exists()
    run("report", str(out))
    assert "one more" not in (out / "report.html").read_text()  # no stale marginals shown
