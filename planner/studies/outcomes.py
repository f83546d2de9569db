"""What a sweep answers: the spread of the outcome (P10/P50/P90) and which varied input moves
it most (a tornado), for grid and Monte Carlo sweeps alike.

Percentiles are over the solved cases, each case weighted equally: Monte Carlo draws are
equally likely by construction; a grid's cases are read as equally likely points of its
ranges (say so when quoting them). The tornado puts, for each varied numeric input, the mean
objective of the cases at its lowest value beside the mean at its highest (for inputs with
more than ten values, the lowest and highest thirds of the cases), sorted by the gap.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from planner.results.assumptions import instance_inputs
from planner.results.files import atomic_write_text, finish_result, frame_csv
from planner.version import __version__

if TYPE_CHECKING:
    from planner.studies.runner import BaseSpec

OUTCOMES = ("objective_value", "revenue_usd_per_year", "profit_usd_per_year", "capex_usd",
            "facility_power_mw", "mtok_per_year", "cost_usd_per_mtok")  # fmt: skip
SUMMARY_COLUMNS = ["output", "cases", "p10", "p50", "p90", "mean", "min", "max"]
TORNADO_COLUMNS = ["input", "low_value", "high_value", "objective_at_low", "objective_at_high",
                   "swing"]  # fmt: skip
MANY_VALUES = 10


def varied_inputs(cases: list[dict]) -> list[str]:
    """The instance paths the sweep's cases vary, in first-seen order."""
    return list(dict.fromkeys(path for case in cases for path in case))


def solved(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["status"].isin(["optimal", "feasible"])]


def outcome_percentiles(frame: pd.DataFrame) -> pd.DataFrame:
    """P10/P50/P90, mean, min and max of each outcome column over the solved cases."""
    rows = []
    ok = solved(frame)
    for column in OUTCOMES:
        if column not in ok:
            continue
        values = pd.to_numeric(ok[column], errors="coerce").dropna().to_numpy(dtype=float)
        if not len(values):
            continue
        p10, p50, p90 = np.percentile(values, [10, 50, 90])
        rows.append(
            {
                "output": column,
                "cases": len(values),
                "p10": p10,
                "p50": p50,
                "p90": p90,
                "mean": values.mean(),
                "min": values.min(),
                "max": values.max(),
            }
        )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def tornado_table(frame: pd.DataFrame, inputs: list[str]) -> pd.DataFrame:
    """Per varied numeric input: the objective at its low and high end, largest swing first."""
    ok = solved(frame)
    rows = []
    for name in inputs:
        if name not in ok:
            continue
        x = pd.to_numeric(ok[name], errors="coerce")
        y = pd.to_numeric(ok["objective_value"], errors="coerce")
        keep = x.notna() & y.notna()
        x, y = x[keep], y[keep]
        if x.nunique() < 2:
            continue
        if x.nunique() <= MANY_VALUES:
            low_mask, high_mask = x == x.min(), x == x.max()
        else:
            low_mask, high_mask = x <= x.quantile(1 / 3), x >= x.quantile(2 / 3)
        low, high = float(y[low_mask].mean()), float(y[high_mask].mean())
        rows.append(
            {
                "input": name,
                "low_value": float(x[low_mask].mean()),
                "high_value": float(x[high_mask].mean()),
                "objective_at_low": low,
                "objective_at_high": high,
                "swing": abs(high - low),
            }
        )
    table = pd.DataFrame(rows, columns=TORNADO_COLUMNS)
    return table.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


def write_outcomes(
    frame: pd.DataFrame, cases: list[dict], outdir: Path, spec: BaseSpec
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """sweep_summary.csv, tornado.csv and tornado.png in the sweep's folder, and its run.json:
    the base instance's inputs with their sources, what was varied and how, and the manifest
    of the sweep's files (a later result in the folder replaces them all). Call under the
    folder's lock."""
    from planner.studies.charts import sweep_tornado_chart

    inputs = varied_inputs(cases)
    summary, tornado = outcome_percentiles(frame), tornado_table(frame, inputs)
    atomic_write_text(outdir / "sweep_summary.csv", frame_csv(summary))
    atomic_write_text(outdir / "tornado.csv", frame_csv(tornado))
    medians = summary.loc[summary["output"] == "objective_value", "p50"].astype(float).tolist()
    median = medians[0] if medians else 0.0
    sweep_tornado_chart(tornado, median, outdir / "tornado.png")
    written = [outdir / n for n in ("sweep.csv", "sweep_summary.csv", "tornado.csv", "tornado.png")]
    finish_result(outdir, written, sweep_info(spec, cases, inputs))
    return summary, tornado


def sweep_info(spec: BaseSpec, cases: list[dict], inputs: list[str]) -> dict[str, Any]:
    """run.json of a sweep: its base instance (file, hash, overrides, every input with its
    source) and, per varied input, how many values it took and their range."""
    loaded = spec.load()
    varied = []
    for path in inputs:
        values = [case[path] for case in cases if path in case]
        distinct = len({json.dumps(v, sort_keys=True, default=str) for v in values})
        numbers = [
            float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)
        ]
        how = f"{distinct} value{'s' if distinct != 1 else ''}"
        if numbers and len(numbers) == len(values) and distinct > 1:
            how += f", from {min(numbers):,.6g} to {max(numbers):,.6g}"
        varied.append({"input": path, "how": how})
    return {
        "kind": "sweep",
        "instance": loaded.instance.name,
        "instance_file": str(loaded.path),
        "instance_sha256": loaded.sha256,
        "overrides": list(spec.overrides),
        "cases": len(cases),
        "varied": varied,
        "inputs": instance_inputs(loaded),
        "versions": {"planner": __version__},
    }
