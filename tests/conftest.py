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


def evaluate_cell(ws, ref: str, seen: dict | None = None) -> float:
    """The value of a cell of our cash-flow sheet: a number, or one of its formulas (cell
    references, + - * / ^ and SUM over a column range), worked out here as Excel would."""
    seen = {} if seen is None else seen
    ref = ref.replace("$", "")
    if ref in seen:
        return seen[ref]
    value = ws[ref].value
    if not (isinstance(value, str) and value.startswith("=")):
        seen[ref] = float(value or 0.0)
        return seen[ref]
    expr = value[1:]

    def total(m: re.Match) -> str:
        col, lo, hi = m.group(1), int(m.group(2)), int(m.group(4))
        return repr(sum(evaluate_cell(ws, f"{col}{r}", seen) for r in range(lo, hi + 1)))

    expr = re.sub(r"SUM\(([A-Z]+)(\d+):([A-Z]+)(\d+)\)", total, expr)
    expr = re.sub(
        r"\$?([A-Z]+)\$?(\d+)",
        lambda m: repr(evaluate_cell(ws, f"{m.group(1)}{m.group(2)}", seen)),
        expr,
    )
    seen[ref] = float(eval(expr.replace("^", "**"), {"__builtins__": {}}))  # noqa: S307 - our own formulas
    return seen[ref]


def chromium() -> str | None:
    """The machine's Chromium for browser tests (None: not installed, and the test skips; in CI
    it is required, so the test fails instead)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and os.environ.get("CI"):
        pytest.fail("chromium is required in CI (.ci/run installs it)")
    return found
