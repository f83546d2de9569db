"""Constraint families of the horizon/scenario model, one function each.

Every family holds for each year y and scenario s (the single-year families of
planner/formulation/constraints.py, per year), plus deliveries. Families on the fleet (power,
budget, deliveries) hold per fleet state (y, o): one per shared year, one per scenario after,
so nonanticipativity needs no rows (see planner/horizon/model.py, `owner`).
"""

from __future__ import annotations

import pyomo.environ as pyo

from planner.horizon.model import linear


def add_rack_balance(m):
    """Systems use no more racks than are in service.

    for r, y, s: sum_{system} system_racks[system, r] * sum_{tier} units[system, tier, y, s]
                 <= in_service[r, y, owner[y, s]]
    """

    @m.Constraint(m.RACKS, m.YEARS, m.SCENARIOS, doc="units use racks in service")
    def rack_balance(m, r, y, s):
        used = linear((n, m.units[sy, t, y, s]) for sy, t, n in m.rack_users[r])
        return used <= m.in_service[r, y, m.owner[y, s]]


def add_power_envelope(m):
    """Racks in service fit each year's grid connection.

    for (y, o) in FLEET: pue * sum_r rack_power_mw[r] * in_service[r, y, o] <= site_power_mw[y]
    """

    @m.Constraint(m.FLEET, doc="facility power within the year's envelope")
    def power_envelope(m, y, o):
        it = sum(m.rack_power_mw[r] * m.in_service[r, y, o] for r in m.RACKS)
        return m.pue * it <= m.site_power_mw[y]


def add_capex_budget(m):
    """Each year's purchases fit that year's budget.

    for (y, o) in BUDGET_FLEET: sum_r rack_capex_musd[r] * buy[r, y, o] <= capex_budget_musd[y]
    """

    @m.Constraint(m.BUDGET_FLEET, doc="capex within the year's budget")
    def capex_budget(m, y, o):
        return m.capex_musd[y, o] <= m.capex_budget_musd[y]


def add_delivery_limit(m):
    """Deliveries per year are limited; zero before a rack's first year.

    for (r, y, o) in BUY_LIMITED_FLEET: buy[r, y, o] <= max_buy[r, y]
    """

    @m.Constraint(m.BUY_LIMITED_FLEET, doc="deliveries within the year's limit")
    def delivery_limit(m, r, y, o):
        return m.buy[r, y, o] <= m.max_buy[r, y]


def add_tier_capacity(m):
    """Tokens sold are produced by the units serving the tier.

    for t, y, s: sold[t, y, s] <= sum_{system} throughput_ttok_per_year[system, t] * units[system, t, y, s]
    """

    @m.Constraint(m.TIERS, m.YEARS, m.SCENARIOS, doc="tokens sold within capacity")
    def tier_capacity(m, t, y, s):
        terms = [
            (-m.throughput_ttok_per_year[sy, t], m.units[sy, t, y, s]) for sy in m.tier_servers[t]
        ]
        return linear([(1.0, m.sold_ttok_per_year[t, y, s]), *terms]) <= 0


def add_demand_limit(m, must_serve: bool):
    """Tokens sold within the forecast (equal to it when the objective is cost per token).

    for (t, y, s) in DEMAND: sold[t, y, s] <= demand_ttok_per_year[t, y, s]   (== when must_serve)
    """

    @m.Constraint(m.DEMAND, doc="tokens sold within (or equal to) the forecast")
    def demand_limit(m, t, y, s):
        if must_serve:
            return m.sold_ttok_per_year[t, y, s] == m.demand_ttok_per_year[t, y, s]
        return m.sold_ttok_per_year[t, y, s] <= m.demand_ttok_per_year[t, y, s]


def add_tier_power_share(m):
    """Fixed, minimum or maximum share of each year's site power per tier.

    tier_power_mw[t, y, s] (==, >=, <=) share[t] * site_power_mw[y]
    """
    m.tier_power_share_fixed = pyo.Constraint(m.FIXED_SHARE_TIERS, m.YEARS, m.SCENARIOS, doc="fixed share",
        rule=lambda m, t, y, s: m.tier_power_mw[t, y, s] == m.tier_fixed_share_frac[t] * m.site_power_mw[y])  # fmt: skip
    m.tier_power_share_min = pyo.Constraint(m.MIN_SHARE_TIERS, m.YEARS, m.SCENARIOS, doc="minimum share",
        rule=lambda m, t, y, s: m.tier_power_mw[t, y, s] >= m.tier_min_share_frac[t] * m.site_power_mw[y])  # fmt: skip
    m.tier_power_share_max = pyo.Constraint(m.MAX_SHARE_TIERS, m.YEARS, m.SCENARIOS, doc="maximum share",
        rule=lambda m, t, y, s: m.tier_power_mw[t, y, s] <= m.tier_max_share_frac[t] * m.site_power_mw[y])  # fmt: skip
