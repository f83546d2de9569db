"""Sets, parameters, decisions and named expressions of the one planning model.

Indices: rack, system, tier, year (calendar; 0 for a single-year plan), scenario. Units: MW,
$M (musd), Ttok. Purchases are indexed by fleet state (year, owner): in a year whose purchases
every scenario shares, the first scenario owns them and every scenario uses them, so
nonanticipativity holds by construction, with no equality rows and no copies.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

from planner.inputs.data import PlanData
from planner.model.ends import add_end_charge

STUDY_PARAMS: dict[str, str] = {
    "site_power_mw": "site power envelope per year, MW",
    "pue": "facility power / IT power",
    "capex_budget_musd": "capex budget per year, $M",
    "rack_power_mw": "IT power per rack, MW",
    "rack_capex_musd": "purchase price per rack, $M",
    "rack_annuity_musd_per_year": "capex x CRF(rate, service years), per year in service, $M",
    "rack_opex_musd_per_year": "non-energy operating cost per rack in service, $M/yr",
    "rack_energy_musd_per_year": "energy cost per rack in service at the site PUE, $M/yr",
    "rack_max_count": "most racks of a type bought over the plan",
    "max_deliveries": "most racks of a type delivered in a year (0 before its first year)",
    "system_power_mw": "IT power per unit of a system serving a tier, MW",
    "throughput_ttok_per_year": "output Ttok per year per system unit at the tier's speed",
    "price_musd_per_ttok": "revenue per output Ttok incl. input tokens, $M/Ttok = $/Mtok",
    "demand_ttok_per_year": "forecast output Ttok per year",
    "tier_fixed_share_frac": "fixed share of site power",
    "tier_min_share_frac": "minimum share of site power",
    "tier_max_share_frac": "maximum share of site power",
    "facility_cost_musd": "the building's yearly cost (annuity of what is built + opex), $M/yr",
    "rental_cost_musd_per_year": "renting one rack-equivalent for a year, $M/yr",
    "rental_max_racks": "most rack-equivalents rentable in a year",
    "curve_width_ttok": "width of a linear piece of a demand curve's revenue, Ttok/yr",
    "curve_price_musd_per_ttok": "revenue per Ttok on a piece of a demand curve, $M/Ttok",
    "tier_min_ttok_per_year": "fewest output Ttok a tier serves in a year",
    "tier_min_token_share_frac": "fewest of all output tokens served that a tier serves",
    "block_mw": "facility MW per energisation block",
    "block_capex_musd": "building capex of one block, $M",
    "block_annuity_musd_per_year": "capex x CRF of one block, per year in service, $M",
    "block_opex_musd_per_year": "building opex of one energised block per year, $M",
    "lease_revenue_musd_per_year": "revenue of one rack leased out for a year, $M",
}
"""Mutable parameters a study may change without rebuilding: name -> description. Each name is
also the PlanData field it is read from; `update_params` and the sweeps use this one list."""


FIRST_STAGE = ("racks_bought", "blocks_energised")
"""The whole-number decisions indexed by fleet state (year, owner): what a plan buys and
energises. A re-solve "with the plan's purchases fixed" fixes all of them."""


def first_stage_vars(m: pyo.ConcreteModel) -> list[Any]:
    """Every racks_bought and blocks_energised variable of the model."""
    return [v for name in FIRST_STAGE for v in getattr(m, name).values()]


FLEET_SETS = ("FLEET", "BUDGET_FLEET", "DELIVERY_FLEET", "ENERGISE_FLEET", "ENERGISED_FLEET")
"""Index sets whose last two positions are a fleet state (year, owner): a row or decision
indexed by one holds for every scenario that owns or shares that fleet state."""
SCENARIO_SETS = ("DEMAND", "CURVES", "CURVE_PIECES", "MIN_TOKEN_KEYS")
"""Filtered index sets whose last position is a scenario (a product with SCENARIOS says so by
itself): a row indexed by one holds for that scenario."""


_VARIABLE_LIST = "_planner_variable_list"
"""The model's own attribute holding (shape, its variables) for `variables`: the cache lives
and dies with the model (a clone copies it onto the clone's own variables)."""


def variables(m: pyo.ConcreteModel) -> list[Any]:
    """Every variable of the model in declaration order. Cached on the model while its
    variable components and their sizes stay the same: listing them through Pyomo's product
    index sets costs about 0.1 s per 100,000 variables, and the solve step lists them several
    times."""
    shape = tuple((c.local_name, len(c)) for c in m.component_objects(pyo.Var))
    cached = getattr(m, _VARIABLE_LIST, None)
    if cached is None or cached[0] != shape:
        cached = (shape, list(m.component_data_objects(pyo.Var)))
        setattr(m, _VARIABLE_LIST, cached)
    return cached[1]


def linear(terms: Iterable[tuple[Any, Any]]) -> LinearExpression:
    """sum(coef x var) over (coef, var) pairs, built directly as one LinearExpression (about
    40% faster than Python's sum over Pyomo terms on the 100-scenario bench)."""
    return LinearExpression([MonomialTermExpression((c, v)) for c, v in terms])


def _grouped(keys: Iterable[Any], pairs: Iterable[tuple[Any, Any]]) -> dict[Any, list[Any]]:
    """{key: [values in the order given]} for every key (empty lists included), in one pass."""
    out: dict[Any, list[Any]] = {k: [] for k in keys}
    for key, value in pairs:
        if key in out:
            out[key].append(value)
    return out


def add_sets(m: pyo.ConcreteModel, d: PlanData) -> None:
    """Index sets; sparsity lives in the filtered ones, never in Constraint.Skip."""
    m.RACKS = pyo.Set(initialize=d.racks, ordered=True, doc="rack types used or installed")
    m.SYSTEMS = pyo.Set(initialize=d.systems, ordered=True, doc="serving systems allowed")
    m.TIERS = pyo.Set(initialize=d.tiers, ordered=True, doc="pricing tiers")
    m.YEARS = pyo.Set(initialize=d.years, ordered=True, doc="planning years")
    m.SCENARIOS = pyo.Set(initialize=d.scenarios, ordered=True, doc="possible futures")
    m.SERVABLE = pyo.Set(
        dimen=2,
        initialize=d.servable,
        ordered=True,
        doc="(system, tier) pairs whose curve reaches the tier's speed",
    )
    m.SYSTEM_RACKS = pyo.Set(
        dimen=3,
        initialize=list(d.system_racks),
        ordered=True,
        doc="(system, tier, rack): racks a unit of a system serving a tier uses",
    )
    first, shared = d.scenarios[0], set(d.shared_years)
    m.owner = {(y, s): first if y in shared else s for y in d.years for s in d.scenarios}
    fleet = [(y, o) for y in d.years for o in dict.fromkeys(m.owner[y, s] for s in d.scenarios)]
    m.FLEET = pyo.Set(
        dimen=2,
        ordered=True,
        initialize=fleet,
        doc="(year, owner scenario): one fleet per shared year, one per scenario after",
    )
    paths = {tuple(m.owner[y, s] for y in d.years): s for s in reversed(d.scenarios)}
    m.PATHS = pyo.Set(
        initialize=sorted(paths.values(), key=d.scenarios.index),
        ordered=True,
        doc="scenarios with distinct purchase histories",
    )
    # plain lookups: the scenarios using each fleet state and following each path
    m.fleet_users = {(y, o): tuple(s for s in d.scenarios if m.owner[y, s] == o) for y, o in fleet}
    path_of = {s: tuple(m.owner[y, s] for y in d.years) for s in d.scenarios}
    m.path_users = {
        p: tuple(s for s in d.scenarios if path_of[s] == path_of[p]) for p in paths.values()
    }
    m.LIMITED_RACKS = pyo.Set(
        initialize=list(d.rack_max_count),
        ordered=True,
        doc="racks with a supply limit over the plan",
    )
    m.DELIVERY_YEARS = pyo.Set(
        dimen=2,
        initialize=list(d.max_deliveries),
        ordered=True,
        doc="(rack, year) with a delivery limit",
    )
    m.DELIVERY_FLEET = pyo.Set(
        dimen=3,
        ordered=True,
        doc="(rack, year, owner) with a delivery limit",
        initialize=[(r, y, o) for r, y in d.max_deliveries for yy, o in fleet if yy == y],
    )
    m.BUDGET_YEARS = pyo.Set(
        initialize=list(d.capex_budget_musd), ordered=True, doc="years with a capex budget"
    )
    m.BUDGET_FLEET = pyo.Set(
        dimen=2,
        ordered=True,
        doc="(year, owner) with a capex budget",
        initialize=[(y, o) for y, o in fleet if y in d.capex_budget_musd],
    )
    m.DEMAND = pyo.Set(
        dimen=3,
        initialize=list(d.demand_ttok_per_year),
        ordered=True,
        doc="(tier, year, scenario) with a forecast",
    )
    m.FIXED_SHARE_TIERS = pyo.Set(
        initialize=list(d.tier_fixed_share_frac), ordered=True, doc="tiers with a fixed power share"
    )
    m.MIN_SHARE_TIERS = pyo.Set(
        initialize=list(d.tier_min_share_frac), ordered=True, doc="tiers with a minimum power share"
    )
    m.MAX_SHARE_TIERS = pyo.Set(
        initialize=list(d.tier_max_share_frac), ordered=True, doc="tiers with a maximum power share"
    )
    shares = set(d.tier_fixed_share_frac) | set(d.tier_min_share_frac) | set(d.tier_max_share_frac)
    m.SHARE_TIERS = pyo.Set(
        initialize=[t for t in d.tiers if t in shares],
        ordered=True,
        doc="tiers with any power share",
    )
    m.RENTALS = pyo.Set(
        initialize=list(d.rentals),
        ordered=True,
        doc="cloud capacity that can be rented by the GPU-hour",
    )
    m.LIMITED_RENTALS = pyo.Set(
        initialize=list(d.rental_max_racks), ordered=True, doc="rentals with a most-rentable limit"
    )
    # plain lookup tables (not model components) so rules do not scan whole sets
    # (each built in one pass over its pairs: a scan per tier is quadratic in tiers)
    m.rentals_of = _grouped(d.racks, ((rr, n) for n, rr in d.rentals.items()))
    m.tier_servers = _grouped(d.tiers, ((t, sy) for sy, t in d.servable))
    m.first_year_idle_frac = dict(d.first_year_idle_frac)
    m.rack_users = _grouped(
        d.racks, ((rr, (sy, t, n)) for (sy, t, rr), n in d.system_racks.items())
    )
    uses = {(rr, t) for (_, t, rr) in d.system_racks}
    m.RENTAL_TIERS = pyo.Set(
        dimen=2,
        ordered=True,
        doc="(rental, tier): tiers whose systems use the rental's rack",
        initialize=[(n, t) for n, r in d.rentals.items() for t in d.tiers if (r, t) in uses],
    )
    m.RENTED_RACK_TIERS = pyo.Set(
        dimen=2,
        ordered=True,
        doc="(rack, tier): a rental of the rack serves the tier",
        initialize=list(dict.fromkeys((d.rentals[n], t) for n, t in m.RENTAL_TIERS)),
    )
    m.tier_rentals = _grouped(d.tiers, ((t, n) for n, t in m.RENTAL_TIERS))
    m.rental_rack = dict(d.rentals)
    add_market_sets(m, d, fleet)


def add_market_sets(m: pyo.ConcreteModel, d: PlanData, fleet: list[tuple[int, str]]) -> None:
    """Demand curves' pieces, tokens floors and the years blocks may be energised."""
    m.energises = d.energises  # plain flag: the plan chooses how many blocks to energise
    m.LEASE_RACK_YEARS = pyo.Set(
        dimen=2,
        initialize=list(d.lease_revenue_musd_per_year),
        ordered=True,
        doc="(rack, year) that can be leased out by the GPU-hour",
    )
    m.LEASE_RACKS = pyo.Set(
        initialize=list(dict.fromkeys(r for r, _ in d.lease_revenue_musd_per_year)),
        ordered=True,
        doc="racks that can be leased out",
    )
    m.CURVES = pyo.Set(
        dimen=3,
        initialize=list(d.curve_keys),
        ordered=True,
        doc="(tier, year, scenario) whose price the plan chooses on a curve",
    )
    m.CURVE_PIECES = pyo.Set(
        dimen=4,
        initialize=list(d.curve_width_ttok),
        ordered=True,
        doc="(tier, year, piece, scenario) of a curve's revenue",
    )
    m.pieces_of = {key: [] for key in d.curve_keys}  # plain lookup: a curve's piece indices
    for t, y, j, s in d.curve_width_ttok:
        m.pieces_of[t, y, s].append(j)
    m.MIN_TOKEN_KEYS = pyo.Set(
        dimen=3,
        initialize=list(d.tier_min_ttok_per_year),
        ordered=True,
        doc="(tier, year, scenario) with a tokens floor",
    )
    m.TOKEN_SHARE_TIERS = pyo.Set(
        initialize=list(d.tier_min_token_share_frac),
        ordered=True,
        doc="tiers with a floor on their share of tokens served",
    )
    m.ENERGISE_FLEET = pyo.Set(
        dimen=2,
        ordered=True,
        doc="(year, owner) in which blocks may be energised",
        initialize=[(y, o) for y, o in fleet if d.energises and y in d.energise_years],
    )
    first = min(d.energise_years, default=None)
    m.ENERGISED_FLEET = pyo.Set(
        dimen=2,
        ordered=True,
        doc="(year, owner) by which a block may be energised",
        initialize=[(y, o) for y, o in fleet if first is not None and y >= first],
    )


def add_params(m: pyo.ConcreteModel, d: PlanData) -> None:
    """The numbers of the data step; those in STUDY_PARAMS are mutable."""
    domains = {
        "site_power_mw": (m.YEARS,), "pue": (), "capex_budget_musd": (m.BUDGET_YEARS,),
        "rack_power_mw": (m.RACKS,), "rack_capex_musd": (m.RACKS,),
        "rack_annuity_musd_per_year": (m.RACKS,), "rack_opex_musd_per_year": (m.RACKS,),
        "rack_energy_musd_per_year": (m.RACKS, m.YEARS), "rack_max_count": (m.LIMITED_RACKS,),
        "max_deliveries": (m.DELIVERY_YEARS,), "system_power_mw": (m.SERVABLE,),
        "throughput_ttok_per_year": (m.SERVABLE,),
        "price_musd_per_ttok": (m.TIERS, m.YEARS, m.SCENARIOS),
        "demand_ttok_per_year": (m.DEMAND,), "tier_fixed_share_frac": (m.FIXED_SHARE_TIERS,),
        "tier_min_share_frac": (m.MIN_SHARE_TIERS,), "tier_max_share_frac": (m.MAX_SHARE_TIERS,),
        "facility_cost_musd": (m.YEARS,), "rental_cost_musd_per_year": (m.RENTALS,),
        "rental_max_racks": (m.LIMITED_RENTALS,), "curve_width_ttok": (m.CURVE_PIECES,),
        "curve_price_musd_per_ttok": (m.CURVE_PIECES,), "tier_min_ttok_per_year": (m.MIN_TOKEN_KEYS,),
        "tier_min_token_share_frac": (m.TOKEN_SHARE_TIERS,), "block_mw": (),
        "block_capex_musd": (), "block_annuity_musd_per_year": (), "block_opex_musd_per_year": (),
        "lease_revenue_musd_per_year": (m.LEASE_RACK_YEARS,),
    }  # fmt: skip
    for name, doc in STUDY_PARAMS.items():
        param = pyo.Param(*domains[name], initialize=getattr(d, name), mutable=True, doc=doc)
        m.add_component(name, param)
    m.probability = pyo.Param(m.SCENARIOS, initialize=d.probability, doc="scenario probability")
    m.discount = pyo.Param(m.YEARS, initialize=d.discount, doc="discount factor 1/(1+rate)^k")
    m.existing_in_service = pyo.Param(
        m.RACKS, m.YEARS, initialize=d.existing_in_service, doc="installed fleet still in service"
    )
    m.system_racks = pyo.Param(
        m.SYSTEM_RACKS,
        initialize=d.system_racks,
        doc="racks of each type per unit of a system serving a tier",
    )


def add_variables(m: pyo.ConcreteModel) -> None:
    """Decisions: racks bought per fleet state (integer), units per tier, tokens sold, racks
    rented and which tiers the rented racks serve."""
    m.racks_bought = pyo.Var(
        m.RACKS,
        m.FLEET,
        domain=pyo.NonNegativeIntegers,
        doc="racks bought (delivered) in a year, per fleet state (year, owner)",
    )
    m.units = pyo.Var(
        m.SERVABLE,
        m.YEARS,
        m.SCENARIOS,
        domain=pyo.NonNegativeReals,
        doc="system units serving a tier in a year",
    )
    m.sold_ttok_per_year = pyo.Var(
        m.TIERS,
        m.YEARS,
        m.SCENARIOS,
        domain=pyo.NonNegativeReals,
        doc="output Ttok sold per tier per year",
    )
    m.rented = pyo.Var(
        m.RENTALS,
        m.YEARS,
        m.SCENARIOS,
        domain=pyo.NonNegativeReals,
        doc="rack-equivalents rented for a year (decided in each scenario)",
    )
    m.rented_for = pyo.Var(
        m.RENTAL_TIERS,
        m.YEARS,
        m.SCENARIOS,
        domain=pyo.NonNegativeReals,
        doc="rack-equivalents of a rental that serve a tier (its share of rented)",
    )
    m.leased = pyo.Var(
        m.LEASE_RACKS,
        m.YEARS,
        m.SCENARIOS,
        domain=pyo.NonNegativeReals,
        doc="owned racks leased out by the GPU-hour for a year",
    )
    m.sold_on_piece_ttok = pyo.Var(
        m.CURVE_PIECES,
        domain=pyo.NonNegativeReals,
        doc="output Ttok sold on a piece of a tier's demand curve",
    )
    m.blocks_energised = pyo.Var(
        m.ENERGISE_FLEET,
        domain=pyo.NonNegativeIntegers,
        doc="blocks of the envelope energised in a year, per fleet state",
    )


def add_expressions(m: pyo.ConcreteModel, d: PlanData) -> None:
    """Named quantities that constraints, objectives and results share."""
    life, owner = d.rack_service_years, m.owner
    m.service_years = dict(life)  # plain lookup: whole years each rack type serves
    years = list(d.years)

    def bought_alive(m: pyo.ConcreteModel, rack: str, year: int, o: str) -> Any:
        return sum(
            m.racks_bought[rack, yb, owner[yb, o]] for yb in years if yb <= year < yb + life[rack]
        )

    m.new_in_service = pyo.Expression(
        m.RACKS, m.FLEET, rule=bought_alive, doc="racks bought in the plan and still in service"
    )
    m.racks_in_service = pyo.Expression(
        m.RACKS,
        m.FLEET,
        doc="existing plus bought, until retirement",
        rule=lambda m, r, y, o: m.existing_in_service[r, y] + m.new_in_service[r, y, o],
    )
    m.fleet_cost_musd = pyo.Expression(
        m.FLEET,
        doc="annuity of bought racks + opex + energy of all in service, $M",
        rule=lambda m, y, o: sum(
            m.new_in_service[r, y, o] * m.rack_annuity_musd_per_year[r]
            + m.racks_in_service[r, y, o]
            * (m.rack_opex_musd_per_year[r] + m.rack_energy_musd_per_year[r, y])
            for r in m.RACKS
        ),
    )
    m.capex_musd = pyo.Expression(
        m.FLEET,
        doc="capex spent in a year, $M",
        rule=lambda m, y, o: sum(m.rack_capex_musd[r] * m.racks_bought[r, y, o] for r in m.RACKS),
    )
    m.tier_power_mw = pyo.Expression(
        m.SHARE_TIERS,
        m.YEARS,
        m.SCENARIOS,
        doc="site facility power of a tier with a power share (rented racks draw none), MW",
        rule=lambda m, t, y, s: linear(
            [(m.pue * m.system_power_mw[sy, t], m.units[sy, t, y, s]) for sy in m.tier_servers[t]]
            + [
                (-m.pue * m.rack_power_mw[m.rental_rack[n]], m.rented_for[n, t, y, s])
                for n in m.tier_rentals[t]
            ]
        ),
    )
    add_building(m, d)
    m.tier_revenue_musd = pyo.Expression(
        m.TIERS,
        m.YEARS,
        m.SCENARIOS,
        doc="a tier's revenue in a year: price x sold, or its curve's pieces, $M",
        rule=lambda m, t, y, s: (
            sum(
                m.curve_price_musd_per_ttok[t, y, j, s] * m.sold_on_piece_ttok[t, y, j, s]
                for j in m.pieces_of[t, y, s]
            )
            if (t, y, s) in m.pieces_of
            else m.price_musd_per_ttok[t, y, s] * m.sold_ttok_per_year[t, y, s]
        ),
    )
    m.lease_revenue_musd = pyo.Expression(
        m.YEARS,
        m.SCENARIOS,
        doc="revenue of racks leased out in a year, $M",
        rule=lambda m, y, s: sum(
            m.lease_revenue_musd_per_year[r, y] * m.leased[r, y, s] for r in m.LEASE_RACKS
        ),
    )
    m.revenue_musd = pyo.Expression(
        m.YEARS,
        m.SCENARIOS,
        doc="revenue in a year (tokens and leases), $M",
        rule=lambda m, y, s: (
            sum(m.tier_revenue_musd[t, y, s] for t in m.TIERS) + m.lease_revenue_musd[y, s]
        ),
    )
    m.rental_cost_musd = pyo.Expression(
        m.YEARS,
        m.SCENARIOS,
        doc="rent paid in a year, $M",
        rule=lambda m, y, s: sum(
            m.rental_cost_musd_per_year[n] * m.rented[n, y, s] for n in m.RENTALS
        ),
    )
    m.cost_musd = pyo.Expression(
        m.YEARS,
        m.SCENARIOS,
        doc="the scenario's fleet, building and rent cost in a year, $M",
        rule=lambda m, y, s: (
            m.fleet_cost_musd[y, owner[y, s]]
            + m.building_cost_musd[y, owner[y, s]]
            + m.rental_cost_musd[y, s]
        ),
    )
    add_end_charge(m, d)
    m.npv_profit_musd = pyo.Expression(
        m.SCENARIOS,
        doc="present value of profit, $M",
        rule=lambda m, s: (
            sum(m.discount[y] * (m.revenue_musd[y, s] - m.cost_musd[y, s]) for y in m.YEARS)
            - m.charge_at_end_musd[s]
        ),
    )
    m.npv_revenue_musd = pyo.Expression(
        m.SCENARIOS,
        doc="present value of revenue, $M",
        rule=lambda m, s: sum(m.discount[y] * m.revenue_musd[y, s] for y in m.YEARS),
    )
    m.pv_cost_musd = pyo.Expression(
        m.SCENARIOS,
        doc="present value of cost, $M",
        rule=lambda m, s: (
            sum(m.discount[y] * m.cost_musd[y, s] for y in m.YEARS) + m.charge_at_end_musd[s]
        ),
    )
    m.pv_tokens_ttok = pyo.Expression(
        m.SCENARIOS,
        doc="discounted output tokens sold, Ttok",
        rule=lambda m, s: sum(
            m.discount[y] * m.sold_ttok_per_year[t, y, s] for t in m.TIERS for y in m.YEARS
        ),
    )
    m.pv_capex_musd = pyo.Expression(
        m.SCENARIOS,
        doc="present value of capex spent (racks and blocks), $M",
        rule=lambda m, s: sum(
            m.discount[y] * (m.capex_musd[y, owner[y, s]] + m.building_capex_musd[y, owner[y, s]])
            for y in m.YEARS
        ),
    )


def add_building(m: pyo.ConcreteModel, d: PlanData) -> None:
    """The building per fleet state: MW energised, capex of blocks energised that year, and the
    yearly cost (the fixed envelope's facility_cost_musd, plus each block's capital recovery
    in the years it serves and its opex). Without energisation the envelope is energised:
    energised_mw = site_power_mw and only the fixed cost remains."""
    owner, life = m.owner, d.facility_service_years
    years = list(d.years)

    def blocks(y: int, o: str, alive: bool = False) -> list[Any]:
        """Blocks energised up to year y on fleet path o (only those still in service)."""
        return [
            m.blocks_energised[yb, owner[yb, o]]
            for yb in years
            if yb <= y and (yb, owner[yb, o]) in m.ENERGISE_FLEET and (not alive or y < yb + life)
        ]

    start_mw = d.energised_at_start_mw
    # the MW energised before the plan pay a block's opex per MW (parameters, so a study that
    # moves the opex or the block size updates it without a rebuild)
    start_opex = m.block_opex_musd_per_year * start_mw / m.block_mw if d.energises else 0.0
    m.energised_mw = pyo.Expression(
        m.FLEET,
        doc="facility MW energised in a year, MW",
        rule=lambda m, y, o: (
            start_mw + m.block_mw * sum(blocks(y, o)) if d.energises else m.site_power_mw[y]
        ),
    )
    m.building_capex_musd = pyo.Expression(
        m.FLEET,
        doc="building capex of blocks energised in a year, $M",
        rule=lambda m, y, o: (
            m.block_capex_musd * m.blocks_energised[y, o] if (y, o) in m.ENERGISE_FLEET else 0.0
        ),
    )
    m.building_cost_musd = pyo.Expression(
        m.FLEET,
        doc="the building's yearly cost, $M",
        rule=lambda m, y, o: (
            m.facility_cost_musd[y]
            + m.block_annuity_musd_per_year * sum(blocks(y, o, alive=True))
            + m.block_opex_musd_per_year * sum(blocks(y, o))
            + start_opex
        ),
    )


def whole_racks_alive(
    m: pyo.ConcreteModel, bought: dict[tuple[str, int, str], int], rack: str, year: int, o: str
) -> int:
    """Racks of `rack` in service in fleet state (year, o), existing fleet included, given whole
    purchases `bought` per (rack, year, owner): `racks_in_service` evaluated on whole racks."""
    life = m.service_years[rack]
    new = sum(bought[rack, yb, m.owner[yb, o]] for yb in m.YEARS if yb <= year < yb + life)
    return int(pyo.value(m.existing_in_service[rack, year])) + new
