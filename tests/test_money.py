"""Money as finance sees it: the building, utilisation and price realisation, renting versus
buying, and the plausibility check, each hand-solved on the test catalog.

Test catalog: rack alpha, 100 kW, $1M, 8 GPUs, lifetime 4 years; system alpha makes 1,000
output tok/s per rack at 10 tok/s per user. With utilisation 1 a rack-year makes
1,000 x 31,557,600 s = 31,557.6 Mtok.
"""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import ROOT, SECONDS_PER_YEAR, write_instance

import planner
from planner.cli import cli
from planner.inputs.load import load_instance
from planner.results.plausibility import check_plausibility

MTOK_PER_RACK_YEAR = 1_000 * SECONDS_PER_YEAR / 1e6  # 31,557.6
TIER = {"price_usd_per_mtok": 100, "min_tok_s_per_user": 10}
FREE_MONEY = {"discount_rate_frac": 0.0, "electricity_usd_per_mwh": 0.0}


def bought(result) -> dict[str, int]:
    frame = result.tables.racks
    return {r: int(n) for r, n in zip(frame["rack"], frame["count"], strict=True) if n}


def test_the_building_comes_out_of_the_budget_and_costs_every_year(tmp_path):
    # 1 MW site, building $2M per MW (life 10 years at 0%: $0.2M a year) plus $0.1M opex a
    # year. Budget $5M: $2M building leaves $3M, so 3 racks (power would allow 10). Yearly
    # cost: 3 racks x $1M / 4 years + $0.2M + $0.1M = $1.05M.
    site = {"power_mw": 1.0, "capex_budget_usd": 5e6, "facility_capex_usd_per_mw": 2e6,
            "facility_lifetime_years": 10, "facility_opex_usd_per_mw_year": 1e5, **FREE_MONEY}  # fmt: skip
    body = {"objective": "profit", "site": site, "systems": ["alpha"], "tiers": {"t": TIER}}
    result = planner.solve(write_instance(tmp_path, body))
    assert bought(result) == {"alpha": 3}
    summary = result.tables.summary.iloc[0]
    assert summary["capex_racks_usd"] == pytest.approx(3e6)
    assert summary["capex_facility_usd"] == pytest.approx(2e6)
    assert summary["capex_usd"] == pytest.approx(5e6)
    assert summary["facility_cost_usd_per_year"] == pytest.approx(0.3e6)
    assert summary["cost_usd_per_year"] == pytest.approx(1.05e6)
    revenue = 3 * MTOK_PER_RACK_YEAR * 100
    assert summary["profit_usd_per_year"] == pytest.approx(revenue - 1.05e6)


def test_a_building_the_budget_cannot_pay_for_is_refused(tmp_path):
    site = {"power_mw": 1.0, "capex_budget_usd": 1e6, "facility_capex_usd_per_mw": 2e6}
    path = write_instance(tmp_path, {"site": site, "systems": ["alpha"], "tiers": {"t": TIER}})
    result = CliRunner().invoke(cli, ["solve", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 3
    assert (
        "site.capex_budget_usd: $1,000,000 does not cover the building ($2,000,000" in result.stderr
    )


@pytest.mark.parametrize(
    ("site", "tier", "rental", "needle"),
    [
        ({"facility_capex_usd_per_mw": 0}, {}, None, "site.facility_capex_usd_per_mw"),
        ({"facility_capex_usd_per_mw": -5}, {}, None, "site.facility_capex_usd_per_mw"),
        ({"utilisation_frac": 0}, {}, None, "site.utilisation_frac"),
        ({"utilisation_frac": 1.2}, {}, None, "site.utilisation_frac"),
        ({}, {"price_realisation_frac": 0}, None, "tiers.t.price_realisation_frac"),
        ({}, {"utilisation_frac": 1.5}, None, "tiers.t.utilisation_frac"),
        (
            {},
            {},
            {"rack": "alpha", "usd_per_gpu_hour": 2, "capex_usd": 1e6},
            "a rental has no capex",
        ),
        (
            {},
            {},
            {"rack": "alpha", "usd_per_gpu_hour": 2, "power_kw": 100},
            "a rental has no capex",
        ),
        (
            {},
            {},
            {"rack": "ghost", "usd_per_gpu_hour": 2},
            "rentals.cloud.rack: unknown rack 'ghost'",
        ),
    ],
)
def test_bad_money_inputs_exit_3_naming_the_field(tmp_path, site, tier, rental, needle):
    body = {
        "site": {"power_mw": 1.0, **site},
        "systems": ["alpha"],
        "tiers": {"t": {**TIER, **tier}},
    }
    if rental:
        body["rentals"] = {"cloud": rental}
    path = write_instance(tmp_path, body)
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 3, result.output
    assert needle in result.stderr and "Traceback" not in result.output, result.stderr


def test_utilisation_and_realisation_per_tier(tmp_path):
    # one rack (0.1 MW site): the tier runs at half load and realises 60% of list.
    # made = 31,557.6 x 0.5 = 15,778.8 Mtok; revenue = 15,778.8 x $100 x 0.6 = $946,728;
    # at list: $1,577,880
    tier = {**TIER, "utilisation_frac": 0.5, "price_realisation_frac": 0.6}
    body = {
        "objective": "revenue",
        "site": {"power_mw": 0.1},
        "systems": ["alpha"],
        "tiers": {"t": tier},
    }
    row = planner.solve(write_instance(tmp_path, body)).tables.tiers.iloc[0]
    assert row["made_mtok_per_year"] == pytest.approx(MTOK_PER_RACK_YEAR * 0.5)
    assert row["mtok_per_year"] == pytest.approx(MTOK_PER_RACK_YEAR * 0.5)
    assert row["revenue_usd_per_year"] == pytest.approx(MTOK_PER_RACK_YEAR * 0.5 * 100 * 0.6)
    assert row["list_revenue_usd_per_year"] == pytest.approx(MTOK_PER_RACK_YEAR * 0.5 * 100)
    assert (row["utilisation_frac"], row["price_realisation_frac"]) == (0.5, 0.6)


def _rent_or_buy(tmp_path, demand: list[float]):
    # three years at 0%: a rack bought in the first year pays $1M / 4 = $0.25M in each year it
    # serves inside the plan: $0.75M. Renting the same rack: 8 GPUs x $5 x 8,766 h =
    # $350,640 a year. Tokens sell at $100/Mtok, far above either cost.
    body = {
        "objective": "profit", "site": {"power_mw": 1.0, **FREE_MONEY}, "systems": ["alpha"],
        "tiers": {"t": TIER},
        "rentals": {"cloud": {"rack": "alpha", "usd_per_gpu_hour": 5, "max_racks": 10}},
        "horizon": {"start_year": 2027, "years": 3, "tiers": {"t": {"demand_mtok_per_year": demand}}},
    }  # fmt: skip
    result = planner.solve(write_instance(tmp_path, body))
    rented = result.tables.rentals_by_year.set_index("year")["racks_rented"].to_dict()
    owned = result.tables.schedule.groupby("year")["bought"].sum().to_dict()
    return owned, rented, result


def test_a_small_peak_is_rented_and_steady_demand_is_owned(tmp_path):
    # peak: one rack's output in 2027 only. Owning costs $0.75M (three annuities), renting
    # $0.35M: rent. Steady: one rack's output each year. Owning $0.75M, renting 3 x $0.35M =
    # $1.05M: own.
    owned, rented, peak = _rent_or_buy(tmp_path, [MTOK_PER_RACK_YEAR, 0, 0])
    assert sum(owned.values()) == 0 and rented == pytest.approx({2027: 1.0, 2028: 0.0, 2029: 0.0})
    assert peak.tables.summary.iloc[0]["rental_cost_usd_per_year"] == pytest.approx(
        8 * 5 * 8766 / 3
    )
    owned, rented, _ = _rent_or_buy(tmp_path, [MTOK_PER_RACK_YEAR] * 3)
    assert owned == {2027: 1, 2028: 0, 2029: 0} and sum(rented.values()) == pytest.approx(0.0)


def test_the_default_plans_print_no_warning_and_the_keynote_does():
    # Issue 19: the default instances print no plausibility warning. Priced at rental parity,
    # the paid tiers earn $21-27 per GPU-hour at 70% compute margins, inside R1's public prices,
    # and the site-level ratios sit in their ranges. Any warning a change brings back fails
    # here. Without rental parity the same 1 GW site prices R1 tokens at $15-75 and warns.
    for name in ("1gw", "1gw-small-free", "1gw-2026-2030", "1gw-uncertain"):
        result = planner.solve(ROOT / "instances" / f"{name}.yaml")
        assert [f.words() for f in result.plausibility] == [], name
    listed = planner.solve(ROOT / "instances" / "1gw.yaml",
                           overrides=["lease_out.entrant_margin_frac=null"])  # fmt: skip
    found = {f.ratio for f in listed.plausibility}
    assert {"tiers.high.price_usd_per_mtok", "tiers.high.revenue_usd_per_gpu_hour"} <= found
    keynote = planner.solve(ROOT / "instances" / "gtc-2026" / "rubin-lpx.yaml")
    found = {f.ratio for f in keynote.plausibility}
    assert {"margin_frac", "revenue_share_of_market_frac", "utilisation_frac",
            "tiers.ultra.price_usd_per_mtok"} <= found  # fmt: skip
    words = next(f.words() for f in keynote.plausibility if f.ratio == "margin_frac")
    assert words.startswith("margin is 99%, above the public range 15% to 75% (economics-data.md")


def test_each_ratio_warns_outside_its_range():
    # a 1 GW plan earning $50B on $10B of capex, $2B of operating cost: revenue per GW-year
    # above $40B, margin 0.9 above 0.75, payback 10 / (50 - 2) = 0.21 years below 1.5, 48% of
    # the $103.73B market
    loaded = load_instance(ROOT / "instances" / "1gw.yaml")
    summary = {"revenue_usd_per_year": 50e9, "profit_usd_per_year": 45e9, "capex_usd": 10e9,
               "operating_cost_usd_per_year": 2e9, "cost_usd_per_mtok": 1.0, "mtok_per_year": 1e9}  # fmt: skip
    import pandas as pd

    # the tiers charge $2 per million output tokens, inside DeepSeek-R1's public range (their
    # reference prices, frontier list prices of $10-40, are above it: a plan is checked at the
    # prices it charges)
    charged = {t: {"price_usd_per_mtok": 2.0} for t in ("medium", "high", "premium", "ultra")}
    found = {
        f.ratio: f
        for f in check_plausibility(
            loaded.instance, pd.Series(summary), loaded.plausibility, charged
        )
    }
    assert set(found) == {"revenue_usd_per_gw_year", "profit_usd_per_gw_year", "margin_frac",
                          "payback_years", "revenue_share_of_market_frac"}  # fmt: skip
    assert found["payback_years"].value == pytest.approx(10 / 48)
    assert found["revenue_share_of_market_frac"].value == pytest.approx(50 / 103.73)


def test_seed_cost_table_reproduced_honestly():
    # seed 001: Hopper $1.41/GPU-h at 90 tok/s per GPU printed as $4.20 per million tokens;
    # its own formula gives 1.41 / (90 x 3,600) x 1e6 = $4.352 (the printed value needs 93
    # tok/s per GPU). Blackwell 2.65 / (6,000 x 3,600) x 1e6 = $0.1227, printed $0.12.
    from planner.inputs.catalog import load_catalog
    from planner.studies.catalog_costs import seed_table

    table = seed_table(load_catalog(ROOT / "models")).set_index("generation")
    hopper = table.loc["Hopper (HGX H200)"]
    assert hopper["seed_usd_per_mtok"] == 4.20
    assert hopper["formula_usd_per_mtok"] == pytest.approx(4.352, abs=1e-3)
    assert "implies 93 tok/s per GPU" in hopper["why"]
    assert table.loc["Blackwell (GB300 NVL72)", "formula_usd_per_mtok"] == pytest.approx(
        0.1227, abs=1e-4
    )
    assert (table["catalog_usd_per_mtok"] > 0).all()


def test_compare_lists_the_gtc_generations_in_order_beside_the_claims():
    from planner.studies.compare import compare

    paths = sorted((ROOT / "instances" / "gtc-2026").glob("*.yaml"))  # alphabetical on disk
    table = compare([load_instance(p) for p in paths])
    assert table["instance"].tolist() == ["gtc-2026-hopper", "gtc-2026-blackwell",
                                          "gtc-2026-rubin", "gtc-2026-rubin-lpx"]  # fmt: skip
    assert table["claimed_ratio_to_previous"].tolist()[1:] == [5, 5, 2]
    measured = table["ratio_to_previous"].tolist()[1:]
    assert all(r > 1 for r in measured)  # each generation earns more, not by the claimed factor


def test_one_more_mw_of_envelope_pays_for_its_building(tmp_path):
    # the building costs $2M per MW over 10 years at 0% ($0.2M a year) plus $0.1M opex: one
    # more MW of envelope costs $0.3M a year. Power does not bind (3 racks of 100 kW on 1 MW),
    # so with racks fixed its marginal value is exactly -$300,000 a year.
    from planner.explanation.base import solve_baseline
    from planner.explanation.marginals import marginal_rows

    site = {"power_mw": 1.0, "capex_budget_usd": 5e6, "facility_capex_usd_per_mw": 2e6,
            "facility_lifetime_years": 10, "facility_opex_usd_per_mw_year": 1e5, **FREE_MONEY}  # fmt: skip
    body = {"objective": "profit", "site": site, "systems": ["alpha"], "tiers": {"t": TIER}}
    rows, _, _ = marginal_rows(solve_baseline(load_instance(write_instance(tmp_path, body))))
    power = next(r for r in rows if r["lever"] == "site.power_mw")
    assert power["dual_fixed_racks"] == pytest.approx(-300_000, rel=1e-9)
    assert power["fd_fixed_racks"] == pytest.approx(-300_000, rel=1e-6)
    assert "with its building" in power["description"]


RENTED_CLOUD = {"cloud": {"rack": "alpha", "usd_per_gpu_hour": 5, "max_racks": 10}}


def test_rented_racks_draw_no_site_power_for_a_tiers_share(tmp_path):
    # 1 MW, PUE 1, at 0%: the tier may hold 20% of the site, 0.2 MW = two owned racks of
    # 100 kW. A rack earns 31,557.6 Mtok x $100 = $3.16M a year; owning costs $1M / 4 =
    # $0.25M, renting 8 GPUs x $5 x 8,766 h = $350,640: both pay. Rented racks draw their
    # power elsewhere, so the share caps owned racks only: 2 owned + all 10 rentable =
    # 12 racks' output. (Counting rented power in the share, as before, allowed 2 racks.)
    body = {"objective": "profit", "site": {"power_mw": 1.0, **FREE_MONEY}, "systems": ["alpha"],
            "tiers": {"t": {**TIER, "max_power_share_frac": 0.2}}, "rentals": RENTED_CLOUD}  # fmt: skip
    result = planner.solve(write_instance(tmp_path, body))
    assert result.status == "optimal"
    assert bought(result) == {"alpha": 2}
    assert result.tables.rentals.iloc[0]["racks_rented"] == pytest.approx(10)
    row = result.tables.tiers.iloc[0]
    assert row["mtok_per_year"] == pytest.approx(12 * MTOK_PER_RACK_YEAR)
    assert (row["facility_power_mw"], row["power_share_frac"]) == pytest.approx((0.2, 0.2))
    assert row["rented_power_mw"] == pytest.approx(1.0)  # ten racks of 100 kW, elsewhere


def test_a_minimum_share_cannot_be_met_with_rented_racks(tmp_path):
    # free must hold half the site (0.5 MW = five racks on site); $2M buys two. Ten rented
    # racks would make the power but not on this site: no plan.
    body = {"site": {"power_mw": 1.0, "capex_budget_usd": 2e6, **FREE_MONEY},
            "systems": ["alpha"], "rentals": RENTED_CLOUD,
            "tiers": {"free": {**TIER, "price_usd_per_mtok": 0, "min_power_share_frac": 0.5},
                      "paid": TIER}}  # fmt: skip
    result = planner.solve(write_instance(tmp_path, body))
    assert result.status == "infeasible"
    body["site"]["capex_budget_usd"] = 5e6  # five racks: the share is met on site
    assert planner.solve(write_instance(tmp_path, body)).status == "optimal"


def test_a_tiers_price_is_checked_against_the_public_prices_of_the_model_it_serves():
    # The tier-name ranges are frontier list prices (GPT-5 $10 for "high"); a tier serving
    # DeepSeek-R1 is checked against R1's own public prices ($0.55 off-peak at DeepSeek to $7 at
    # SambaNova): $15 for R1 tokens warns and names the model, $2.17 passes. A tier serving a
    # model with no range of its own (gpt-oss-120b) keeps its name's range ($0.60-1.50 medium).
    loaded = load_instance(ROOT / "instances" / "1gw-small-free.yaml")
    inst = loaded.instance
    summary = pd.Series({"revenue_usd_per_year": 1e9, "profit_usd_per_year": 3e8, "capex_usd": 2e9,
                         "operating_cost_usd_per_year": 2e8})  # fmt: skip

    def price_findings(prices: dict[str, float]) -> dict[str, object]:
        charged = {t: {"price_usd_per_mtok": p} for t, p in prices.items()}
        found = check_plausibility(inst, summary, loaded.plausibility, charged)
        return {f.ratio: f for f in found if f.ratio.endswith("price_usd_per_mtok")}

    found = price_findings({"medium": 1.0, "high": 15.0, "premium": 2.0, "ultra": 2.0})
    assert set(found) == {"tiers.high.price_usd_per_mtok"}
    words = found["tiers.high.price_usd_per_mtok"].words()
    assert "tier high's output list price per million tokens of deepseek-r1 is $15.00" in words
    assert "$0.55 to $7.00" in words
    assert price_findings({"medium": 1.0, "high": 2.17, "premium": 3.88, "ultra": 5.21}) == {}
    # medium on gpt-oss-120b (no range of its own) at $5 is checked against medium's $0.60-1.50
    medium = inst.tiers["medium"].model_copy(update={"model": "gpt-oss-120b"})
    other = inst.model_copy(update={"tiers": {**inst.tiers, "medium": medium}})
    found = {f.ratio: f for f in check_plausibility(other, summary, loaded.plausibility,
                                                    {"medium": {"price_usd_per_mtok": 5.0}})}  # fmt: skip
    words = found["tiers.medium.price_usd_per_mtok"].words()
    assert "tier medium's output list price per million tokens is $5.00" in words
    assert "$0.60 to $1.50" in words
