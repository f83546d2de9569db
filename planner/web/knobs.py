"""The knobs the what-if page moves, each turned into an instance override (`--set` rules).

Every value goes through the instance loader like `--set` does: a bad one is a one-line error
naming the instance path, never a crash.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from planner.errors import UsageError
from planner.inputs.catalog import DATA_LEVELS
from planner.inputs.load import LoadedInstance


@dataclass(frozen=True)
class Knob:
    name: str
    words: str
    path: str
    """The instance path it sets (a `*` knob scales every tier)."""
    per_unit: float = 1.0
    """Instance units per page unit ($ per $B, fraction per %)."""
    low: float = 0.0
    high: float = math.inf


KNOBS = (
    Knob("site_mw", "Site power (MW)", "site.power_mw", 1.0, 1.0, 100_000.0),
    Knob("budget_busd", "Capex budget ($B)", "site.capex_budget_usd", 1e9, 0.001, 10_000.0),
    Knob("price_scale", "Every tier's price (x)", "tiers.*.price_usd_per_mtok*", 1.0, 0.01, 100.0),
    Knob("demand_scale", "Every tier's demand (x)", "tiers.*.demand_mtok_per_year*", 1.0, 0.01,
         100.0),
    Knob("discount_rate_pct", "Discount rate (%)", "site.discount_rate_frac", 0.01, 0.0, 100.0),
)  # fmt: skip
"""Numeric knobs; `data` (the weakest data basis) is the one choice."""
PRICE_PATH = Knob(
    "price_growth_pts",
    "Price change a year (+ points)",
    "horizon.tiers.*.price_usd_per_mtok.growth_frac_per_year+",
    0.01,
    -100.0,
    100.0,
)
"""Plans over years whose every tier's price is a series: points added to each tier's yearly
price change (-20: prices fall 20 points a year faster)."""
PARITY_MARGIN = Knob(
    "entrant_margin_pct",
    "Renters' compute margin (%)",
    "lease_out.entrant_margin_frac",
    0.01,
    0.0,
    99.0,
)
"""Instances priced at rental parity: the margin a seller renting the racks keeps, which sets
the most a tier can charge (70: OpenAI's compute margin)."""


def knobs_for(loaded: LoadedInstance) -> tuple[Knob, ...]:
    """The knobs that apply to the instance (the price path only to a plan over years whose
    tiers' prices all change by a yearly rate; the renters' margin only to an instance priced at
    rental parity)."""
    horizon = loaded.instance.horizon
    paths = [t.price_usd_per_mtok for t in horizon.tiers.values()] if horizon else []
    knobs: tuple[Knob, ...] = KNOBS
    if paths and all(p is not None and hasattr(p, "growth_frac_per_year") for p in paths):
        knobs = (*knobs, PRICE_PATH)
    lease = loaded.instance.lease_out
    if lease is not None and lease.entrant_margin_frac is not None:
        knobs = (*knobs, PARITY_MARGIN)
    return knobs


def base_values(loaded: LoadedInstance) -> dict[str, Any]:
    """The knobs at the instance's own values (scales at 1, added points at 0)."""
    site, lease = loaded.instance.site, loaded.instance.lease_out
    budget = site.capex_budget_usd
    margin = None if lease is None else lease.entrant_margin_frac
    return {
        "price_growth_pts": 0.0,
        "entrant_margin_pct": None if margin is None else margin * 100,
        "site_mw": site.power_mw,
        "budget_busd": None if budget is None else budget / 1e9,
        "price_scale": 1.0,
        "demand_scale": 1.0,
        "discount_rate_pct": site.discount_rate_frac * 100,
        "data": loaded.instance.data,
    }


def overrides(
    values: dict[str, Any], base: dict[str, Any], knobs: tuple[Knob, ...] = KNOBS
) -> list[str]:
    """The `--set` strings for the knobs that differ from the base (UsageError naming the knob
    for a value that is not a number in its range, or an unknown knob or level)."""
    known = {k.name for k in knobs} | {"data"}
    unknown = sorted(set(values) - known)
    if unknown:
        raise UsageError(f"unknown knob {unknown[0]!r} (knobs: {', '.join(sorted(known))})")
    out = []
    for knob in knobs:
        value = values.get(knob.name, base[knob.name])
        if value is None or value == base[knob.name]:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise UsageError(f"{knob.words} ({knob.path}): {value!r} is not a number")
        if not (math.isfinite(value) and knob.low <= value <= knob.high):
            raise UsageError(
                f"{knob.words} ({knob.path}): {value:g} is outside {knob.low:g} to {knob.high:g}"
            )
        out.append(f"{knob.path}={value * knob.per_unit!r}")
    level = values.get("data", base["data"])
    if level not in DATA_LEVELS:
        raise UsageError(f"data basis (data): {level!r} is not one of {', '.join(DATA_LEVELS)}")
    if level != base["data"]:
        out.append(f"data={level}")
    return out
