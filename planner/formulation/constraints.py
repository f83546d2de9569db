"""One function per constraint family; each docstring states the math and its index domain."""

from __future__ import annotations

import pyomo.environ as pyo


def add_rack_balance(m: pyo.ConcreteModel) -> None:
    """Systems use no more racks than are bought.

    for rack in RACKS:
        sum_{(system, tier) in SERVABLE} system_racks[system, rack] * units[system, tier] <= racks[rack]
    """

    @m.Constraint(m.RACKS, doc="racks used by systems within racks bought")
    def rack_balance(m, rack):
        used = sum(
            m.system_racks[system, rack] * m.units[system, tier]
            for system, tier in m.SERVABLE
            if (system, rack) in m.SYSTEM_RACKS
        )
        return used <= m.racks[rack]


def add_power_envelope(m: pyo.ConcreteModel) -> None:
    """Racks bought, times their IT power and the site PUE, fit the grid connection.

    pue * sum_{rack in RACKS} rack_power_mw[rack] * racks[rack] <= site_power_mw
    """
    m.power_envelope = pyo.Constraint(
        expr=m.facility_power_mw <= m.site_power_mw, doc="facility power within the envelope"
    )


def add_capex_budget(m: pyo.ConcreteModel) -> None:
    """Capex of racks bought stays within the budget (only when a budget is given).

    sum_{rack in RACKS} rack_capex_musd[rack] * racks[rack] <= capex_budget_musd
    """
    m.capex_budget = pyo.Constraint(
        expr=m.capex_musd <= m.capex_budget_musd, doc="capex within budget"
    )


def add_tier_capacity(m: pyo.ConcreteModel) -> None:
    """Tokens sold in a tier are at most what its assigned systems produce at the tier's speed.

    for tier in TIERS:
        sold_ttok_per_year[tier]
            <= sum_{(system, tier) in SERVABLE} throughput_ttok_per_year[system, tier] * units[system, tier]
    (throughput already includes utilisation x seconds per year)
    """

    @m.Constraint(m.TIERS, doc="tokens sold within capacity at the tier's speed")
    def tier_capacity(m, tier):
        capacity = sum(
            m.throughput_ttok_per_year[system, t] * m.units[system, t]
            for system, t in m.SERVABLE
            if t == tier
        )
        return m.sold_ttok_per_year[tier] <= capacity


def add_demand_limit(m: pyo.ConcreteModel) -> None:
    """Tokens sold do not exceed the forecast.

    for tier in DEMAND_TIERS: sold_ttok_per_year[tier] <= tier_demand_ttok_per_year[tier]
    """

    @m.Constraint(m.DEMAND_TIERS, doc="tokens sold within the demand forecast")
    def demand_limit(m, tier):
        return m.sold_ttok_per_year[tier] <= m.tier_demand_ttok_per_year[tier]


def add_forecast_served(m: pyo.ConcreteModel) -> None:
    """Every forecast is served in full (cost_per_token objective only).

    for tier in DEMAND_TIERS: sold_ttok_per_year[tier] >= tier_demand_ttok_per_year[tier]
    """

    @m.Constraint(m.DEMAND_TIERS, doc="forecast served in full")
    def forecast_served(m, tier):
        return m.sold_ttok_per_year[tier] >= m.tier_demand_ttok_per_year[tier]


def add_tier_power_share(m: pyo.ConcreteModel) -> None:
    """A tier's facility power is a fixed, minimum or maximum share of site power, when given.

    for tier in FIXED_SHARE_TIERS: tier_power_mw[tier] == tier_fixed_share_frac[tier] * site_power_mw
    for tier in MIN_SHARE_TIERS:   tier_power_mw[tier] >= tier_min_share_frac[tier] * site_power_mw
    for tier in MAX_SHARE_TIERS:   tier_power_mw[tier] <= tier_max_share_frac[tier] * site_power_mw
    where tier_power_mw[tier] = pue * sum_{(system, tier) in SERVABLE} system_power_mw[system] * units[system, tier]
    """

    @m.Constraint(m.FIXED_SHARE_TIERS, doc="tier power is its fixed share of site power")
    def tier_power_share_fixed(m, tier):
        return m.tier_power_mw[tier] == m.tier_fixed_share_frac[tier] * m.site_power_mw

    @m.Constraint(m.MIN_SHARE_TIERS, doc="tier power at least its minimum share")
    def tier_power_share_min(m, tier):
        return m.tier_power_mw[tier] >= m.tier_min_share_frac[tier] * m.site_power_mw

    @m.Constraint(m.MAX_SHARE_TIERS, doc="tier power at most its maximum share")
    def tier_power_share_max(m, tier):
        return m.tier_power_mw[tier] <= m.tier_max_share_frac[tier] * m.site_power_mw


def add_supply_limit(m: pyo.ConcreteModel) -> None:
    """At most the available racks of each supply-limited type are bought.

    for rack in LIMITED_RACKS: racks[rack] <= rack_max_count[rack]
    """

    @m.Constraint(m.LIMITED_RACKS, doc="racks bought within supply")
    def supply_limit(m, rack):
        return m.racks[rack] <= m.rack_max_count[rack]
