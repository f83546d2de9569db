"""Sets, parameters, variables and named expressions of the planning model."""

from __future__ import annotations

import pyomo.environ as pyo

from planner.data import PlanData


def add_sets(m: pyo.ConcreteModel, data: PlanData) -> None:
    """Index sets; sparsity lives in filtered sets, never in Constraint.Skip."""
    m.RACKS = pyo.Set(initialize=data.racks, ordered=True, doc="rack types that can be bought")
    m.SYSTEMS = pyo.Set(initialize=data.systems, ordered=True, doc="serving systems allowed")
    m.TIERS = pyo.Set(initialize=data.tiers, ordered=True, doc="pricing tiers")
    m.SERVABLE = pyo.Set(
        within=m.SYSTEMS * m.TIERS,
        initialize=data.servable,
        ordered=True,
        doc="(system, tier) pairs whose curve reaches the tier's minimum speed",
    )
    m.SYSTEM_RACKS = pyo.Set(
        within=m.SYSTEMS * m.RACKS,
        initialize=list(data.system_racks),
        ordered=True,
        doc="(system, rack) pairs in each system's bill of racks",
    )
    m.LIMITED_RACKS = pyo.Set(
        within=m.RACKS, initialize=list(data.rack_max_count), doc="racks with a supply limit"
    )
    m.DEMAND_TIERS = pyo.Set(
        within=m.TIERS, initialize=list(data.tier_demand_ttok_per_year), doc="tiers with a forecast"
    )
    m.FIXED_SHARE_TIERS = pyo.Set(
        within=m.TIERS,
        initialize=list(data.tier_fixed_share_frac),
        doc="tiers with a fixed power share",
    )
    m.MIN_SHARE_TIERS = pyo.Set(
        within=m.TIERS,
        initialize=list(data.tier_min_share_frac),
        doc="tiers with a minimum power share",
    )
    m.MAX_SHARE_TIERS = pyo.Set(
        within=m.TIERS,
        initialize=list(data.tier_max_share_frac),
        doc="tiers with a maximum power share",
    )


def add_params(m: pyo.ConcreteModel, data: PlanData) -> None:
    """Parameters, mutable where a study may change them without rebuilding."""
    m.site_power_mw = pyo.Param(initialize=data.site_power_mw, mutable=True, doc="site power, MW")
    m.pue = pyo.Param(initialize=data.pue, mutable=True, doc="facility / IT power")
    m.capex_budget_musd = pyo.Param(
        initialize=data.capex_budget_musd or 0.0, mutable=True, doc="capex budget, $M"
    )
    m.rack_power_mw = pyo.Param(
        m.RACKS, initialize=data.rack_power_mw, mutable=True, doc="IT power per rack, MW"
    )
    m.rack_capex_musd = pyo.Param(
        m.RACKS, initialize=data.rack_capex_musd, mutable=True, doc="capex per rack, $M"
    )
    m.rack_fixed_musd_per_year = pyo.Param(
        m.RACKS,
        initialize=data.rack_fixed_musd_per_year,
        mutable=True,
        doc="annualised capex (capital recovery factor) plus opex per rack, $M/yr",
    )
    m.rack_energy_musd_per_year = pyo.Param(
        m.RACKS,
        initialize=data.rack_energy_musd_per_year,
        mutable=True,
        doc="energy cost per rack at the site PUE and utilisation, $M/yr",
    )
    m.rack_max_count = pyo.Param(
        m.LIMITED_RACKS, initialize=data.rack_max_count, mutable=True, doc="most racks buyable"
    )
    m.system_racks = pyo.Param(
        m.SYSTEM_RACKS, initialize=data.system_racks, doc="racks of each type per system unit"
    )
    m.system_power_mw = pyo.Param(
        m.SYSTEMS, initialize=data.system_power_mw, mutable=True, doc="IT power per system unit, MW"
    )
    m.throughput_ttok_per_year = pyo.Param(
        m.SERVABLE,
        initialize=data.throughput_ttok_per_year,
        mutable=True,
        doc="output Ttok per year per system unit at the tier's speed and site utilisation",
    )
    m.tier_revenue_musd_per_ttok = pyo.Param(
        m.TIERS,
        initialize=data.tier_revenue_musd_per_ttok,
        mutable=True,
        doc="revenue per output Ttok ($M), input-token revenue included; equals $/Mtok",
    )
    m.tier_demand_ttok_per_year = pyo.Param(
        m.DEMAND_TIERS,
        initialize=data.tier_demand_ttok_per_year,
        mutable=True,
        doc="forecast output Ttok per year",
    )
    m.tier_fixed_share_frac = pyo.Param(
        m.FIXED_SHARE_TIERS, initialize=data.tier_fixed_share_frac, mutable=True, doc="fixed share"
    )
    m.tier_min_share_frac = pyo.Param(
        m.MIN_SHARE_TIERS, initialize=data.tier_min_share_frac, mutable=True, doc="minimum share"
    )
    m.tier_max_share_frac = pyo.Param(
        m.MAX_SHARE_TIERS, initialize=data.tier_max_share_frac, mutable=True, doc="maximum share"
    )


def add_variables(m: pyo.ConcreteModel) -> None:
    """Decisions: racks bought (integer), system units per tier, output tokens sold per tier."""
    m.racks = pyo.Var(m.RACKS, domain=pyo.NonNegativeIntegers, doc="racks bought")
    m.units = pyo.Var(
        m.SERVABLE, domain=pyo.NonNegativeReals, doc="system units assigned to each tier"
    )
    m.sold_ttok_per_year = pyo.Var(
        m.TIERS, domain=pyo.NonNegativeReals, doc="output Ttok sold per tier per year"
    )


def add_expressions(m: pyo.ConcreteModel) -> None:
    """Named quantities the constraints, objectives and results share."""

    @m.Expression(m.TIERS, doc="facility power serving each tier, MW")
    def tier_power_mw(m, tier):
        return m.pue * sum(
            m.system_power_mw[system] * m.units[system, t] for system, t in m.SERVABLE if t == tier
        )

    @m.Expression(doc="facility power of all racks bought, MW")
    def facility_power_mw(m):
        return m.pue * sum(m.rack_power_mw[rack] * m.racks[rack] for rack in m.RACKS)

    @m.Expression(doc="capex of all racks bought, $M")
    def capex_musd(m):
        return sum(m.rack_capex_musd[rack] * m.racks[rack] for rack in m.RACKS)

    @m.Expression(doc="annual revenue, $M/yr")
    def revenue_musd_per_year(m):
        return sum(m.tier_revenue_musd_per_ttok[t] * m.sold_ttok_per_year[t] for t in m.TIERS)

    @m.Expression(doc="annual cost: annualised capex, opex and energy, $M/yr")
    def cost_musd_per_year(m):
        return sum(
            (m.rack_fixed_musd_per_year[rack] + m.rack_energy_musd_per_year[rack]) * m.racks[rack]
            for rack in m.RACKS
        )

    @m.Expression(doc="output Ttok sold per year, all tiers")
    def sold_total_ttok_per_year(m):
        return sum(m.sold_ttok_per_year[t] for t in m.TIERS)
