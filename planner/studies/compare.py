"""Several instances side by side: revenue and throughput, with ratios to the first and previous."""

from __future__ import annotations

import pandas as pd

from planner.inputs.load import LoadedInstance
from planner.results.run import solve_loaded
from planner.solver.highs import SolveSettings

COMPARE_COLUMNS = [
    "instance", "status", "revenue_usd_per_year", "ratio_to_previous", "claimed_ratio_to_previous",
    "ratio_to_first", "tok_s", "mtok_per_year", "capex_usd", "facility_power_mw",
    "cost_usd_per_mtok", "claim_source",
]  # fmt: skip


def compare(loaded: list[LoadedInstance], settings: SolveSettings | None = None) -> pd.DataFrame:
    """Solve each instance; one row each, revenue ratios against first and previous, beside
    the ratio a source claims. Instances that give `comparison.order` (every one of them) are
    put in that order (the GTC generations: Hopper, Blackwell, Rubin, Rubin + LPX), others
    stay in the order given."""
    if loaded and all(x.instance.comparison is not None for x in loaded):
        loaded = sorted(loaded, key=lambda x: x.instance.comparison.order)  # type: ignore[union-attr]
    rows = []
    for item in loaded:
        summary = solve_loaded(item, settings).tables.summary.iloc[0]
        row = {c: summary.get(c) for c in COMPARE_COLUMNS}
        claim = item.instance.comparison
        row["claimed_ratio_to_previous"] = claim.claimed_ratio_to_previous if claim else None
        row["claim_source"] = claim.claim_source if claim else ""
        rows.append(row)
    frame = pd.DataFrame(rows, columns=COMPARE_COLUMNS)
    revenue = frame["revenue_usd_per_year"].astype(float)
    frame["ratio_to_first"] = revenue / revenue.iloc[0] if len(frame) else None
    frame["ratio_to_previous"] = revenue / revenue.shift(1)
    return frame
