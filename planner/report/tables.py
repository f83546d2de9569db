"""Read a run's CSVs back, and derive the sensitivity (tornado) table from explain's marginals."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from planner.errors import UsageError

REQUIRED = ("summary", "racks", "tiers", "allocation")
OPTIONAL = (
    "sweep", "frontier", "explain", "marginals", "binding", "entry", "alternatives",
    "infeasibility",
)  # fmt: skip
TORNADO_STEP_FRAC = 0.10
"""The tornado shows the objective change for a 10% change of each input."""


def read_outputs(outdir: Path) -> dict[str, pd.DataFrame]:
    """The plan tables (required) and any sweep/frontier/explain tables found in `outdir`."""
    missing = [n for n in REQUIRED if not (outdir / f"{n}.csv").is_file()]
    if missing:
        raise UsageError(
            f"{outdir}: no {', '.join(m + '.csv' for m in missing)}; run `plan solve --out "
            f"{outdir}` or `plan explain --out {outdir}` first"
        )
    frames = {}
    for name in REQUIRED + OPTIONAL:
        path = outdir / f"{name}.csv"
        if path.is_file():
            try:
                frames[name] = pd.read_csv(path)
            except pd.errors.EmptyDataError:
                frames[name] = pd.DataFrame()
    if "marginals" in frames and not frames["marginals"].empty:
        frames["sensitivity"] = sensitivity(frames["marginals"])
    return frames


def sensitivity(marginals: pd.DataFrame) -> pd.DataFrame:
    """Objective change for +10% of each input: the racks-free finite difference where there
    is one (it re-optimises the mix), else the fixed-racks dual; largest effect first."""
    per_unit = marginals["fd_free_racks"].fillna(marginals["dual_fixed_racks"])
    step = marginals["value_units"].abs() * TORNADO_STEP_FRAC
    frame = pd.DataFrame(
        {
            "lever": marginals["lever"],
            "description": marginals["description"],
            "step_units": step,
            "objective_change": per_unit * step,
            "objective_unit": marginals["objective_unit"].str.removesuffix("_per_unit"),
        }
    )
    frame = frame[frame["step_units"] > 0]
    order = frame["objective_change"].abs().sort_values(ascending=False).index
    return frame.loc[order].reset_index(drop=True)
