"""Shared helpers: write small instances against the test catalog and solve them."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
import yaml

import planner
from planner.results.run import PlanResult
from planner.solver.highs import SolveSettings

ROOT = Path(__file__).resolve().parent.parent
TEST_CATALOG = ROOT / "tests" / "data" / "catalog"
INSTANCES = sorted((ROOT / "instances").rglob("*.yaml"))
# instances without horizon:/scenarios: (the single-year tools: explain, sweep, report)
SINGLE_YEAR_INSTANCES = [
    p for p in INSTANCES if not re.search(r"^(horizon|scenarios):", p.read_text(), re.MULTILINE)
]
SECONDS_PER_YEAR = 3600 * 8766  # 31,557,600 s at utilisation 1


RICH_FLEET = {
    "site": {"power_mw": 1.0, "capex_budget_usd": 1e7},
    "systems": ["alpha", "beta"],
    "racks": {"beta": {"max_count": 2}},
    "rentals": {"cloud": {"rack": "alpha", "usd_per_gpu_hour": 2, "max_racks": 3}},
}
"""A site on the test catalog with a budget, two systems, a supply limit and a rental: every
fleet-side family has a row (add tiers)."""


def write_instance(tmp_path: Path, body: dict, name: str = "case") -> Path:
    """Write an instance using the test catalog (PUE, utilisation and price realisation 1
    unless given)."""
    doc = {"catalog_dir": str(TEST_CATALOG), "workload": "test", "name": name, **body}
    doc["site"] = {"pue": 1.0, "utilisation_frac": 1.0, "price_realisation_frac": 1.0,
                   **body.get("site", {})}  # fmt: skip
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@pytest.fixture
def solve_case(tmp_path):
    """solve_case(body, **load_kwargs) -> PlanResult for an instance on the test catalog."""

    def run(body: dict, settings: SolveSettings | None = None, **kwargs) -> PlanResult:
        return planner.solve(write_instance(tmp_path, body), settings, **kwargs)

    return run


def workbook_values(path: Path, cells: list[str], inputs: dict[str, float] | None = None) -> dict:
    """What Excel shows in `cells` ("Sheet!B3") of a workbook we wrote, its formulas worked out
    by the `formulas` library (an Excel calculation engine), after setting `inputs` the same
    way: {"Key figures!B2": 0.2}. Values are numbers or Excel's text ("never")."""
    import formulas

    def key(cell: str) -> str:
        sheet, ref = cell.split("!")
        return f"'[{path.name}]{sheet.upper()}'!{ref.upper()}"

    model = formulas.ExcelModel().loads(str(path)).finish()
    given = {key(c): v for c, v in (inputs or {}).items()}
    solution = model.calculate(inputs=given, outputs=[key(c) for c in cells])
    out = {}
    for cell in cells:
        value = solution[key(cell)].value[0, 0]
        out[cell] = value if isinstance(value, str) else float(value)
    return out


def chromium() -> str | None:
    """The machine's Chromium for browser tests (None: not installed, and the test skips; in CI
    it is required, so the test fails instead)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and os.environ.get("CI"):
        pytest.fail("chromium is required in CI (.ci/run installs it)")
    return found
