"""The serving arithmetic (planner/inputs/serving.py) and the plans it leads to, hand-solved.

Catalog tests/data/serving-catalog (model `test`), every rack 100 kW and $1M:
- g: prefill 800,000 input tok/s at a 1 s first token, 1,000,000 at 2 s (measured); decode
  200,000 output tok/s at 50 tok/s per user, 100,000 at 100 (8K/1K context); decode attention
  2,000,000 at 50, 1,000,000 at 1,000 (estimate, 8,704 tokens of context);
- d: decode only, as g's decode;
- l: decode FFN 500,000 at 50, 250,000 at 1,000 (vendor-claim);
- systems: agg (bundle g:1, 100,000 at 50 tok/s per user, measured at 8K/1K), disagg
  (prefill g, decode d), afd (prefill g, attention g, FFN l).
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest
import yaml

import planner
from planner.errors import InstanceError
from planner.inputs.catalog import DATA_LEVELS, data_rank, load_catalog, set_aside_words
from planner.inputs.serving import NoRoute, Route, Workload, route

ROOT = Path(__file__).resolve().parent.parent
SERVING_CATALOG = ROOT / "tests" / "data" / "serving-catalog"
CATALOG = load_catalog(SERVING_CATALOG)


def served(
    system: str,
    inp: int,
    out: int = 1024,
    speed: float = 50,
    ttft=None,
    data="all",
    catalog=CATALOG,
    model=None,
):
    model = model or ("test" if catalog is CATALOG else "deepseek-r1")
    r = route(catalog, system, Workload(model, inp, out, speed, ttft), data_rank(data))
    assert isinstance(r, Route), r
    return r


def test_disaggregated_prefill_racks_follow_the_input_length():
    # unit = one decode rack d making 200,000 output tok/s; prefill needs I/O input tokens per
    # output token at 1,000,000 input tok/s per g: g per d = (I/O) x 200,000 / 1,000,000
    short, long = served("disagg", 8192), served("disagg", 32768)
    assert short.tok_s == long.tok_s == 200_000
    assert short.racks == {"g": pytest.approx(8 * 0.2), "d": 1.0}  # 1.6 prefill racks per decode
    assert long.racks == {"g": pytest.approx(32 * 0.2), "d": 1.0}  # 6.4: four times the input
    assert short.phases == {"g": ("prefill",), "d": ("decode",)}
    assert short.basis == "measured"


def test_first_token_target_picks_the_prefill_rate():
    # 1.5 s lies halfway between 1 s (800,000) and 2 s (1,000,000): 900,000 input tok/s
    r = served("disagg", 8192, ttft=1.5)
    assert r.racks["g"] == pytest.approx(8 * 200_000 / 900_000)
    # tighter than every measured point: no route, and the reason names the field
    none = route(CATALOG, "disagg", Workload("test", 8192, 1024, 50, 0.5))
    assert isinstance(none, NoRoute) and none.field == "max_ttft_s"
    # beyond the slowest point the best rate is used (waiting longer is allowed)
    assert served("disagg", 8192, ttft=30).racks["g"] == pytest.approx(1.6)


def test_attention_ffn_split_sets_the_lpx_ratio():
    # unit = one l (500,000 output tok/s at 50 tok/s per user); g per l =
    #   attention 500,000 x (C / 8,704) / 2,000,000  +  prefill (I/O) x 500,000 / 1,000,000
    # 8K/1K: C = 8,704 -> 0.25 + 4 = 4.25;   1K/1K: C = 1,024 + 512 = 1,536 -> 0.0441 + 0.5
    r = served("afd", 8192)
    assert r.tok_s == 500_000
    assert r.racks == {"g": pytest.approx(4.25), "l": 1.0}
    assert r.phases == {"g": ("prefill", "decode_attention"), "l": ("decode_ffn",)}
    short = served("afd", 1024)
    assert short.racks["g"] == pytest.approx(500_000 * 1536 / 8704 / 2e6 + 0.5)
    # faster tiers: at 1,000 tok/s per user FFN 250,000 and attention 1,000,000 per rack:
    # g per l = 250,000 x 1 / 1,000,000 + 8 x 250,000 / 1,000,000 = 2.25
    assert served("afd", 8192, speed=1000).racks["g"] == pytest.approx(2.25)
    # the FFN rate is a vendor claim, so the route rests on claims
    assert r.basis == "vendor-claim" and r.rests_on_claims


def test_data_levels_keep_the_ladder_up_to_their_basis():
    # the ladder measured > derived > partner > estimate > vendor claim: a level keeps its own
    # basis and every stronger one. afd's FFN is a vendor claim, its attention an estimate.
    without_claims = route(CATALOG, "afd", Workload("test", 8192, 1024, 50), data_rank("estimate"))
    assert isinstance(without_claims, NoRoute)
    assert without_claims.why.endswith("once vendor claims are set aside; the tier asks 50")
    derived = route(CATALOG, "afd", Workload("test", 8192, 1024, 50), data_rank("derived"))
    assert "once partner measurements, estimates and vendor claims are set aside" in derived.why
    assert served("disagg", 8192, data="measured").basis == "measured"
    assert served("afd", 8192, data="all").basis == "vendor-claim"
    assert [data_rank(level) for level in DATA_LEVELS] == [0, 1, 2, 3, 4]
    assert set_aside_words(data_rank("all")) == ""


def test_bundle_moves_by_the_prefill_work_of_a_different_input():
    # agg: 1/100,000 s per output token at 8K/1K. Input I: + (I/1,024 - 8) / 1,000,000 s,
    # never below g's decode-only time 1/200,000 = 5e-6 s.
    assert served("agg", 8192).tok_s == pytest.approx(100_000)
    assert served("agg", 16384).tok_s == pytest.approx(1 / (1e-5 + 8e-6))  # 55,556
    assert served("agg", 4096).tok_s == pytest.approx(1 / (1e-5 - 4e-6))  # 166,667
    assert served("agg", 2048).tok_s == pytest.approx(200_000)  # 4e-6 s floored at 5e-6 s
    assert served("agg", 16384).racks == {"g": 1}


def test_interpolated_rates_keep_the_weakest_label():
    # decode at 75 tok/s per user: halfway between 200,000 and 100,000, both measured
    assert served("disagg", 8192, speed=75).tok_s == pytest.approx(150_000)
    # afd at 1,000: the FFN claim at its own speed, attention at an estimate: the route is a
    # claim (at 500, between the claims, there is no FFN rate: test_no_claim_is_read_off_its_speed)
    assert served("afd", 8192, speed=1000).basis == "vendor-claim"


def _plan(tmp_path: Path, tiers: dict, systems: list[str], power_mw: float, **site):
    doc = {
        "catalog_dir": str(SERVING_CATALOG), "workload": "test", "name": "serving",
        "objective": "revenue", "systems": systems,
        "site": {"power_mw": power_mw, "pue": 1.0, "utilisation_frac": 1.0,
                 "price_realisation_frac": 1.0, **site}, "tiers": tiers,
    }  # fmt: skip
    path = tmp_path / "serving.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return planner.solve(path)


def _bought(result) -> dict[str, int]:
    frame = result.tables.racks
    return {r: int(n) for r, n in zip(frame["rack"], frame["count"], strict=True) if n}


def test_plan_buys_lpx_and_gpu_racks_in_the_tiers_ratio(tmp_path):
    # afd, one tier at 8K/1K: a unit is 1 l + 4.25 g = 525 kW. 2.1 MW holds 4 units exactly:
    # 4 l + 17 g. Revenue grows with units, so the whole envelope is used.
    tier = {"min_tok_s_per_user": 50, "price_usd_per_mtok": 1}
    result = _plan(tmp_path, {"t": {**tier, "input_tokens": 8192}}, ["afd"], 2.1)
    assert _bought(result) == {"g": 17, "l": 4}
    # 1K input: 0.5441 g per l. 21 racks of 100 kW: units = min(l, g / 0.5441) is largest at
    # l = 13, g = 8 (8 / 0.5441 = 14.7 > 13; l = 14 leaves g = 7 < 14 x 0.5441 = 7.6)
    result = _plan(tmp_path, {"t": {**tier, "input_tokens": 1024}}, ["afd"], 2.1)
    assert _bought(result) == {"g": 8, "l": 13}
    mtok = float(result.tables.tiers["mtok_per_year"].iloc[0])
    assert math.isclose(mtok, 13 * 500_000 * 3600 * 8766 / 1e6, rel_tol=1e-6)


def test_plan_buys_more_prefill_racks_for_a_long_input(tmp_path):
    # disagg at 8K/1K: 1.6 g per d, a unit is 260 kW: 2.6 MW (26 racks) holds 10 units
    # (10 d + 16 g). At 32K/1K: 6.4 g per d; units = min(d, g / 6.4) with d + g <= 26 is
    # largest at d = 4, g = 22 (3.4375 units; d = 3 gives 3, d = 5 gives 21 / 6.4 = 3.28).
    tier = {"min_tok_s_per_user": 50, "price_usd_per_mtok": 1}
    short = _plan(tmp_path, {"t": {**tier, "input_tokens": 8192}}, ["disagg"], 2.6)
    assert _bought(short) == {"d": 10, "g": 16}
    long = _plan(tmp_path, {"t": {**tier, "input_tokens": 32768}}, ["disagg"], 2.6)
    assert _bought(long) == {"d": 4, "g": 22}
    units = float(long.tables.allocation["units"].sum())
    assert units == pytest.approx(22 / 6.4)


def test_old_instances_keep_their_meaning():
    # the legacy ratio field sets the input length; both spellings give the same tier
    from planner.inputs.instance import Tier

    old = Tier(price_usd_per_mtok=1, min_tok_s_per_user=10, input_tokens_per_output_token=4)
    assert (old.input_tokens, old.output_tokens) == (4096, 1024)
    with pytest.raises(ValueError, match="disagrees with input_tokens"):
        Tier(price_usd_per_mtok=1, min_tok_s_per_user=10, input_tokens=100,
             input_tokens_per_output_token=4)  # fmt: skip
    # curve points written with `confidence:` still load (tests/data/catalog uses it)
    legacy = load_catalog(ROOT / "tests" / "data" / "catalog")
    assert legacy.systems["alpha"].curves["test"].points[0].label == "estimate"


def test_shipped_1gw_chooses_the_lpx_ratio_per_tier(tmp_path):
    # the default plan buys LPX and Vera Rubin racks in a ratio no bundle fixes, the ratio
    # differs by tier, and a longer premium input needs more Vera Rubin per LPX rack (prefill
    # and attention grow with the input, the FFN does not)
    def ratios(*overrides):
        result = planner.solve(ROOT / "instances" / "1gw.yaml", overrides=list(overrides))
        bought = _bought(result)
        serving = result.tables.serving
        afd = serving[serving["system"] == "vr-nvl72-lpx"].groupby(["tier", "rack"])["racks"].sum()
        return bought, {t: afd[t, "vr-nvl72"] / afd[t, "groq-lpx"] for t in ("premium", "ultra")}

    bought, base = ratios()
    assert bought["groq-lpx"] != bought["vr-nvl72"]
    assert base["premium"] != pytest.approx(base["ultra"], rel=1e-3)
    _, longer = ratios("tiers.premium.input_tokens=40000")
    assert longer["premium"] > base["premium"] * 1.5
    assert longer["ultra"] == pytest.approx(base["ultra"], rel=1e-9)


# Output tok/s per all-in utility MW, SemiAnalysis "Vera Rubin NVL72 vs GB200 NVL72" (July
# 2026, table image rubin-vs-blackwell-per-mw-table.png), as ../shared/reference/serving-data.md
# section 4 reads it: GB300 (InferenceX, July 2026) and Vera Rubin (CoreWeave) at 8K/1K.
SOURCE_TOK_S_PER_MW = {
    "gb300-nvl72": {50: 707_037, 100: 517_848, 150: 305_023, 200: 66_799, 250: 37_049,
                    300: 17_892},
    "vr-nvl72": {50: 1_330_000, 100: 1_115_625, 150: 786_208, 200: 300_000, 250: 140_264,
                 300: 96_446, 350: 70_703},
}  # fmt: skip


def test_plan_catalog_tok_s_per_mw_is_the_sources(tmp_path):
    # One power basis: the curves are per GPU on SemiAnalysis's all-in power (2.553 and 3.337
    # kW per GPU incl. PUE 1.15) and the racks draw that same power (159.84 and 208.944 kW IT),
    # so at PUE 1.15 `plan catalog` prints the source's tok/s per MW at each stated speed. With
    # the racks' old 135 and 190 kW it printed 18% and 10% more (613,101 against 517,848).
    import io

    import pandas as pd
    from click.testing import CliRunner

    from planner.cli import cli

    speeds = sorted({s for curve in SOURCE_TOK_S_PER_MW.values() for s in curve})
    body = {"site": {"power_mw": 100, "pue": 1.15},
            "systems": ["gb300-nvl72", "vr-nvl72"],
            "tiers": {f"s{s}": {"price_usd_per_mtok": 1, "min_tok_s_per_user": s,
                                "input_tokens": 8192, "output_tokens": 1024} for s in speeds}}  # fmt: skip
    path = tmp_path / "speeds.yaml"
    path.write_text(yaml.safe_dump(body))
    result = CliRunner().invoke(cli, ["catalog", str(path), "--format", "csv"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout)).set_index(["system", "tier"])
    for system, curve in SOURCE_TOK_S_PER_MW.items():
        for speed, per_mw in curve.items():
            shown = table.loc[(system, f"s{speed}"), "tok_s_per_mw"]
            # the curve keeps tok_s to 0.1 per rack (within 1 tok/s per MW, the table's precision) and
            # the CSV prints six significant digits
            assert shown == pytest.approx(per_mw, rel=1e-5, abs=1.0), (system, speed)


def test_vera_rubin_stays_within_the_seeds_claim_over_blackwell():
    # seeds: Vera Rubin is 2-10x Blackwell per MW "depending on the tier". The shipped curves
    # (measured and derived, not tuned) stay at or below 10x at every speed both reach; on one
    # power basis the ratio per MW is the source's own "Rubin / GB300" row (1.88x at 50 tok/s
    # per user, 5.39x at 300).
    catalog = load_catalog(ROOT / "models")
    per_kw = {}
    for system in ("gb300-nvl72", "vr-nvl72"):
        kw = catalog.racks[system].power_kw
        per_kw[system] = {s: served(system, 8192, speed=s, catalog=catalog).tok_s / kw
                          for s in (50, 100, 150, 200, 250, 300)}  # fmt: skip
    ratio = {s: per_kw["vr-nvl72"][s] / per_kw["gb300-nvl72"][s] for s in per_kw["vr-nvl72"]}
    assert all(r <= 10 for r in ratio.values()), ratio
    published = {50: 1.88, 100: 2.15, 150: 2.58, 200: 4.49, 250: 3.79, 300: 5.39}
    assert {s: round(r, 2) for s, r in ratio.items()} == published


def test_recipe_naming_an_unknown_rack_is_refused(tmp_path):
    shutil.copytree(SERVING_CATALOG, tmp_path / "cat")
    (tmp_path / "cat" / "systems" / "afd.yaml").write_text(
        "phases: {prefill: g, decode_attention: g, decode_ffn: lpx9}\n")  # fmt: skip
    with pytest.raises(
        InstanceError, match=r"systems/afd.yaml: phases.decode_ffn: unknown rack 'lpx9'"
    ):
        load_catalog(tmp_path / "cat")
    (tmp_path / "cat" / "systems" / "afd.yaml").write_text("phases: {prefill: g, decode_ffn: l}\n")
    with pytest.raises(InstanceError, match="a recipe names prefill and decode, or prefill, "):
        load_catalog(tmp_path / "cat")


def test_a_required_tier_no_recipe_serves_names_the_field(tmp_path):
    # the free-style floor makes the tier required; every prefill point is slower than 0.2 s
    tier = {"min_tok_s_per_user": 50, "price_usd_per_mtok": 0, "min_power_share_frac": 0.1,
            "max_ttft_s": 0.2}  # fmt: skip
    with pytest.raises(InstanceError, match=r"tiers.t.max_ttft_s: no allowed system can serve"):
        _plan(tmp_path, {"t": tier}, ["disagg"], 2.6)


def test_routes_are_remembered_per_catalog_object():
    # a sweep asks for the same routes once per case: they are remembered, but only for the
    # same catalog object. A copy whose system is another system's data (a catalog read with
    # --racks-csv is such a copy) gets that system's route, not the remembered one.
    catalog = load_catalog(ROOT / "models")
    w = Workload(model="deepseek-r1", input_tokens=8192, output_tokens=1024, tok_s_per_user=50)
    first = route(catalog, "gb300-nvl72", w)
    assert route(catalog, "gb300-nvl72", w) is first
    swapped = catalog.model_copy(
        update={"systems": {**catalog.systems, "gb300-nvl72": catalog.systems["hgx-h200"]}}
    )
    again = route(swapped, "gb300-nvl72", w)
    assert isinstance(again, Route) and isinstance(first, Route)
    assert again.tok_s == route(catalog, "hgx-h200", w).tok_s != first.tok_s


def test_no_claim_is_read_off_its_speed():
    # Claims inside their range: a vendor claim is one operating point, for the speed it was
    # made for. The LPX's 200 tok/s per user claim was interpolated toward the 1,000 point (and
    # a guess there), so a tier at 500 rested on a rate nobody claimed; then it served every
    # slower tier at 200's rate, so the high tier (100) and medium (50) routed through LPX.
    # Now, over every shipped curve and a grid of speeds, a rate labelled vendor-claim is a
    # claimed point's own rate at that point's own speed; elsewhere there is no rate.
    from planner.inputs.catalog import LABEL_RANK, Curve
    from planner.inputs.serving import CLAIM_RANK, at_speed, claim_elsewhere

    catalog = load_catalog(ROOT / "models")
    curves = [c for sy in catalog.systems.values() for c in sy.curves.values()]
    curves += [getattr(phases, phase) for perf in catalog.performance.values()
               for phases in perf.models.values()
               for phase in ("decode", "decode_attention", "decode_ffn")
               if isinstance(getattr(phases, phase), Curve)]  # fmt: skip
    checked = 0
    for curve in curves:
        claims = [(p.tok_s_per_user, p.tok_s) for p in curve.points
                  if LABEL_RANK[p.label] >= CLAIM_RANK]  # fmt: skip
        speeds = {p.tok_s_per_user for p in curve.points} | set(range(5, 1200, 5))
        for x in sorted(speeds):
            rate = at_speed(curve, x)
            if rate is not None and LABEL_RANK[rate.label] >= CLAIM_RANK:
                assert any(rate.value == v and s == x for s, v in claims), (curve.description, x)
                checked += 1
            elif claims and rate is None and x <= max(s for s, _ in claims):
                assert claim_elsewhere(curve, x) is not None
    assert checked >= 2  # the LPX curve's own points are claims: the check is not vacuous
    # the test catalog: FFN claims at 50 (500,000) and 1,000 (250,000): served at 1,000, and
    # at 500 not at all (was the 1,000 point's rate; before that 394,737 by interpolation)
    assert served("afd", 8192, speed=1000).tok_s == pytest.approx(250_000)
    off = route(CATALOG, "afd", Workload("test", 8192, 1024, 500, None), data_rank("all"))
    assert isinstance(off, NoRoute) and off.field == "min_tok_s_per_user"
    assert "a vendor claim made at 50, 1000 tok/s per user only" in off.why


CONTEXT = {"fixed_tokens": 1296, "measured_min_tokens": 1536, "measured_max_tokens": 8704,
           "source": "test", "label": "derived"}  # fmt: skip
"""F = 1,296 tokens: F + C at 8K/1K (C = 8,192 + 512 = 8,704) is 10,000."""


def _with_context(tmp_path: Path):
    """The serving catalog with the context fit on d's decode curve and on agg's curve."""
    shutil.copytree(SERVING_CATALOG, tmp_path / "cat")
    for path, keys in (("performance/d.yaml", ("models", "test", "decode")),
                       ("systems/agg.yaml", ("curves", "test"))):  # fmt: skip
        doc = yaml.safe_load((tmp_path / "cat" / path).read_text())
        node = doc
        for key in keys:
            node = node[key]
        node["context"] = CONTEXT
        (tmp_path / "cat" / path).write_text(yaml.safe_dump(doc))
    return load_catalog(tmp_path / "cat")


def test_decode_moves_with_context_inside_the_measured_range(tmp_path):
    # time per output token proportional to F + C: at 1K/1K C = 1,536, so the rate is
    # 200,000 x 10,000 / (1,296 + 1,536) = 200,000 / 0.2832 = 706,215 per decode rack, and
    # prefill needs (I/O) x 706,215 / 1,000,000 = 0.706 g per d. Inside 1,536-8,704 the factor
    # carries the fit's label (derived), weaker than the measured rates, and nothing is noted.
    catalog = _with_context(tmp_path)
    short = served("disagg", 1024, catalog=catalog, model="test")
    assert short.tok_s == pytest.approx(200_000 / 0.2832)
    assert short.racks == {"g": pytest.approx(200_000 / 0.2832 / 1e6), "d": 1.0}
    assert short.basis == "derived" and short.notes == ()
    # at the curve's own context nothing moves and the fit's label is not used
    own = served("disagg", 8192, catalog=catalog, model="test")
    assert own.tok_s == pytest.approx(200_000) and own.basis == "measured"


def test_decode_beyond_the_measured_context_is_an_estimate_and_said(tmp_path):
    # 32K/1K: C = 32,768 + 512 = 33,280; factor (1,296 + 33,280) / 10,000 = 3.4576, so
    # 200,000 / 3.4576 = 57,844 output tok/s per decode rack: an extrapolation, an estimate
    catalog = _with_context(tmp_path)
    long = served("disagg", 32768, catalog=catalog, model="test")
    assert long.tok_s == pytest.approx(200_000 / 3.4576)
    assert long.basis == "estimate"
    assert long.notes == ("disagg (d)'s decode rate is measured between 1,536 and 8,704 context "
                          "tokens; this tier keeps 33,280, so its rate is extrapolated to 0.29x "
                          "the curve's (an estimate)",)  # fmt: skip


def test_a_set_aside_context_fit_keeps_a_lower_bound_or_refuses(tmp_path):
    # --data measured sets the derived fit aside: a shorter context keeps the 8K/1K rate (a
    # shorter context never decodes slower), said; a longer one has no rate left
    catalog = _with_context(tmp_path)
    short = served("disagg", 1024, catalog=catalog, model="test", data="measured")
    assert short.tok_s == pytest.approx(200_000) and short.basis == "measured"
    assert (
        "keeps its rate at 8,704 context tokens for this tier's 1,536 (a lower bound)"
        in (short.notes[0])
    )
    long = route(catalog, "disagg", Workload("test", 32768, 1024, 50), data_rank("measured"))
    assert isinstance(long, NoRoute) and long.field == "input_tokens"
    # (beyond the measured contexts the factor is an estimate, whatever the fit's label)
    assert long.why == ("disagg (d)'s decode rate at 33,280 context tokens rests on estimates "
                        "once derived figures, partner measurements, estimates and vendor claims "
                        "are set aside")  # fmt: skip


def test_a_bundle_moves_only_its_decode_time_with_context(tmp_path):
    # agg at 1K/1K: its 1e-5 s per output token at 8K/1K less its own prefill 8 / 1,000,000
    # leaves 2e-6 s of decode; x 0.2832 = 5.664e-7 s, plus the tier's prefill 1 / 1,000,000:
    # 1.5664e-6 s, so 638,406 output tok/s (g's decode-only floor 5e-6 x 0.2832 is below it)
    catalog = _with_context(tmp_path)
    r = served("agg", 1024, catalog=catalog, model="test")
    assert r.tok_s == pytest.approx(1 / (2e-6 * 0.2832 + 1e-6))
    assert r.basis == "derived" and r.racks == {"g": 1}


def test_a_context_fit_needs_a_range():
    from pydantic import ValidationError

    from planner.inputs.catalog import ContextScaling

    with pytest.raises(ValidationError, match="measured_min_tokens 8704 must be below"):
        ContextScaling(**{**CONTEXT, "measured_min_tokens": 8704})
    with pytest.raises(ValidationError, match="label"):
        ContextScaling(**{**CONTEXT, "label": "rumour"})
