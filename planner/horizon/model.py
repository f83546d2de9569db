"""The horizon/scenario model: sets, parameters, decisions and expressions.

Constraints are in planner/horizon/constraints.py, objectives in planner/horizon/objectives.py.
Indices: rack r, system, tier t, year y (calendar), scenario s. Units: MW, $M, Ttok.
"""

from __future__ import annotations

import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

from planner.horizon.data import HorizonData


def linear(terms) -> LinearExpression:
    """sum(coef x var) over (coef, var) pairs, built directly as one LinearExpression (about
    40% faster than Python's sum over Pyomo terms on the 100-scenario bench)."""
    return LinearExpression([MonomialTermExpression((c, v)) for c, v in terms])


def add_sets(m: pyo.ConcreteModel, d: HorizonData) -> None:
    """Index sets; sparsity lives in the filtered ones."""
    b = d.base
    m.RACKS = pyo.Set(initialize=b.racks, doc="rack types used by the allowed systems")
    m.SYSTEMS = pyo.Set(initialize=b.systems, doc="allowed serving systems")
    m.TIERS = pyo.Set(initialize=b.tiers, doc="pricing tiers")
    m.YEARS = pyo.Set(initialize=d.years, ordered=True, doc="planning years")
    m.SCENARIOS = pyo.Set(initialize=d.scenarios, ordered=True, doc="possible futures")
    m.SERVABLE = pyo.Set(dimen=2, initialize=b.servable, doc="(system, tier) reaching the speed")
    m.SYSTEM_RACKS = pyo.Set(dimen=2, initialize=list(b.system_racks), doc="bill of racks")
    m.BUY_LIMITED = pyo.Set(
        dimen=2, initialize=list(d.max_buy), doc="(rack, year) with a delivery limit"
    )
    m.BUDGET_YEARS = pyo.Set(initialize=list(d.capex_budget_musd), doc="years with a capex budget")
    m.DEMAND = pyo.Set(
        dimen=3,
        initialize=list(d.demand_ttok_per_year),
        doc="(tier, year, scenario) with a forecast",
    )
    # Fleet states: purchases in a shared year belong to the first scenario and every scenario
    # uses them, so nonanticipativity holds by construction (no equality rows, no copies).
    first, shared = d.scenarios[0], set(d.shared_years)
    m.owner = {(y, s): first if y in shared else s for y in d.years for s in d.scenarios}
    fleet = [(y, o) for y in d.years for o in dict.fromkeys(m.owner[y, s] for s in d.scenarios)]
    m.FLEET = pyo.Set(dimen=2, ordered=True, initialize=fleet,
                      doc="(year, owner scenario): one fleet per shared year, one per scenario after")  # fmt: skip
    m.BUY_LIMITED_FLEET = pyo.Set(dimen=3, doc="(rack, year, owner) with a delivery limit",
                                  initialize=[(r, y, o) for r, y in d.max_buy for (yy, o) in m.FLEET if yy == y])  # fmt: skip
    m.BUDGET_FLEET = pyo.Set(dimen=2, doc="(year, owner) with a capex budget",
                             initialize=[(y, o) for y, o in m.FLEET if y in d.capex_budget_musd])  # fmt: skip
    # plain lookup tables (not model components) so rules do not scan whole sets
    m.tier_servers = {t: [sy for sy, tt in b.servable if tt == t] for t in b.tiers}
    m.rack_users = {r: [(sy, t, b.system_racks[sy, r]) for sy, t in b.servable if (sy, r) in b.system_racks]
                    for r in b.racks}  # fmt: skip
    m.FIXED_SHARE_TIERS = pyo.Set(
        initialize=list(b.tier_fixed_share_frac), doc="tiers with a fixed share"
    )
    m.MIN_SHARE_TIERS = pyo.Set(
        initialize=list(b.tier_min_share_frac), doc="tiers with a minimum share"
    )
    m.MAX_SHARE_TIERS = pyo.Set(
        initialize=list(b.tier_max_share_frac), doc="tiers with a maximum share"
    )
    m.SHARE_TIERS = pyo.Set(initialize=[t for t in b.tiers if t in b.tier_fixed_share_frac
                                        or t in b.tier_min_share_frac or t in b.tier_max_share_frac],
                            doc="tiers with any power share")  # fmt: skip


def add_params(m: pyo.ConcreteModel, d: HorizonData) -> None:
    """Numbers from the data step, in model units."""
    b = d.base
    P = pyo.Param  # noqa: N806
    m.pue = P(initialize=b.pue, doc="facility / IT power")
    m.probability = P(m.SCENARIOS, initialize=d.probability, doc="scenario probability")
    m.discount = P(m.YEARS, initialize=d.discount, doc="discount factor 1/(1+rate)^k")
    m.site_power_mw = P(m.YEARS, initialize=d.site_power_mw, doc="power envelope per year, MW")
    m.capex_budget_musd = P(
        m.BUDGET_YEARS, initialize=d.capex_budget_musd, doc="budget per year, $M"
    )
    m.rack_power_mw = P(m.RACKS, initialize=b.rack_power_mw, doc="IT power per rack, MW")
    m.rack_capex_musd = P(m.RACKS, initialize=b.rack_capex_musd, doc="price per rack, $M")
    m.rack_annuity_musd_per_year = P(m.RACKS, initialize=d.rack_annuity_musd_per_year,
                                     doc="capex x CRF(rate, life), per year in service, $M")  # fmt: skip
    m.rack_opex_musd_per_year = P(m.RACKS, initialize=d.rack_opex_musd_per_year, doc="opex, $M/yr")
    m.rack_energy_musd_per_year = P(m.RACKS, m.YEARS, initialize=d.rack_energy_musd_per_year,
                                    doc="energy cost per rack in service, $M/yr")  # fmt: skip
    m.existing_in_service = P(
        m.RACKS, m.YEARS, initialize=d.existing_in_service, doc="installed fleet still in service"
    )
    m.max_buy = P(
        m.BUY_LIMITED, initialize=d.max_buy, doc="most racks delivered in a year (0 before arrival)"
    )
    m.system_racks = P(m.SYSTEM_RACKS, initialize=b.system_racks, doc="racks per system unit")
    m.system_power_mw = P(m.SYSTEMS, initialize=b.system_power_mw, doc="IT power per unit, MW")
    m.throughput_ttok_per_year = P(m.SERVABLE, initialize=b.throughput_ttok_per_year,
                                   doc="Ttok/yr per unit at the tier's speed")  # fmt: skip
    m.price_musd_per_ttok = P(m.TIERS, m.YEARS, m.SCENARIOS, initialize=d.price_musd_per_ttok,
                              doc="price incl. input tokens, $M per Ttok = $ per Mtok")  # fmt: skip
    m.demand_ttok_per_year = P(m.DEMAND, initialize=d.demand_ttok_per_year, doc="forecast, Ttok/yr")
    m.tier_fixed_share_frac = P(
        m.FIXED_SHARE_TIERS, initialize=b.tier_fixed_share_frac, doc="fixed share"
    )
    m.tier_min_share_frac = P(
        m.MIN_SHARE_TIERS, initialize=b.tier_min_share_frac, doc="minimum share"
    )
    m.tier_max_share_frac = P(
        m.MAX_SHARE_TIERS, initialize=b.tier_max_share_frac, doc="maximum share"
    )


def add_variables(m: pyo.ConcreteModel, d: HorizonData) -> None:
    """Decisions: racks bought per year (integer), units per tier, tokens sold."""
    m.buy = pyo.Var(m.RACKS, m.FLEET, domain=pyo.NonNegativeIntegers,
                    doc="racks bought (delivered) in a year, per fleet state (year, owner)")  # fmt: skip
    m.units = pyo.Var(m.SERVABLE, m.YEARS, m.SCENARIOS, domain=pyo.NonNegativeReals,
                      doc="system units serving a tier in a year")  # fmt: skip
    m.sold_ttok_per_year = pyo.Var(m.TIERS, m.YEARS, m.SCENARIOS, domain=pyo.NonNegativeReals,
                                   doc="tokens sold, Ttok/yr")  # fmt: skip
    life, owner = d.rack_lifetime_years, m.owner

    def bought_alive(m, r, y, o):
        return sum(m.buy[r, yb, owner[yb, o]] for yb in m.YEARS if yb <= y < yb + life[r])

    m.new_in_service = pyo.Expression(m.RACKS, m.FLEET, rule=bought_alive,
                                      doc="racks bought in the horizon and not yet retired")  # fmt: skip
    m.in_service = pyo.Expression(m.RACKS, m.FLEET,
                                  rule=lambda m, r, y, o: m.existing_in_service[r, y] + m.new_in_service[r, y, o],
                                  doc="fleet in service: existing plus bought, until retirement")  # fmt: skip
    m.fleet_cost_musd = pyo.Expression(m.FLEET, doc="annuity of new racks + opex + energy, $M",
        rule=lambda m, y, o: sum(m.new_in_service[r, y, o] * m.rack_annuity_musd_per_year[r]
                                 + m.in_service[r, y, o] * (m.rack_opex_musd_per_year[r] + m.rack_energy_musd_per_year[r, y])
                                 for r in m.RACKS))  # fmt: skip
    m.capex_musd = pyo.Expression(m.FLEET, doc="capex spent in a year, $M",
        rule=lambda m, y, o: sum(m.rack_capex_musd[r] * m.buy[r, y, o] for r in m.RACKS))  # fmt: skip
    m.tier_power_mw = pyo.Expression(m.SHARE_TIERS, m.YEARS, m.SCENARIOS,
        doc="facility power per tier with a power share, MW (built only where a share row needs it)",
        rule=lambda m, t, y, s: linear((m.pue * m.system_power_mw[sy], m.units[sy, t, y, s])
                                       for sy in m.tier_servers[t]))  # fmt: skip
    m.revenue_musd = pyo.Expression(m.YEARS, m.SCENARIOS, doc="revenue in a year, $M",
        rule=lambda m, y, s: sum(m.price_musd_per_ttok[t, y, s] * m.sold_ttok_per_year[t, y, s] for t in m.TIERS))  # fmt: skip
    m.cost_musd = pyo.Expression(m.YEARS, m.SCENARIOS, doc="the scenario's fleet cost in a year, $M",
        rule=lambda m, y, s: m.fleet_cost_musd[y, owner[y, s]])  # fmt: skip
    m.npv_profit_musd = pyo.Expression(m.SCENARIOS, doc="present value of profit, $M",
        rule=lambda m, s: sum(m.discount[y] * (m.revenue_musd[y, s] - m.cost_musd[y, s]) for y in m.YEARS))  # fmt: skip
    m.npv_revenue_musd = pyo.Expression(m.SCENARIOS, doc="present value of revenue, $M",
        rule=lambda m, s: sum(m.discount[y] * m.revenue_musd[y, s] for y in m.YEARS))  # fmt: skip
    m.pv_cost_musd = pyo.Expression(m.SCENARIOS, doc="present value of cost, $M",
        rule=lambda m, s: sum(m.discount[y] * m.cost_musd[y, s] for y in m.YEARS))  # fmt: skip
    m.pv_tokens_ttok = pyo.Expression(m.SCENARIOS, doc="discounted tokens sold, Ttok",
        rule=lambda m, s: sum(m.discount[y] * m.sold_ttok_per_year[t, y, s] for t in m.TIERS for y in m.YEARS))  # fmt: skip
    m.pv_capex_musd = pyo.Expression(m.SCENARIOS, doc="present value of capex spent, $M",
        rule=lambda m, s: sum(m.discount[y] * m.capex_musd[y, owner[y, s]] for y in m.YEARS))  # fmt: skip
