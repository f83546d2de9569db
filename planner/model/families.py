"""Constraint families: one function each, whose docstring states the math and its domain.

Every family holds for each year y and scenario s. Families on the fleet (power, budget,
deliveries) hold per fleet state (y, o), one per shared year and one per scenario after, where
owner[y, s] names the fleet state scenario s uses in year y (planner/model/components.py).
`FAMILIES` lists them in the order docs/formulation.md presents them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyomo.environ as pyo

from planner.inputs.data import MTOK_PER_TTOK, USD_PER_MUSD, PlanData
from planner.model.components import linear
from planner.model.market import (
    add_demand_curve,
    add_energisation,
    add_token_floor,
)


def energised(m: pyo.ConcreteModel, year: int, o: str) -> Any:
    """energised_mw[y, o] as a row's right-hand side: the envelope's parameter itself when the
    plan does not choose energisation, so the row keeps it as its bound (a named expression
    would move it into the row's body, where infeasibility weights and repairs cannot see it)."""
    return m.energised_mw[year, o] if m.energises else m.site_power_mw[year]


def add_rack_balance(m: pyo.ConcreteModel) -> None:
    """Systems, and leases, use no more racks than are in service or rented. Only owned racks
    are leased out: rental_use gives every rented rack to a tier's units, so leased racks are
    owned ones (no lease row is needed).

    for rack, y, s: sum_{(system, tier) in SERVABLE} system_racks[system, tier, rack] * units[system, tier, y, s]
                    + leased[rack, y, s] (racks that can be leased out)
                    <= racks_in_service[rack, y, owner[y, s]] + sum_{rentals n of rack} rented[n, y, s]
                       - first_year_idle_frac[rack, y] * racks_bought[rack, y, owner[y, s]]
    (the last term only in a rack's first year when it arrives after the year's start:
    first_available in Q4 leaves racks bought that year idle for 0.75 of it)
    """

    @m.Constraint(
        m.RACKS, m.YEARS, m.SCENARIOS, doc="units and leases use racks in service or rented"
    )
    def rack_balance(m: pyo.ConcreteModel, rack: str, year: int, scenario: str) -> Any:
        leased = [(1.0, m.leased[rack, year, scenario])] if rack in m.LEASE_RACKS else []
        owner = m.owner[year, scenario]
        idle = m.first_year_idle_frac.get((rack, year), 0.0)
        late = [(idle, m.racks_bought[rack, year, owner])] if idle else []
        used = linear(
            [(n, m.units[sy, t, year, scenario]) for sy, t, n in m.rack_users[rack]]
            + [(-1.0, m.rented[n, year, scenario]) for n in m.rentals_of[rack]]
            + leased
            + late
        )
        return used <= m.racks_in_service[rack, year, owner]


def add_power_envelope(m: pyo.ConcreteModel) -> None:
    """Racks in service, times their power and the site PUE, fit the power energised that year
    (the whole envelope, site_power_mw[y], unless the plan chooses blocks: energisation).

    for (y, o) in FLEET: pue * sum_rack rack_power_mw[rack] * racks_in_service[rack, y, o] <= energised_mw[y, o]
    """

    @m.Constraint(m.FLEET, doc="facility power within the MW energised")
    def power_envelope(m: pyo.ConcreteModel, year: int, o: str) -> Any:
        it_mw = sum(m.rack_power_mw[r] * m.racks_in_service[r, year, o] for r in m.RACKS)
        return m.pue * it_mw <= energised(m, year, o)


def add_capex_budget(m: pyo.ConcreteModel) -> None:
    """Each year's purchases (racks and blocks energised) fit that year's budget, net of a
    building whose envelope is fixed.

    for (y, o) in BUDGET_FLEET: sum_rack rack_capex_musd[rack] * racks_bought[rack, y, o]
                                + block_capex_musd * blocks_energised[y, o] <= capex_budget_musd[y]
    """

    @m.Constraint(m.BUDGET_FLEET, doc="capex within the year's budget")
    def capex_budget(m: pyo.ConcreteModel, year: int, o: str) -> Any:
        return m.capex_musd[year, o] + m.building_capex_musd[year, o] <= m.capex_budget_musd[year]


def add_supply_limit(m: pyo.ConcreteModel) -> None:
    """At most `max_count` racks of a supply-limited type are bought over the whole plan.

    for rack in LIMITED_RACKS, s in PATHS: sum_y racks_bought[rack, y, owner[y, s]] <= rack_max_count[rack]
    """

    @m.Constraint(m.LIMITED_RACKS, m.PATHS, doc="racks bought over the plan within supply")
    def supply_limit(m: pyo.ConcreteModel, rack: str, scenario: str) -> Any:
        bought = sum(m.racks_bought[rack, y, m.owner[y, scenario]] for y in m.YEARS)
        return bought <= m.rack_max_count[rack]


def add_delivery_limit(m: pyo.ConcreteModel) -> None:
    """Deliveries per year are limited; none before a rack's first year.

    for (rack, y, o) in DELIVERY_FLEET: racks_bought[rack, y, o] <= max_deliveries[rack, y]
    """

    @m.Constraint(m.DELIVERY_FLEET, doc="deliveries within the year's limit")
    def delivery_limit(m: pyo.ConcreteModel, rack: str, year: int, o: str) -> Any:
        return m.racks_bought[rack, year, o] <= m.max_deliveries[rack, year]


def add_tier_capacity(m: pyo.ConcreteModel) -> None:
    """Tokens sold are produced by the units serving the tier (rented racks included: a unit
    runs on racks in service or rented, rack_balance).

    for tier, y, s: sold_ttok_per_year[tier, y, s]
                    <= sum_{(system, tier) in SERVABLE} throughput_ttok_per_year[system, tier] * units[system, tier, y, s]
    """

    # one negated coefficient per (system, tier), shared by every year and scenario's row
    # (negating a mutable parameter 100,000 times was a third of the build at scale)
    minus = {key: -m.throughput_ttok_per_year[key] for key in m.SERVABLE}

    @m.Constraint(m.TIERS, m.YEARS, m.SCENARIOS, doc="tokens sold within capacity")
    def tier_capacity(m: pyo.ConcreteModel, tier: str, year: int, scenario: str) -> Any:
        made = [(minus[sy, tier], m.units[sy, tier, year, scenario]) for sy in m.tier_servers[tier]]
        return linear([(1.0, m.sold_ttok_per_year[tier, year, scenario]), *made]) <= 0


def add_demand_limit(m: pyo.ConcreteModel) -> None:
    """Tokens sold within the forecast.

    for (tier, y, s) in DEMAND: sold_ttok_per_year[tier, y, s] <= demand_ttok_per_year[tier, y, s]
    """

    @m.Constraint(m.DEMAND, doc="tokens sold within the forecast")
    def demand_limit(m: pyo.ConcreteModel, tier: str, year: int, scenario: str) -> Any:
        return (
            m.sold_ttok_per_year[tier, year, scenario]
            <= m.demand_ttok_per_year[tier, year, scenario]
        )


def add_forecast_served(m: pyo.ConcreteModel) -> None:
    """Every forecast is served in full (cost_per_token objective only).

    for (tier, y, s) in DEMAND: sold_ttok_per_year[tier, y, s] >= demand_ttok_per_year[tier, y, s]
    """

    @m.Constraint(m.DEMAND, doc="forecast served in full")
    def forecast_served(m: pyo.ConcreteModel, tier: str, year: int, scenario: str) -> Any:
        return (
            m.sold_ttok_per_year[tier, year, scenario]
            >= m.demand_ttok_per_year[tier, year, scenario]
        )


def add_tier_power_share(m: pyo.ConcreteModel) -> None:
    """A tier's facility power is a fixed, minimum or maximum share of the power energised
    (the year's site power unless the plan chooses blocks).

    for tier in FIXED_SHARE_TIERS, y, s: tier_power_mw[tier, y, s] == tier_fixed_share_frac[tier] * energised_mw[y, owner[y, s]]
    for tier in MIN_SHARE_TIERS, y, s:   tier_power_mw[tier, y, s] >= tier_min_share_frac[tier] * energised_mw[y, owner[y, s]]
    for tier in MAX_SHARE_TIERS, y, s:   tier_power_mw[tier, y, s] <= tier_max_share_frac[tier] * energised_mw[y, owner[y, s]]
    where tier_power_mw[tier, y, s] = pue * (sum_{(system, tier) in SERVABLE} system_power_mw[system, tier] * units[system, tier, y, s]
                                             - sum_{rentals n serving tier} rack_power_mw[rack of n] * rented_for[n, tier, y, s])
    """
    ys, on = (m.YEARS, m.SCENARIOS), lambda y, s: energised(m, y, m.owner[y, s])
    m.tier_power_share_fixed = pyo.Constraint(
        m.FIXED_SHARE_TIERS,
        *ys,
        doc="tier power is its fixed share",
        rule=lambda m, t, y, s: m.tier_power_mw[t, y, s] == m.tier_fixed_share_frac[t] * on(y, s),
    )
    m.tier_power_share_min = pyo.Constraint(
        m.MIN_SHARE_TIERS,
        *ys,
        doc="tier power at least its minimum share",
        rule=lambda m, t, y, s: m.tier_power_mw[t, y, s] >= m.tier_min_share_frac[t] * on(y, s),
    )
    m.tier_power_share_max = pyo.Constraint(
        m.MAX_SHARE_TIERS,
        *ys,
        doc="tier power at most its maximum share",
        rule=lambda m, t, y, s: m.tier_power_mw[t, y, s] <= m.tier_max_share_frac[t] * on(y, s),
    )


def add_rental_limit(m: pyo.ConcreteModel) -> None:
    """No more capacity is rented than can be rented in a year.

    for (n in LIMITED_RENTALS), y, s: rented[n, y, s] <= rental_max_racks[n]
    """

    @m.Constraint(m.LIMITED_RENTALS, m.YEARS, m.SCENARIOS, doc="rented within what can be rented")
    def rental_limit(m: pyo.ConcreteModel, rental: str, year: int, scenario: str) -> Any:
        return m.rented[rental, year, scenario] <= m.rental_max_racks[rental]


def add_rental_use(m: pyo.ConcreteModel) -> None:
    """Rented racks are split over the tiers whose units run on them; no tier is given more
    rented racks than its units use (so a tier's site power, tier_power_mw, leaves out only
    power drawn in someone else's data centre).

    for n, y, s:       sum_{t: (n, t) in RENTAL_TIERS} rented_for[n, t, y, s] == rented[n, y, s]
    for (rack, tier) used by a rental, y, s:
                       sum_{rentals n of rack} rented_for[n, tier, y, s]
                       <= sum_{(system, tier) in SERVABLE} system_racks[system, tier, rack] * units[system, tier, y, s]
    """
    m.rental_split = pyo.Constraint(
        m.RENTALS,
        m.YEARS,
        m.SCENARIOS,
        doc="rented racks split over tiers",
        rule=lambda m, n, y, s: (
            linear(
                [(1.0, m.rented_for[n, t, y, s]) for nn, t in m.RENTAL_TIERS if nn == n]
                + [(-1.0, m.rented[n, y, s])]
            )
            == 0
        ),
    )

    @m.Constraint(
        m.RENTED_RACK_TIERS, m.YEARS, m.SCENARIOS, doc="a tier's rented racks within its use"
    )
    def rental_use(m: pyo.ConcreteModel, rack: str, tier: str, y: int, s: str) -> Any:
        rented = [
            (1.0, m.rented_for[n, tier, y, s])
            for n in m.rentals_of[rack]
            if n in m.tier_rentals[tier]
        ]
        used = [(-k, m.units[sy, t, y, s]) for sy, t, k in m.rack_users[rack] if t == tier]
        return linear(rented + used) <= 0


@dataclass(frozen=True)
class Family:
    """A constraint family: its builder, the Pyomo components it adds, and when it applies."""

    name: str
    build: Callable[[pyo.ConcreteModel], None]
    components: tuple[str, ...]
    applies: Callable[[PlanData], bool] = lambda d: True


FAMILIES: tuple[Family, ...] = (
    Family("rack_balance", add_rack_balance, ("rack_balance",)),
    Family("power_envelope", add_power_envelope, ("power_envelope",)),
    Family("capex_budget", add_capex_budget, ("capex_budget",)),
    Family("supply_limit", add_supply_limit, ("supply_limit",)),
    Family("delivery_limit", add_delivery_limit, ("delivery_limit",)),
    Family("rental_limit", add_rental_limit, ("rental_limit",)),
    Family(
        "rental_use",
        add_rental_use,
        ("rental_split", "rental_use"),
        applies=lambda d: bool(d.rentals),
    ),
    Family(
        "energisation", add_energisation, ("energisation_limit",), applies=lambda d: d.energises
    ),
    Family("tier_capacity", add_tier_capacity, ("tier_capacity",)),
    Family("demand_limit", add_demand_limit, ("demand_limit",)),
    Family("demand_curve", add_demand_curve, ("curve_sold", "curve_piece")),
    Family("token_floor", add_token_floor, ("token_floor", "token_share")),
    Family(
        "forecast_served",
        add_forecast_served,
        ("forecast_served",),
        applies=lambda d: d.must_serve_forecasts,
    ),
    Family(
        "tier_power_share",
        add_tier_power_share,
        ("tier_power_share_fixed", "tier_power_share_min", "tier_power_share_max"),
    ),
)
"""The constraint families in the order docs/formulation.md presents them."""

FLEET_FAMILIES = ("power_envelope", "capex_budget", "delivery_limit", "energisation_limit")
"""Families whose rows are indexed (..., year, owner): in a shared year one row holds for every
scenario that uses that fleet state."""


@dataclass(frozen=True)
class Requirement:
    """What the explanations say of a requirement's rows (one place for every family's facts):
    the user's unit, model units per user unit, the words ({index}: the tier or rack), and,
    where the rows may be relaxed or made elastic, how that is said."""

    unit: str
    per_unit: float
    words: str
    relaxed: str | None = None
    """Infeasibility: the requirement dropped whole ("site power", "capex budget")."""
    needs: str | None = None
    """Elastic rows: what must change for the row to hold, with {x} (and {index})."""
    short: str = ""
    """The family in two or three words, where a text names it ("site power")."""


_TOKENS = 1 / MTOK_PER_TTOK
REQUIREMENTS: dict[str, Requirement] = {
    "power_envelope": Requirement(
        "MW",
        1.0,
        "the site power envelope",
        "site power",
        "the site needs {x} more power",
        short="site power",
    ),
    "capex_budget": Requirement(
        "usd",
        1 / USD_PER_MUSD,
        "the capex budget",
        "capex budget",
        "the budget needs {x} more",
        short="capex budget",
    ),
    "demand_limit": Requirement(
        "mtok_per_year", _TOKENS, "the {index} demand forecast", short="forecast"
    ),
    "forecast_served": Requirement(
        "mtok_per_year",
        _TOKENS,
        "serving all {index} demand",
        "forecasts served in full",
        "{x} of {index} demand cannot be served",
        short="forecast served",
    ),
    "tier_power_share_fixed": Requirement(
        "MW",
        1.0,
        "the {index} tier's fixed power share",
        "fixed power shares",
        "the {index} tier's fixed power share must move by {x}",
        short="fixed power share",
    ),
    "tier_power_share_min": Requirement(
        "MW",
        1.0,
        "the {index} tier's minimum power share",
        "minimum power shares",
        "the {index} tier's minimum power share must drop by {x}",
        short="minimum power share",
    ),
    "tier_power_share_max": Requirement(
        "MW",
        1.0,
        "the {index} tier's maximum power share",
        None,
        "the {index} tier's maximum power share must rise by {x}",
        short="maximum power share",
    ),
    "supply_limit": Requirement(
        "rack",
        1.0,
        "the {index} supply limit",
        "supply (max_count)",
        "{x} more {index} racks than the supply limit are needed",
        short="supply",
    ),
    "delivery_limit": Requirement(
        "rack", 1.0, "the {index} delivery limit", "deliveries (or first_year)", short="deliveries"
    ),
    "rental_limit": Requirement("rack", 1.0, "the {index} rental limit", short="rentals"),
    "energisation_limit": Requirement(
        "MW", 1.0, "the site power envelope (all of it energised)", short="energised power"
    ),
    "token_floor": Requirement(
        "mtok_per_year", _TOKENS, "the {index} tier's tokens floor", short="tokens floor"
    ),
    "token_share": Requirement(
        "mtok_per_year", _TOKENS, "the {index} tier's share of tokens", short="token share"
    ),
}
"""Requirement rows by constraint component (a family's `components`), in the order the
explanations list them. demand_limit caps sales, so it never conflicts: not elastic."""

BALANCES = {"rack_balance": "racks in use", "rental_split": "rented racks split over tiers",
            "rental_use": "rented racks per tier", "tier_capacity": "tier capacity",
            "curve_sold": "sales on the demand curve", "curve_piece": "demand curve pieces"}  # fmt: skip
"""Components that tie variables together rather than state a user's requirement, with their
short words: the explanations say nothing else of them (every other component has a
REQUIREMENTS entry)."""
