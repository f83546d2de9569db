"""`plan report` / `--report`: the workbook read back with openpyxl, the HTML rendered in
headless Chromium to a non-blank screenshot, and heavy imports kept out of `plan solve`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import ROOT
from openpyxl import load_workbook
from PIL import Image, ImageStat

from planner.cli import cli

SHIPPED = ROOT / "instances" / "gtc-2026" / "rubin-lpx.yaml"


@pytest.fixture(scope="module")
def explained(tmp_path_factory):
    """A shipped instance explained (entry thresholds skipped for speed) with its report,
    plus a frontier.csv and sweep.csv as part A's commands would leave them."""
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
    wb = load_workbook(explained / "report.xlsx")
    for sheet in ("summary", "racks", "tiers", "allocation", "sweep", "frontier", "explain",
                  "marginals", "sensitivity", "binding", "alternatives"):  # fmt: skip
        assert sheet in wb.sheetnames, sheet
    tiers = pd.read_csv(explained / "tiers.csv")
    ws = wb["tiers"]
    header = [c.value for c in ws[1]]
    assert header == list(tiers.columns)
    revenue = [
        row[header.index("revenue_usd_per_year")] for row in ws.iter_rows(2, values_only=True)
    ]
    assert revenue == pytest.approx(list(tiers["revenue_usd_per_year"]))
    assert len(wb["tiers"]._charts) == 2  # power and revenue per tier
    assert len(wb["racks"]._charts) == 1
    assert len(wb["sensitivity"]._charts) == 1  # tornado
    assert len(wb["frontier"]._charts) == 1


def test_html_is_self_contained(explained):
    page = (explained / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 5  # power, revenue, racks, frontier, tornado
    assert "<link" not in page and "<script" not in page and 'src="http' not in page


def chromium() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and os.environ.get("CI"):
        pytest.fail("chromium is required in CI (.ci/run installs it)")
    return found


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
    assert "run <code>plan explain</code>" in page  # no marginals here: the tornado is absent
    # the keynote scenario is implausible by public ranges: the page and workbook say so
    assert "Plausibility: ratios outside public ranges" in page and "a keynote aspiration" in page
    assert load_workbook(tmp_path / "report.xlsx").sheetnames == [
        "summary",
        "plausibility",
        "racks",
        "tiers",
        "allocation",
        "serving_mix",
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
