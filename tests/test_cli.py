"""CLI through click's CliRunner: exit codes for each error class, files written, one-line errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import ROOT, write_instance

import planner
from planner.cli import cli
from planner.errors import EXIT_INFEASIBLE, EXIT_INVALID, EXIT_NO_SOLUTION, EXIT_OK, EXIT_USAGE

BASE = {
    "site": {"power_mw": 1.0},
    "systems": ["alpha", "beta"],
    "tiers": {"t": {"price_usd_per_mtok": 1, "min_tok_s_per_user": 10}},
}


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def assert_one_line_error(result, *needles: str) -> None:
    err = result.stderr.strip()
    assert "Traceback" not in result.output + result.stderr
    assert len(err.splitlines()) == 1, err
    for needle in needles:
        assert needle in err, err


def test_solve_writes_contract_files(tmp_path):
    out = tmp_path / "out"
    result = run("solve", str(write_instance(tmp_path, BASE)), "--out", str(out))
    assert result.exit_code == EXIT_OK, result.output
    assert "Racks to buy" in result.stdout and "Power split per tier" in result.stdout
    names = sorted(p.name for p in out.iterdir())
    assert names == ["allocation.csv", "racks.csv", "run.json", "serving.csv", "summary.csv",
                     "tiers.csv"]  # fmt: skip
    header = (out / "summary.csv").read_text().splitlines()[0]
    assert header.startswith("instance,objective,status,objective_value,revenue_usd_per_year")
    info = json.loads((out / "run.json").read_text())
    assert info["status"] == "optimal" and len(info["instance_sha256"]) == 64
    assert set(info["versions"]) == {"planner", "pyomo", "highs", "python"}
    assert not list(out.glob(".*.tmp")), "temporary files left behind"


def test_solve_json_format_and_set_override(tmp_path):
    path = write_instance(tmp_path, BASE)
    result = run("solve", str(path), "--out", str(tmp_path / "o"), "--format", "json",
                 "--set", "tiers.t.price_usd_per_mtok=2")  # fmt: skip
    assert result.exit_code == EXIT_OK
    payload = json.loads(result.stdout)
    assert payload["overrides"] == ["tiers.t.price_usd_per_mtok=2"]
    # 5 beta racks x 3,000 tok/s x 31.5576 Mtok/yr per tok/s x $2
    assert payload["summary"][0]["revenue_usd_per_year"] == pytest.approx(15_000 * 31.5576 * 2)


@pytest.mark.parametrize(
    ("mutate", "code", "needles"),
    [
        (lambda b: b["site"].update(power_mw=-5), EXIT_INVALID, ["site.power_mw", "-5"]),
        (lambda b: b["site"].update(power_mw=".nan"), EXIT_INVALID, ["site.power_mw"]),
        (lambda b: b["tiers"]["t"].update(prce_usd_per_mtok=1), EXIT_INVALID, ["tiers.t.prce_usd_per_mtok", "unknown field"]),
        (lambda b: b.update(systems=["alpah"]), EXIT_INVALID, ["systems[0]", "alpah", "did you mean 'alpha'"]),
        (lambda b: b.update(racks={"zeta": {"max_count": 1}}), EXIT_INVALID, ["racks.zeta", "unknown rack"]),
        (lambda b: b.update(objective="money"), EXIT_INVALID, ["objective", "money"]),
        (lambda b: b["tiers"].update(u={"price_usd_per_mtok": 9, "min_tok_s_per_user": 5000, "power_share_frac": 0.1}),
         EXIT_INVALID, ["tiers.u.min_tok_s_per_user", "beta reaches 200 tok/s per user"]),
        (lambda b: b["tiers"].update(
            a={"price_usd_per_mtok": 1, "min_tok_s_per_user": 10, "power_share_frac": 0.7},
            b={"price_usd_per_mtok": 1, "min_tok_s_per_user": 10, "min_power_share_frac": 0.6}),
         EXIT_INVALID, ["sum to 1.3"]),
    ],
)  # fmt: skip
def test_invalid_instances_exit_3(tmp_path, mutate, code, needles):
    body = json.loads(json.dumps(BASE))
    mutate(body)
    for command in ("validate", "solve"):
        result = (
            run(command, str(write_instance(tmp_path, body)), "--out", str(tmp_path / "o"))
            if command == "solve"
            else run(command, str(write_instance(tmp_path, body)))
        )
        assert result.exit_code == code, result.output
        assert_one_line_error(result, *needles)
    assert not (tmp_path / "o").exists(), "nothing is written for an invalid instance"


def test_missing_file_and_yaml_syntax(tmp_path):
    result = run("validate", str(tmp_path / "nope.yaml"))
    assert result.exit_code == EXIT_INVALID
    assert_one_line_error(result, "nope.yaml", "file not found")
    bad = tmp_path / "bad.yaml"
    bad.write_text("site:\n  power_mw: [1, 2\ntiers: {}\n")
    result = run("validate", str(bad))
    assert result.exit_code == EXIT_INVALID
    assert_one_line_error(result, "YAML syntax error at line", "column")


def test_usage_errors_exit_2(tmp_path):
    path = str(write_instance(tmp_path, BASE))
    assert run("solve", path, "--format", "xml").exit_code == EXIT_USAGE
    result = run("validate", path, "--set", "no-equals-sign")
    assert result.exit_code == EXIT_USAGE
    assert_one_line_error(result, "PATH=VALUE")


def test_unservable_forecast_is_infeasible_exit_4(tmp_path):
    # cost_per_token must serve 1e9 Mtok/yr in 1 MW; alpha at 10 tok/s/user makes 10,000 tok/s
    # per MW = 315,576 Mtok/yr: the forecast needs ~3,169 MW.
    body = {**BASE, "objective": "cost_per_token", "systems": ["alpha"],
            "tiers": {"t": {"price_usd_per_mtok": 1, "min_tok_s_per_user": 10, "demand_mtok_per_year": 1e9}}}  # fmt: skip
    result = run("solve", str(write_instance(tmp_path, body)), "--out", str(tmp_path / "o"))
    assert result.exit_code == EXIT_INFEASIBLE
    assert_one_line_error(result, "infeasible", "t forecast", "3,168.81 MW")
    assert "status infeasible" in result.stdout
    summary = (tmp_path / "o" / "summary.csv").read_text()
    assert ",infeasible," in summary


def test_fixed_shares_that_whole_racks_cannot_fill_are_explained(tmp_path):
    # alpha draws 100 kW (PUE 1): 1.05 MW is 10.5 racks, so two fixed 50% shares of the site
    # (0.525 MW each = 5.25 alpha units) would need half a rack bought: infeasible.
    tiers = {n: {"price_usd_per_mtok": 1, "min_tok_s_per_user": 10, "power_share_frac": 0.5}
             for n in ("a", "b")}  # fmt: skip
    body = {**BASE, "site": {"power_mw": 1.05}, "systems": ["alpha"], "tiers": tiers}
    result = run("solve", str(write_instance(tmp_path, body)), "--out", str(tmp_path / "o"))
    assert result.exit_code == EXIT_INFEASIBLE
    assert_one_line_error(result, "100.0%", "whole racks", "max_power_share_frac")


def test_no_solution_exit_5(tmp_path, monkeypatch):
    # A time limit with no incumbent: the status maps to exit code 5.
    from planner.solver.highs import SolveReport, SolveStatus

    def timed_out(compile, settings, solver):
        return SolveReport(SolveStatus.NO_SOLUTION, None, None, None, 0.0, "maxTimeLimit")

    monkeypatch.setattr("planner.solver.run.solve_compiled", timed_out)
    result = run("solve", str(write_instance(tmp_path, BASE)), "--out", str(tmp_path / "o"))
    assert result.exit_code == EXIT_NO_SOLUTION
    assert_one_line_error(result, "time limit")


def test_schema_is_json_with_contract_fields():
    result = run("schema")
    assert result.exit_code == EXIT_OK
    schema = json.loads(result.stdout)
    tier = schema["$defs"]["Tier"]["properties"]
    assert {"price_usd_per_mtok", "min_tok_s_per_user", "demand_mtok_per_year"} <= set(tier)
    assert "capex_budget_usd" in schema["$defs"]["Site"]["properties"]
    # every field is documented, from the attribute docstrings (planner.inputs.schema)
    for name, node in [("Instance", schema), *schema["$defs"].items()]:
        for field, prop in node.get("properties", {}).items():
            assert prop.get("description"), f"{name}.{field} has no description"


def test_unexpected_error_is_one_line_without_debug(tmp_path, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("kaboom")

    monkeypatch.setattr("planner.results.run.build_plan_data", boom)
    path = str(write_instance(tmp_path, BASE))
    result = run("solve", path, "--out", str(tmp_path / "o"))
    assert result.exit_code == 1
    assert_one_line_error(result, "unexpected RuntimeError: kaboom", "--debug")
    result = run("solve", path, "--out", str(tmp_path / "o"), "--debug")
    assert "Traceback" in result.stderr


def test_init_writes_a_starter_instance_that_solves(tmp_path):
    # 100 MW: 1gw.yaml's power, budget ($50B -> $5B) and forecasts scaled by a tenth
    import yaml

    path = tmp_path / "site-a.yaml"
    result = CliRunner().invoke(cli, ["init", str(path), "--site-mw", "100"])
    assert result.exit_code == 0, result.output
    doc = yaml.safe_load(path.read_text())
    assert doc["name"] == "site-a" and doc["site"]["power_mw"] == 100
    assert doc["site"]["capex_budget_usd"] == pytest.approx(5e9)
    assert doc["tiers"]["medium"]["demand_mtok_per_year"] == pytest.approx(3.7e7)  # 3.7e8 / 10
    assert path.read_text().startswith("# Starter instance written by `plan init --site-mw 100`")
    # the free tier's users scale too (6.8e7 -> 6.8e6), and no line keeps a 1 GW comment
    # beside a scaled value ("about 1 GW" stayed next to 100)
    assert doc["tiers"]["free"]["min_mtok_per_year"] == pytest.approx(6.8e6)
    assert doc["description"].startswith("100 MW AI factory") and "$5B all-in" in doc["description"]
    power_line = next(line for line in path.read_text().splitlines() if "  power_mw: 100" in line)
    assert "# 1000 at 1 GW x 100/1,000; there: " in power_line
    solved = CliRunner().invoke(cli, ["solve", str(path), "--out", str(tmp_path / "out")])
    assert solved.exit_code == 0, solved.output
    again = CliRunner().invoke(cli, ["init", str(path)])
    assert again.exit_code == 2 and "exists" in again.stderr


def test_every_command_speaks_json(tmp_path):
    # every command takes --format json (scripts), and the ones run here print one JSON
    # document on stdout and nothing else
    import click

    for name, command in cli.commands.items():
        choices = [p.type.choices for p in command.params
                   if isinstance(p, click.Option) and "--format" in p.opts
                   and isinstance(p.type, click.Choice)]  # fmt: skip
        assert choices and "json" in choices[0], name
    one = write_instance(tmp_path, BASE)
    runs = {
        "validate": ["validate", str(one)],
        "schema": ["schema"],
        "init": ["init", str(tmp_path / "new.yaml")],
        "catalog": ["catalog", str(one)],
        "compare": ["compare", str(one), str(one)],
        "solve": ["solve", str(one), "--out", str(tmp_path / "o")],
        "report": ["report", str(tmp_path / "o")],
    }
    for name, args in runs.items():
        result = run(*args, "--format", "json")
        assert result.exit_code == 0, (name, result.output)
        assert isinstance(json.loads(result.stdout), dict), name


def test_catalog_export_reads_back_as_a_racks_csv(tmp_path):
    # the exported racks, passed back unchanged, give the same plan; a price edited in the
    # file is the price the plan pays
    out = tmp_path / "racks.csv"
    assert run("catalog", "export", "--out", str(out)).exit_code == 0
    frame = pd.read_csv(out).set_index("rack")
    assert frame.loc["gb300-nvl72", "capex_usd"] == 4_000_000
    shipped = ROOT / "instances" / "100mw-enterprise.yaml"
    base = planner.solve(shipped).tables.summary.iloc[0]["objective_value"]
    same = planner.solve(shipped, racks_csv=out).tables.summary.iloc[0]["objective_value"]
    assert same == pytest.approx(base, rel=1e-9)
    frame.loc["vr-nvl72", "capex_usd"] = 9_000_000
    frame.reset_index().to_csv(out, index=False)
    racks = planner.solve(shipped, racks_csv=out).tables.racks.set_index("rack")
    assert racks.loc["vr-nvl72", "capex_usd"] == pytest.approx(9e6 * racks.loc["vr-nvl72", "count"])
