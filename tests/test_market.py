"""The market, solved by hand: prices chosen on demand curves, tokens floors in product terms,
and energisation as a decision.

Test catalog (tests/data/catalog), PUE 1, utilisation 1 unless said, discount rate 0, no energy:
  alpha rack: 100 kW, $1M over 4 years -> $250,000 a year; 1,000 tok/s at 10 tok/s per user
  -> C = 31,557.6 Mtok a year per rack.
"""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import write_instance

import planner
from planner.cli import cli
from planner.inputs.market import elastic_curve, ladder_curve, worst_error_frac
from planner.results.checks import check_horizon_plan, check_plan
from planner.solver.highs import SolveSettings

C = 1_000 * 3600 * 8766 / 1e6  # 31,557.6 Mtok a year per alpha rack
EXACT = SolveSettings(mip_gap_frac=0.0)
MONEY = {"discount_rate_frac": 0.0, "electricity_usd_per_mwh": 0.0}


def solve(tmp_path, body: dict, **site):
    body = {"systems": ["alpha"], **body, "site": {**MONEY, **body.get("site", {}), **site}}
    result = planner.solve(write_instance(tmp_path, body), EXACT)
    assert result.status == "optimal", result.solved.report.termination
    loaded = result.loaded
    if result.multi_period:
        assert check_horizon_plan(loaded.instance, loaded.catalog, result.data, result.tables) == []
    else:
        assert check_plan(loaded.instance, loaded.catalog, result.tables) == []
    return result


def linear_ladder() -> list[dict]:
    """p = 20 - 12.5 q / C: the market takes nothing at $20 and 1.6 C at $0; points every 0.1 C."""
    return [{"price_usd_per_mtok": 20 - 1.25 * k, "demand_mtok_per_year": 0.1 * k * C}
            for k in range(1, 16)]  # fmt: skip


def curve_tier(curve: dict, utilisation: float = 1.0) -> dict:
    return {"t": {"price_usd_per_mtok": 10, "min_tok_s_per_user": 10, "demand_mtok_per_year": 0.8 * C,
                  "utilisation_frac": utilisation, "demand_curve": curve}}  # fmt: skip


# -- demand curves -------------------------------------------------------------------------------


def test_a_linear_curve_sells_the_monopoly_quantity(tmp_path):
    # Revenue (no costs counted) on p = a - b q, a = 20, b = 12.5 / C: the monopoly quantity is
    # a / 2b = 0.8 C at p = 10, revenue 8 C = $252,460.80. Two racks make 2 C, more than 0.8 C,
    # so capacity does not bind. The optimum lies on a ladder point, where the pieces are exact.
    r = solve(tmp_path, {"objective": "revenue", "tiers": curve_tier({"ladder": linear_ladder()})},
              power_mw=0.2)  # fmt: skip
    tier = r.tables.tiers.iloc[0]
    assert tier["mtok_per_year"] == pytest.approx(0.8 * C)
    assert tier["price_usd_per_mtok"] == pytest.approx(10.0)
    assert r.tables.summary.at[0, "revenue_usd_per_year"] == pytest.approx(8 * C)


def test_a_linear_curve_at_capacity_sells_out_at_the_clearing_price(tmp_path):
    # The tier's racks run half the time (utilisation 0.5): one rack (0.1 MW) makes 0.5 C, less
    # than 0.8 C, so the plan sells 0.5 C at the price that clears it: 20 - 12.5 x 0.5 = $13.75.
    body = {"objective": "revenue", "tiers": curve_tier({"ladder": linear_ladder()}, 0.5)}
    r = solve(tmp_path, body, power_mw=0.1)
    tier = r.tables.tiers.iloc[0]
    assert tier["mtok_per_year"] == pytest.approx(0.5 * C)
    assert tier["price_usd_per_mtok"] == pytest.approx(13.75)
    prices = r.tables.prices_by_year.iloc[0]
    assert prices["price_frac_of_reference"] == pytest.approx(1.375)
    assert prices["reference_demand_mtok_per_year"] == pytest.approx(0.8 * C)


def test_a_constant_elasticity_curve_prices_capacity_within_its_pieces_error(tmp_path):
    # e = -2 around ($10, 0.8 C): revenue rises with volume, so the plan sells all it makes,
    # 0.5 C (one rack at utilisation 0.5), at the price where the market takes it:
    # p = 10 x (0.5 / 0.8)^(1 / -2) = $12.649. The pieces' chord price is at most that and at
    # least (1 - worst error) of it.
    curve = {"price_elasticity": -2.0}
    r = solve(tmp_path, {"objective": "revenue", "tiers": curve_tier(curve, 0.5)}, power_mw=0.1)
    tier = r.tables.tiers.iloc[0]
    true_price = 10 * (0.5 / 0.8) ** (-1 / 2)
    assert tier["mtok_per_year"] == pytest.approx(0.5 * C)
    error = worst_error_frac(-2.0, 0.25, 2.0, 16)
    assert true_price * (1 - error) - 1e-9 <= tier["price_usd_per_mtok"] <= true_price + 1e-9


def test_an_inelastic_curve_is_priced_at_its_ceiling(tmp_path):
    # e = -0.7: every price cut earns less, so the plan charges the ceiling, 2 x $10 = $20, and
    # sells what the market takes there: 0.8 C x 2^-0.7 = 0.4925 C, though two racks make 2 C.
    curve = {"price_elasticity": -0.7}
    r = solve(tmp_path, {"objective": "revenue", "tiers": curve_tier(curve)}, power_mw=0.2)
    tier = r.tables.tiers.iloc[0]
    assert tier["price_usd_per_mtok"] == pytest.approx(20.0)
    assert tier["mtok_per_year"] == pytest.approx(0.8 * C * 2**-0.7)


def test_profit_stops_selling_where_marginal_revenue_meets_marginal_cost(tmp_path):
    # Profit on the linear ladder with racks at $250,000 a year each (C tokens): the first rack
    # earns up to 8 C = $252,460.80 at q = 0.8 C, more than it costs; a second rack would add
    # nothing (revenue peaks at 0.8 C). One rack, q = 0.8 C, p = $10, profit $2,460.80.
    r = solve(tmp_path, {"objective": "profit", "tiers": curve_tier({"ladder": linear_ladder()})},
              power_mw=0.5)  # fmt: skip
    assert r.tables.racks.set_index("rack").at["alpha", "count"] == 1
    assert r.tables.summary.at[0, "profit_usd_per_year"] == pytest.approx(8 * C - 250_000)


def test_curve_pieces_and_their_error():
    # 16 pieces over an 8x price range: within 0.05% at e = -1.2 and 0.25% at e = -2 (the
    # figures the schema's docstring states); an inelastic curve is one exact piece.
    assert worst_error_frac(-1.2, 0.25, 2.0, 16) < 0.0005
    assert worst_error_frac(-2.0, 0.25, 2.0, 16) < 0.0025
    assert worst_error_frac(-0.7, 0.25, 2.0, 16) == 0.0
    pieces = elastic_curve(10, 1.0, -1.5, 0.25, 2.0, 16).pieces()
    slopes = [slope for _, slope in pieces]
    assert slopes == sorted(slopes, reverse=True)  # concave: pieces fill in order
    assert sum(width for width, _ in pieces) == pytest.approx(0.25**-1.5)  # D(p_lo)


def test_a_ladder_point_under_the_envelope_is_dropped():
    # revenue at ($10, 1) is 10, at ($5, 3) is 15; ($9, 1.05) earns 9.45, under the chord from
    # 10 to 15 (10.125 at volume 1.05): never the best single price.
    curve = ladder_curve([(10, 1), (9, 1.05), (5, 3)])
    assert curve.points == ((10, 1), (5, 3))
    assert curve.dropped == ((9, 1.05),)


def test_a_curve_over_years_follows_the_price_and_demand_paths(tmp_path):
    # Two years; the reference point is $10 for 0.8 C in 2027 and halves in price (deflation)
    # while demand doubles in 2028: the ladder scales with it (p = 10 - 6.25 q / (1.6 C) in
    # 2028), so the monopoly quantity doubles to 1.6 C at half the price, $5 (two racks).
    body = {"objective": "revenue", "tiers": curve_tier({"ladder": linear_ladder()}),
            "horizon": {"start_year": 2027, "years": 2,
                        "tiers": {"t": {"price_usd_per_mtok": [10, 5],
                                        "demand_mtok_per_year": [0.8 * C, 1.6 * C]}}}}  # fmt: skip
    r = solve(tmp_path, body, power_mw=0.2)
    tiers = r.tables.tiers_by_year.set_index("year")
    assert tiers["price_usd_per_mtok"].tolist() == pytest.approx([10.0, 5.0])
    assert tiers["mtok_per_year"].tolist() == pytest.approx([0.8 * C, 1.6 * C])


# -- the free tier in product terms --------------------------------------------------------------


def test_a_tokens_floor_takes_its_racks_from_the_paid_tier(tmp_path):
    # 0.5 MW: five racks, 5 C. Free must serve 40,000 Mtok; paid ($20) sells the rest:
    # revenue (5 C - 40,000) x 20 = $2,355,760; five racks cost $1,250,000: profit $1,105,760.
    body = {"objective": "profit",
            "tiers": {"free": {"price_usd_per_mtok": 0, "min_tok_s_per_user": 10,
                               "min_mtok_per_year": 40_000},
                      "paid": {"price_usd_per_mtok": 20, "min_tok_s_per_user": 10}}}  # fmt: skip
    r = solve(tmp_path, body, power_mw=0.5)
    tiers = r.tables.tiers.set_index("tier")
    assert tiers.at["free", "mtok_per_year"] == pytest.approx(40_000)
    assert r.tables.summary.at[0, "profit_usd_per_year"] == pytest.approx(
        (5 * C - 40_000) * 20 - 1_250_000
    )


def test_a_token_share_floor_gives_the_free_tier_its_share_of_tokens(tmp_path):
    # 0.4 MW: four racks, 4 C. Free serves a quarter of all tokens: C; paid sells 3 C at $20.
    body = {"objective": "revenue",
            "tiers": {"free": {"price_usd_per_mtok": 0, "min_tok_s_per_user": 10,
                               "min_token_share_frac": 0.25},
                      "paid": {"price_usd_per_mtok": 20, "min_tok_s_per_user": 10}}}  # fmt: skip
    r = solve(tmp_path, body, power_mw=0.4)
    tiers = r.tables.tiers.set_index("tier")
    assert tiers.at["free", "mtok_per_year"] == pytest.approx(C)
    assert tiers.at["paid", "mtok_per_year"] == pytest.approx(3 * C)


# -- energisation ----------------------------------------------------------------------------


def energised_site(price: float, **extra) -> dict:
    """1 MW, energised in 0.3 MW blocks (three racks each) at $10M per MW: a block's building
    costs $3M, recovered over 20 years at rate 0: $150,000 a year."""
    return {"objective": "profit",
            "site": {"power_mw": 1.0, "facility_capex_usd_per_mw": 1e7,
                     "energisation": {"block_mw": 0.3, **extra}},
            "tiers": {"t": {"price_usd_per_mtok": price, "min_tok_s_per_user": 10}}}  # fmt: skip


def test_blocks_are_energised_while_they_pay(tmp_path):
    # At $10 a rack earns 315,576 - 250,000 = $65,576; a block of three, $196,728 less its
    # building's $150,000 = $46,728: all three blocks (0.9 MW, the last 0.1 MW cannot be a
    # block): profit $140,184, building capex $9M.
    r = solve(tmp_path, energised_site(10))
    summary = r.tables.summary.iloc[0]
    assert summary["energised_mw"] == pytest.approx(0.9)
    assert summary["profit_usd_per_year"] == pytest.approx(3 * 46_728)
    assert summary["capex_facility_usd"] == pytest.approx(9e6)
    # At $9 a block earns 3 x 34,018.40 = $102,055.20, less than its building: none.
    r = solve(tmp_path, energised_site(9))
    assert r.tables.summary.at[0, "energised_mw"] == 0
    assert r.tables.summary.at[0, "profit_usd_per_year"] == pytest.approx(0.0)


def test_a_budget_pays_for_the_blocks(tmp_path):
    # $10M: each block and its three racks cost $3M + $3M, so one block only.
    body = energised_site(10)
    body["site"]["capex_budget_usd"] = 1e7
    r = solve(tmp_path, body)
    assert r.tables.summary.at[0, "energised_mw"] == pytest.approx(0.3)


def test_blocks_follow_demand_over_the_years_and_wait_for_the_lead_time(tmp_path):
    # Demand for three racks' output in 2027 and nine in 2028: one block in 2027, two more in
    # 2028. With a lead time of one year nothing can be energised in 2027.
    body = energised_site(10)
    body["horizon"] = {"start_year": 2027, "years": 2,
                       "tiers": {"t": {"demand_mtok_per_year": [3 * C, 9 * C]}}}  # fmt: skip
    r = solve(tmp_path, body)
    energised = r.tables.summary_by_year.set_index("year")["energised_mw"]
    assert energised.tolist() == pytest.approx([0.3, 0.9])
    body["site"]["energisation"]["lead_time_years"] = 1
    r = solve(tmp_path, body)
    energised = r.tables.summary_by_year.set_index("year")["energised_mw"]
    assert energised.tolist() == pytest.approx([0.0, 0.9])


# -- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tiers_or_site", "words"),
    [
        ({"demand_curve": {"price_elasticity": 1.2}}, "price_elasticity"),
        ({"demand_curve": {"ladder": [{"price_usd_per_mtok": 1, "demand_mtok_per_year": 5},
                                      {"price_usd_per_mtok": 2, "demand_mtok_per_year": 6}]}},
         "volume must fall as price rises"),
        ({"demand_curve": {"price_elasticity": -1, "min_price_frac": 1, "max_price_frac": 1}},
         "min_price_frac"),
        ({"site": {"energisation": {"block_mw": 5}}}, "block_mw 5 is larger than power_mw"),
    ],
)  # fmt: skip
def test_bad_market_inputs_exit_3_naming_the_field(tmp_path, tiers_or_site, words):
    tier = {"price_usd_per_mtok": 10, "min_tok_s_per_user": 10, "demand_mtok_per_year": 100}
    body: dict = {"systems": ["alpha"], "site": {"power_mw": 1.0}, "tiers": {"t": tier}}
    if "site" in tiers_or_site:
        body["site"].update(tiers_or_site["site"])
    else:
        tier.update(tiers_or_site)
    result = CliRunner().invoke(cli, ["validate", str(write_instance(tmp_path, body))])
    assert result.exit_code == 3, result.output
    assert words in result.output and "Traceback" not in result.output


def test_prices_csv_is_written_for_curve_tiers(tmp_path):
    body = {"systems": ["alpha"], "objective": "revenue", "site": {"power_mw": 0.2, **MONEY},
            "tiers": curve_tier({"ladder": linear_ladder()})}  # fmt: skip
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["solve", str(write_instance(tmp_path, body)), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    prices = pd.read_csv(out / "prices.csv")
    assert prices.at[0, "price_usd_per_mtok"] == pytest.approx(10.0)
    assert pd.read_csv(out / "tiers.csv").at[0, "price_usd_per_mtok"] == pytest.approx(10.0)


# -- leasing racks out -------------------------------------------------------------------------


def leasing_site(usd_per_gpu_hour: float) -> dict:
    """0.3 MW (three racks); the tier buys one rack's output at $20; racks may be leased out at
    `usd_per_gpu_hour` for every hour of the year: 8 GPUs x price x 8,766 h a rack."""
    return {"objective": "profit", "site": {"power_mw": 0.3},
            "tiers": {"t": {"price_usd_per_mtok": 20, "min_tok_s_per_user": 10,
                            "demand_mtok_per_year": C}},
            "lease_out": {"usd_per_gpu_hour": {"alpha": usd_per_gpu_hour}}}  # fmt: skip


def test_idle_racks_are_leased_out_when_the_lease_pays_for_them(tmp_path):
    # At $5 a leased rack earns 8 x 5 x 8,766 = $350,640 a year for its $250,000: the two racks
    # the tier does not need are leased. Profit: one rack's tokens 20 C - 250,000 = $381,152,
    # plus 2 x (350,640 - 250,000) = $201,280: $582,432.
    r = solve(tmp_path, leasing_site(5.0))
    assert r.tables.racks.set_index("rack").at["alpha", "count"] == 3
    leases = r.tables.leases_by_year
    assert leases["racks_leased"].sum() == pytest.approx(2.0)
    assert leases["revenue_usd"].sum() == pytest.approx(2 * 350_640)
    summary = r.tables.summary.iloc[0]
    assert summary["profit_usd_per_year"] == pytest.approx(582_432)
    assert summary["lease_revenue_usd_per_year"] == pytest.approx(701_280)
    # the token cost per Mtok leaves the leased racks out: one rack's $250,000 over C
    assert summary["cost_usd_per_mtok"] == pytest.approx(250_000 / C)
    # At $3 a leased rack earns $210,384 < $250,000: no rack is bought to be leased.
    r = solve(tmp_path, leasing_site(3.0))
    assert r.tables.racks.set_index("rack").at["alpha", "count"] == 1
    assert r.tables.summary.at[0, "profit_usd_per_year"] == pytest.approx(20 * C - 250_000)


def test_rented_racks_are_never_leased_out(tmp_path):
    # Leasing pays $20 per GPU-hour, renting costs $1: re-letting rented racks would earn
    # without end, but every rented rack serves a tier (rental use), so only the one owned rack
    # (0.1 MW) is leased.
    body = {"objective": "profit", "site": {"power_mw": 0.1},
            "tiers": {"t": {"price_usd_per_mtok": 1, "min_tok_s_per_user": 10,
                            "demand_mtok_per_year": 1}},
            "rentals": {"cloud": {"rack": "alpha", "usd_per_gpu_hour": 1, "max_racks": 3}},
            "lease_out": {"usd_per_gpu_hour": {"alpha": 20}}}  # fmt: skip
    r = solve(tmp_path, body)
    assert r.tables.leases_by_year["racks_leased"].sum() == pytest.approx(1.0)


def test_explain_values_one_more_block(tmp_path):
    # energised_site at $10 with a $13M budget: a block and its three racks cost $3M + $3M, so
    # the plan energises two blocks (profit 2 x 46,728 = $93,456). One more block with the six
    # racks fixed only costs its building's $150,000 a year. With racks free, the third block
    # leaves $4M for four racks: 4 x 65,576 - 3 x 150,000 = -$187,696, $281,152 less.
    body = energised_site(10)
    body["site"]["capex_budget_usd"] = 1.3e7
    body = {"systems": ["alpha"], **body, "site": {**MONEY, **body["site"]}}
    expl = planner.explain(write_instance(tmp_path, body), entry=False)
    row = expl.marginals.set_index("lever").loc["energisation.blocks"]
    assert row["value_units"] == 2  # blocks energised
    row = expl.marginals.set_index("lever").loc["energisation.blocks"]
    assert row["dual_fixed_racks"] == pytest.approx(-150_000, rel=1e-6)
    assert row["fd_free_racks"] == pytest.approx(-281_152, rel=1e-6)


def test_leases_cost_adds_up_to_the_years_lease_cost(tmp_path):
    # with a building, each leased rack type carries its share of it by power: the leases
    # table's cost adds up to the year's lease_cost_usd
    body = leasing_site(5.0)
    body["site"] = {**body["site"], "facility_capex_usd_per_mw": 1e6}
    r = solve(tmp_path, body)
    by_year = r.tables.summary_by_year.iloc[0]
    assert r.tables.leases_by_year["cost_usd"].sum() == pytest.approx(by_year["lease_cost_usd"])
    assert by_year["lease_cost_usd"] > 2 * 250_000  # the racks' $250,000 each and the building


# -- rental parity ---------------------------------------------------------------------------------


def parity_site(usd_per_gpu_hour: float, margin: float, curve: dict) -> dict:
    """0.2 MW (two alpha racks, 2 C a year); tier t on `curve` around ($10, 0.8 C); alpha
    racks rent at `usd_per_gpu_hour` and sellers renting them keep `margin`."""
    return {"objective": "revenue", "site": {"power_mw": 0.2}, "tiers": curve_tier(curve),
            "lease_out": {"usd_per_gpu_hour": {"alpha": usd_per_gpu_hour},
                          "entrant_margin_frac": margin}}  # fmt: skip


def test_rental_parity_caps_the_price_of_an_inelastic_tier(tmp_path):
    # A seller renting an alpha rack pays 8 GPUs x $5 = $40 an hour for 1,000 tok/s x 3,600 s =
    # 3.6 Mtok (utilisation 1): $11.111 per Mtok. Keeping a 20% margin it charges
    # 11.111 / 0.8 = $13.889 (price realisation 1, no input price). The inelastic curve
    # (e = -0.7) would price at its $20 ceiling; capped, it prices at $13.889 and sells what
    # the market takes there: 0.8 C x (13.889 / 10)^-0.7 = 0.6356 C, under the 2 C two racks make.
    cap = 8 * 5 / 3.6 / 0.8
    r = solve(tmp_path, parity_site(5.0, 0.2, {"price_elasticity": -0.7}))
    tier = r.tables.tiers.iloc[0]
    assert tier["price_usd_per_mtok"] == pytest.approx(cap)
    assert tier["mtok_per_year"] == pytest.approx(0.8 * C * (cap / 10) ** -0.7)
    prices = r.tables.prices_by_year.iloc[0]
    assert prices["parity_price_usd_per_mtok"] == pytest.approx(cap)
    assert prices["parity_system"] == "alpha"
    # at a 60% margin parity is 11.111 / 0.4 = $27.78, above the ceiling: the curve decides
    r = solve(tmp_path, parity_site(5.0, 0.6, {"price_elasticity": -0.7}))
    assert r.tables.tiers.iloc[0]["price_usd_per_mtok"] == pytest.approx(20.0)


def test_rental_parity_below_the_curves_floor_is_one_point_on_the_curve(tmp_path):
    # At $1 per GPU-hour and no margin, parity is 8 / 3.6 = $2.222, under the curve's floor
    # (0.25 x $10 = $2.50): the curve is the one point at $2.222, its volume from the
    # elasticity, 0.8 C x 0.2222^-0.7 = 2.29 C. Two racks make 2 C: the plan sells 2 C at $2.222.
    cap = 8 * 1 / 3.6
    r = solve(tmp_path, parity_site(1.0, 0.0, {"price_elasticity": -0.7}))
    curve = r.data.curves["t", 0, "base"]
    assert len(curve.points) == 1
    assert curve.points[0] == pytest.approx((cap, 0.8 * C * (cap / 10) ** -0.7 / 1e6))
    tier = r.tables.tiers.iloc[0]
    assert tier["price_usd_per_mtok"] == pytest.approx(cap)
    assert tier["mtok_per_year"] == pytest.approx(2 * C)


def test_rental_parity_on_a_ladder_keeps_the_points_below_it():
    # Points dearer than the cap become one point at the cap with the volume of the cheapest of
    # them (no volume extrapolated): ($20, 1), ($15, 2), ($10, 3) under a $12 cap ->
    # ($10, 3) and ($12, 2).
    from planner.inputs.instance import DemandCurve
    from planner.inputs.market import tier_curves

    ladder = DemandCurve(ladder=[{"price_usd_per_mtok": p, "demand_mtok_per_year": v * 1e6}
                                 for p, v in ((20, 1), (15, 2), (10, 3))])  # fmt: skip
    key = ("t", 0, "base")
    curves = tier_curves({"t": ladder}, {key: 20.0}, {key: 1.0}, {"t": 20.0}, {"t": 1.0},
                         {key: (12.0, "alpha")})  # fmt: skip
    assert curves[key].points == ((12.0, 2.0), (10.0, 3.0))
    assert curves[key].parity == (12.0, "alpha")


def test_a_tiers_margin_is_set_against_compute_at_the_markets_rent(tmp_path):
    # The public compute margins (OpenAI about 70%) are revenue left after paying for compute
    # at market prices, so with lease prices a tier's plausibility margin is over its racks at
    # rent: one alpha rack serves t (C tokens at $20 = $631,152 a year) and rents for 8 GPUs x
    # $5 x 8,766 h = $350,640: 1 - 350,640 / 631,152 = 44.4%. Its own cost is the rack's
    # $250,000 a year: tiers.csv keeps that margin, 60.4%.
    from planner.results.plausibility import tier_ratios

    r = solve(tmp_path, leasing_site(5.0))
    tables, inst = r.tables, r.loaded.instance
    ratios = tier_ratios(tables.tiers_by_year, tables.serving_by_year, r.loaded.catalog,
                         inst.site.hours_per_year, None, r.data.seller_usd_per_rack_hour)  # fmt: skip
    assert ratios["t"]["margin_frac"] == pytest.approx(1 - 350_640 / (20 * C))
    assert tables.tiers.iloc[0]["margin_frac"] == pytest.approx(1 - 250_000 / (20 * C))
    # without lease prices the check falls back to the tier's own cost
    ratios = tier_ratios(tables.tiers_by_year, tables.serving_by_year, r.loaded.catalog,
                         inst.site.hours_per_year)  # fmt: skip
    assert ratios["t"]["margin_frac"] == pytest.approx(1 - 250_000 / (20 * C))


def test_rental_parity_follows_the_lease_price_year_by_year(tmp_path):
    # Two years; alpha rents at $5 per GPU-hour in 2027 and 50% less in 2028: a seller's cost
    # is 8 x 5 / 3.6 = $11.111 per Mtok, then $5.556; at a 20% margin parity is $13.889, then
    # $6.944. The inelastic curve (e = -0.7, ceiling $20) prices at parity each year.
    body = parity_site(5.0, 0.2, {"price_elasticity": -0.7})
    body["lease_out"]["growth_frac_per_year"] = -0.5
    body["horizon"] = {"start_year": 2027, "years": 2}
    r = solve(tmp_path, body)
    prices = r.tables.prices_by_year.set_index("year")
    caps = [8 * 5 / 3.6 / 0.8, 8 * 2.5 / 3.6 / 0.8]
    assert prices["parity_price_usd_per_mtok"].tolist() == pytest.approx(caps)
    assert prices["price_usd_per_mtok"].tolist() == pytest.approx(caps)
    tiers = r.tables.tiers_by_year.set_index("year")
    assert tiers["mtok_per_year"].tolist() == pytest.approx(
        [0.8 * C * (p / 10) ** -0.7 for p in caps]
    )


def test_rental_parity_waits_for_a_rack_to_serve_a_whole_year(tmp_path):
    # beta makes 3,000 tok/s at 10 tok/s per user and rents at $5 a GPU-hour: 8 x 5 / 10.8 =
    # $3.70 per Mtok against alpha's $11.11. Available from 2027-Q3, it serves half of 2027,
    # so 2027's parity is alpha's (13.889 at a 20% margin) and 2028's beta's (4.630).
    body = parity_site(5.0, 0.2, {"price_elasticity": -0.7})
    body["systems"] = ["alpha", "beta"]
    body["lease_out"]["usd_per_gpu_hour"]["beta"] = 5.0
    body["horizon"] = {"start_year": 2027, "years": 2,
                       "racks": {"beta": {"first_available": "2027-Q3"}}}  # fmt: skip
    r = solve(tmp_path, body)
    prices = r.tables.prices_by_year.set_index("year")
    assert prices["parity_system"].tolist() == ["alpha", "beta"]
    assert prices["parity_price_usd_per_mtok"].tolist() == pytest.approx(
        [8 * 5 / 3.6 / 0.8, 8 * 5 / 10.8 / 0.8]
    )
