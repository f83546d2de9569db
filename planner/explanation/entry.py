"""How much faster or cheaper each unused (system, tier) pair would need to be to enter the plan.

Method: bisection on MILP re-solves (racks free), not reduced costs: with whole racks and a
rack shared by several systems, the fixed-racks LP's reduced cost of an unused system says
nothing about buying its racks. For a factor f we re-solve with

- faster:  throughput_ttok_per_year[system, tier] * f            (f > 1)
- cheaper: rack_capex_musd[rack] * f and rack_annuity_musd_per_year[rack] * f for
           every rack in the system's bill                       (f < 1; other systems using
           those racks get the same price)

and the pair "enters" when the re-solved plan assigns it units. The smallest such speed-up
(largest such price factor) is found to ENTRY_TOL_FRAC by bisection on log f. If even the
extreme (FASTEST_FACTOR, CHEAPEST_FACTOR) does not bring it in, the answer is None: speed or
price is not what keeps it out (e.g. capex does not matter to revenue without a budget).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

import pandas as pd
import pyomo.environ as pyo

from planner.explanation.base import Baseline, resolve_mip_model, units_var

ENTRY_TOL_FRAC = 0.005
FASTEST_FACTOR = 100.0
CHEAPEST_FACTOR = 0.01
UNITS_TOL = 1e-6

ENTRY_COLUMNS = [
    "system", "tier", "throughput_factor_to_enter", "capex_factor_to_enter", "method", "words",
]  # fmt: skip


def faster(system: str, tier: str, factor: float) -> Callable[[pyo.ConcreteModel], None]:
    def change(m: pyo.ConcreteModel) -> None:
        p = m.throughput_ttok_per_year[system, tier]
        p.set_value(pyo.value(p) * factor)

    return change


def cheaper(base: Baseline, system: str, factor: float) -> Callable[[pyo.ConcreteModel], None]:
    racks = list(dict.fromkeys(r for (s, _, r) in base.data.system_racks if s == system))

    def change(m: pyo.ConcreteModel) -> None:
        for rack in racks:
            for param in (m.rack_capex_musd[rack], m.rack_annuity_musd_per_year[rack]):
                param.set_value(pyo.value(param) * factor)

    return change


def enters(
    base: Baseline, system: str, tier: str, change: Callable[[pyo.ConcreteModel], None]
) -> bool:
    """Whether the re-solved plan gives (system, tier) any units."""
    m = resolve_mip_model(base, change)
    return m is not None and pyo.value(units_var(m, system, tier)) > UNITS_TOL


def _enters_faster(base: Baseline, system: str, tier: str, factor: float) -> bool:
    return enters(base, system, tier, faster(system, tier, factor))


def _enters_cheaper(base: Baseline, system: str, tier: str, factor: float) -> bool:
    return enters(base, system, tier, cheaper(base, system, factor))


def threshold(test: Callable[[float], bool], extreme: float) -> float | None:
    """The factor between 1 and `extreme` where `test` turns true, by bisection on log f."""
    if not test(extreme):
        return None
    inside, outside = extreme, 1.0
    while abs(math.log(inside / outside)) > math.log1p(ENTRY_TOL_FRAC):
        middle = math.sqrt(inside * outside)
        if test(middle):
            inside = middle
        else:
            outside = middle
    return inside


def _words(system: str, tier: str, speed: float | None, price: float | None) -> str:
    parts = []
    if speed is not None:
        more = f"{speed - 1:.1%} more" if speed < 2 else f"{speed:.3g}x the"
        parts.append(f"{more} throughput")
    if price is not None:
        parts.append(f"racks {1 - price:.1%} cheaper")
    if not parts:
        return f"{system} stays out of {tier} even at {FASTEST_FACTOR:g}x speed or 1% of its price"
    return f"{system} enters {tier} with " + " or ".join(parts)


def entry_rows(base: Baseline) -> list[dict]:
    """One row per servable (system, tier) pair the optimum leaves unused (single-year plans:
    over years and scenarios a pair is used in some years and not others)."""
    rows: list[dict] = []
    if not base.data.is_single:
        return rows
    for system, tier in base.data.servable:
        if pyo.value(units_var(base.model, system, tier)) > UNITS_TOL:
            continue
        speed = threshold(partial(_enters_faster, base, system, tier), FASTEST_FACTOR)
        price = threshold(partial(_enters_cheaper, base, system, tier), CHEAPEST_FACTOR)
        rows.append(
            {
                "system": system,
                "tier": tier,
                "throughput_factor_to_enter": speed,
                "capex_factor_to_enter": price,
                "method": f"bisection on MILP re-solves, {ENTRY_TOL_FRAC:.1%} tolerance",
                "words": _words(system, tier, speed, price),
            }
        )
    return rows


def entry_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=ENTRY_COLUMNS)
