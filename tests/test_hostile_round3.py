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
