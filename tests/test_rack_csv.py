"""Procurement's rack CSV (one row per rack, unit-suffixed columns) overrides the catalog."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import ROOT, write_instance

from planner.cli import cli
from planner.errors import InstanceError
from planner.inputs.catalog import load_catalog
from planner.inputs.load import load_instance

BASE = {
    "site": {"power_mw": 10.0, "capex_budget_usd": 5e6},
    "systems": ["alpha", "beta"],
    "tiers": {"t": {"price_usd_per_mtok": 1, "min_tok_s_per_user": 10}},
}


def test_vendor_quote_changes_the_plan(tmp_path):
    # Budget-bound: at list prices alpha wins per dollar (1,000 tok/s per $M vs 750), so $5M
    # buys 5 alpha. A beta quote of $2M makes beta 1,500 tok/s per $M: 2 beta + 1 alpha.
    quote = tmp_path / "quotes.csv"
    quote.write_text("rack,capex_usd\nbeta,2000000\n")
    path = write_instance(tmp_path, BASE)
    loaded = load_instance(path, racks_csv=quote)
    assert loaded.catalog.racks["beta"].capex_usd == 2e6
    assert loaded.catalog.racks["beta"].power_kw == 200  # untouched columns keep catalog values
    assert any("procurement CSV" in s.source for s in loaded.catalog.racks["beta"].sources)
    out = tmp_path / "o"
    result = CliRunner().invoke(
        cli, ["solve", str(path), "--racks-csv", str(quote), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    racks = (out / "racks.csv").read_text().splitlines()
    # the purchase order carries the quoted unit price (beta: $2M, not the catalog's)
    assert "alpha,1,100,0.1,1000000,1000000," in racks  # the test catalog has no descriptions
    assert "beta,2,200,0.4,4000000,2000000," in racks


def test_bad_csv_names_row_and_column(tmp_path):
    quote = tmp_path / "quotes.csv"
    quote.write_text("rack,capex_usd\nbeta,-3\n")
    with pytest.raises(InstanceError, match=r"quotes.csv:2.*capex_usd"):
        load_instance(write_instance(tmp_path, BASE), racks_csv=quote)
    quote.write_text("rack,price\nbeta,3\n")
    with pytest.raises(InstanceError, match="unexpected: price"):
        load_instance(write_instance(tmp_path, BASE), racks_csv=quote)


def result_catalog_description(rack: str) -> str:
    return load_catalog(ROOT / "models").racks[rack].description


def test_racks_csv_lists_only_racks_bought(tmp_path):
    # procurement pastes racks.csv into purchase sheets: it listed every catalog rack, most at
    # count 0. The Blackwell keynote plan buys one rack type: racks.csv has that row only.
    out = tmp_path / "o"
    result = CliRunner().invoke(cli, ["solve", str(ROOT / "instances" / "gtc-2026" / "blackwell.yaml"),
                                      "--out", str(out), "--quiet"])  # fmt: skip
    assert result.exit_code == 0, result.output
    racks = pd.read_csv(out / "racks.csv")
    assert list(racks["rack"]) == ["gb300-nvl72"] and (racks["count"] > 0).all()
    assert racks.iloc[0]["capex_usd"] == racks.iloc[0]["count"] * racks.iloc[0]["capex_usd_each"]
    # the last column says what the rack is, in the catalog's words
    assert list(racks.columns)[-1] == "description"
    assert racks.iloc[0]["description"] == result_catalog_description("gb300-nvl72")
