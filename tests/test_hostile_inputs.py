"""Careless and hostile input files: each is refused with exit 3 and one line naming the YAML
path and what is allowed, never a traceback, a hang or a silent misreading."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner
from conftest import ROOT

from planner.cli import cli
from planner.errors import EXIT_INVALID

BASE = (ROOT / "instances" / "1gw.yaml").read_text()


def validate(tmp_path, text: str):
    path = tmp_path / "case.yaml"
    path.write_text(text)
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert "Traceback" not in result.output
    return result


def assert_refused(result, *words: str) -> None:
    assert result.exit_code == EXIT_INVALID, result.output
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1 and line.startswith("error:"), line
    for word in words:
        assert word in line, (word, line)


def test_the_base_instance_is_valid(tmp_path):
    assert validate(tmp_path, BASE).exit_code == 0


@pytest.mark.parametrize("name", ["..", ".", "../x", "-x", "=cmd()"])
def test_a_run_name_cannot_leave_outputs_or_start_a_formula(tmp_path, name):
    text = BASE.replace("name: 1gw", f'name: "{name}"')
    assert_refused(validate(tmp_path, text), "name:", "starting with a letter or digit")


@pytest.mark.parametrize("name", ["=HYPERLINK(1)", "+1", "-x", "@x", " x", "a/b"])
def test_a_tier_name_cannot_start_a_formula_or_hold_a_path(tmp_path, name):
    text = BASE.replace("  medium:", f'  "{name}":')
    assert_refused(validate(tmp_path, text), "tiers.", "a name uses only")


def test_a_rack_name_in_a_racks_csv_is_checked(tmp_path):
    (tmp_path / "racks.csv").write_text("rack,power_kw\n=HYPERLINK(1),10\n")
    text = BASE + "racks_csv: racks.csv\n"
    result = validate(tmp_path, text)
    assert result.exit_code == EXIT_INVALID and "a name uses only" in result.stderr


def test_an_alias_bomb_is_refused_quickly(tmp_path):
    # 9 levels of 9 aliases: 387 million strings once expanded, from a few hundred bytes
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for k in range(1, 9):
        refs = ",".join([f"*a{k - 1}"] * 9)
        lines.append(f"a{k}: &a{k} [{refs}]")
    start = time.perf_counter()
    result = validate(tmp_path, "\n".join(lines) + "\n")
    assert time.perf_counter() - start < 5
    assert_refused(result, "aliases are expanded")


def test_deep_nesting_is_an_error_not_a_recursion_error(tmp_path):
    assert_refused(validate(tmp_path, "a: " + "[" * 10_000 + "]" * 10_000 + "\n"), "error")


def test_a_duplicate_key_is_refused(tmp_path):
    text = BASE.replace("objective: profit", "objective: profit\nobjective: revenue")
    assert_refused(validate(tmp_path, text), "duplicate key 'objective'")


@pytest.mark.parametrize(
    ("written", "words"),
    [("yes", "yes/no"), ("on", "yes/no"), ("true", "yes/no"), ("0x10", "decimal"),
     ("010", "decimal"), ("1_000", "decimal"), ("1:30", "decimal")],
)  # fmt: skip
def test_yaml_1_1_numbers_and_booleans_are_refused_where_numbers_are_expected(
    tmp_path, written, words
):
    text = BASE.replace("  power_mw: 1000 ", f"  power_mw: {written} ")
    assert_refused(validate(tmp_path, text), "site.power_mw", words)


def test_quoted_text_is_text(tmp_path):
    # a quoted "yes" is a string: the schema then says what it expected, naming the field
    text = BASE.replace("  power_mw: 1000 ", '  power_mw: "yes" ')
    assert_refused(validate(tmp_path, text), "site.power_mw")


def test_a_typo_in_a_set_path_is_a_usage_error_with_a_suggestion(tmp_path):
    path = tmp_path / "case.yaml"
    path.write_text(BASE)
    result = CliRunner().invoke(
        cli, ["validate", str(path), "--set", "tiers.ultrra.price_usd_per_mtok=120"]
    )
    assert result.exit_code == 2, result.output
    assert "did you mean 'ultra'?" in result.stderr


def test_a_typo_in_a_vary_path_stops_the_sweep_before_any_case(tmp_path):
    path = tmp_path / "case.yaml"
    path.write_text(BASE)
    args = ["sweep", str(path), "--vary", "tiers.ultrra.price_usd_per_mtok=1,2", "--workers",
            "1", "--out", str(tmp_path / "sweep")]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert "did you mean 'ultra'?" in result.stderr
    assert not (tmp_path / "sweep" / "sweep.csv").exists()


def test_a_sweep_too_large_is_refused_before_it_is_built(tmp_path):
    path = tmp_path / "case.yaml"
    path.write_text(BASE)
    args = ["sweep", str(path), "--vary", "site.power_mw=1:1000:1", "--vary",
            "site.pue=1,1.1,1.2,1.3,1.4,1.5,1.6,1.7,1.8,1.9,2", "--max-cases", "5000"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert "11,000 cases, more than 5,000" in result.stderr


def test_a_sweep_with_no_plan_exits_non_zero_with_a_summary(tmp_path):
    path = tmp_path / "case.yaml"
    path.write_text(BASE)
    args = ["sweep", str(path), "--vary", "site.power_mw=-1,-2", "--workers", "1",
            "--out", str(tmp_path / "sweep")]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == EXIT_INVALID, result.output
    assert "0 solved, 0 infeasible or unbounded, 0 failed, 2 invalid" in result.stdout


@pytest.mark.parametrize(
    ("setting", "words"),
    [("site.capex_budget_usd=2000", "under $1M"), ("site.power_mw=135000", "above 10 GW"),
     ("tiers.ultra.price_usd_per_mtok=150000", "above $10,000")],
)  # fmt: skip
def test_values_off_by_orders_of_magnitude_are_warned_about(tmp_path, setting, words):
    path = tmp_path / "case.yaml"
    path.write_text(BASE)
    result = CliRunner().invoke(cli, ["validate", str(path), "--set", setting])
    assert result.exit_code == 0
    warning = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1 and words in warning[0] and setting.split("=")[0] in warning[0]


def test_the_shipped_instances_raise_no_warning():
    for path in sorted((ROOT / "instances").rglob("*.yaml")):
        result = CliRunner().invoke(cli, ["validate", str(path)])
        assert result.exit_code == 0 and "warning" not in result.stderr, path


def test_validate_notes_tiers_nothing_serves_and_racks_nothing_uses(tmp_path):
    # Hopper reaches 120 tok/s per user, short of premium's 200; a rack added by a racks CSV
    # that no system's bill names is never bought: both are said before solving
    (tmp_path / "new.csv").write_text(
        "rack,accelerator,accelerator_kind,accelerators,power_kw,capex_usd,lifetime_years\n"
        "new-rack,X,gpu,8,10,100000,4\n"
    )
    hopper = ROOT / "instances" / "gtc-2026" / "hopper.yaml"
    args = ["validate", str(hopper), "--racks-csv", str(tmp_path / "new.csv")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if line.startswith("note:")]
    assert len(notes) == 2
    assert (
        "tiers.premium: no allowed system serves it (hgx-h200 reaches 124.5 tok/s per user; the tier asks 200)"
        in notes[0]
    )
    assert "racks: new-rack is in no system's racks or phases" in notes[1]


def test_schema_out_writes_the_json_schema(tmp_path):
    import json

    out = tmp_path / "instance.schema.json"
    result = CliRunner().invoke(cli, ["schema", "--out", str(out)])
    assert result.exit_code == 0, result.output
    schema = json.loads(out.read_text())
    assert schema["title"] == "Instance" and "site" in schema["properties"]
    assert "description" in schema["properties"]["site"]


def test_shipped_instances_point_editors_at_the_current_schema():
    # every shipped instance starts with a yaml-language-server line naming instance.schema.json,
    # and that file is what `plan schema` prints today (regenerate: plan schema --out
    # instance.schema.json)
    import json

    from planner.inputs.instance import Instance
    from planner.inputs.schema import instance_schema

    schema_file = ROOT / "instance.schema.json"
    assert json.loads(schema_file.read_text()) == instance_schema(Instance)
    for path in sorted((ROOT / "instances").rglob("*.yaml")):
        first = path.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        target = (path.parent / first.split("$schema=")[1]).resolve()
        assert target == schema_file.resolve(), path
