"""One NPV: the objective of a plan over years is its cash NPV plus the value left at the end,
and the terminal, summary.csv, the report and the workbook show that one figure.

planner/results/npv.py defines it: capex at the start of its year, revenue and operating cost
at the end, the value left (remaining annuities of racks and building) discounted from the end.
"""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import ROOT, workbook_values, write_instance

import planner
from planner.cli import cli
from planner.report.finance import cash_flow
from planner.report.tables import read_outputs
from planner.results.npv import STEADY_YEARS, annuity_factor
from planner.results.present import money
from planner.solver.highs import SolveSettings

HORIZON = ROOT / "instances" / "1gw-2026-2030.yaml"
EXACT = SolveSettings(mip_gap_frac=0.0)


def scenario_cash_npv(result, scenario: str) -> float:
    """A scenario's NPV from its own cash by year and its value left, by hand."""
    rate = result.loaded.instance.site.discount_rate_frac
    sby = result.tables.summary_by_year
    mine = sby[sby["scenario"] == scenario].sort_values("year").reset_index(drop=True)
    npv = 0.0
    for k, row in mine.iterrows():
        npv += (row["revenue_usd"] - row["operating_cost_usd"]) / (1 + rate) ** (k + 1)
        npv -= row["capex_usd"] / (1 + rate) ** k
    left = result.tables.scenarios.set_index("scenario").at[scenario, "value_left_usd"]
    return npv + left / (1 + rate) ** len(mine)


def test_the_objective_is_cash_plus_value_left_on_every_scenario(tmp_path):
    # Two futures, racks and blocks bought over three years, some still serving at the end:
    # every scenario's objective NPV (npv_profit_usd) is its cash NPV plus its value left.
    body = {
        "catalog_dir": str(ROOT / "tests" / "data" / "catalog"), "objective": "profit",
        "systems": ["alpha"],
        "site": {"power_mw": 1.0, "discount_rate_frac": 0.1, "facility_capex_usd_per_mw": 2e6,
                 "facility_opex_usd_per_mw_year": 1e4, "energisation": {"block_mw": 0.3}},
        "tiers": {"t": {"price_usd_per_mtok": 20, "min_tok_s_per_user": 10,
                        "demand_mtok_per_year": 150_000}},
        "horizon": {"start_year": 2027, "years": 3},
        "scenarios": {"low": {"probability": 0.4, "demand_scale": {"t": 0.5}},
                      "high": {"probability": 0.6, "demand_scale": {"t": 2.0}}},
        "stochastic": {"nonanticipativity": "first_year"},
    }  # fmt: skip
    result = planner.solve(write_instance(tmp_path, body), EXACT)
    assert result.status == "optimal"
    scenarios = result.tables.scenarios.set_index("scenario")
    assert (scenarios["value_left_usd"] > 0).all()  # racks of 4 years and a 20-year building
    for s in ("low", "high"):
        assert scenario_cash_npv(result, s) == pytest.approx(
            scenarios.at[s, "npv_profit_usd"], rel=1e-9
        )
    summary = result.tables.summary.iloc[0]
    assert summary["npv_usd"] == pytest.approx(summary["objective_value"], rel=1e-9)


def test_terminal_csv_report_and_workbook_show_one_npv(tmp_path):
    out = tmp_path / "h"
    run = CliRunner().invoke(cli, ["solve", str(HORIZON), "--out", str(out), "--report"])
    assert run.exit_code == 0, run.output
    summary = pd.read_csv(out / "summary.csv").iloc[0]
    npv = float(summary["npv_usd"])
    assert npv == pytest.approx(float(summary["objective_value"]), rel=1e-9)
    assert f"NPV of profit 2026-2030 at 10%: {money(npv)}" in run.output
    _, metrics = cash_flow(read_outputs(out), 0.10)
    assert metrics["npv_usd"] == pytest.approx(npv, rel=1e-9)
    html = (out / "report.html").read_text()
    assert f"NPV of profit {money(npv)}" in html
    sheet = openpyxl.load_workbook(out / "report.xlsx")["Cash flow"]
    # the workbook's NPV is a formula of its discount-rate cell (test_report.py edits the
    # rate); here: the same NPV, worked out from the sheets' own formulas
    assert openpyxl.load_workbook(out / "report.xlsx")["Key figures"]["B3"].value.startswith(
        "=SUM("
    )
    got = workbook_values(out / "report.xlsx", ["Key figures!B3"])["Key figures!B3"]
    assert got == pytest.approx(npv, rel=1e-9)
    assert any(str(row[0]).startswith("value left") for row in sheet.iter_rows(values_only=True))


def test_a_single_year_npv_is_five_years_of_its_profit(tmp_path):
    # The steady state: profit every year for five years at the site's rate.
    result = planner.solve(ROOT / "instances" / "1gw.yaml")
    summary = result.tables.summary.iloc[0]
    rate = result.loaded.instance.site.discount_rate_frac
    factor = annuity_factor(rate, STEADY_YEARS)  # 3.7908 at 10%
    assert factor == pytest.approx(sum(1.1**-t for t in range(1, 6)))
    assert summary["npv_usd"] == pytest.approx(summary["profit_usd_per_year"] * factor, rel=1e-9)
    # the building, 15 of its 20 years of annuities left, is most of the value left
    building = summary["capex_facility_usd"]
    crf = rate / (1 - (1 + rate) ** -20)
    assert summary["value_left_usd"] == pytest.approx(
        building * crf * annuity_factor(rate, 15), rel=1e-6
    )


def test_compare_shows_each_plans_npv_and_names_the_best(tmp_path):
    # plan compare puts NPV (the one definition), profit, capex, payback, IRR and the racks of
    # each plan side by side, and says which earns the most NPV and by how much
    import planner
    from planner.studies.compare import verdict

    paths = [ROOT / "instances" / "1gw-2026-2030.yaml", ROOT / "instances" / "1gw.yaml"]
    table = planner.compare(paths)
    for path, row in zip(paths, table.itertuples(), strict=True):
        solved = planner.solve(path).tables.summary.iloc[0]
        assert row.npv_usd == pytest.approx(solved["npv_usd"], rel=1e-6)
        assert row.racks_bought and row.payback_years > 0
    best = table.loc[table["npv_usd"].idxmax(), "instance"]
    assert verdict(table).startswith(f"{best} has the highest NPV of profit")


def test_compare_report_puts_plans_side_by_side_and_says_why(tmp_path):
    # the analyst compared plans by hand; `plan compare --report` writes one page with the
    # plans, the parts of each NPV and the cash flows side by side, and why the best earns more.
    # The parts are present values that add up to each NPV (revenue - operating cost - capex +
    # value left), so the why sentence's numbers are the parts' differences and add up to the gap
    from planner.studies.compare import PV_PARTS

    paths = [ROOT / "instances" / "1gw.yaml", ROOT / "instances" / "1gw-2026-2030.yaml"]
    page, csv = tmp_path / "compare.html", tmp_path / "compare.csv"
    args = ["compare", *map(str, paths), "--report", str(page), "--out", str(csv)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(csv).set_index("instance")
    parts = table[list(PV_PARTS)]
    npv = (parts["pv_revenue_usd"] - parts["pv_operating_cost_usd"] - parts["pv_capex_usd"]
           + parts["pv_value_left_usd"])  # fmt: skip
    assert npv.tolist() == pytest.approx(table["npv_usd"].tolist(), rel=1e-9)
    best, other = table.loc["1gw"], table.loc["1gw-2026-2030"]
    assert best["npv_usd"] > other["npv_usd"]
    gap = best["npv_usd"] - other["npv_usd"]
    changes = sorted(
        ((best[c] - other[c], w) for c, w in PV_PARTS.items()), key=lambda x: -abs(x[0])
    )
    listed = [f"its {w} {money(abs(d))} {'more' if d > 0 else 'less'}" for d, w in changes]
    why = (f"Why: 1gw's NPV is {money(gap)} higher than 1gw-2026-2030's: "
           f"{', '.join(listed[:-1])} and {listed[-1]} (present values at each plan's rate, "
           "which add up to the gap).")  # fmt: skip
    assert why in result.output
    text = page.read_text()
    for heading in ("Key figures", "Where each NPV comes from", "Cash flow side by side"):
        assert f"<h2>{heading}</h2>" in text
    assert why.replace("'", "&#x27;") in text
    assert 'alt="cumulative discounted cash of each plan"' in text
    assert "<th>Figure</th>" in text and "<th>1gw</th>" in text and "<th>1gw-2026-2030</th>" in text
    assert f"<td>{money(best['pv_revenue_usd'])}</td>" in text  # the parts, in dollars


def test_compare_workbook_keeps_numbers_that_add_up(tmp_path):
    # procurement and finance paste workbooks, not pages: `--workbook` writes the plans, the
    # NPV's parts and the cash flows as numbers (not text), and each plan's parts add up to its
    # NPV in the sheet itself
    book_path = tmp_path / "compare.xlsx"
    paths = [
        str(ROOT / "instances" / "1gw.yaml"),
        str(ROOT / "instances" / "100mw-enterprise.yaml"),
    ]
    result = CliRunner().invoke(cli, ["compare", *paths, "--workbook", str(book_path)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(book_path)
    assert book.sheetnames == ["Plans", "NPV parts", "Cash flows"]
    parts = list(book["NPV parts"].iter_rows(values_only=True))
    assert parts[0] == ("Instance", "PV of revenue ($)", "PV of operating cost ($)",
                        "PV of capex ($)", "PV of value left ($)", "NPV of profit ($)")  # fmt: skip
    for name, revenue, operating, capex, left, npv in parts[1:]:
        assert npv == pytest.approx(revenue - operating - capex + left, rel=1e-9), name
    flows = list(book["Cash flows"].iter_rows(min_row=2, values_only=True))
    assert {row[0] for row in flows} == {"1gw", "100mw-enterprise"}
    assert all(isinstance(row[2], float | int) for row in flows)
