"""plan sweep: case parsing, study files, the derate knob, model reuse, workers, Dask, resume."""

from __future__ import annotations

import html
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import ROOT, SECONDS_PER_YEAR, write_instance

import planner
from planner.cli import cli
from planner.errors import InstanceError, UsageError
from planner.studies.cases import grid_cases, load_study, parse_vary, sample_cases
from planner.studies.engine import run_cases
from planner.studies.runner import BaseSpec, CaseRunner

MTOK_PER_TOK_S = SECONDS_PER_YEAR / 1e6
ENTERPRISE = ROOT / "instances" / "100mw-enterprise.yaml"
ONE_TIER = {
    "site": {"power_mw": 1.0},
    "systems": ["alpha", "beta"],
    "tiers": {"t": {"price_usd_per_mtok": 1.0, "min_tok_s_per_user": 10}},
}
TWO_TIERS = {
    "site": {"power_mw": 2.0, "capex_budget_usd": 12e6},
    "objective": "profit",
    "tiers": {
        "low": {"price_usd_per_mtok": 2.0, "min_tok_s_per_user": 10, "demand_mtok_per_year": 5e5},
        "fast": {"price_usd_per_mtok": 9.0, "min_tok_s_per_user": 50},
    },
}


def test_parse_vary_lists_and_ranges():
    assert parse_vary("site.power_mw=1:2:0.5") == ("site.power_mw", [1.0, 1.5, 2.0])
    assert parse_vary("objective=revenue,profit") == ("objective", ["revenue", "profit"])
    assert parse_vary("tiers.t.price_usd_per_mtok=1,2.5") == (
        "tiers.t.price_usd_per_mtok",
        [1, 2.5],
    )
    for bad in ("site.power_mw", "site.power_mw=", "site.power_mw=3:1:1", "x=1:2:0", "x=1:b:1"):
        with pytest.raises(UsageError):
            parse_vary(bad)
    cases = grid_cases([("a", [1, 2]), ("b", [3, 4, 5])])
    assert len(cases) == 6 and cases[0] == {"a": 1, "b": 3} and cases[-1] == {"a": 2, "b": 5}


def test_study_file_validation_and_reproducible_draws(tmp_path):
    good = tmp_path / "s.yaml"
    good.write_text(
        "samples: 50\nseed: 3\ndistributions:\n"
        "  a: {dist: uniform, low: 1, high: 2}\n"
        "  b: {dist: normal, mean: 0, sd: 1, min: -0.5, max: 0.5}\n"
        "  c: {dist: triangular, low: 0, mode: 1, high: 4}\n"
        "  d: {dist: lognormal, median: 10, sigma: 0.3}\n"
    )
    study = load_study(good)
    cases = sample_cases(study)
    assert len(cases) == 50 and cases == sample_cases(study)  # same seed, same cases
    assert sample_cases(study, seed=4) != cases
    assert all(1 <= c["a"] <= 2 and -0.5 <= c["b"] <= 0.5 and 0 <= c["c"] <= 4 for c in cases)
    assert all(c["d"] > 0 for c in cases)
    assert any(c["b"] in (-0.5, 0.5) for c in cases)  # clipped draws exist at sd 1
    bad = tmp_path / "bad.yaml"
    bad.write_text("distributions:\n  a: {dist: uniform, low: 3, high: 1}\n")
    with pytest.raises(InstanceError, match=r"distributions\.a.*high 1 is below low 3"):
        load_study(bad)
    bad.write_text("distributions:\n  a: {dist: gamma, shape: 1}\n")
    with pytest.raises(InstanceError, match=r"distributions\.a"):
        load_study(bad)


def test_derate_knows_the_answer(tmp_path):
    # 1 MW, one tier at 10 tok/s/user: alpha makes 10,000 tok/s per MW, beta 15,000.
    # beta derated to 0.5 makes 7,500 per MW < alpha: 10 alpha racks, 10,000 tok/s, $315,576/yr.
    # beta derated to 0.8 makes 12,000 per MW > alpha: 5 beta racks, 12,000 tok/s, $378,691/yr.
    path = write_instance(tmp_path, ONE_TIER)
    frame = planner.sweep(path, vary={"systems.beta.derate": [0.5, 0.8]})
    assert frame["racks_alpha"].tolist() == [10, 0]
    assert frame["racks_beta"].tolist() == [0, 5]
    expected = [10_000 * MTOK_PER_TOK_S, 12_000 * MTOK_PER_TOK_S]
    assert frame["revenue_usd_per_year"].tolist() == pytest.approx(expected)


def test_bad_cases_are_statuses_not_crashes(tmp_path):
    path = write_instance(tmp_path, ONE_TIER)
    frame = planner.sweep(
        path,
        vary=["systems.beta.derate=0,-1,1", "site.power_mw=1,-2"],
    )
    assert frame["status"].tolist() == ["invalid"] * 4 + ["optimal", "invalid"]
    assert "systems.beta.derate: derate must be > 0" in frame.at[0, "message"]
    assert "site.power_mw" in frame.at[5, "message"]
    frame = planner.sweep(path, vary={"systems.nope.derate": [0.5]})
    assert "unknown system 'nope'" in frame.at[0, "message"]


def _cases():
    # prices and budget keep the structure; the fast tier's speed (alpha cannot reach 150)
    # and the objective change it.
    return grid_cases(
        [
            parse_vary("tiers.fast.min_tok_s_per_user=50,150"),
            parse_vary("objective=profit,revenue"),
            parse_vary("tiers.fast.price_usd_per_mtok=3,9"),
            parse_vary("site.capex_budget_usd=4e6,12e6"),
            parse_vary("systems.beta.derate=0.6,1"),
        ]
    )


def test_reused_model_matches_fresh_builds_and_rebuilds_on_structure(tmp_path):
    spec = BaseSpec(str(write_instance(tmp_path, TWO_TIERS)))
    cases = _cases()
    runner = CaseRunner(spec)
    reused = [runner.run(c) for c in cases]
    assert runner.builds == 4  # 2 speeds x 2 objectives; the other 8 cases each reuse the model
    fresh_runner = CaseRunner(replace(spec, reuse_model=False))
    fresh = [fresh_runner.run(c) for c in cases]
    assert fresh_runner.builds == len(cases)
    for a, b in zip(reused, fresh, strict=True):
        assert a["status"] == b["status"] == "optimal"
        assert a["summary"]["objective_value"] == pytest.approx(b["summary"]["objective_value"])
        assert a["racks"] == b["racks"]


def test_models_are_kept_per_structure(tmp_path):
    spec = BaseSpec(str(write_instance(tmp_path, TWO_TIERS)))
    # the objective (structural) varies fastest: two models, each reused after the first pass
    cases = grid_cases([parse_vary("site.capex_budget_usd=4e6,8e6,12e6"),
                        parse_vary("objective=profit,revenue")])  # fmt: skip
    runner = CaseRunner(spec)
    rows = [runner.run(c) for c in cases]
    assert runner.builds == 2
    fresh = CaseRunner(replace(spec, reuse_model=False))
    for case, row in zip(cases, rows, strict=True):
        expected = fresh.run(case)["summary"]["objective_value"]
        assert row["summary"]["objective_value"] == pytest.approx(expected)


def test_grid_crossed_with_draws(tmp_path):
    study = tmp_path / "s.yaml"
    study.write_text(
        "samples: 3\ndistributions:\n  site.power_mw: {dist: uniform, low: 1, high: 2}\n"
    )
    frame = planner.sweep(write_instance(tmp_path, ONE_TIER), study=study,
                          vary={"systems.beta.derate": [0.5, 1]})  # fmt: skip
    assert len(frame) == 6 and list(frame.columns[1:3]) == ["systems.beta.derate", "site.power_mw"]
    assert frame["site.power_mw"].nunique() == 3 and (frame["status"] == "optimal").all()
    with pytest.raises(UsageError, match="both varied and drawn"):
        planner.sweep(write_instance(tmp_path, ONE_TIER), study=study, vary={"site.power_mw": [1]})


def test_sweep_row_matches_plan_solve_tables(tmp_path):
    path = write_instance(tmp_path, TWO_TIERS)
    case = {"tiers.fast.price_usd_per_mtok": 5, "site.capex_budget_usd": 6e6}
    row = planner.sweep(path, vary={k: [v] for k, v in case.items()}).iloc[0]
    tables = planner.solve(path, overrides=[f"{k}={v}" for k, v in case.items()]).tables
    for column in ("objective_value", "revenue_usd_per_year", "cost_usd_per_year", "capex_usd",
                   "facility_power_mw", "tok_s", "mtok_per_year", "cost_usd_per_mtok"):  # fmt: skip
        assert row[column] == pytest.approx(tables.summary.at[0, column]), column
    for _, rack in tables.racks.iterrows():
        assert row[f"racks_{rack['rack']}"] == rack["count"]
    for _, tier in tables.tiers.iterrows():
        assert row[f"power_mw_{tier['tier']}"] == pytest.approx(tier["facility_power_mw"])


def test_two_local_workers_match_serial(tmp_path):
    spec = BaseSpec(str(write_instance(tmp_path, TWO_TIERS)))
    cases = _cases()[:8]
    serial = run_cases(spec, cases)
    parallel = run_cases(spec, cases, tmp_path / "out", workers=2)
    assert parallel.drop(columns="solve_s").equals(serial.drop(columns="solve_s"))
    assert len(list((tmp_path / "out" / "cases").glob("*.json"))) == 8


def test_dask_local_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    spec = BaseSpec(str(write_instance(tmp_path, TWO_TIERS)))
    cases = _cases()[:6]
    serial = run_cases(spec, cases)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, host="127.0.0.1",
        protocol="tcp", dashboard_address=":0",
    ) as cluster:  # fmt: skip
        frame = run_cases(spec, cases, tmp_path / "out", scheduler=cluster.scheduler_address)
        args = ["sweep", spec.path, "--vary", "site.power_mw=1,2", "--out", str(tmp_path / "cli"),
                "--scheduler", cluster.scheduler_address]  # fmt: skip
        result = CliRunner().invoke(cli, args)
    assert frame.drop(columns="solve_s").equals(serial.drop(columns="solve_s"))
    assert result.exit_code == 0, result.output
    assert "2 cases (0 already done): 2 solved, 0 infeasible or unbounded" in result.output


def test_killed_sweep_resumes_without_losing_cases(tmp_path):
    import json

    path = write_instance(tmp_path, TWO_TIERS)
    out = tmp_path / "out"
    args = [str(Path(sys.executable).parent / "plan"), "sweep", str(path), "--workers", "1",
            "--vary", "tiers.fast.price_usd_per_mtok=1:60:1", "--out", str(out)]  # fmt: skip
    proc = subprocess.Popen(args, cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.glob("cases/*.json"))) < 5:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    first = {p.name: p.stat().st_mtime_ns for p in out.glob("cases/*.json")}
    assert 5 <= len(first) < 60, "the sweep should be killed part-way"
    assert not (out / "sweep.csv").exists()
    for done in out.glob("cases/*.json"):  # atomic writes: no half-written case file
        json.loads(done.read_text())
    result = CliRunner().invoke(cli, args[1:])
    assert result.exit_code == 0, result.output
    assert f"{len(first)} already done" in result.output
    after = {p.name: p.stat().st_mtime_ns for p in out.glob("cases/*.json")}
    assert len(after) == 60 and all(after[name] == t for name, t in first.items())
    import pandas as pd

    frame = pd.read_csv(out / "sweep.csv")
    assert len(frame) == 60 and frame["case_id"].is_unique
    assert frame["tiers.fast.price_usd_per_mtok"].tolist() == list(range(1, 61))
    assert (frame["status"] == "optimal").all()


def test_resume_retries_unexpected_errors(tmp_path):
    import json

    path = write_instance(tmp_path, ONE_TIER)
    vary = {"site.power_mw": [1, 2, 3]}
    first = planner.sweep(path, vary=vary, out=tmp_path / "out")
    broken = tmp_path / "out" / "cases" / f"{first.at[1, 'case_id']}.json"
    row = json.loads(broken.read_text())
    broken.write_text(json.dumps(row | {"status": "error", "summary": {}}))
    again = planner.sweep(path, vary=vary, out=tmp_path / "out")
    assert again.attrs["resumed_cases"] == 2
    assert (again["status"] == "optimal").all()
    assert again["objective_value"].tolist() == pytest.approx(first["objective_value"].tolist())


def test_sweep_cli_usage_errors(tmp_path):
    path = write_instance(tmp_path, ONE_TIER)
    runner = CliRunner()
    assert runner.invoke(cli, ["sweep", str(path)]).exit_code == 2
    assert runner.invoke(cli, ["sweep", str(path), "--samples", "3"]).exit_code == 2
    bad = runner.invoke(cli, ["sweep", str(path), "--vary", "site.power_mw=2:1:1"])
    assert bad.exit_code == 2 and "stop >= start" in bad.output


def test_shipped_study_file_on_1gw(tmp_path):
    study = load_study(ROOT / "studies" / "1gw-prices.yaml")
    frame = planner.sweep(ROOT / "instances" / "1gw.yaml", study=ROOT / "studies" / "1gw-prices.yaml",
                          samples=3, out=tmp_path)  # fmt: skip
    assert list(frame.columns[1 : 1 + len(study.distributions)]) == list(study.distributions)
    assert (frame["status"] == "optimal").all()
    assert {"racks_vr-nvl72", "power_mw_ultra"} <= set(frame.columns)


def test_cli_does_not_import_heavy_study_modules():
    code = (
        "import sys, planner.cli; "
        "heavy = [m for m in ('matplotlib', 'distributed', 'dask', 'rich') if m in sys.modules]; "
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_dead_worker_loses_only_its_case(tmp_path, monkeypatch):
    # the worker dies on the marked case every time: that case is retried once alone and then
    # recorded as an error; every other case is solved
    import sweep_faults

    from planner.studies import engine

    monkeypatch.setattr(engine, "evaluate", sweep_faults.evaluate_or_die)
    spec = BaseSpec(str(write_instance(tmp_path, TWO_TIERS)))
    cases = [{"site.power_mw": p} for p in (0.5, 1.0, sweep_faults.KILLER_POWER_MW, 1.5, 2.0)]
    frame = run_cases(spec, cases, tmp_path / "out", workers=2)
    status = dict(zip(frame["site.power_mw"], frame["status"], strict=True))
    assert status.pop(sweep_faults.KILLER_POWER_MW) == "error"
    assert set(status.values()) == {"optimal"}
    message = frame.set_index("site.power_mw").loc[sweep_faults.KILLER_POWER_MW, "message"]
    assert "worker process died 2 times" in message


def _read(path: str) -> str:
    """A /proc file, or "" when the process has gone meanwhile."""
    try:
        return Path(path).read_text(errors="ignore")
    except OSError:
        return ""


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        text = _read(str(stat))
        if ")" in text and int(text.rsplit(")", 1)[1].split()[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _running(pid: int) -> bool:
    """Alive and not a zombie."""
    text = _read(f"/proc/{pid}/stat")
    return bool(text) and text.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux")
def test_killing_the_sweep_stops_its_workers(tmp_path):
    import os
    import signal
    import time

    path = write_instance(tmp_path, TWO_TIERS)
    args = [str(Path(sys.executable).parent / "plan"), "sweep", str(path), "--workers", "2",
            "--vary", "tiers.fast.price_usd_per_mtok=1:400:1", "--out", str(tmp_path / "out")]  # fmt: skip
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    with subprocess.Popen(args, cwd=ROOT, **quiet) as proc:
        deadline = time.time() + 60
        workers: set[int] = set()
        while time.time() < deadline and len(workers) < 2:
            children = _children(proc.pid)
            workers = {c for c in children if "spawn" in _read(f"/proc/{c}/cmdline")}
            time.sleep(0.2)
        assert workers, "no worker processes seen"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    deadline = time.time() + 15
    while time.time() < deadline and any(_running(w) for w in workers):
        time.sleep(0.2)
    alive = [w for w in workers if _running(w)]
    assert not alive, f"workers still running after the sweep died: {alive}"


def test_sweep_columns_keep_their_order_after_a_resume(tmp_path):
    # tiers written zeta before alpha: fresh rows carry the instance's order, resumed rows come
    # back from JSON; the sweep.csv header must be the same either way
    body = {"site": {"power_mw": 1.0}, "systems": ["alpha"],
            "tiers": {"zeta": {"price_usd_per_mtok": 2, "min_tok_s_per_user": 10},
                      "alpha": {"price_usd_per_mtok": 1, "min_tok_s_per_user": 10}}}  # fmt: skip
    spec = BaseSpec(str(write_instance(tmp_path, body)))
    cases = [{"site.power_mw": p} for p in (0.5, 1.0)]
    out = tmp_path / "out"
    fresh = run_cases(spec, cases, out)
    first = (out / "sweep.csv").read_text().splitlines()[0]
    resumed = run_cases(spec, cases, out)
    assert resumed.attrs["resumed_cases"] == 2
    assert (out / "sweep.csv").read_text().splitlines()[0] == first
    assert list(fresh.columns) == list(resumed.columns)


def test_sweep_prints_and_writes_percentiles_and_a_tornado(tmp_path):
    # a 2 x 3 grid on the enterprise site: P10/P50/P90 are numpy's percentiles of the solved
    # cases' objective values; the tornado ranks the input whose ends differ most first
    import numpy as np

    from planner.studies.outcomes import tornado_table

    out = tmp_path / "grid"
    args = ["sweep", str(ENTERPRISE), "--vary", "tiers.premium.price_usd_per_mtok=10,20,30",
            "--vary", "site.electricity_usd_per_mwh=60,80", "--out", str(out)]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    sweep = pd.read_csv(out / "sweep.csv")
    summary = pd.read_csv(out / "sweep_summary.csv").set_index("output")
    expected = np.percentile(sweep["objective_value"], [10, 50, 90])
    assert summary.loc["objective_value", ["p10", "p50", "p90"]].tolist() == pytest.approx(expected)
    tornado = pd.read_csv(out / "tornado.csv")
    assert tornado["input"].tolist()[0] == "tiers.premium.price_usd_per_mtok"
    low = sweep[sweep["tiers.premium.price_usd_per_mtok"] == 10]["objective_value"].mean()
    assert tornado.loc[0, "objective_at_low"] == pytest.approx(low)
    assert (out / "tornado.png").stat().st_size > 1000
    assert "P10" in result.output and "moves the objective from" in result.output
    # a Monte Carlo-like input with many values uses the lowest and highest thirds
    many = pd.DataFrame({"x": range(30), "objective_value": [2.0 * i for i in range(30)],
                         "status": ["optimal"] * 30})  # fmt: skip
    row = tornado_table(many, ["x"]).iloc[0]
    assert row["objective_at_low"] == pytest.approx(
        np.mean([2.0 * i for i in range(30) if i <= 29 / 3])
    )
    report = CliRunner().invoke(cli, ["report", str(out)])
    assert report.exit_code == 0, report.output
    page = (out / "report.html").read_text()
    assert "Spread of the outcome" in page and "Which input moves the outcome most" in page
    import html
    import re

    from planner.results.present import SCIENTIFIC, SNAKE

    visible = html.unescape(
        re.sub(r"<[^>]+>", " ", re.sub(r"<(style|img)[^>]*>(.*?</style>)?", " ", page, flags=re.S))
    )
    assert not SCIENTIFIC.findall(visible) and not SNAKE.findall(visible)


def test_a_sweep_report_lists_what_was_varied_and_its_assumptions(tmp_path):
    # the sweep's page showed outcomes and cases but not the base instance's inputs or how the
    # cases were made; the sweep now writes run.json (manifest, base inputs with sources, the
    # varied inputs) and the page shows them as the other reports do
    out = tmp_path / "grid"
    args = ["sweep", str(ENTERPRISE), "--vary", "tiers.premium.price_usd_per_mtok=10,20,30",
            "--vary", "site.electricity_usd_per_mwh=60,80", "--out", str(out)]  # fmt: skip
    assert CliRunner().invoke(cli, args).exit_code == 0
    run = json.loads((out / "run.json").read_text())
    assert run["kind"] == "sweep" and run["cases"] == 6
    assert sorted(run["files"]) == ["sweep.csv", "sweep_summary.csv", "tornado.csv", "tornado.png"]
    assert run["varied"] == [
        {"input": "tiers.premium.price_usd_per_mtok", "how": "3 values, from 10 to 30"},
        {"input": "site.electricity_usd_per_mwh", "how": "2 values, from 60 to 80"},
    ]
    sources = {row["input"]: row["source"] for row in run["inputs"]}
    assert "EIA April 2025" in sources["site.electricity_usd_per_mwh"]  # the instance's comment
    assert CliRunner().invoke(cli, ["report", str(out)]).exit_code == 0
    page = html.unescape((out / "report.html").read_text())
    assert "<h2>What was varied</h2>" in page and "Every case is " in page
    assert "Tier premium: output price ($ per million): 3 values, from 10 to 30" in page
    assert "<h2>Assumptions: every input, its source and its label</h2>" in page
    assert "EIA April 2025" in page
    # one result per folder: a plan solved into it removes the sweep's files, report included
    assert CliRunner().invoke(cli, ["solve", str(ENTERPRISE), "--out", str(out)]).exit_code == 0
    left = {p.name for p in out.iterdir()}
    assert not left & {"sweep.csv", "sweep_summary.csv", "tornado.csv", "tornado.png",
                       "report.html", "report.xlsx"}, left  # fmt: skip
