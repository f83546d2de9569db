"""Output files are safe: concurrent runs into one folder, file modes, strict JSON, closed
pipes, unwritable targets, links under outputs/, and separate folders per sweep kind."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT
from fuzzing import dump, small_seed
from test_crash_safety import assert_complete_or_absent
from test_horizon import NEWSVENDOR, write

from planner.cli import cli
from planner.errors import EXIT_BUSY, EXIT_OUTPUT

PLAN = str(Path(sys.executable).with_name("plan"))
ENTERPRISE = str(ROOT / "instances" / "100mw-enterprise.yaml")


def test_six_concurrent_solves_into_one_folder_all_succeed_with_whole_files(tmp_path):
    out = tmp_path / "out"
    procs = [
        subprocess.Popen(
            [PLAN, "solve", ENTERPRISE, "--out", str(out)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(6)
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, errors
    assert_complete_or_absent(out)
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["summary.csv", "racks.csv", "tiers.csv", "allocation.csv", "serving.csv", "run.json"]
    )


LOCK_AND_WAIT = """
import sys, time
from pathlib import Path
from planner.results.files import output_lock
with output_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(30)
"""


def test_a_second_sweep_into_a_busy_folder_exits_7(tmp_path):
    out = tmp_path / "sweep"
    with subprocess.Popen([sys.executable, "-c", LOCK_AND_WAIT, str(out)], cwd=ROOT,
                          stdout=subprocess.PIPE, text=True) as holder:  # fmt: skip
        try:
            assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
            args = [PLAN, "sweep", ENTERPRISE, "--vary", "site.power_mw=50,100",
                    "--workers", "1", "--out", str(out)]  # fmt: skip
            done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=60)
        finally:
            holder.kill()
    assert done.returncode == EXIT_BUSY, done.stderr
    assert "another plan command is writing to this folder" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_files_get_the_umask_mode_not_0600(tmp_path):
    old = os.umask(0o022)
    try:
        out = tmp_path / "out"
        subprocess.run([PLAN, "solve", ENTERPRISE, "--out", str(out)], check=True, cwd=ROOT,
                       capture_output=True)  # fmt: skip
    finally:
        os.umask(old)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()}
    assert set(modes.values()) == {0o644}, modes


@pytest.mark.parametrize("target", ["a-file", "/proc/planner-cannot-write/out"])
def test_an_unwritable_out_is_exit_6_in_one_line(tmp_path, target):
    (tmp_path / "a-file").write_text("")
    out = target if target.startswith("/") else str(tmp_path / target)
    result = CliRunner().invoke(cli, ["solve", ENTERPRISE, "--out", out])
    assert result.exit_code == EXIT_OUTPUT, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert out in result.stderr


def test_json_never_holds_nan_or_infinity(tmp_path):
    # cost per token on the newsvendor: the mean-value plan cannot serve the high future, so
    # EEV and VSS are infinite (tests/test_horizon.py); JSON gets null and names the field
    out = tmp_path / "out"
    path = write(tmp_path, {**NEWSVENDOR, "objective": "cost_per_token"})
    result = CliRunner().invoke(cli, ["solve", str(path), "--out", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output

    def reject(token: str):
        raise ValueError(f"non-JSON constant {token}")

    for text in (result.stdout, (out / "run.json").read_text()):
        json.loads(text, parse_constant=reject)
    stochastic = json.loads(result.stdout)["stochastic"][0]
    assert stochastic["vss_usd"] is None
    assert "cannot run in some scenario" in stochastic["note"]


def test_strict_json_names_what_it_nulled():
    from planner.results.files import json_text

    text = json_text({"a": float("inf"), "b": [1.0, float("nan")], "c": 2})
    parsed = json.loads(text)
    assert parsed["a"] is None and parsed["b"] == [1.0, None] and parsed["c"] == 2
    assert parsed["nonfinite"] == {"a": "inf", "b[1]": "nan"}


def test_a_closed_pipe_ends_quietly_with_the_status_code(tmp_path):
    command = f"{PLAN} solve {ENTERPRISE} --out {tmp_path / 'out'} | head -c 10"
    done = subprocess.run(["bash", "-c", command + "; exit ${PIPESTATUS[0]}"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Error" not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_clean_removes_links_not_their_targets(tmp_path):
    target = tmp_path / "precious"
    target.mkdir()
    (target / "keep.txt").write_text("x")
    (tmp_path / "outputs").mkdir()
    (tmp_path / "outputs" / "README.md").write_text("kept")
    (tmp_path / "outputs" / "run").mkdir()
    (tmp_path / "outputs" / "link").symlink_to(target)
    subprocess.run(["make", "-f", str(ROOT / "Makefile"), "-C", str(tmp_path), "clean"],
                   check=True, capture_output=True)  # fmt: skip
    assert (target / "keep.txt").exists()
    assert sorted(p.name for p in (tmp_path / "outputs").iterdir()) == ["README.md"]


def test_grid_and_monte_carlo_sweeps_default_to_different_folders(tmp_path, monkeypatch):
    path = tmp_path / "case.yaml"
    path.write_text(dump({**small_seed(), "name": "kinds"}))
    study = tmp_path / "study.yaml"
    study.write_text("distributions:\n  site.power_mw: {dist: uniform, low: 0.5, high: 1.0}\n")
    monkeypatch.chdir(tmp_path)
    run = CliRunner().invoke
    grid = run(cli, ["sweep", str(path), "--vary", "site.power_mw=0.5,1", "--workers", "1"])
    carlo = run(cli, ["sweep", str(path), "--study", str(study), "--samples", "2", "--seed", "1",
                      "--workers", "1"])  # fmt: skip
    assert grid.exit_code == 0 and carlo.exit_code == 0, (grid.output, carlo.output)
    assert (tmp_path / "outputs" / "kinds-grid" / "sweep.csv").is_file()
    assert (tmp_path / "outputs" / "kinds-montecarlo" / "sweep.csv").is_file()


def test_text_cells_never_become_spreadsheet_formulas(tmp_path):
    # a --vary value is user text that lands in sweep.csv: it must not be a live formula
    import pandas as pd

    from planner.results.files import frame_csv

    frame = pd.DataFrame(
        {"objective": ['=HYPERLINK("x")', "+1", "-x", "@x", "ok"], "v": [1.0, -2.0, 3, 4, 5]}
    )
    lines = frame_csv(frame).splitlines()[1:]
    assert [line.split(",")[0] for line in lines] == [
        '"\'=HYPERLINK(""x"")"',
        "'+1",
        "'-x",
        "'@x",
        "ok",
    ]
    assert [line.rsplit(",", 1)[1] for line in lines] == [
        "1",
        "-2",
        "3",
        "4",
        "5",
    ]  # numbers stay numbers


def test_a_workbook_stores_formula_like_text_as_text(tmp_path):
    import pandas as pd

    from planner.report.xlsx import build_workbook

    frames = {"summary": pd.DataFrame({"instance": ["=1+1"], "objective_value": [1.0]}),
              "racks": pd.DataFrame({"rack": ["=HYPERLINK(1)"], "count": [2]})}  # fmt: skip
    wb = build_workbook(frames)
    cell = wb["Key figures"]["B2"]  # key figures: item, value
    assert cell.value == "=1+1" and cell.data_type == "s"
    rack = wb["Racks"]["A2"]
    assert rack.value == "=HYPERLINK(1)" and rack.data_type == "s"


def test_a_report_of_an_empty_summary_is_a_one_line_usage_error(tmp_path):
    out = tmp_path / "out"
    assert CliRunner().invoke(cli, ["solve", ENTERPRISE, "--out", str(out)]).exit_code == 0
    (out / "summary.csv").write_text("")
    result = CliRunner().invoke(cli, ["report", str(out)])
    assert result.exit_code == 2 and "summary.csv: empty" in result.stderr, result.output


def test_a_garbage_scheduler_address_is_a_usage_error(tmp_path):
    args = ["sweep", ENTERPRISE, "--vary", "site.power_mw=50,100", "--scheduler", "garbage://x",
            "--out", str(tmp_path / "s")]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "--scheduler garbage://x: cannot connect" in result.stderr


def test_explain_into_a_solve_folder_leaves_one_plan(tmp_path):
    # explain (profit) after solve (revenue) into one folder: every plan file, run.json too,
    # is the explanation's plan
    out = str(tmp_path / "out")
    run = CliRunner().invoke
    assert run(cli, ["solve", ENTERPRISE, "--objective", "revenue", "--out", out]).exit_code == 0
    assert run(cli, ["explain", ENTERPRISE, "--objective", "profit", "--out", out,
                     "--no-entry"]).exit_code == 0  # fmt: skip
    summary = (tmp_path / "out" / "summary.csv").read_text()
    assert ",profit," in summary.splitlines()[1]
    info = json.loads((tmp_path / "out" / "run.json").read_text())
    assert info["objective"] == "profit" and info["command"] == "explain"


@pytest.mark.parametrize(
    "setting",
    ["site.discount_rate_frac=1e-300", "site.hours_per_year=1e-300",
     "site.utilisation_frac=1e-300"],
)  # fmt: skip
def test_tiny_rates_and_hours_do_not_divide_by_zero(tmp_path, setting):
    result = CliRunner().invoke(cli, ["solve", ENTERPRISE, "--set", setting,
                                      "--out", str(tmp_path / "o")])  # fmt: skip
    assert result.exit_code in (0, 4), result.output
    assert "Traceback" not in result.output and "unexpected" not in result.output


def test_a_tiny_lifetime_does_not_divide_by_zero(tmp_path):
    (tmp_path / "racks.csv").write_text("rack,lifetime_years\ngb300-nvl72,1e-300\n")
    args = ["solve", ENTERPRISE, "--racks-csv", str(tmp_path / "racks.csv"), "--out",
            str(tmp_path / "o")]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code in (0, 4) and "unexpected" not in result.output, result.output


def test_csv_numbers_are_written_out_in_full():
    # procurement pastes CSVs into sheets: ten significant digits, never scientific notation
    import pandas as pd

    from planner.results.files import frame_csv

    text = frame_csv(pd.DataFrame({"capex_usd": [1.2224828910e10, 3.5e-7], "n": [1, 2]}))
    assert text == "capex_usd,n\n12224828910,1\n0.00000035,2\n"
