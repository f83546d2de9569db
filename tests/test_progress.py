"""Progress on anything long (issue "Answers at the speed of a question"): a line every few
seconds to stderr, on a terminal or not, naming the stage under way; `--quiet` silences it;
the API takes a callback."""

from __future__ import annotations

import time

from click.testing import CliRunner
from conftest import ROOT

import planner
from planner.cli import cli
from planner.results.progress import Progress

PHASED = str(ROOT / "instances" / "1gw-2026-2030.yaml")


def test_lines_name_the_stage_under_way_and_stop_when_it_ends():
    lines: list[str] = []
    ticker = Progress(lines.append, every_s=0.02)
    with ticker.stage("building"):
        time.sleep(0.15)
    quiet_since = len(lines)
    time.sleep(0.1)  # no stage under way: nothing said
    ticker.close()
    assert quiet_since >= 2 and all(line.startswith("progress: building, ") for line in lines)
    assert len(lines) == quiet_since
    # no callback: no thread, nothing said
    silent = Progress(None, every_s=0.01)
    with silent.stage("x"):
        time.sleep(0.03)
    assert silent._thread is None


def test_solve_and_explain_say_progress_unless_quiet(monkeypatch, tmp_path):
    monkeypatch.setenv("PLAN_PROGRESS_EVERY_S", "0.05")
    said = CliRunner().invoke(cli, ["solve", PHASED, "--out", str(tmp_path / "a")])
    assert said.exit_code == 0, said.output
    progress = [line for line in said.stderr.splitlines() if line.startswith("progress: ")]
    assert progress and "progress:" not in said.stdout
    quiet = CliRunner().invoke(cli, ["solve", PHASED, "--out", str(tmp_path / "b"), "--quiet"])
    assert quiet.exit_code == 0 and "progress: " not in quiet.stderr
    explained = CliRunner().invoke(cli, ["explain", PHASED, "--out", str(tmp_path / "c"),
                                         "--no-entry", "--no-bases"])  # fmt: skip
    assert explained.exit_code == 0, explained.output
    assert "progress: marginal values" in explained.stderr


def test_a_sweep_not_on_a_terminal_says_lines(monkeypatch, tmp_path):
    # the progress bar showed only on a terminal: a log saw nothing until the end
    monkeypatch.setenv("PLAN_PROGRESS_EVERY_S", "0.01")
    result = CliRunner().invoke(cli, ["sweep", str(ROOT / "instances" / "1gw.yaml"), "--vary",
                                      "site.power_mw=500,1000", "--out", str(tmp_path)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "progress: 2 of 2 cases solved this run (0 failed or invalid)" in result.stderr


def test_the_api_takes_a_callback(monkeypatch):
    import planner.results.progress as progress

    monkeypatch.setattr(progress, "EVERY_S", 0.02)
    lines: list[str] = []
    result = planner.solve(PHASED, progress=lines.append)
    assert result.status == "optimal"
    assert lines and all(line.startswith("progress: ") for line in lines)
