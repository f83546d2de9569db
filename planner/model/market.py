"""Constraint families of the market: demand curves, tokens floors, energisation.

Each holds for the (tier, year, scenario) or fleet states its sets name; the registry is
planner/model/families.py `FAMILIES`, in the order docs/formulation.md presents them.
"""

from __future__ import annotations

import pyomo.environ as pyo

from planner.model.components import linear


def add_demand_curve(m: pyo.ConcreteModel) -> None:
    """A tier on a demand curve sells the sum of its pieces, each within its width; its revenue
    is sum_j curve_price[j] * piece[j] (tier_revenue_musd). The pieces' prices fall (revenue is
    concave), so maximising fills them in order and sold_ttok_per_year prices itself.

    for (tier, y, s) in CURVES:          sold_ttok_per_year[tier, y, s] == sum_j sold_on_piece_ttok[tier, y, j, s]
    for (tier, y, j, s) in CURVE_PIECES: sold_on_piece_ttok[tier, y, j, s] <= curve_width_ttok[tier, y, j, s]
    """
    m.curve_sold = pyo.Constraint(
        m.CURVES,
        doc="a curve's sales are its pieces'",
        rule=lambda m, t, y, s: (
            linear(
                [(1.0, m.sold_ttok_per_year[t, y, s])]
                + [(-1.0, m.sold_on_piece_ttok[t, y, j, s]) for j in m.pieces_of[t, y, s]]
            )
            == 0
        ),
    )
    m.curve_piece = pyo.Constraint(
        m.CURVE_PIECES,
        doc="a piece within its width",
        rule=lambda m, t, y, j, s: (
            m.sold_on_piece_ttok[t, y, j, s] <= m.curve_width_ttok[t, y, j, s]
        ),
    )


def add_token_floor(m: pyo.ConcreteModel) -> None:
    """A tier serves at least its floor of tokens a year, and at least its share of all the
    tokens served (a free tier in product terms, instead of a share of power).

    for (tier, y, s) in MIN_TOKEN_KEYS:  sold_ttok_per_year[tier, y, s] >= tier_min_ttok_per_year[tier, y, s]
    for tier in TOKEN_SHARE_TIERS, y, s: sold_ttok_per_year[tier, y, s] >= tier_min_token_share_frac[tier] * sum_t sold_ttok_per_year[t, y, s]
    """
    m.token_floor = pyo.Constraint(
        m.MIN_TOKEN_KEYS,
        doc="tokens served at least the tier's floor",
        rule=lambda m, t, y, s: m.sold_ttok_per_year[t, y, s] >= m.tier_min_ttok_per_year[t, y, s],
    )
    m.token_share = pyo.Constraint(
        m.TOKEN_SHARE_TIERS,
        m.YEARS,
        m.SCENARIOS,
        doc="tokens served at least the tier's share of all tokens served",
        rule=lambda m, t, y, s: (
            m.sold_ttok_per_year[t, y, s]
            >= m.tier_min_token_share_frac[t] * sum(m.sold_ttok_per_year[u, y, s] for u in m.TIERS)
        ),
    )


def add_energisation(m: pyo.ConcreteModel) -> None:
    """The MW energised, whole blocks of block_mw added over the years and never removed, stay
    within the year's envelope; racks draw only energised power (power_envelope) and the
    building is paid on what is energised (building_capex_musd, building_cost_musd).

    for (y, o) in FLEET: energised_mw[y, o] = energised_at_start_mw + block_mw * sum_{y' <= y, (y', owner[y', o]) in ENERGISE_FLEET} blocks_energised[y', owner[y', o]]
    for (y, o) in ENERGISED_FLEET (from the first year a block may be energised):
                         energised_mw[y, o] <= site_power_mw[y]
    """
    m.energisation_limit = pyo.Constraint(
        m.ENERGISED_FLEET,
        doc="MW energised within the envelope",
        rule=lambda m, y, o: m.energised_mw[y, o] <= m.site_power_mw[y],
    )
