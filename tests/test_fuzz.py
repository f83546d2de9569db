"""Hostile input never crashes the CLI: documented exit codes, one-line errors naming the field.

A bounded, derandomised sample runs by default (a few seconds); `bench/fuzz.py` runs many more
with random seeds. Strategies and the contract check live in tests/fuzzing.py.
"""

from __future__ import annotations

import math
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from fuzzing import (
    HOSTILE_VALUES,
    copy_catalog,
    dump,
    invoke,
    mutations,
    run_instance_case,
    seed_instances,
    small_seed,
    text_breaks,
    violations,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SEEDS = {p.relative_to(p.parents[1]).as_posix(): p for p in seed_instances()}
CI = settings(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _check(bad: list[str], what: str) -> None:
    assert not bad, f"{what}: " + "; ".join(bad)


@settings(CI, max_examples=60)
@given(data=st.data())
def test_mutated_small_instance_validates_and_solves_cleanly(data):
    doc = small_seed()
    mutation = data.draw(mutations(doc), label="mutation")
    with tempfile.TemporaryDirectory() as tmp:
        bad = run_instance_case(Path(tmp), dump(mutation.apply(doc)), mutation.blamed(), True)
    _check(bad, repr(mutation))


@settings(CI, max_examples=40)
@given(data=st.data())
def test_mutated_shipped_instances_validate_cleanly(data):
    name = data.draw(st.sampled_from(sorted(SEEDS)), label="seed")
    doc = yaml.safe_load(SEEDS[name].read_text())
    mutation = data.draw(mutations(doc), label="mutation")
    solve = data.draw(st.integers(0, 9), label="solve") == 0  # a few full solves
    with tempfile.TemporaryDirectory() as tmp:
        bad = run_instance_case(Path(tmp), dump(mutation.apply(doc)), mutation.blamed(), solve)
    _check(bad, f"{name} {mutation!r}")


@settings(CI, max_examples=25)
@given(data=st.data())
def test_broken_yaml_is_an_invalid_instance(data):
    # Broken text that PyYAML's pure-Python safe loader cannot read as a mapping must end in
    # exit 3 (invalid instance); text that still parses may be valid (a truncation at a line
    # end) or not, and must keep the contract either way.
    name = data.draw(st.sampled_from(sorted(SEEDS)), label="seed")
    text = data.draw(text_breaks(SEEDS[name].read_text()), label="text")
    try:
        parsed = yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506 - the safe loader
    except yaml.YAMLError:
        parsed = None
    with tempfile.TemporaryDirectory() as tmp:
        bad = run_instance_case(Path(tmp), text, None, False)
        if not isinstance(parsed, dict):
            outcome = invoke(["validate", str(Path(tmp) / "case.yaml")])
            if outcome.exit_code != 3:
                bad.append(f"unreadable YAML gave exit {outcome.exit_code}, not 3")
    _check(bad, f"{name} {text[-80:]!r}")


@settings(CI, max_examples=25)
@given(data=st.data())
def test_mutated_catalog_is_reported_by_file_and_field(data):
    with tempfile.TemporaryDirectory() as tmp:
        catalog = copy_catalog(Path(tmp) / "catalog")
        files = sorted(catalog.rglob("*.yaml"))
        target = data.draw(st.sampled_from(files), label="file")
        doc = yaml.safe_load(target.read_text())
        mutation = data.draw(mutations(doc), label="mutation")
        target.write_text(dump(mutation.apply(doc)), encoding="utf-8")
        instance = Path(tmp) / "case.yaml"
        instance.write_text(dump({**small_seed(), "catalog_dir": str(catalog)}))
        outcome = invoke(["validate", str(instance)])
        bad = violations(outcome, mutation.blamed())
    _check(bad, f"{target.name} {mutation!r}")


CSV_COLUMNS = ["rack", "power_kw", "capex_usd", "lifetime_years", "accelerators", "opex_usd_per_year",
               "accelerator_kind", "power_mw", "", "rack "]  # fmt: skip
CSV_CELLS = [str(v) for v in HOSTILE_VALUES] + ["alpha", "beta", "ghost", "nan", "inf", "1,5", '"']


@st.composite
def rack_csvs(draw: st.DrawFn) -> str:
    header = draw(st.lists(st.sampled_from(CSV_COLUMNS), min_size=0, max_size=4))
    if draw(st.booleans()):
        header = ["rack", *header]
    rows = draw(
        st.lists(
            st.lists(st.sampled_from(CSV_CELLS), min_size=0, max_size=len(header) + 2),
            max_size=3,
        )
    )
    return "\n".join(",".join(line) for line in [header, *rows]) + "\n"


@settings(CI, max_examples=30)
@given(text=rack_csvs())
def test_hostile_rack_csv(text):
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "quotes.csv"
        csv_path.write_text(text, encoding="utf-8")
        instance = Path(tmp) / "case.yaml"
        instance.write_text(dump(small_seed()))
        outcome = invoke(["validate", str(instance), "--racks-csv", str(csv_path)])
    _check(violations(outcome), repr(text))


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"site": {"power_mw": float("nan")}}, "site.power_mw"),
        ({"site": {"power_kw": 1000}}, "site.power_kw"),
        ({"systems": ["ghost"]}, "systems[0]"),
        ({"tiers": {}}, "tiers"),
    ],
)
def test_real_process_prints_one_line(tmp_path, change, needle):
    """A few cases through the installed `plan` script: exit 3, one stderr line, no traceback."""
    doc = {**small_seed(), **change}
    path = tmp_path / "case.yaml"
    path.write_text(dump(doc))
    plan = Path(sys.executable).with_name("plan")
    for command in ("validate", "solve"):
        extra = ["--out", str(tmp_path / "o")] if command == "solve" else []
        proc = subprocess.run(
            [str(plan), command, str(path), *extra],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 3, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1 and needle in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr


# -- every other door (issue "A hostile world, round three"): --set, --vary, study files, the
# fleet CSV and import-curves obey the same contract: a documented exit code, one line, no
# traceback, never exit 1.

KNOB_PATHS = ["site.power_mw", "site.capex_budget_usd", "tiers.t.price_usd_per_mtok",
              "tiers.*.price_usd_per_mtok", "tiers.*.min_tok_s_per_user", "tiers.ghost.x",
              "systems", "objective", "horizon.years", "tiers.*", "*", "site.*.x", "..",
              "tiers.t.demand_curve.price_elasticity", "racks.alpha.max_count"]  # fmt: skip
KNOB_TEXTS = ["1", "0", "-1", "1e400", "nan", "010", "0x3E8", "1_000", "[1, 2]", "{a: 1}",
              "[[1], [2]]", "*", "&a [*a, *a]", "'x'", "", "١٠", "true", "null", "2026-Q3"]  # fmt: skip


@st.composite
def knobs(draw: st.DrawFn) -> str:
    path = draw(st.one_of(st.sampled_from(KNOB_PATHS), st.text(max_size=12)))
    op = draw(st.sampled_from(["", "*", "+"]))
    value = draw(st.one_of(st.sampled_from(KNOB_TEXTS), st.text(max_size=8)))
    return f"{path}{op}={value}"


def _on_small_seed(args: Callable[[Path, Path], list[str]]) -> list[str]:
    """The contract violations of a command run on the small seed instance in a scratch
    folder; `args(instance, folder)` gives the command line."""
    with tempfile.TemporaryDirectory() as tmp:
        instance = Path(tmp) / "case.yaml"
        instance.write_text(dump(small_seed()))
        return violations(invoke(args(instance, Path(tmp))))


@settings(CI, max_examples=40)
@given(knob=knobs())
def test_hostile_set_knobs(knob):
    _check(_on_small_seed(lambda inst, _: ["validate", str(inst), "--set", knob]), repr(knob))


@st.composite
def vary_specs(draw: st.DrawFn) -> str:
    path = draw(st.one_of(st.sampled_from(KNOB_PATHS), st.text(max_size=10)))
    op = draw(st.sampled_from(["", "*", "+"]))
    spec = draw(st.one_of(
        st.sampled_from(["1,2", "0:1:0.5", "0:1e308:1e-300", "[1, [2]]", "[]", "1:0:1", ",", "a,b",
                         "[[1, 2], [3]]", "0.5,1", "1e-13:2e-13:1e-13", "nan,1"]),
        st.text(max_size=10),
    ))  # fmt: skip
    return f"{path}{op}={spec}"


@settings(CI, max_examples=20)
@given(spec=vary_specs())
def test_hostile_vary_specs(spec):
    bad = _on_small_seed(lambda inst, tmp: ["sweep", str(inst), "--vary", spec, "--max-cases",
                                            "4", "--out", str(tmp / "out"), "--no-progress"])  # fmt: skip
    _check(bad, repr(spec))


DISTRIBUTIONS = [
    {"dist": "uniform", "low": 0.5, "high": 1.0}, {"dist": "uniform", "low": -1e308, "high": 1e308},
    {"dist": "normal", "mean": 1, "sd": -1}, {"dist": "triangular", "low": 2, "mode": 1, "high": 0},
    {"dist": "lognormal", "median": 1, "sigma": 1e308}, {"dist": "uniform", "low": 1, "high": 2, "min": 3, "max": 1},
    {"dist": "bogus"}, {}, [], "x", None,
]  # fmt: skip


@settings(CI, max_examples=20)
@given(key=st.one_of(st.sampled_from(KNOB_PATHS), st.text(max_size=10)),
       dist=st.sampled_from(DISTRIBUTIONS), samples=st.sampled_from([1, 2, 0, -1, "3", 10**9]))  # fmt: skip
def test_hostile_study_files(key, dist, samples):
    with tempfile.TemporaryDirectory() as tmp:
        instance = Path(tmp) / "case.yaml"
        instance.write_text(dump(small_seed()))
        study = Path(tmp) / "study.yaml"
        study.write_text(dump({"description": "fuzz", "samples": samples, "seed": 1,
                               "distributions": {key: dist}}))  # fmt: skip
        outcome = invoke(["sweep", str(instance), "--study", str(study), "--max-cases", "4",
                          "--out", str(Path(tmp) / "out"), "--no-progress"])  # fmt: skip
    _check(violations(outcome), repr((key, dist, samples)))


@settings(CI, max_examples=25)
@given(text=st.one_of(
    st.lists(st.lists(st.sampled_from(CSV_CELLS + ["count", "install_year", "2026", "2.9", "1"]),
                      max_size=4), max_size=4).map(lambda rows: "\n".join(",".join(r) for r in rows)),
    st.binary(max_size=40).map(lambda b: b.decode("latin-1")),
))  # fmt: skip
def test_hostile_fleet_csv(text):
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "fleet.csv").write_text(text, encoding="utf-8", errors="surrogateescape")
        doc = {**small_seed(), "horizon": {"start_year": 2027, "years": 2,
                                           "existing_racks_csv": "fleet.csv"}}  # fmt: skip
        instance = Path(tmp) / "case.yaml"
        instance.write_text(dump(doc))
        outcome = invoke(["validate", str(instance)])
    _check(violations(outcome), repr(text))


ROW_FIELDS = ["hardware", "model", "isl", "osl", "disagg", "num_prefill_gpu", "num_decode_gpu",
              "metrics", "conc", "precision"]  # fmt: skip
ROW_VALUES = [*HOSTILE_VALUES[:-4], "h200", 8192, 1024, {"median_intvty": 10, "tput_per_gpu": 5},
              {"median_intvty": "x"}, {"median_intvty": math.inf}]  # fmt: skip


@settings(CI, max_examples=25)
@given(rows=st.lists(st.dictionaries(st.sampled_from(ROW_FIELDS), st.sampled_from(ROW_VALUES),
                                     max_size=10), max_size=3),
       fmt=st.sampled_from(["inferencex", "aiconfigurator"]))  # fmt: skip
def test_hostile_import_curves(rows, fmt):
    import json as json_module

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "rows.json"
        if fmt == "inferencex":
            source.write_text(json_module.dumps(rows, default=str))
        else:
            keys = sorted({k for r in rows for k in r})
            source.write_text("\n".join([",".join(keys)] + [",".join(str(r.get(k, "")) for k in keys)
                                                             for r in rows]))  # fmt: skip
        outcome = invoke(["import-curves", str(source), "--from", fmt, "--rack", "r",
                          "--gpus-per-rack", "8", "--out", str(Path(tmp) / "out")])  # fmt: skip
    _check(violations(outcome), repr(rows))
