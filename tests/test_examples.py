"""The examples run: the notebook executes cell by cell in a fresh kernel (nbclient), and the
Python API's typed entry points do what their docstrings say."""

from __future__ import annotations

import nbformat
import pytest
from conftest import ROOT
from nbclient import NotebookClient

import planner

NOTEBOOK = ROOT / "examples" / "quickstart.ipynb"


def test_the_quickstart_notebook_runs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()  # fmt: skip
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any("Racks" in h for h in html)  # the result's _repr_html_
    assert any("report.html" in str(o.get("data", {})) for o in outputs)


def test_typed_api(tmp_path):
    shipped = ROOT / "instances" / "100mw-enterprise.yaml"
    # typed overrides: a 1 MW site cannot hold more than 1 MW / 1.2 PUE of racks
    small = planner.solve(shipped, overrides={"site.power_mw": 1.0, "site.capex_budget_usd": None})
    assert small.tables.summary.loc[0, "facility_power_mw"] <= 1.0
    # the same override as a CLI string gives the same plan
    same = planner.solve(shipped, overrides=["site.power_mw=1.0", "site.capex_budget_usd=null"])
    assert same.tables.summary.loc[0, "objective_value"] == pytest.approx(
        small.tables.summary.loc[0, "objective_value"])  # fmt: skip
    check = planner.validate(ROOT / "instances" / "gtc-2026" / "hopper.yaml")
    assert check.valid and any("premium" in n for n in check.notes)
    table = planner.compare([ROOT / "instances" / "gtc-2026" / "hopper.yaml",
                             ROOT / "instances" / "gtc-2026" / "blackwell.yaml"])  # fmt: skip
    assert table["ratio_to_previous"].iloc[1] > 1
    from planner.results.run import write_result

    write_result(small, tmp_path / "out")
    assert {p.name for p in planner.report(tmp_path / "out")} == {"report.html", "report.xlsx"}
    assert "<table" in small._repr_html_()
    with pytest.raises(TypeError):
        planner.solve(planner.load_instance(shipped), overrides={"site.power_mw": 1})
