"""Hostile inputs, round three: every door reads numbers as the instance loader does.

Each test names the defect it guards against (issue "A hostile world, round three")."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from conftest import ROOT, write_instance

import planner
from planner.cli import cli
from planner.errors import InstanceError, UsageError
from planner.inputs.yamlio import parse_value, strict_number
from planner.studies.cases import parse_vary

ONE_GW = str(ROOT / "instances" / "1gw.yaml")


@pytest.mark.parametrize("raw", ["010", "0x3E8", "16:40", "1_000", "\uff11\uff10\uff10\uff10",
                                 "\u0661\u0660\u0660\u0660", "0o17"])  # fmt: skip
def test_set_refuses_what_the_file_loader_refuses(raw):
    # --set site.power_mw=010 planned an 8 MW site (YAML 1.1 octal); 0x3E8, 16:40 and 1_000 were
    # each read as 1000; fullwidth and Arabic-Indic digits became numbers
    result = CliRunner().invoke(cli, ["validate", ONE_GW, "--set", f"site.power_mw={raw}"])
    assert result.exit_code == 3, result.output
    assert "site.power_mw" in result.output and "Traceback" not in result.output


def test_plain_numbers_still_read_as_numbers():
    assert strict_number("1000") == 1000 and strict_number("1e3") == 1000.0
    assert strict_number("0.5") == 0.5 and strict_number("-3") == -3 and strict_number(".5") == 0.5
    assert parse_value("null", "--set x") is None and parse_value("[1, 2]", "--set x") == [1, 2]
    assert parse_value("'010'", "--set x") == "010"  # quoted: text, as in a file


@pytest.mark.parametrize("spec", ["\uff11,\uff12", "\u0661,\u0662", "1_0,20"])
def test_vary_refuses_lookalike_digits(spec):
    # several rows with one case id: fullwidth digits were read as numbers and as text
    with pytest.raises(UsageError):
        parse_vary(f"site.power_mw={spec}")


@pytest.mark.parametrize("spec", ["0:1e308:1e-300", "1:1.000000000001:1e-13", "0:inf:1"])
def test_vary_ranges_that_overflow_or_collide_are_usage_errors(spec):
    # OverflowError (exit 1) for 0:1e308:1e-300; a 1e-13 step gave rows with one case id
    with pytest.raises(UsageError):
        parse_vary(f"site.power_mw={spec}")


@pytest.mark.parametrize("option", [["--time-limit", "nan"], ["--mip-gap", "nan"],
                                    ["--time-limit", "inf"]])  # fmt: skip
def test_nan_limits_are_refused(option, tmp_path):
    result = CliRunner().invoke(cli, ["solve", ONE_GW, "--out", str(tmp_path / "o"), *option])
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "o").exists()


def test_duplicate_rows_in_a_racks_csv_are_refused(tmp_path):
    # duplicate rows for one rack silently kept the last
    csv = tmp_path / "quotes.csv"
    csv.write_text("rack,capex_usd\ngb300-nvl72,4000000\ngb300-nvl72,3000000\n")
    with pytest.raises(InstanceError, match="appears again"):
        planner.load_instance(ONE_GW, racks_csv=csv)
    csv.write_text("rack,capex_usd\ngb300-nvl72,4_000_000\n")
    with pytest.raises(InstanceError, match="capex_usd.*not a plain decimal"):
        planner.load_instance(ONE_GW, racks_csv=csv)


@pytest.mark.parametrize(("count", "words"), [("2.9", "whole number"), ("inf", "whole number"),
                                              ("1e300", "outside"), ("-1", "outside")])  # fmt: skip
def test_existing_racks_csv_counts_are_whole_and_bounded(tmp_path, count, words):
    # 2.9 was read as 2; inf and 1e300 crashed (exit 1)
    (tmp_path / "racks.csv").write_text(f"rack,count\nalpha,{count}\n")
    body = {"site": {"power_mw": 1.0}, "systems": ["alpha"],
            "tiers": {"t": {"price_usd_per_mtok": 1, "min_tok_s_per_user": 10}},
            "horizon": {"start_year": 2027, "years": 2, "existing_racks_csv": "racks.csv"}}  # fmt: skip
    with pytest.raises(InstanceError, match=words):
        planner.solve(write_instance(tmp_path, body))


def test_existing_racks_csv_reads_a_byte_order_mark_and_refuses_bad_bytes(tmp_path):
    # a CSV with a byte-order mark was refused (--racks-csv accepts it); a non-UTF-8 byte: exit 1
    body = {"site": {"power_mw": 1.0}, "systems": ["alpha"],
            "tiers": {"t": {"price_usd_per_mtok": 1, "min_tok_s_per_user": 10}},
            "horizon": {"start_year": 2027, "years": 2, "existing_racks_csv": "racks.csv"}}  # fmt: skip
    (tmp_path / "racks.csv").write_bytes("\ufeffrack,count\nalpha,1\n".encode())
    r = planner.solve(write_instance(tmp_path, body))
    assert r.status == "optimal"
    (tmp_path / "racks.csv").write_bytes(b"rack,count\nalph\xff,1\n")
    with pytest.raises(InstanceError, match="cannot read"):
        planner.solve(write_instance(tmp_path, body))


def test_devices_and_pipes_are_read_once_and_bounded(tmp_path):
    # plan validate /dev/zero ran out of memory (the 10 MB limit was for regular files only);
    # `cat instance | plan solve /dev/stdin` hashed an empty second read and lost its comments
    result = CliRunner().invoke(cli, ["validate", "/dev/zero"])
    assert result.exit_code == 3 and "larger than" in result.output, result.output
    text = (ROOT / "instances" / "1gw.yaml").read_text()
    fifo = tmp_path / "pipe"
    import hashlib
    import os
    import threading

    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_text(text))
    writer.start()
    loaded = planner.load_instance(fifo)
    writer.join()
    assert loaded.sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert "GTC 2026 keynote example" in loaded.source_text


@pytest.mark.parametrize("damage", [b"{}", b"[]", b"\xff\xfe", b'{"status": "optimal"}'])
def test_a_damaged_case_file_is_solved_again(tmp_path, damage):
    # one damaged file in a sweep's cases/ made every later resume exit 1
    body = {"site": {"power_mw": 0.2}, "systems": ["alpha"],
            "tiers": {"t": {"price_usd_per_mtok": 5, "min_tok_s_per_user": 10}}}  # fmt: skip
    path = write_instance(tmp_path, body)
    vary = {"tiers.t.price_usd_per_mtok": [5, 6]}
    first = planner.sweep(path, vary=vary, out=tmp_path / "out")
    victim = next((tmp_path / "out" / "cases").glob("*.json"))
    victim.write_bytes(damage)
    again = planner.sweep(path, vary=vary, out=tmp_path / "out")
    assert again.attrs["resumed_cases"] == 1
    assert again["objective_value"].tolist() == pytest.approx(first["objective_value"].tolist())


def test_formula_like_headers_are_neutralised(tmp_path):
    # a study key such as =cmd|' /C calc'!A0 became a live header in sweep.csv
    import pandas as pd

    from planner.results.files import frame_csv

    text = frame_csv(pd.DataFrame({"=cmd|' /C calc'!A0": [1.0], "plain": ["=1+1"]}))
    assert text.splitlines()[0].startswith("'=cmd")
    assert text.splitlines()[1].endswith("'=1+1")


def test_formula_like_headers_are_text_in_the_workbook(tmp_path):
    import pandas as pd
    from openpyxl import load_workbook

    from planner.report.xlsx import write_xlsx

    frames = {"sweep": pd.DataFrame({"=cmd|' /C calc'!A0": [1.0], "status": ["optimal"]})}
    write_xlsx(frames, tmp_path / "r.xlsx", {})
    header = [c.value for c in load_workbook(tmp_path / "r.xlsx")["Sweep"][1]]
    assert header[0].startswith("'=")  # text, not a live formula


def test_prices_grown_beyond_range_are_refused_by_name(tmp_path):
    # a scenario price_scale of 1e300, or a price growing 100x a year for decades, reached the
    # solver and exited 5 "no feasible plan found within the time limit" with no limit given
    uncertain = str(ROOT / "instances" / "1gw-uncertain.yaml")
    with pytest.raises(InstanceError, match=r"tiers.premium: the price reaches .* scenario high"):
        planner.solve(uncertain, overrides={"scenarios.high.price_scale.premium": 1e300})
    body = {"site": {"power_mw": 0.1}, "systems": ["alpha"],
            "tiers": {"t": {"price_usd_per_mtok": 20, "min_tok_s_per_user": 10}},
            "horizon": {"start_year": 2027, "years": 5,
                        "tiers": {"t": {"price_usd_per_mtok": {"start": 20, "growth_frac_per_year": 100}}}}}  # fmt: skip
    with pytest.raises(InstanceError, match=r"tiers.t: the price reaches .* in 2030"):
        planner.solve(write_instance(tmp_path, body))


def test_no_plan_without_a_time_limit_does_not_blame_the_time_limit():
    from types import SimpleNamespace

    from planner.explanation.infeasible import explain_failure
    from planner.solver.highs import SolveSettings, SolveStatus

    report = SimpleNamespace(status=SolveStatus.NO_SOLUTION, termination="unknown")
    fake = SimpleNamespace(solved=SimpleNamespace(report=report), settings=SolveSettings())
    assert "time limit" not in explain_failure(fake).split("with no")[0]
    limited = SimpleNamespace(solved=SimpleNamespace(report=report),
                              settings=SolveSettings(time_limit_s=1.0))  # fmt: skip
    assert "raise --time-limit" in explain_failure(limited)


def test_more_threads_than_cpus_is_a_usage_error(tmp_path):
    # --threads 400 under a memory limit: HiGHS aborted (exit -6), no message
    import os

    too_many = (os.cpu_count() or 1) + 1
    result = CliRunner().invoke(cli, ["solve", ONE_GW, "--threads", str(too_many),
                                      "--out", str(tmp_path / "o")])  # fmt: skip
    assert result.exit_code == 2 and "CPUs" in result.output, result.output
    assert not (tmp_path / "o").exists()


def test_a_sweep_reads_its_instance_from_a_pipe(tmp_path):
    # `plan sweep /dev/stdin` failed: "file not found" (the spec held /proc/.../pipe:[n], which
    # the case runner then tried to open again)
    body = {"site": {"power_mw": 0.2}, "systems": ["alpha"],
            "tiers": {"t": {"price_usd_per_mtok": 5, "min_tok_s_per_user": 10}}}  # fmt: skip
    text = write_instance(tmp_path, body).read_text()
    import subprocess
    import sys
    from pathlib import Path

    plan = str(Path(sys.executable).with_name("plan"))
    done = subprocess.run(
        [plan, "sweep", "/dev/stdin", "--vary", "tiers.t.price_usd_per_mtok=5,6", "--out",
         str(tmp_path / "out")], input=text, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "2 cases (0 already done): 2 solved" in done.stdout


def test_the_api_does_not_build_a_huge_vary_before_the_case_cap(tmp_path):
    # planner.sweep(vary={path: range(1, 10**9)}) built the whole list before the cap; an
    # endless iterator never returned
    import itertools

    path = write_instance(tmp_path, {"site": {"power_mw": 0.2}, "systems": ["alpha"],
                                     "tiers": {"t": {"price_usd_per_mtok": 5}}})  # fmt: skip
    for values in (range(1, 10**9), itertools.count()):
        with pytest.raises(UsageError, match="more than 100,000 values"):
            planner.sweep(path, vary={"site.power_mw": values}, out=tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("tier", "objective", "needle"),
    [
        ({"min_power_share_frac": 5e-10}, "revenue", "tiers.free.min_power_share_frac: 5e-10 is below 1e-06"),
        ({"power_share_frac": 5e-10}, "revenue", "tiers.free.power_share_frac: 5e-10 is below 1e-06"),
        ({"min_token_share_frac": 1e-9}, "revenue", "tiers.free.min_token_share_frac: 1e-09 is below"),
        ({"min_mtok_per_year": 1e-12}, "revenue", "tiers.free.min_mtok_per_year: 1e-12 is below 0.01 Mtok"),
        ({"min_power_share_frac": 1e-6, "site_mw": 1e-3}, "revenue",
         "tiers.free.min_power_share_frac: 1e-06 of 0.001 MW is 1e-09 MW"),
        ({"demand_mtok_per_year": 1e-12}, "cost_per_token",
         "tiers.free.demand_mtok_per_year: 1e-12 Mtok a year must be served in full"),
    ],
)  # fmt: skip
def test_floors_below_the_solvers_resolution_are_refused_by_name(tmp_path, tier, objective, needle):
    # a free-tier power floor of 5e-10 MW, or cost per token with a forecast of 1e-12 Mtok,
    # exited 1 "the plan on whole racks misses ..." (a floor only the solver's tolerance sees)
    tier = dict(tier)
    body = {"site": {"power_mw": tier.pop("site_mw", 1)}, "objective": objective,
            "tiers": {"free": {"price_usd_per_mtok": 0, "min_tok_s_per_user": 10, **tier},
                      "paid": {"price_usd_per_mtok": 5, "min_tok_s_per_user": 10,
                               "demand_mtok_per_year": 1000}}}  # fmt: skip
    result = CliRunner().invoke(cli, ["solve", str(write_instance(tmp_path, body)), "--out",
                                      str(tmp_path / "out")])  # fmt: skip
    assert result.exit_code == 3 and needle in result.stderr, result.output
    # at the smallest allowed size the plan meets the floor, checked exactly
    smallest = {k: 1e-6 if k.endswith("_frac") else 0.01 for k in tier}
    body["site"]["power_mw"] = 1
    body["tiers"]["free"] = {"price_usd_per_mtok": 0, "min_tok_s_per_user": 10, **smallest}
    result = CliRunner().invoke(cli, ["solve", str(write_instance(tmp_path, body)), "--out",
                                      str(tmp_path / "out")])  # fmt: skip
    assert result.exit_code == 0, result.output


def test_the_build_stops_at_the_time_limit(tmp_path, monkeypatch):
    # `--time-limit 1` on an 8,000-tier instance took 10.6 s: the build was not interruptible
    # and HiGHS was left the minimum. The build now asks the deadline between stages; here the
    # clock is made to run out after the parameters (each lap of perf_counter is 1 s).
    import itertools

    import planner.solver.run as run
    from planner.errors import TimeLimitError
    from planner.inputs.derive import build_plan_data
    from planner.model import build_model

    loaded = planner.load_instance(ONE_GW)
    data = build_plan_data(loaded.instance, loaded.catalog, loaded.path.parent)
    asked = []
    with pytest.raises(
        TimeLimitError, match=r"before variables\); no plan yet: raise --time-limit"
    ):
        build_model(data, lambda: asked.append(1) or len(asked) > 2)
    ticks = itertools.count(0.0, 1.0)
    monkeypatch.setattr(run.time, "perf_counter", lambda: next(ticks))
    result = CliRunner().invoke(cli, ["solve", ONE_GW, "--time-limit", "2", "--out",
                                      str(tmp_path / "o")])  # fmt: skip
    # the fake clock runs out before the build: the derivation of the numbers stops it first
    assert result.exit_code == 5, result.output
    assert "time limit ran out while the plan's numbers were derived" in result.output
    assert not (tmp_path / "o").exists()


def test_model_lookups_are_linear_in_tiers(tmp_path):
    # tier_servers scanned every (system, tier) pair once per tier: 8,000 tiers spent 21 s of a
    # 23 s build there. Count the passes over the pairs instead of timing them.
    from dataclasses import replace

    from planner.inputs.derive import build_plan_data
    from planner.model import build_model

    class Passes(tuple):
        count = 0

        def __iter__(self):
            Passes.count += 1
            return super().__iter__()

    body = {"site": {"power_mw": 100},
            "tiers": {f"t{i}": {"price_usd_per_mtok": 1 + i % 7, "min_tok_s_per_user": 10 + i % 50}
                      for i in range(200)}}  # fmt: skip
    loaded = planner.load_instance(write_instance(tmp_path, body))
    data = build_plan_data(loaded.instance, loaded.catalog, loaded.path.parent)
    data = replace(data, servable=Passes(data.servable))
    m = build_model(data)
    assert Passes.count < 20  # a pass per tier is 200
    assert all(m.tier_servers[t] == [sy for sy, tt in data.servable if tt == t] for t in data.tiers)


def test_deriving_the_plans_numbers_stops_at_the_time_limit(tmp_path):
    # An 8,000-tier instance spends about a second working out routes before the model's build
    # looks at the clock: `--time-limit 1` ran 17% over. The derivation now asks the deadline
    # every EXPIRED_EVERY tiers and between its steps.
    from planner.errors import TimeLimitError
    from planner.inputs.derive import EXPIRED_EVERY, build_plan_data

    body = {"site": {"power_mw": 100},
            "tiers": {f"t{i}": {"price_usd_per_mtok": 1 + i % 7, "min_tok_s_per_user": 10 + i % 50}
                      for i in range(3 * EXPIRED_EVERY)}}  # fmt: skip
    loaded = planner.load_instance(write_instance(tmp_path, body))
    asked = []

    def expired() -> bool:  # the clock runs out on the third look: inside the routes' loop
        asked.append(1)
        return len(asked) >= 3

    with pytest.raises(TimeLimitError, match=r"numbers were derived \(at the tiers' routes\)"):
        build_plan_data(loaded.instance, loaded.catalog, loaded.path.parent, expired)
    assert len(asked) == 3
    # never out of time: every look is made and the data are whole (3 in the routes, 3 after)
    asked.clear()
    data = build_plan_data(
        loaded.instance, loaded.catalog, loaded.path.parent, lambda: bool(asked.append(1))
    )
    assert len(asked) == 6 and len(data.tiers) == 3 * EXPIRED_EVERY


def test_the_terminal_lists_at_most_forty_tiers(tmp_path):
    # 8,000 tiers printed 8,014 lines (0.3 s to render); the CSVs have every tier, the terminal
    # the forty with the most revenue and a count of the rest
    from planner.results.text import TERMINAL_TIERS

    body = {"site": {"power_mw": 100},
            "tiers": {f"t{i}": {"price_usd_per_mtok": 1 + i, "min_tok_s_per_user": 10}
                      for i in range(TERMINAL_TIERS + 5)}}  # fmt: skip
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["solve", str(write_instance(tmp_path, body)), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    table = result.output.split("Power split per tier")[1].split("Serving per tier")[0]
    listed = [line.split()[0] for line in table.splitlines()[2:] if line.startswith("  t")]
    assert len(listed) == TERMINAL_TIERS
    assert "... and 5 more tiers with less revenue: every tier is in tiers.csv" in table
    import pandas as pd

    tiers = pd.read_csv(out / "tiers.csv")
    assert len(tiers) == TERMINAL_TIERS + 5
    top = tiers.nlargest(TERMINAL_TIERS, "revenue_usd_per_year")["tier"]
    assert sorted(listed) == sorted(top)


def test_a_large_json_is_one_line_per_key_and_the_same_data(tmp_path):
    # indenting a 4 MB run.json is pure Python (0.4 s for 8,000 tiers); past
    # INDENTED_JSON_CHARS each top-level key is one line, the data unchanged
    import json

    from planner.results.files import INDENTED_JSON_CHARS, json_text

    small = {"b": {"x": 1}, "a": [1, 2]}
    assert json_text(small) == json.dumps(small, indent=2, sort_keys=True)
    big = {"name": "x", "rows": [{"k": i, "v": "y" * 20} for i in range(INDENTED_JSON_CHARS // 20)],
           "nan": float("nan")}  # fmt: skip
    text = json_text(big)
    assert text.count("\n") == 5 and json.loads(text)["rows"] == big["rows"]
    assert json.loads(text)["nonfinite"] == {"nan": "nan"}


@pytest.mark.parametrize("text", ["&a [*a, *a]", "&a {x: *a}"])
def test_a_value_that_contains_itself_is_refused(text):
    # found by fuzzing --set: a recursive alias crashed the node checks (KeyError, exit 1)
    with pytest.raises(InstanceError, match="a value that contains itself"):
        planner.load_instance(ONE_GW, overrides=[f"site.power_mw={text}"])


@pytest.mark.parametrize(
    ("dist", "needle"),
    [
        ({"dist": "uniform", "low": -1e308, "high": 1e308}, "beyond the range of a float"),
        ({"dist": "triangular", "low": -1e308, "mode": 0, "high": 1e308}, "beyond the range"),
        ({"dist": "normal", "mean": 0, "sd": 1e307}, "beyond the range"),
        ({"dist": "lognormal", "median": 1, "sigma": 1e3}, "less than or equal to 10"),
        ({"dist": "uniform", "low": 0, "high": 1, "min": 2, "max": 1}, "min 2 is above max 1"),
    ],
)
def test_study_distributions_that_cannot_be_drawn_are_refused(tmp_path, dist, needle):
    # uniform(-1e308, 1e308) raised OverflowError (exit 1); a clip min above its max was taken
    from planner.studies.cases import load_study

    study = tmp_path / "s.yaml"
    import yaml

    study.write_text(yaml.safe_dump({"samples": 2, "distributions": {"site.power_mw": dist}}))
    with pytest.raises(InstanceError, match=needle):
        load_study(study)


def test_the_time_budget_keeps_room_for_the_tables_and_counts_the_compile():
    # A 3 s budget on the 141,300-column scale case ended after 4.9 s: HiGHS was handed what
    # was left before a 1.2 s compile, and the tables (0.5 s) came after the whole budget.
    # Now the budget is read after the compile, and 5% of it (or 5 microseconds a column of
    # the model, if more) is kept for what follows the solves.
    import time

    from planner.solver.run import (
        OUTPUT_RESERVE_FRAC,
        OUTPUT_S_PER_COLUMN,
        OUTPUT_S_PER_TIER,
        Deadline,
    )

    # a budget of 10 s begun 2 s ago (no clock patched: the few microseconds between the
    # lines are within the tolerance)
    deadline = Deadline(10.0, start=time.perf_counter() - 2.0)
    near = {"abs": 0.05}
    assert deadline.left_s() == pytest.approx(10.0 * (1 - OUTPUT_RESERVE_FRAC) - 2.0, **near)
    deadline.keep_for_output(200_000)  # 1 s: more than 5% of 10 s
    assert deadline.left_s() == pytest.approx(10.0 - 200_000 * OUTPUT_S_PER_COLUMN - 2.0, **near)
    deadline.keep_for_output(10)  # 5% again
    assert deadline.left_s() == pytest.approx(9.5 - 2.0, **near)
    deadline.keep_for_output(10, tiers=8_000)  # 0.8 s for 8,000 tiers' tables and files
    assert deadline.left_s() == pytest.approx(10.0 - 8_000 * OUTPUT_S_PER_TIER - 2.0, **near)
    # the settings HiGHS gets are asked for after the compile: a compile that takes the
    # whole budget leaves HiGHS the minimum, not what was left before it
    from planner.inputs.derive import build_plan_data
    from planner.solver.highs import SolveSettings, make_solver, solve_compiled
    from planner.solver.run import PlanRun

    loaded = planner.load_instance(ONE_GW)
    plan = PlanRun.build(build_plan_data(loaded.instance, loaded.catalog, loaded.path.parent))
    asked = []

    def compile_logged():
        asked.append("compile")
        return plan.compiled()

    def settings():
        asked.append("settings")
        return SolveSettings()

    report = solve_compiled(compile_logged, settings, make_solver())
    assert asked == ["compile", "settings"] and report.status == "optimal"
