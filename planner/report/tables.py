"""Read a run's CSVs back, and derive the sensitivity (tornado) table from explain's marginals."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from planner.errors import UsageError
from planner.results.files import read_manifest, read_run

SINGLE_YEAR = ("summary", "racks", "tiers", "allocation")
"""Required tables; `rentals` is optional (instances with rentals: only)."""
OVER_YEARS = ("summary", "build_schedule", "tiers_by_year", "allocation_by_year",
              "summary_by_year", "scenarios")  # fmt: skip
OPTIONAL = (
    "purchase_order", "serving", "serving_by_year", "rentals", "rentals_by_year", "prices", "prices_by_year",
    "curves", "curves_by_year", "leases", "leases_by_year", "stochastic", "sweep", "frontier", "explain", "marginals",
    "binding", "entry", "alternatives", "infeasibility",
)  # fmt: skip
TORNADO_STEP_FRAC = 0.10
"""The tornado shows the objective change for a 10% change of each input."""


def read_outputs(outdir: Path) -> dict[str, pd.DataFrame]:
    """The plan tables (required) and any sweep/frontier/explain tables found in `outdir`.

    A plan over years or scenarios (build_schedule.csv present) also gets `racks` (bought
    over the plan, first scenario) and `tiers` (the expected average year) for the charts.
    """
    manifest = read_manifest(outdir)

    def present(name: str) -> bool:
        return (outdir / name).is_file() and (manifest is None or name in manifest)

    if (outdir / "sweep.csv").is_file() and not present("summary.csv"):
        return _read_sweep(outdir)
    over_years = present("build_schedule.csv")
    required = OVER_YEARS if over_years else SINGLE_YEAR
    missing = [n for n in required if not present(f"{n}.csv")]
    if missing:
        raise UsageError(
            f"{outdir}: no {', '.join(m + '.csv' for m in missing)}; run `plan solve --out "
            f"{outdir}` or `plan explain --out {outdir}` first"
        )
    frames = _read_csvs(outdir, required + OPTIONAL)
    if frames["summary"].empty or "instance" not in frames["summary"]:
        raise UsageError(
            f"{outdir}/summary.csv: empty or not a plan summary; run `plan solve --out "
            f"{outdir}` again"
        )
    if over_years:
        frames["racks"] = racks_over_plan(frames["build_schedule"])
        frames["tiers"] = average_year(frames["tiers_by_year"], frames["scenarios"])
    warnings = read_run(outdir).get("plausibility_warnings") or []
    if warnings:
        frames["plausibility"] = pd.DataFrame({"warning": [str(w) for w in warnings]})
    if "serving" in frames and not frames["serving"].empty:
        frames["serving_mix"] = serving_mix(frames["serving"])
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


def racks_over_plan(schedule: pd.DataFrame) -> pd.DataFrame:
    """Racks bought over the whole plan by the first scenario (shared years are the same in
    every scenario), with their capex."""
    if schedule.empty:
        return pd.DataFrame(columns=["rack", "count", "capex_usd"])
    first = schedule[schedule["scenario"] == schedule["scenario"].iloc[0]]
    total = first.groupby("rack", sort=False)[["bought", "capex_usd"]].sum().reset_index()
    return total.rename(columns={"bought": "count"})


def average_year(tiers_by_year: pd.DataFrame, scenarios: pd.DataFrame) -> pd.DataFrame:
    """Per tier, the mean over years of facility power, tokens and revenue, weighted by the
    scenarios' probabilities (the expected average year)."""
    columns = ["tier", "facility_power_mw", "mtok_per_year", "revenue_usd_per_year"]
    if tiers_by_year.empty:
        return pd.DataFrame(columns=columns)
    probability = scenarios.set_index("scenario")["probability"]
    years = tiers_by_year["year"].nunique()
    weight = tiers_by_year["scenario"].map(probability) / years
    weighted = tiers_by_year[columns[1:]].mul(weight, axis=0).assign(tier=tiers_by_year["tier"])
    return weighted.groupby("tier", sort=False)[columns[1:]].sum().reset_index()[columns]


def serving_mix(serving: pd.DataFrame) -> pd.DataFrame:
    """Per tier, the racks of each type (and phases) it ties up, one column per rack and
    phase set, so the prefill:decode and LPX:GPU ratios read across a row."""
    used = serving[serving["racks"] > 1e-9].copy()
    used["column"] = used["rack"] + " (" + used["phases"].str.replace("+", ", ") + ")"
    mix = used.pivot_table(
        index="tier", columns="column", values="racks", aggfunc="sum", sort=False
    ).fillna(0.0)
    mix.columns.name = None
    return mix.reset_index()


SWEEP_FILES = ("sweep", "sweep_summary", "tornado")


def _read_sweep(outdir: Path) -> dict[str, pd.DataFrame]:
    """A sweep folder: its case table, outcome percentiles and tornado."""
    return _read_csvs(outdir, SWEEP_FILES)


def _read_csvs(outdir: Path, names: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """name -> frame for each of `names` with a CSV in `outdir` (an empty file: no rows) that
    the folder's result wrote: with a manifest in run.json, only the files it names (a file
    another run left, or the user's, is never mixed in)."""
    manifest = read_manifest(outdir)
    frames = {}
    for name in names:
        path = outdir / f"{name}.csv"
        if manifest is not None and path.name not in manifest:
            continue
        if path.is_file():
            try:
                frames[name] = pd.read_csv(path)
            except pd.errors.EmptyDataError:
                frames[name] = pd.DataFrame()
    return frames
