"""The plan's end: capital not yet charged when the last year closes.

Each rack (and block of building) is charged its annuity in the years it serves inside the
plan; what it has not been charged by the end (its remaining annuities at the discount rate,
`rack_left_musd`, `block_left_musd`) is the plan's value left at the end, which the NPV of a
plan over years counts in full by default. With `horizon.value_left_frac` = f below 1 the share
(1 - f) of it is charged at the end as well:

    charge_at_end_musd[s] = (1 - f) x end_discount x ( sum_{(r, y)} rack_left_musd[r, y] x racks_bought[r, y, owner[y, s]]
                                                     + sum_y block_left_musd[y] x blocks_energised[y, owner[y, s]] )

(f = 0 charges every rack and block its whole capex inside the plan.)
"""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo

from planner.inputs.data import PlanData


def add_end_charge(m: pyo.ConcreteModel, d: PlanData) -> None:
    """charge_at_end_musd[s], $M in present value (0 when the value left counts in full)."""
    share = (1.0 - d.value_left_frac) * d.end_discount
    owner = m.owner

    def charge(m: pyo.ConcreteModel, s: str) -> Any:
        if share <= 0:
            return 0.0
        racks = sum(
            left * m.racks_bought[r, y, owner[y, s]] for (r, y), left in d.rack_left_musd.items()
        )
        blocks = sum(
            left * m.blocks_energised[y, owner[y, s]]
            for y, left in d.block_left_musd.items()
            if (y, owner[y, s]) in m.ENERGISE_FLEET
        )
        return share * (racks + blocks)

    m.charge_at_end_musd = pyo.Expression(
        m.SCENARIOS,
        rule=charge,
        doc="capital not yet charged at the end that is not counted as value, PV $M",
    )
