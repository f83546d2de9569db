"""Horizon and two-stage stochastic plans, solved by hand.

Horizon test catalog (tests/data/horizon-catalog), PUE 1, utilisation 1, 8,766 h/yr:
  old: 100 kW, $1M, 1,000 tok/s at <= 10 tok/s/user  -> 31,557.6 Mtok/yr per rack
  new: 100 kW, $1M, 10,000 tok/s at <= 10 tok/s/user -> 315,576 Mtok/yr per rack
Catalog lifetime 4 years; tests override it with horizon.racks.<rack>.lifetime_years.
With discount rate 0 the annuity is capex / lifetime.
"""

from __future__ import annotations

import math

import pytest
import yaml
from conftest import ROOT, SECONDS_PER_YEAR

import planner
from planner.errors import InstanceError
from planner.inputs.finance import capital_recovery_factor
from planner.inputs.load import load_instance
from planner.results.checks import check_horizon_plan
from planner.solver.highs import SolveSettings

HORIZON_CATALOG = ROOT / "tests" / "data" / "horizon-catalog"
MTOK_PER_RACK_OLD = 1_000 * SECONDS_PER_YEAR / 1e6  # 31,557.6
MTOK_PER_RACK_NEW = 10 * MTOK_PER_RACK_OLD  # 315,576


def write(tmp_path, body: dict, name: str = "h"):
    doc = {"catalog_dir": str(HORIZON_CATALOG), "workload": "test", "name": name,
           "objective": "profit", **body}  # fmt: skip
    doc["site"] = {"pue": 1.0, "discount_rate_frac": 0.0, "electricity_usd_per_mwh": 0.0,
                   "utilisation_frac": 1.0, "price_realisation_frac": 1.0,
                   **body.get("site", {})}  # fmt: skip
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def solve(tmp_path, body: dict, name: str = "h", **kwargs):
    result = planner.solve(write(tmp_path, body, name), **kwargs)
    loaded = result.loaded
    assert check_horizon_plan(loaded.instance, loaded.catalog, result.data, result.tables) == []
    return result


def bought(result, scenario: str | None = None) -> dict[tuple[int, str], int]:
    s = result.tables.schedule
    s = s[s["scenario"] == (scenario or result.data.scenarios[0])]
    return {(r.year, r.rack): r.bought for r in s.itertuples() if r.bought}


def tier(price: float, **extra) -> dict:
    return {"t": {"price_usd_per_mtok": price, "min_tok_s_per_user": 10, **extra}}


def years(start: int, n: int, **extra) -> dict:
    return {"start_year": start, "years": n, **extra}


# -- horizon ---------------------------------------------------------------------------------


def test_waiting_for_the_next_generation_beats_buying_now(tmp_path):
    # 0.1 MW site: one rack at a time. Both racks live 2 years; `new` arrives in 2028. Price $20.
    # Buy old in 2027: it fills the site for 2027 and 2028:
    #   revenue 2 x 31,557.6 x 20 = $1,262,304; annuity 2 x $500,000 -> profit $262,304.
    # Wait, buy new in 2028: revenue 315,576 x 20 = $6,311,520; charged one year in the
    #   horizon, $500,000 -> profit $5,811,520 (the best plan; a one-year plan for 2027 alone
    #   would buy old).
    body = {"site": {"power_mw": 0.1}, "tiers": tier(20),
            "horizon": years(2027, 2, racks={"old": {"lifetime_years": 2},
                                             "new": {"lifetime_years": 2, "first_year": 2028}})}  # fmt: skip
    r = solve(tmp_path, body)
    assert bought(r) == {(2028, "new"): 1}
    assert r.tables.summary.at[0, "objective_value"] == pytest.approx(5_811_520, rel=1e-9)
    # the myopic alternative, forced: the old rack bought in 2027 blocks the new one
    forced = solve(tmp_path, {**body, "horizon": {**body["horizon"], "racks": {
        "old": {"lifetime_years": 2, "existing": [{"count": 1, "install_year": 2027}]},
        "new": {"lifetime_years": 2, "first_year": 2028}}}}, name="forced")  # fmt: skip
    assert bought(forced) == {}
    # existing racks pay no annuity: revenue only, $1,262,304
    assert forced.tables.summary.at[0, "objective_value"] == pytest.approx(1_262_304, rel=1e-9)


def test_racks_retire_after_their_lifetime(tmp_path):
    # Old only, life 2, 0.1 MW, 2027-2029, price $20, r = 0. A rack bought in 2027 serves 2027
    # and 2028 and retires in 2029, so a second is bought in 2029. Revenue 3 x $631,152 =
    # $1,893,456; annuity $500,000 for 2 + 1 years in the horizon: $1,500,000 -> $393,456.
    body = {"site": {"power_mw": 0.1}, "systems": ["old"], "tiers": tier(20),
            "horizon": years(2027, 3, racks={"old": {"lifetime_years": 2}})}  # fmt: skip
    r = solve(tmp_path, body)
    sched = r.tables.schedule.set_index("year")
    assert sched["bought"].tolist() == [1, 0, 1]
    assert sched["retired"].tolist() == [0, 0, 1]
    assert sched["in_service"].tolist() == [1, 1, 1]
    assert r.tables.summary.at[0, "objective_value"] == pytest.approx(393_456, rel=1e-9)


def test_existing_fleet_retires_and_is_replaced(tmp_path):
    # Two old racks installed in 2025 with life 3 serve 2025-2027 and retire in 2028. The site
    # (0.2 MW) is full until then; in 2028 two new racks replace them.
    body = {"site": {"power_mw": 0.2}, "tiers": tier(20),
            "horizon": years(2026, 3, racks={
                "old": {"lifetime_years": 3, "existing": [{"count": 2, "install_year": 2025}]},
                "new": {"lifetime_years": 3}})}  # fmt: skip
    r = solve(tmp_path, body)
    sched = r.tables.schedule
    old = sched[sched["rack"] == "old"].set_index("year")
    assert old["in_service"].tolist() == [2, 2, 0]
    assert old["retired"].tolist() == [0, 0, 2]
    assert bought(r) == {(2028, "new"): 2}


def test_existing_fleet_from_an_earlier_racks_csv(tmp_path):
    # racks.csv of an earlier single-year run: 1 old rack. Installed (by default) the year
    # before the horizon, 2026, life 2: in service in 2027, retired in 2028.
    (tmp_path / "racks.csv").write_text("rack,count,facility_power_mw\nold,1,0.1\n")
    body = {"site": {"power_mw": 0.1}, "systems": ["old"], "tiers": tier(20),
            "horizon": years(2027, 2, existing_racks_csv="racks.csv",
                             racks={"old": {"lifetime_years": 2}})}  # fmt: skip
    r = solve(tmp_path, body)
    old = r.tables.schedule.set_index("year")
    assert old["in_service"].tolist() == [1, 1]
    assert old["bought"].tolist() == [0, 1]
    assert old["retired"].tolist() == [0, 1]


def test_bad_existing_racks_csv_is_a_one_line_error(tmp_path):
    (tmp_path / "racks.csv").write_text("rack,count\nold,many\n")
    body = {"site": {"power_mw": 0.1}, "tiers": tier(20),
            "horizon": years(2027, 2, existing_racks_csv="racks.csv")}  # fmt: skip
    with pytest.raises(InstanceError, match=r"horizon.existing_racks_csv: .* line 2"):
        planner.solve(write(tmp_path, body))


def test_end_of_horizon_charge_is_the_discounted_annuity(tmp_path):
    # r = 10%, life 2: CRF = 0.1 x 1.21 / 0.21 = 0.576190..., annuity $576,190.48 a year.
    # Old only, 0.1 MW, 2027-2029, price $20 -> $631,152 a year per rack in service.
    # Rack 1 (2027) serves 2027-2028; rack 2 (2029) is charged for 2029 only: its charge is
    # annuity / 1.1^2 = $476,190.48, not the full $1M capex (nor $1M / 1.21 = $826,446).
    # Operating cash comes at the end of each year (discount 1/1.1, 1/1.21, 1/1.331):
    # NPV = (631,152 - 576,190.48) x 2.4868520 = $136,681.17.
    # The same NPV from cash: capex $1M at the start of 2027 and of 2029, operating cash
    # $631,152 at the end of each year, and rack 2's one annuity left, 576,190.48 / 1.1 =
    # $523,809.52, as the value left at the end of 2029:
    #   -1,000,000 - 1,000,000 / 1.21 + 631,152 x 2.4868520 + 523,809.52 / 1.331 = 136,681.17
    annuity = 1e6 * capital_recovery_factor(0.1, 2)
    assert annuity == pytest.approx(576_190.476, rel=1e-9)
    body = {"site": {"power_mw": 0.1, "discount_rate_frac": 0.1}, "systems": ["old"],
            "tiers": tier(20), "horizon": years(2027, 3, racks={"old": {"lifetime_years": 2}})}  # fmt: skip
    r = solve(tmp_path, body)
    sby = r.tables.summary_by_year.set_index("year")
    assert sby.loc[2029, "cost_usd"] == pytest.approx(annuity, rel=1e-9)
    assert sby.loc[2029, "capex_usd"] == pytest.approx(1e6)
    pv = sum(1.1 ** -(k + 1) for k in range(3))
    npv = (20 * MTOK_PER_RACK_OLD - annuity) * pv
    assert r.tables.summary.at[0, "objective_value"] == pytest.approx(npv, rel=1e-9)
    cash = -1e6 - 1e6 / 1.21 + 20 * MTOK_PER_RACK_OLD * pv + annuity / 1.1 / 1.331
    assert cash == pytest.approx(npv, rel=1e-9)
    assert r.tables.summary.at[0, "npv_usd"] == pytest.approx(npv, rel=1e-9)
    assert r.tables.summary.at[0, "value_left_usd"] == pytest.approx(annuity / 1.1, rel=1e-9)
    assert r.tables.scenarios.at[0, "pv_cost_usd"] == pytest.approx(annuity * pv, rel=1e-9)


def test_phased_power_budget_and_deliveries_per_year(tmp_path):
    # 2027: 0.1 MW, 2028: 0.3 MW (a list); budget $1M a year; at most 1 delivery of new a year,
    # none before 2028. 2027: one old rack ($1M). 2028: the site takes 2 more racks but the
    # budget ($1M) and the delivery limit (1) allow one new rack.
    body = {"site": {"power_mw": 0.3}, "tiers": tier(20),
            "horizon": years(2027, 2, site_power_mw=[0.1, 0.3], capex_budget_usd=[1e6, 1e6],
                             racks={"new": {"first_year": 2028, "max_deliveries_per_year": 1}})}  # fmt: skip
    r = solve(tmp_path, body)
    assert bought(r) == {(2027, "old"): 1, (2028, "new"): 1}


def test_growth_series_expand_by_compounding(tmp_path):
    # price {start: 20, growth -0.5}: $20 then $10; demand {start: 31,557.6, growth 1.0}: one
    # rack's output then two. Check the tiers_by_year table carries both.
    body = {"site": {"power_mw": 1.0}, "systems": ["old"], "tiers": tier(20),
            "horizon": years(2027, 2, tiers={"t": {
                "price_usd_per_mtok": {"start": 20, "growth_frac_per_year": -0.5},
                "demand_mtok_per_year": {"start": MTOK_PER_RACK_OLD, "growth_frac_per_year": 1.0}}},
                racks={"old": {"lifetime_years": 4}})}  # fmt: skip
    r = solve(tmp_path, body)
    t = r.tables.tiers_by_year.set_index("year")
    assert t["price_usd_per_mtok"].tolist() == pytest.approx([20, 10])
    assert t["demand_mtok_per_year"].tolist() == pytest.approx(
        [MTOK_PER_RACK_OLD, 2 * MTOK_PER_RACK_OLD]
    )
    assert t["mtok_per_year"].tolist() == pytest.approx(t["demand_mtok_per_year"].tolist())


@pytest.mark.parametrize("objective", ["profit", "revenue", "cost_per_token"])
def test_one_year_horizon_equals_the_single_year_plan(tmp_path, objective):
    # The shipped 1 GW instance with `horizon: {start_year: 2027, years: 1}` is the same
    # problem: annuity for one year, same power, budget and forecasts.
    doc = yaml.safe_load((ROOT / "instances" / "1gw.yaml").read_text())
    doc.update(
        objective=objective,
        horizon={"start_year": 2027, "years": 1},
        catalog_dir=str(ROOT / "models"),
    )
    path = tmp_path / "one.yaml"
    path.write_text(yaml.safe_dump(doc))
    exact = SolveSettings(mip_gap_frac=1e-7)  # at the default gap two optima may differ by it
    single = planner.solve(ROOT / "instances" / "1gw.yaml", exact, objective=objective)
    multi = planner.solve(path, exact)
    assert multi.status == single.status == "optimal"
    s, m = single.tables.summary.iloc[0], multi.tables.summary.iloc[0]
    for col in ("revenue_usd_per_year", "profit_usd_per_year"):
        assert m[col] == pytest.approx(s[col], rel=1e-6), col
    # the single-year objective is the year's profit (or revenue); the one-year horizon's is its
    # NPV, the same year's cash at the end of the year: one discount factor apart
    # (a ratio of present values, cost per token is the same either way)
    rate = 0.0 if objective == "cost_per_token" else doc["site"]["discount_rate_frac"]
    assert m["objective_value"] == pytest.approx(s["objective_value"] / (1 + rate), rel=1e-6)
    # paid tiers' tokens agree; free-tier tokens may differ (which system serves a $0 tier is
    # a tie the objective does not break)
    paid = single.tables.tiers[single.tables.tiers["price_usd_per_mtok"] > 0]
    by_tier = multi.tables.tiers_by_year.set_index("tier")["mtok_per_year"]
    for row in paid.itertuples():
        assert by_tier[row.tier] == pytest.approx(row.mtok_per_year, rel=1e-6), row.tier
    if objective != "revenue":  # revenue alone leaves ties in which racks to buy
        racks = dict(zip(single.tables.racks["rack"], single.tables.racks["count"], strict=True))
        assert {r: n for (_, r), n in bought(multi).items()} == {
            k: v for k, v in racks.items() if v
        }


def test_horizon_series_must_match_the_years(tmp_path):
    body = {"site": {"power_mw": 0.1}, "tiers": tier(20),
            "horizon": years(2027, 3, site_power_mw=[0.1, 0.2])}  # fmt: skip
    with pytest.raises(InstanceError, match=r"site_power_mw has 2 values; the horizon has 3 years"):
        load_instance(write(tmp_path, body))


# -- two-stage stochastic ----------------------------------------------------------------------

# Newsvendor: old racks only, one year, r = 0, catalog life 4 -> annuity $250,000 per rack.
# A rack makes 31,557.6 Mtok; at $10 it earns $315,576 when all sold. Demand is one rack's
# output (low) or three (high), probability 1/2 each.
#   Stochastic plan: rack 1 always sells (+$65,576); racks 2-3 sell half the time:
#     0.5 x 315,576 = 157,788 < 250,000 -> buy 1. RP = $65,576.
#   Mean scenario (2 racks' demand) buys 2. In low: 315,576 - 500,000 = -184,424; in high:
#     631,152 - 500,000 = 131,152. EEV = -26,636 -> VSS = 65,576 + 26,636 = $92,212.
#   Each scenario alone: low buys 1 (65,576), high buys 3 (946,728 - 750,000 = 196,728).
#     WS = (65,576 + 196,728) / 2 = 131,152 -> EVPI = 131,152 - 65,576 = $65,576.
NEWSVENDOR = {
    "site": {"power_mw": 10.0},
    "systems": ["old"],
    "tiers": tier(10, demand_mtok_per_year=MTOK_PER_RACK_OLD),
    "scenarios": {
        "low": {"probability": 0.5},
        "high": {"probability": 0.5, "demand_scale": {"t": 3.0}},
    },
}


def test_newsvendor_buys_before_demand_is_known(tmp_path):
    r = solve(tmp_path, NEWSVENDOR)
    assert bought(r, "low") == bought(r, "high") == {(0, "old"): 1}
    v = r.values
    assert v.rp == pytest.approx(65_576, rel=1e-6)
    assert v.eev == pytest.approx(-26_636, rel=1e-6)
    assert v.vss == pytest.approx(92_212, rel=1e-6)
    assert v.wait_and_see == pytest.approx(131_152, rel=1e-6)
    assert v.evpi == pytest.approx(65_576, rel=1e-6)
    stoch = r.tables.stochastic.iloc[0]
    assert stoch["vss_usd"] == pytest.approx(92_212, rel=1e-6)
    assert stoch["evpi_usd"] == pytest.approx(65_576, rel=1e-6)
    scen = r.tables.scenarios.set_index("scenario")
    assert scen.loc["low", "npv_profit_usd"] == pytest.approx(65_576, rel=1e-6)
    assert scen.loc["high", "npv_profit_usd"] == pytest.approx(65_576, rel=1e-6)
    assert "demand_limit" in scen.loc["low", "binding"].split()
    # high: the one rack sells out but demand is not met; the shared fleet binds, demand does not
    assert "rack_balance" in scen.loc["high", "binding"].split()
    assert "demand_limit" not in scen.loc["high", "binding"].split()


def test_cost_per_token_serves_every_future_and_vss_is_infinite(tmp_path):
    # cost_per_token serves each forecast in full, so the plan needs 3 racks ($750,000 a year)
    # for the high future. Expected tokens (31,557.6 + 94,672.8) / 2 = 63,115.2 Mtok ->
    # RP = 750,000 / 63,115.2 = $11.883/Mtok. The mean plan (2 racks) cannot serve the high
    # future at all: EEV = +inf, VSS = +inf. Alone, each future costs 250,000 / 31,557.6 =
    # $7.922/Mtok -> WS = $7.922, EVPI = 11.883 - 7.922 = $3.961/Mtok.
    r = solve(tmp_path, {**NEWSVENDOR, "objective": "cost_per_token"})
    assert r.status == "optimal"
    assert bought(r) == {(0, "old"): 3}
    rp = 750_000 / (2 * MTOK_PER_RACK_OLD)
    ws = 250_000 / MTOK_PER_RACK_OLD
    assert r.values.rp == pytest.approx(rp, rel=1e-6)
    assert r.values.vss == math.inf
    assert r.values.wait_and_see == pytest.approx(ws, rel=1e-6)
    assert r.values.evpi == pytest.approx(rp - ws, rel=1e-6)


def test_cvar_weight_buys_for_the_bad_future(tmp_path):
    # At $20 a rack earns $631,152 when sold; racks 2-3 earn 0.5 x 631,152 = 315,576 > 250,000
    # in expectation, so the risk-neutral plan buys 3 (low: 631,152 - 750,000 = -118,848;
    # high: 1,893,456 - 750,000 = 1,143,456; mean $512,304). CVaR at alpha = 0.5 is the low
    # scenario's NPV; with weight 1 the plan maximises it: 1 rack, 631,152 - 250,000 = $381,152.
    body = {**NEWSVENDOR, "tiers": tier(20, demand_mtok_per_year=MTOK_PER_RACK_OLD)}
    neutral = solve(tmp_path, body)
    assert bought(neutral) == {(0, "old"): 3}
    assert neutral.values.rp == pytest.approx(512_304, rel=1e-6)
    averse = solve(
        tmp_path,
        {**body, "stochastic": {"cvar_alpha_frac": 0.5, "cvar_weight_frac": 1.0}},
        name="cvar",
    )
    assert bought(averse) == {(0, "old"): 1}
    assert averse.values.rp == pytest.approx(381_152, rel=1e-6)


def test_first_year_nonanticipativity_lets_later_years_adapt(tmp_path):
    # Two years, old racks live 1 year (annuity $1M), price $40: a rack sold out earns
    # $1,262,304. 2027 demand is one rack's output in both futures; 2028 is one (low) or
    # three (high). "all": 2028 purchases are fixed now; racks 2-3 earn 0.5 x 1,262,304 <
    # 1,000,000 -> 1 rack each year: 2 x 262,304 = $524,608.
    # "first_year": 2028 adapts: low 1 rack (262,304), high 3 (786,912) ->
    #   262,304 + (262,304 + 786,912) / 2 = $786,912.
    one, three = MTOK_PER_RACK_OLD, 3 * MTOK_PER_RACK_OLD
    body = {"site": {"power_mw": 10.0}, "systems": ["old"], "tiers": tier(40),
            "horizon": years(2027, 2, racks={"old": {"lifetime_years": 1}}),
            "scenarios": {"low": {"probability": 0.5, "demand_mtok_per_year": {"t": [one, one]}},
                          "high": {"probability": 0.5, "demand_mtok_per_year": {"t": [one, three]}}}}  # fmt: skip
    fixed = solve(tmp_path, body)
    assert fixed.values.rp == pytest.approx(524_608, rel=1e-6)
    adapt = solve(
        tmp_path, {**body, "stochastic": {"nonanticipativity": "first_year"}}, name="adapt"
    )
    assert adapt.values.rp == pytest.approx(786_912, rel=1e-6)
    assert bought(adapt, "low") == {(2027, "old"): 1, (2028, "old"): 1}
    assert bought(adapt, "high") == {(2027, "old"): 1, (2028, "old"): 3}


def test_scenario_probabilities_must_sum_to_one(tmp_path):
    body = {**NEWSVENDOR, "scenarios": {"a": {"probability": 0.5}, "b": {"probability": 0.4}}}
    with pytest.raises(InstanceError, match="sum to 0.9"):
        load_instance(write(tmp_path, body))


# -- command line and outputs ------------------------------------------------------------------


def test_cli_writes_schedule_and_scenario_files(tmp_path):
    from click.testing import CliRunner

    from planner.cli import cli

    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["solve", str(write(tmp_path, NEWSVENDOR)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Build schedule (shared by every scenario)" in result.stdout
    assert "Value of the stochastic solution (VSS) $92.21k" in result.stdout  # $92,211 in words
    names = sorted(p.name for p in out.iterdir())
    assert names == ["allocation_by_year.csv", "build_schedule.csv", "purchase_order.csv",
                     "run.json", "scenarios.csv", "serving_by_year.csv", "stochastic.csv",
                     "summary.csv", "summary_by_year.csv", "tiers_by_year.csv"]  # fmt: skip
    head = lambda name: (out / name).read_text().splitlines()[0]  # noqa: E731
    assert head("purchase_order.csv") == (
        "year,rack,count,capex_usd_each,capex_usd,scenario,description"
    )
    head = lambda name: (out / name).read_text().splitlines()[0]  # noqa: E731
    assert head("build_schedule.csv") == "year,rack,bought,retired,in_service,capex_usd,scenario"
    assert head("tiers_by_year.csv").startswith("year,tier,price_usd_per_mtok,")
    assert "expected_value_usd,cvar_usd,objective_value,vss_usd,evpi_usd" in head("stochastic.csv")
    # the single-year contract, written out: a renamed or reordered column must fail here
    assert head("summary.csv") == (
        "instance,objective,status,objective_value,revenue_usd_per_year,cost_usd_per_year,"
        "profit_usd_per_year,capex_usd,it_power_mw,facility_power_mw,tok_s,mtok_per_year,"
        "cost_usd_per_mtok,mip_gap_frac,solve_s,vendor_claim_revenue_frac,data,capex_racks_usd,"
        "capex_facility_usd,list_revenue_usd_per_year,facility_cost_usd_per_year,"
        "operating_cost_usd_per_year,rental_cost_usd_per_year,energised_mw,npv_usd,value_left_usd,"
        "lease_revenue_usd_per_year,revenue_frac_measured,revenue_frac_derived,"
        "revenue_frac_partner,revenue_frac_estimate,revenue_frac_vendor_claim"
    )


def test_infeasible_horizon_names_the_requirement_and_year(tmp_path):
    # cost_per_token must serve every forecast. Old racks live 1 year, at most 1 delivered a
    # year: 2027 needs one rack's output (fine), 2028 three (impossible).
    from click.testing import CliRunner

    from planner.cli import cli
    from planner.errors import EXIT_INFEASIBLE

    one = MTOK_PER_RACK_OLD
    body = {"objective": "cost_per_token", "site": {"power_mw": 10.0}, "systems": ["old"],
            "tiers": tier(20), "horizon": years(2027, 2, tiers={"t": {"demand_mtok_per_year": [one, 3 * one]}},
                                                racks={"old": {"lifetime_years": 1, "max_deliveries_per_year": 1}})}  # fmt: skip
    result = CliRunner().invoke(
        cli, ["solve", str(write(tmp_path, body)), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == EXIT_INFEASIBLE
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in result.output
    assert "forecasts served in full (forecast_served) in 2028" in err
    assert "deliveries (or first_year) (delivery_limit) in 2028" in err


def test_scenario_series_must_match_the_years(tmp_path):
    body = {
        **NEWSVENDOR,
        "scenarios": {"a": {"probability": 1.0, "demand_mtok_per_year": {"t": [1, 2]}}},
    }
    with pytest.raises(InstanceError, match=r"scenarios.a.demand_mtok_per_year.t has 2 values"):
        load_instance(write(tmp_path, body))


def test_scenario_replaces_a_price(tmp_path):
    # One rack's demand in both futures; "dear" replaces the $10 price with $40. One rack:
    # cheap 315,576 - 250,000 = $65,576; dear 4 x 315,576 - 250,000 = $1,012,304;
    # expected (65,576 + 1,012,304) / 2 = $538,940.
    body = {**NEWSVENDOR, "scenarios": {"cheap": {"probability": 0.5},
                                        "dear": {"probability": 0.5, "price_usd_per_mtok": {"t": 40}}}}  # fmt: skip
    r = solve(tmp_path, body)
    assert bought(r) == {(0, "old"): 1}
    prices = r.tables.tiers_by_year.set_index("scenario")["price_usd_per_mtok"]
    assert prices.to_dict() == {"cheap": 10, "dear": 40}
    assert r.values.rp == pytest.approx(538_940, rel=1e-6)


def test_value_left_frac_zero_charges_every_rack_its_whole_capex(tmp_path):
    # As the end-of-horizon test above, with horizon.value_left_frac 0: a rack bought in 2029
    # would now be charged its whole $1M (at the start of 2029: $826,446) for one year's
    # $631,152 (at its end: $474,194), so only the 2027 rack is bought:
    # NPV = -1,000,000 + 631,152 x (1/1.1 + 1/1.21) = $95,372.16, with no value left.
    # (Buying in 2028 instead: -1,000,000/1.1 + 631,152 x (1/1.21 + 1/1.331) = $86,694.)
    body = {"site": {"power_mw": 0.1, "discount_rate_frac": 0.1}, "systems": ["old"],
            "tiers": tier(20), "horizon": years(2027, 3, value_left_frac=0.0,
                                                racks={"old": {"lifetime_years": 2}})}  # fmt: skip
    r = solve(tmp_path, body)
    assert bought(r) == {(2027, "old"): 1}
    npv = -1e6 + 20 * MTOK_PER_RACK_OLD * (1 / 1.1 + 1 / 1.21)
    summary = r.tables.summary.iloc[0]
    assert summary["objective_value"] == pytest.approx(npv, rel=1e-9)
    assert summary["npv_usd"] == pytest.approx(npv, rel=1e-9)
    assert summary["value_left_usd"] == 0


def test_value_left_frac_out_of_range_is_refused(tmp_path):
    body = {"site": {"power_mw": 0.1}, "systems": ["old"], "tiers": tier(20),
            "horizon": years(2027, 2, value_left_frac=1.5)}  # fmt: skip
    with pytest.raises(InstanceError, match=r"horizon.value_left_frac.*1.5"):
        planner.load_instance(write(tmp_path, body))


def test_input_prices_follow_the_output_price_in_proportion(tmp_path):
    # One old rack (0.1 MW) sells its 31,557.6 Mtok in 2027 and 2028 at $20, then $10 (a price
    # path); input: 8 input tokens per output token (8,192 / 1,024, the curve's workload) at
    # $0.50 per Mtok: $4 per output Mtok, then 4 x 10/20 = $2.
    # Revenue 2027: 31,557.6 x (20 + 4) = $757,382.40; 2028: 31,557.6 x (10 + 2) = $378,691.20.
    tiers = {
        "t": {"price_usd_per_mtok": 20, "min_tok_s_per_user": 10, "input_price_usd_per_mtok": 0.5}
    }
    body = {"site": {"power_mw": 0.1}, "systems": ["old"], "tiers": tiers,
            "horizon": years(2027, 2, tiers={"t": {"price_usd_per_mtok": [20, 10]}},
                             racks={"old": {"lifetime_years": 2}})}  # fmt: skip
    r = solve(tmp_path, body)
    revenue = r.tables.tiers_by_year.set_index("year")["revenue_usd_per_year"]
    assert revenue.tolist() == pytest.approx([MTOK_PER_RACK_OLD * 24, MTOK_PER_RACK_OLD * 12])


def test_an_input_price_on_a_zero_priced_tier_with_a_price_path_is_refused(tmp_path):
    tiers = {
        "t": {"price_usd_per_mtok": 0, "min_tok_s_per_user": 10, "input_price_usd_per_mtok": 4}
    }
    body = {"site": {"power_mw": 0.1}, "systems": ["old"], "tiers": tiers,
            "horizon": years(2027, 2, tiers={"t": {"price_usd_per_mtok": [0, 2]}})}  # fmt: skip
    with pytest.raises(InstanceError, match=r"tiers.t: input_price_usd_per_mtok 4 follows"):
        planner.load_instance(write(tmp_path, body))


def test_a_rack_arriving_in_q3_serves_half_its_first_year(tmp_path):
    # Dates finer than a year: `new` is first available 2028-Q3 (from 1 July: half of 2028
    # left). 0.1 MW site, one rack at a time; `old` is not allowed (systems: new only). Price
    # $20, r = 0, life 2, horizon 2028-2029. The rack bought in 2028 serves half of 2028 and
    # all of 2029: revenue (0.5 + 1) x 315,576 x 20 = $9,467,280; annuity $500,000 x 2 years =
    # $1,000,000; profit $8,467,280. With whole years (first_year 2028) it was 2 x $6,311,520
    # - $1,000,000 = $11,623,040: the half year is worth 0.5 x $6,311,520 = $3,155,760.
    racks = {"new": {"lifetime_years": 2, "first_available": "2028-Q3"}}
    body = {"site": {"power_mw": 0.1}, "systems": ["new"], "tiers": tier(20),
            "horizon": years(2028, 2, racks=racks)}  # fmt: skip
    r = solve(tmp_path, body)
    assert bought(r) == {(2028, "new"): 1}
    assert r.tables.summary.at[0, "objective_value"] == pytest.approx(8_467_280, rel=1e-9)
    made = r.tables.tiers_by_year.set_index("year")["mtok_per_year"]
    assert made.tolist() == pytest.approx([0.5 * MTOK_PER_RACK_NEW, MTOK_PER_RACK_NEW])
    # a date says the same to the day: 1 July 2028 leaves 184 of 366 days
    dated = {"new": {"lifetime_years": 2, "first_available": "2028-07-01"}}
    r = solve(tmp_path, {**body, "horizon": years(2028, 2, racks=dated)}, name="dated")
    assert r.tables.tiers_by_year.iloc[0]["mtok_per_year"] == pytest.approx(
        184 / 366 * MTOK_PER_RACK_NEW
    )
    # the checker holds the plan to the half year: a plan claiming the full year is refused
    tables = r.tables
    tiers = tables.tiers_by_year.copy()
    alloc = tables.allocation_by_year.copy()
    alloc.loc[alloc["year"] == 2028, "units"] *= 366 / 184
    broken = type(tables)(
        **{**tables.__dict__, "allocation_by_year": alloc, "tiers_by_year": tiers}
    )
    found = check_horizon_plan(r.loaded.instance, r.loaded.catalog, r.data, broken)
    assert any(f.startswith("racks: ('new', 2028") for f in found), found


@pytest.mark.parametrize(
    ("racks", "needle"),
    [
        ({"new": {"first_available": "2028-Q5"}}, "'2028-Q5' is not a quarter (2026-Q3) or a date"),
        ({"new": {"first_available": "2028-13-01"}}, "is not a quarter (2026-Q3) or a date"),
        ({"new": {"first_available": "2028-Q3", "first_year": 2029}},
         "first_year 2029 disagrees with first_available 2028-Q3"),
    ],
)  # fmt: skip
def test_bad_availability_dates_are_refused_by_name(tmp_path, racks, needle):
    body = {"site": {"power_mw": 0.1}, "tiers": tier(20), "horizon": years(2028, 2, racks=racks)}
    with pytest.raises(InstanceError, match="horizon.racks.new") as err:
        load_instance(write(tmp_path, body))
    assert needle in str(err.value)


def test_a_plan_over_years_has_a_purchase_order(tmp_path):
    # a horizon plan had no purchase order, only build_schedule.csv to pivot: purchase_order.csv
    # lists the racks to order year by year (purchases only) with the unit price
    result = planner.solve(ROOT / "instances" / "1gw-2026-2030.yaml")
    order, sched = result.tables.purchase_order, result.tables.schedule
    assert (order["count"] > 0).all() and len(order) == int((sched["bought"] > 0).sum())
    assert order["count"].sum() == sched["bought"].sum()
    assert order["capex_usd"].sum() == pytest.approx(sched["capex_usd"].sum())
    prices = {r: result.loaded.catalog.racks[r].capex_usd for r in order["rack"]}
    assert order["capex_usd_each"].tolist() == pytest.approx([prices[r] for r in order["rack"]])
    # and says what each rack is, in the catalog's words (a purchase sheet needs a description)
    words = {r: result.loaded.catalog.racks[r].description for r in order["rack"]}
    assert order["description"].tolist() == [words[r] for r in order["rack"]]
    assert all(order["description"])
    assert "purchase_order" in result.tables.files(multi_period=True)
