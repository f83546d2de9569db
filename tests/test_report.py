"""`plan report` / `--report`: the workbook read back with openpyxl, the HTML rendered in
headless Chromium to a non-blank screenshot, and heavy imports kept out of `plan solve`."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import ROOT, chromium, workbook_values
from openpyxl import load_workbook
from PIL import Image, ImageStat

from planner.cli import cli
from planner.results.present import SCIENTIFIC, SNAKE, label

SHIPPED = ROOT / "instances" / "gtc-2026" / "rubin-lpx.yaml"


@pytest.fixture(scope="module")
def explained(tmp_path_factory):
    """A shipped instance explained (entry thresholds skipped for speed) with its report, in a
    folder where a frontier.csv and a sweep.csv of other runs lie about: the report must not
    mix them in (run.json names the files of the folder's result)."""
    out = tmp_path_factory.mktemp("report")
    pd.DataFrame(
        {"site.power_mw": [500.0, 1000.0], "status": ["optimal"] * 2,
         "objective_value": [2.9e11, 5.7e11]}
    ).to_csv(out / "frontier.csv", index=False)  # fmt: skip
    pd.DataFrame({"case": [0, 1], "status": ["optimal", "infeasible"]}).to_csv(
        out / "sweep.csv", index=False
    )
    args = ["explain", str(SHIPPED), "--out", str(out), "--no-entry", "--near-optimal", "0.02",
            "--report"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return out


def test_workbook_reads_back(explained):
    # sheets titled in words; headers in words with units; numbers stay numbers, in $ / % /
    # thousands formats; an Excel table per sheet; totals as SUM formulas over the table
    wb = load_workbook(explained / "report.xlsx")
    for sheet in ("Key figures", "Racks", "Tiers", "Cash flow", "Allocation", "Explanation",
                  "Marginal values", "Sensitivity", "Requirements", "Alternatives", "Inputs"):  # fmt: skip
        assert sheet in wb.sheetnames, sheet
    assert "Sweep" not in wb.sheetnames and "Frontier" not in wb.sheetnames  # other runs' files
    tiers = pd.read_csv(explained / "tiers.csv")
    ws = wb["Tiers"]
    header = [c.value for c in ws[1]]
    assert header == [label(c) for c in tiers.columns]
    col = header.index("Revenue ($/yr)")
    cells = [row[col] for row in ws.iter_rows(min_row=2, max_row=len(tiers) + 1)]
    assert [c.value for c in cells] == pytest.approx(list(tiers["revenue_usd_per_year"]))
    assert {c.number_format for c in cells} == {'"$"#,##0'}
    share = header.index("Share of site power")
    assert ws.cell(row=2, column=share + 1).number_format == "0.0%"
    total = ws.cell(row=len(tiers) + 2, column=col + 1)
    assert ws.cell(row=len(tiers) + 2, column=1).value == "Total"
    letter = total.column_letter
    assert total.value == f"=SUM({letter}2:{letter}{len(tiers) + 1})"
    assert ws.tables and ws.freeze_panes == "A2"
    assert len(wb["Tiers"]._charts) == 2  # power and revenue per tier
    assert len(wb["Racks"]._charts) == 1
    assert len(wb["Sensitivity"]._charts) == 1  # tornado
    inputs = [r[0].value for r in wb["Inputs"].iter_rows(min_row=2)]
    assert "Site: power (MW)" in inputs  # the Inputs sheet lists every input with its source


def test_html_is_self_contained(explained):
    page = (explained / "report.html").read_text()
    assert (
        page.count("data:image/png;base64,") == 5
    )  # cash, power, revenue, racks, tornado (not the stray frontier.csv's)
    assert "<link" not in page and "<script" not in page and 'src="http' not in page


def test_html_renders_in_headless_chromium(explained, tmp_path):
    browser = chromium()
    if browser is None:
        pytest.skip("chromium not installed (apt-get install -y chromium); CI installs it")
    shot = tmp_path / "shot.png"
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--window-size=1200,1600", f"--screenshot={shot}",
         (explained / "report.html").as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    image = Image.open(shot)
    assert image.format == "PNG" and image.size == (1200, 1600)
    grey = image.convert("L")
    assert ImageStat.Stat(grey).stddev[0] > 10  # not a blank page
    dark = sum(grey.histogram()[:128])
    assert dark > 1000  # text and chart bars drawn


def test_solve_report_flag(tmp_path):
    result = CliRunner().invoke(cli, ["solve", str(SHIPPED), "--out", str(tmp_path), "--report"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "report.html").is_file() and (tmp_path / "report.xlsx").is_file()
    page = (tmp_path / "report.html").read_text()
    assert "Run <code>plan explain</code>" in page  # no marginals here: the tornado is absent
    # the keynote scenario is implausible by public ranges: the page and workbook say so
    # (its $150 ultra tier sells DeepSeek-R1 tokens far above that model's public prices)
    assert "Plausibility: ratios outside public ranges" in page
    assert "output list price per million tokens of deepseek-r1 is $150.00, above" in page
    assert load_workbook(tmp_path / "report.xlsx").sheetnames == [
        "Key figures",
        "Plausibility",
        "Racks",
        "Tiers",
        "Cash flow",
        "Allocation",
        "Serving mix",
        "Inputs",
    ]


def test_report_needs_plan_tables(tmp_path):
    result = CliRunner().invoke(cli, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "summary.csv" in result.output


def test_solve_does_not_import_report_libraries():
    code = (
        "import sys, planner.cli, planner.results.run; "
        "bad = [m for m in ('matplotlib', 'openpyxl') if m in sys.modules]; "
        "sys.exit(1 if bad else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


@pytest.mark.parametrize(
    "instance",
    ["gtc-2026/rubin-lpx", "1gw-2026-2030", "1gw-uncertain", "sweep", "explain", "compare"],
)
def test_visible_text_has_no_scientific_notation_or_snake_case(instance, tmp_path):
    # every plan kind's page, as headless Chromium renders it: the text a reader sees (tags,
    # styles and embedded images removed) has no 1.2e+10 and no field_names
    browser = chromium()
    if browser is None:
        pytest.skip("chromium not installed (apt-get install -y chromium); CI installs it")
    out = tmp_path / "out"
    if instance == "sweep":  # a sweep folder: its own report
        args = ["sweep", str(ROOT / "instances" / "100mw-enterprise.yaml"), "--vary",
                "tiers.premium.price_usd_per_mtok=10,30", "--out", str(out)]  # fmt: skip
        assert CliRunner().invoke(cli, args).exit_code == 0
        result = CliRunner().invoke(cli, ["report", str(out)])
    elif instance == "compare":  # plans side by side (one page, no folder)
        out.mkdir()
        result = CliRunner().invoke(cli, ["compare", str(ROOT / "instances" / "1gw.yaml"),
                                          str(ROOT / "instances" / "1gw-2026-2030.yaml"),
                                          "--report", str(out / "report.html")])  # fmt: skip
    elif instance == "explain":  # the explained default: marginals, tornado, alternatives
        result = CliRunner().invoke(cli, ["explain", str(ROOT / "instances" / "1gw.yaml"),
                                          "--out", str(out), "--report", "--no-bases"])  # fmt: skip
    else:
        result = CliRunner().invoke(cli, ["solve", str(ROOT / "instances" / f"{instance}.yaml"),
                                          "--out", str(out), "--report"])  # fmt: skip
    assert result.exit_code == 0, result.output
    dom = rendered_at_1280_px(browser, out / "report.html", tmp_path)
    # no report overflows a 1,280 px window (the horizon page was 1,879 px wide)
    scroll, client = map(int, re.search(r'data-width="(\d+) (\d+)"', dom).groups())
    assert scroll <= client, f"the page is {scroll} px wide in a {client} px window"
    body = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", dom, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", body))
    expected = {"sweep": ("Spread of the outcome",),
                "compare": ("Key figures", "Cash flow side by side")}  # fmt: skip
    assert all(words in text for words in expected.get(instance, ("Cash flow", "Assumptions")))
    # the input's SHA-256 prefix is hexadecimal, not a number ("233e3661..." is no 233e3)
    text = re.sub(r"SHA-256 [0-9a-f]{16}", "SHA-256", text)
    assert not SCIENTIFIC.findall(text), SCIENTIFIC.findall(text)[:5]
    assert not SNAKE.findall(text), sorted(set(SNAKE.findall(text)))[:10]
    if instance == "1gw-uncertain":
        assert "P10" in text and "P90" in text and "Value of the stochastic solution" in text
    if instance == "1gw-2026-2030":
        assert "Purchase schedule by year" in text and "IRR" in text


def test_words_turns_identifiers_into_words_and_keeps_other_text():
    # a source such as "all-in (building + racks)" must read as written; only identifiers change
    from planner.results.present import words

    assert words("all-in (building + racks)") == "all-in (building + racks)"
    assert words("rack_balance tier_power_share_min decode_ffn") == (
        "racks in use minimum power share decode FFN"
    )


def test_the_workbook_recalculates_npv_irr_and_payback_with_the_discount_rate(tmp_path):
    # the cash flow and discount factors were fixed numbers: the rate could not be changed in
    # Excel. The Key figures sheet's rate cell drives the Cash flow sheet's formulas, and NPV,
    # IRR and payback under it are formulas too, worked out here by an Excel calculation engine
    # (the `formulas` library): the run's figures at the run's rate, and npv.cash_flow's at an
    # edited rate on the same flows.
    from planner.results.npv import cash_flow as npv_cash_flow

    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["solve", str(ROOT / "instances" / "1gw-2026-2030.yaml"),
                                      "--out", str(out), "--report", "--quiet"])  # fmt: skip
    assert result.exit_code == 0, result.output
    path = out / "report.xlsx"
    book = load_workbook(path)
    key = book["Key figures"]
    assert [key[f"A{r}"].value for r in range(2, 6)] == [
        "Discount rate (edit me)",
        "NPV ($)",
        "IRR",
        "Payback (years)",
    ]
    assert key["B2"].value == pytest.approx(0.10)
    assert all(str(key[f"B{r}"].value).startswith("=") for r in range(3, 6))
    ws = book["Cash flow"]
    rows = pd.DataFrame([r for r in ws.iter_rows(min_row=2, max_row=6, max_col=4, values_only=True)],
                        columns=["year", "revenue_usd", "operating_cost_usd", "capex_usd"])  # fmt: skip
    assert rows["year"].tolist() == [2026, 2027, 2028, 2029, 2030]  # numbers, not text
    left = ws["E7"].value
    _, at_run = npv_cash_flow(rows, left, 0.10)
    cells = ["Key figures!B3", "Key figures!B4", "Key figures!B5"]
    npv, irr, payback = workbook_values(path, cells).values()
    assert npv == pytest.approx(pd.read_csv(out / "summary.csv").iloc[0]["npv_usd"], rel=1e-6)
    assert irr == pytest.approx(at_run["irr_frac"], rel=1e-9)
    assert payback == pytest.approx(at_run["payback_years"], rel=1e-12)
    # edit the rate to 20%: NPV follows, IRR and payback (of cash not discounted) do not
    _, at_20 = npv_cash_flow(rows, left, 0.2)
    npv_20, irr_20, payback_20 = workbook_values(path, cells, {"Key figures!B2": 0.2}).values()
    assert npv_20 == pytest.approx(at_20["npv_usd"], rel=1e-9)
    assert npv_20 < npv  # a dearer rate is worth less: the edit did something
    assert (irr_20, payback_20) == pytest.approx((irr, payback), rel=1e-12)


def test_the_workbook_payback_says_never_when_the_cash_never_turns(tmp_path):
    # payback_years is None when the running cash never turns non-negative; the sheet's formula
    # must say "never" rather than 0 (MIN of no crossings) or a stale number
    from planner.report.xlsx import write_xlsx
    from planner.results.npv import cash_flow as npv_cash_flow

    rows = pd.DataFrame({"year": [2026, 2027], "revenue_usd": [1e9, 1e9],
                         "operating_cost_usd": [5e8, 5e8], "capex_usd": [5e9, 0.0]})  # fmt: skip
    frame, metrics = npv_cash_flow(rows, 1e9, 0.1)
    assert metrics["payback_years"] is None
    summary = pd.DataFrame([{"objective": "profit", "npv_usd": metrics["npv_usd"]}])
    path = write_xlsx({"summary": summary, "cash_flow": frame}, tmp_path / "w.xlsx",
                      {"discount_rate_frac": 0.1})  # fmt: skip
    got = workbook_values(path, ["Key figures!B3", "Key figures!B5"])
    assert got == {"Key figures!B3": pytest.approx(metrics["npv_usd"], rel=1e-9),
                   "Key figures!B5": "never"}  # fmt: skip


def test_charts_name_the_npv_and_show_plain_numbers(monkeypatch, tmp_path):
    # the horizon frontier said "Profit ($B a year)" while plotting five-year NPV; the horizon
    # tornado had a "1e9" offset and snake_case levers; the sweep tornado's title was clipped
    import planner.report.charts as report_charts
    import planner.studies.charts as study_charts

    figures = []
    monkeypatch.setattr(study_charts, "_save", lambda fig, path: figures.append(fig) or path)
    monkeypatch.setattr(report_charts, "_png", lambda fig: figures.append(fig) or b"")
    frame = pd.DataFrame({"site.power_mw": [500, 1000], "status": ["optimal"] * 2,
                          "objective_value": [2.0e10, 2.7e10], "power_mw_free": [1.0, 2.0]})  # fmt: skip
    study_charts.frontier_chart(
        frame, "site.power_mw", "profit", tmp_path / "f.png", over_years=True
    )
    top = figures[-1].axes[0]
    assert top.get_ylabel() == "NPV of profit ($B of NPV)"
    assert top.get_title().startswith("NPV of profit against Site: power (MW)")
    sens = pd.DataFrame({"lever": ["site_power_mw", "capex_budget_usd"],
                         "description": ["one more MW of site power", "one more $1B of budget"],
                         "objective_change": [3.2e9, -1.1e9], "objective_unit": ["usd", "usd"]})  # fmt: skip
    report_charts.tornado(sens)
    ax = figures[-1].axes[0]
    figures[-1].canvas.draw()
    assert ax.get_xlabel() == "$B of NPV" and ax.xaxis.get_offset_text().get_text() == ""
    assert [t.get_text() for t in ax.get_yticklabels()] == list(sens["description"])
    # a long input label pushes the axes right; the title (laid out as _png lays it out) must
    # still lie inside the image (centred over the axes it ran 160 px off a 650 px image)
    long = "horizon.tiers.premium.price_usd_per_mtok.growth_frac_per_year"
    report_charts.sweep_tornado(pd.DataFrame({"input": [long], "objective_at_low": [1e10],
                                              "objective_at_high": [2e10]}))  # fmt: skip
    fig = figures[-1]
    fig.tight_layout()
    fig.canvas.draw()
    title = fig.texts[0].get_window_extent() if fig.texts else fig.axes[0].title.get_window_extent()
    assert title.x0 >= 0 and title.x1 <= fig.bbox.width  # inside the figure: not clipped


def test_a_column_keeps_one_scale():
    # a column mixed "1.37 billion" with "762,569,917": every number of a column that reaches
    # a billion now says billions
    from planner.results.present import human

    shown = human(pd.DataFrame({"mtok_per_year": [1.37e9, 762_569_917.0, None],
                                "revenue_usd": [2.5e9, 3.5e8, 1.0]}))  # fmt: skip
    assert shown.iloc[:, 0].tolist() == ["1.37 billion", "0.76 billion", ""]
    assert shown.iloc[:, 1].tolist() == ["$2.50B", "$350.00M", "$1.00"]  # money keeps its units


@pytest.fixture(scope="module")
def horizon_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("horizon-report")
    path = ROOT / "instances" / "1gw-2026-2030.yaml"
    result = CliRunner().invoke(cli, ["solve", str(path), "--out", str(out), "--report", "--quiet"])
    assert result.exit_code == 0, result.output
    return out / "report.html"


def test_every_table_scrolls_in_its_own_box(horizon_report):
    # the horizon report was 1,879 px wide in a 1,280 px window (24 columns in "tiers by year"):
    # every table now sits in a box that scrolls sideways, and the wide by-year tier table shows
    # its key columns, saying where the rest are
    page = horizon_report.read_text()
    tables = page.count("<table")
    assert tables > 5 and page.count('<div class="scroll"><table') == tables
    section = page.split("<h2>Tiers by year</h2>", 1)[1].split("<h2>", 1)[0]
    header = re.findall(r"<th>(.*?)</th>", section.split("</thead>", 1)[0])
    assert len(header) == 9, header
    assert "9 of its 24 columns; the workbook and this table's CSV file have all of them" in section


def rendered_at_1280_px(browser: str, page: Path, tmp_path: Path) -> str:
    """The DOM headless Chromium renders at a 1,280 px window, the body tagged with the page's
    scroll width and the window's client width (`data-width="scroll client"`)."""
    probe = tmp_path / "probe.html"
    script = ("<script>document.body.setAttribute('data-width', document.documentElement"
              ".scrollWidth + ' ' + document.documentElement.clientWidth);</script></body>")  # fmt: skip
    probe.write_text(page.read_text().replace("</body>", script))
    return subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
         "--virtual-time-budget=3000", "--dump-dom", probe.as_uri()],
        check=True, capture_output=True, text=True, timeout=120,
    ).stdout  # fmt: skip
