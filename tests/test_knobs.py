"""Knobs for whole questions (issue "Finance studies without copying YAML"): `*` segments name
every entry, a path ending in `*` scales and `+` adds, `--vary` takes lists; labels name the
whole input. Every door (--set, --vary, study files, the API) goes through one function,
yamlio.apply_knob, and the instance loader's rules after it."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import ROOT

import planner
from planner.cli import cli
from planner.errors import UsageError
from planner.results.present import input_label
from planner.studies.cases import parse_vary

ONE_GW = ROOT / "instances" / "1gw.yaml"
PHASED = ROOT / "instances" / "1gw-2026-2030.yaml"


def prices(loaded) -> dict[str, float]:
    return {t: x.price_usd_per_mtok for t, x in loaded.instance.tiers.items()}


def test_every_tier_at_once_scaled_or_shifted():
    base = planner.load_instance(ONE_GW)
    half = planner.load_instance(ONE_GW, overrides=["tiers.*.price_usd_per_mtok*=0.5"])
    assert prices(half) == pytest.approx({t: p / 2 for t, p in prices(base).items()})
    more = planner.load_instance(ONE_GW, overrides=["tiers.*.price_usd_per_mtok+=1"])
    assert prices(more) == pytest.approx({t: p + 1 for t, p in prices(base).items()})
    # a named path scales one entry; a plain `=` through a wildcard sets every entry
    one = planner.load_instance(ONE_GW, overrides=["tiers.high.price_usd_per_mtok*=2"])
    assert prices(one) == {**prices(base), "high": 2 * prices(base)["high"]}
    same = planner.load_instance(ONE_GW, overrides=["tiers.*.min_tok_s_per_user=20"])
    assert {x.min_tok_s_per_user for x in same.instance.tiers.values()} == {20}


def test_scaling_lists_series_and_absent_limits():
    base = planner.load_instance(PHASED).instance
    # a list scales element by element; a growth series scales its start
    scaled = planner.load_instance(
        PHASED,
        overrides=[
            "horizon.site_power_mw*=0.5",
            "horizon.tiers.*.price_usd_per_mtok*=0.5",
        ],
    ).instance
    assert scaled.horizon.site_power_mw == [p / 2 for p in base.horizon.site_power_mw]
    for name, series in base.horizon.tiers.items():
        if series.price_usd_per_mtok is not None:
            got = scaled.horizon.tiers[name].price_usd_per_mtok
            assert got.start == pytest.approx(series.price_usd_per_mtok.start / 2)
            assert got.growth_frac_per_year == series.price_usd_per_mtok.growth_frac_per_year
    # "+" on a growth rate: deflation 20 points faster for every tier that has one
    faster = planner.load_instance(
        PHASED, overrides=["horizon.tiers.*.price_usd_per_mtok.growth_frac_per_year+=-0.2"]
    ).instance
    for name, series in base.horizon.tiers.items():
        if series.price_usd_per_mtok is not None:
            assert faster.horizon.tiers[name].price_usd_per_mtok.growth_frac_per_year == (
                pytest.approx(series.price_usd_per_mtok.growth_frac_per_year - 0.2)
            )


@pytest.mark.parametrize(
    ("override", "needle"),
    [
        ("tiers.*.nonsense.price*=2", "no entry has a value there to scale"),
        ("horizon.nonsense.*.x*=2", "matches nothing"),
        ("tiers.*.price_usd_per_mtok*=cheap", "takes a finite number"),
        ("tiers.*.price_usd_per_mtok*=1e308", None),  # within float range, refused by the field
        ("site.capex_budget_usd*=1e308", "out of range"),
        ("tiers.free.demand_mtok_per_year*=2", "nothing there to scale"),
        ("tiers.ultrra.price_usd_per_mtok*=2", "did you mean 'ultra'"),
        ("tiers.*.min_power_share_frac*=2", "no entry has a value there to scale"),
    ],
)
def test_bad_knobs_are_usage_errors_naming_the_path(override, needle):
    from planner.errors import InstanceError

    with pytest.raises((UsageError, InstanceError)) as err:
        planner.load_instance(ONE_GW, overrides=[override])
    if needle:
        assert needle in str(err.value), str(err.value)


def test_vary_takes_lists_and_scale_knobs(tmp_path):
    # --vary rejected lists ("Input should be a valid list"): a YAML list spec is the values
    path, values = parse_vary("horizon.site_power_mw=[[250, 500, 1000, 1000, 1000], "
                              "[1000, 1000, 1000, 1000, 1000]]")  # fmt: skip
    assert path == "horizon.site_power_mw" and values[1] == [1000] * 5
    with pytest.raises(UsageError, match="non-empty YAML list"):
        parse_vary("site.power_mw=[]")
    # one factor for every tier's price, one for every tier's demand: four cases
    frame = planner.sweep(
        ONE_GW, vary={"tiers.*.price_usd_per_mtok*": [0.5, 1], "tiers.*.demand_mtok_per_year*": [0.5, 1]}
    )  # fmt: skip
    assert len(frame) == 4 and set(frame["status"]) == {"optimal"}
    # the unscaled case is the plan itself
    plain = planner.solve(ONE_GW).tables.summary.iloc[0]["objective_value"]
    row = frame[
        (frame["tiers.*.price_usd_per_mtok*"] == 1) & (frame["tiers.*.demand_mtok_per_year*"] == 1)
    ]
    assert row["objective_value"].iloc[0] == pytest.approx(plain, rel=1e-3)
    # halving every price and every demand earns less than either alone
    value = frame.set_index(["tiers.*.price_usd_per_mtok*", "tiers.*.demand_mtok_per_year*"])[
        "objective_value"
    ]
    assert value[0.5, 0.5] < min(value[0.5, 1], value[1, 0.5])


def test_a_study_draws_one_shock_for_every_tier(tmp_path):
    # Monte Carlo draws were independent per tier, so "prices fall faster everywhere" could not
    # be one shock: a distribution keyed by a wildcard scale knob is one factor for all tiers
    study = tmp_path / "shock.yaml"
    study.write_text("description: one price shock for every tier\nsamples: 3\nseed: 4\n"
                     "distributions:\n  tiers.*.price_usd_per_mtok*: {dist: uniform, low: 0.4, high: 1.0}\n")  # fmt: skip
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["sweep", str(ONE_GW), "--study", str(study), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out / "sweep.csv")
    assert list(frame.columns[:2]) == ["case_id", "tiers.*.price_usd_per_mtok*"]
    assert frame["tiers.*.price_usd_per_mtok*"].between(0.4, 1.0).all() and len(frame) == 3
    # the words name the knob whole: every tier, the field, and that it is a factor
    assert "Every tier: output price ($ per million) (x factor)" in result.output


def test_labels_name_the_whole_input():
    # four horizon growth inputs all became "Horizon: growth frac per year" and collided in
    # the report (ValueError: "All arrays must be of the same length")
    paths = [f"horizon.tiers.{t}.price_usd_per_mtok.growth_frac_per_year"
             for t in ("medium", "high", "premium", "ultra")]  # fmt: skip
    labels = [input_label(p) for p in paths]
    assert len(set(labels)) == 4
    assert (
        labels[2] == "Horizon, tier premium: output price ($ per million), growth a year (fraction)"
    )
    assert input_label("systems.vr-nvl72.derate") == "System vr-nvl72: throughput derate (factor)"
    assert input_label("tiers.*.demand_mtok_per_year*").startswith("Every tier: ")


def test_a_scale_knob_reads_exponent_numbers_as_the_loader_does(tmp_path):
    # 1gw.yaml writes forecasts as 3.7e8, which YAML 1.1 reads as text (its floats need a
    # point and a signed exponent) and the loader reads as a number; `tiers.*.X*=0.5` refused
    # them ("not a number to scale"). 3.7e8 x 0.5 = 1.85e8 Mtok a year for medium.
    result = planner.solve(ROOT / "instances" / "1gw.yaml",
                           overrides=["tiers.*.demand_mtok_per_year*=0.5"])  # fmt: skip
    assert result.status == "optimal"
    assert result.loaded.instance.tiers["medium"].demand_mtok_per_year == pytest.approx(1.85e8)
