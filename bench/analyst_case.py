"""The analyst's question as a bench case: the five-year phased default with four futures.

instances/1gw-2026-2030.yaml with four equally likely scenarios: as it is; every paid tier's
price falling 50% a year instead of 30%; demand halved; both. It took 303 s when the terminal
said "solve 8.68 s" (issue 23): branch and bound closing the last 0.02% at 1e-9 tolerances.

Measures `plan solve` end to end (build, every solve with VSS and EVPI, tables) at the default
gap (1e-4) against the same at a gap of 1e-7 in the same run, and each against HiGHS's own
run time over its solves; the two NPVs show what the default gap gives up.

    python bench/analyst_case.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import yaml
from common import Row

from planner.inputs.load import load_instance
from planner.results.run import solve_loaded
from planner.solver.highs import SolveSettings

ROOT = Path(__file__).resolve().parent.parent
PAID = ("medium", "high", "premium", "ultra")
TARGET_S = 30.0
TARGET_RATIO = 2.0
"""Issue 23: end to end at most 2x HiGHS's own time at the default gap, and under 30 s."""


def write_case(folder: Path) -> Path:
    """1gw-2026-2030.yaml with the analyst's four scenarios (catalog path made absolute)."""
    doc = yaml.safe_load((ROOT / "instances" / "1gw-2026-2030.yaml").read_text())
    starts = {t: doc["horizon"]["tiers"][t]["price_usd_per_mtok"]["start"] for t in PAID}
    falling = {t: {"start": starts[t], "growth_frac_per_year": -0.5} for t in PAID}
    halved = dict.fromkeys(PAID, 0.5)
    doc["name"] = "analyst-four-futures"
    doc["scenarios"] = {
        "as-planned": {"probability": 0.25},
        "prices-fall-50": {"probability": 0.25, "price_usd_per_mtok": falling},
        "demand-halved": {"probability": 0.25, "demand_scale": halved},
        "both": {"probability": 0.25, "price_usd_per_mtok": falling, "demand_scale": halved},
    }
    path = folder / "analyst.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


TIGHT_LIMIT_S = 120.0
"""The 1e-7 comparison's time budget: it shows what the default gap gives up, and at the
market's rental-parity prices it can take minutes (338 s measured) to prove."""


def measure(gap: float, time_limit_s: float | None = None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        loaded = load_instance(write_case(Path(tmp)))
        start = time.perf_counter()
        result = solve_loaded(loaded, SolveSettings(time_limit_s, mip_gap_frac=gap))
        total_s = time.perf_counter() - start
    runs = list(result.solved.stages) + list(result.values.reports if result.values else ())
    summary = result.tables.summary.iloc[0]
    return {"total_s": total_s, "highs_s": sum(r.highs_s for r in runs), "solves": len(runs),
            "status": result.status, "npv_usd": float(summary["objective_value"])}  # fmt: skip


def row() -> Row:
    default, tight = measure(1e-4), measure(1e-7, TIGHT_LIMIT_S)
    above = (tight["npv_usd"] - default["npv_usd"]) / abs(tight["npv_usd"])
    proven = "" if tight["status"] == "optimal" else f", {tight['status']} at its time limit"
    return Row(
        "analyst's case (1gw-2026-2030 x 4 futures, VSS and EVPI): total / HiGHS, default gap",
        f"total {default['total_s']:.1f} s, {default['solves']} solves; at gap 1e-7 "
        f"{tight['total_s']:.1f} s{proven}, NPV {100 * above:.4f}% above",
        f"HiGHS {default['highs_s']:.1f} s",
        f"{default['total_s'] / default['highs_s']:.2f}",
        f"<= {TARGET_RATIO:.0f} and total < {TARGET_S:.0f} s (was 303 s)",
    )
