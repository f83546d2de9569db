"""`plan import-curves`: InferenceX rows and AIConfigurator CSVs become catalog curve files.

Samples in tests/data/import (README there says where each comes from).
"""

from __future__ import annotations

import shutil

import pytest
import yaml
from click.testing import CliRunner
from conftest import ROOT

from planner.cli import cli
from planner.inputs.catalog import load_catalog

SAMPLES = ROOT / "tests" / "data" / "import"
INFERENCEX = SAMPLES / "inferencex-benchmarks.json"
AIC = SAMPLES / "aiconfigurator-disagg.csv"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def read(path):
    return yaml.safe_load(path.read_text())


def test_inferencex_gb300_rows_become_prefill_decode_and_bundle_curves(tmp_path):
    out = tmp_path / "cat"
    result = run("import-curves", INFERENCEX, "--from", "inferencex", "--rack", "gb300-nvl72",
                 "--gpus-per-rack", 72, "--hardware", "gb300", "--out", out)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Read 5 of 10 rows" in result.output
    perf = read(out / "performance" / "gb300-nvl72.yaml")["models"]["deepseek-r1"]
    # prefill frontier over (TTFT s, input tok/s per prefill GPU): (0.81, 4,758) is beaten by
    # (0.41, 7,065) and (4.54, 18,589) by (2.26, 22,658); per rack x 72
    prefill = perf["prefill"]["points"]
    assert [round(p["ttft_s"], 2) for p in prefill] == [0.41, 1.37, 2.26]
    assert [p["input_tok_s"] for p in prefill] == pytest.approx(
        [7065.3 * 72, 20893 * 72, 22658 * 72], rel=1e-3)  # fmt: skip
    # every decode row is on the frontier (slower runs make more): 5,191 at 22.0 tok/s per user
    decode = perf["decode"]["points"]
    assert len(decode) == 5 and decode[0]["tok_s"] == pytest.approx(5191.1 * 72, rel=1e-4)
    assert all(p["label"] == "measured" and "actions/runs/" in p["source"] for p in decode)
    # bundle: output over all GPUs, e.g. 5,191.1 x 12 / 34 GPUs x 72, labelled derived
    bundle = read(out / "systems" / "gb300-nvl72.yaml")["curves"]["deepseek-r1"]["points"]
    assert bundle[0]["tok_s"] == pytest.approx(5191.1 * 12 / 34 * 72, rel=1e-4)
    assert {p["label"] for p in bundle} == {"derived"}
    # the files load as catalog data next to the rack they describe
    (out / "racks").mkdir()
    shutil.copy(ROOT / "models" / "racks" / "gb300-nvl72.yaml", out / "racks")
    catalog = load_catalog(out)
    assert catalog.performance["gb300-nvl72"].models["deepseek-r1"].prefill is not None


def test_inferencex_aggregated_h200_rows_make_a_bundle_only(tmp_path):
    out = tmp_path / "cat"
    result = run("import-curves", INFERENCEX, "--from", "inferencex", "--rack", "hgx-h200",
                 "--gpus-per-rack", 8, "--hardware", "h200", "--out", out)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert not (out / "performance").exists()
    points = read(out / "systems" / "hgx-h200.yaml")["curves"]["deepseek-r1"]["points"]
    # output tok/s per GPU x 8: 330 at 11.4 tok/s per user ... 43 at 91.1 (all on the frontier)
    assert [round(p["tok_s_per_user"], 1) for p in points] == [11.4, 22.6, 35.5, 71.8, 91.1]
    assert points[0]["tok_s"] == pytest.approx(329.5 * 8, rel=2e-3)


def test_aiconfigurator_disaggregated_csv(tmp_path):
    out = tmp_path / "cat"
    result = run("import-curves", AIC, "--from", "aiconfigurator", "--rack", "gb300-nvl72",
                 "--gpus-per-rack", 72, "--out", out)  # fmt: skip
    assert result.exit_code == 0, result.output
    perf = read(out / "performance" / "gb300-nvl72.yaml")["models"]["deepseek-r1"]
    # decode per GPU = (d)seq/s/worker x osl / (tp x pp x dp): 2.5 x 1024 / 16 = 160 at 50
    # tok/s per user, 1.0 x 1024 / 12 = 85.3 at 100; x 72 per rack
    assert [p["tok_s"] for p in perf["decode"]["points"]] == pytest.approx(
        [160 * 72, 1024 / 12 * 72], rel=1e-6
    )
    # prefill per GPU = (p)seq/s/worker x isl / 8 GPUs: 2.0 x 8192 / 8 at 300 ms, 2.5 x 8192 / 8 at 500 ms
    prefill = perf["prefill"]["points"]
    assert [p["ttft_s"] for p in prefill] == [0.3, 0.5]
    assert [p["input_tok_s"] for p in prefill] == pytest.approx([2048 * 72, 2560 * 72])
    assert {p["label"] for p in perf["decode"]["points"]} == {"estimate"}  # a model, not a run
    bundle = read(out / "systems" / "gb300-nvl72.yaml")["curves"]["deepseek-r1"]["points"]
    assert [p["tok_s"] for p in bundle] == pytest.approx([106.666667 * 72, 64 * 72], rel=1e-6)


@pytest.mark.parametrize(
    ("edit", "needles"),
    [
        (
            lambda t: t.replace("tokens/s/user", "speed"),
            ["line 1", "missing columns tokens/s/user"],
        ),
        (
            lambda t: t.replace(",ttft,", ",ttft(us),"),
            ["column ttft(us)", "unknown unit 'us'", "ms, s"],
        ),
        (
            lambda t: t.replace("5120.0,106.666667", "5120.0,lots"),
            ["line 2, column tokens/s/gpu", "'lots'"],
        ),
        # Python's float() takes these; the loader's number rule does not
        (
            lambda t: t.replace("5120.0,106.666667", "5120.0,nan"),
            ["line 2, column tokens/s/gpu", "'nan'"],
        ),
        (
            lambda t: t.replace("5120.0,106.666667", "5120.0,1_06"),
            ["line 2, column tokens/s/gpu", "'1_06'"],
        ),
        # a decode pool of 0 GPUs divided by zero (ZeroDivisionError, exit 1)
        (
            lambda t: t.replace("gb300_sxm,1,1,16,", "gb300_sxm,0,1,16,", 1),
            ["line 2, column (d)tp", "positive"],
        ),
        # 1e300 x 1e300 GPUs per pool overflowed to a rate of 0 or inf
        (lambda t: t.replace("2.5,2.5,48", "1e308,2.5,48", 1), ["out of range"]),
    ],
)
def test_bad_aiconfigurator_files_exit_3_and_write_nothing(tmp_path, edit, needles):
    bad = tmp_path / "bad.csv"
    bad.write_text(edit(AIC.read_text()))
    out = tmp_path / "out"
    result = run("import-curves", bad, "--from", "aiconfigurator", "--rack", "r",
                 "--gpus-per-rack", 8, "--out", out)  # fmt: skip
    assert result.exit_code == 3, result.output
    assert str(bad) in result.stderr and all(n in result.stderr for n in needles), result.stderr
    assert "Traceback" not in result.output and not out.exists()


def test_bad_inferencex_row_names_its_line(tmp_path):
    rows = INFERENCEX.read_text()
    bad = tmp_path / "bad.json"
    bad.write_text(rows.replace('"median_ttft"', '"median_ttft_ms"', 6))
    out = tmp_path / "out"
    result = run("import-curves", bad, "--from", "inferencex", "--rack", "r", "--gpus-per-rack",
                 72, "--hardware", "gb300", "--out", out)  # fmt: skip
    assert result.exit_code == 3
    line = (
        next(k for k, text in enumerate(rows.splitlines(), 1) if '"hardware": "gb300"' in text) - 1
    )
    assert f"line {line}: missing or non-numeric 'metrics.median_ttft'" in result.stderr, (
        result.stderr
    )
    assert not out.exists()


def test_import_refuses_to_overwrite_without_force(tmp_path):
    args = ["import-curves", INFERENCEX, "--from", "inferencex", "--rack", "hgx-h200",
            "--gpus-per-rack", 8, "--hardware", "h200", "--out", tmp_path]  # fmt: skip
    assert run(*args).exit_code == 0
    again = run(*args)
    assert again.exit_code == 6 and "--force" in again.stderr
    assert run(*args, "--force").exit_code == 0


def test_disagg_as_text_is_refused(tmp_path):
    # "disagg": "false" (a string) was read as true: the bundle's throughput halved and a
    # made-up prefill/decode file written
    rows = INFERENCEX.read_text()
    bad = tmp_path / "bad.json"
    bad.write_text(rows.replace('"disagg": false', '"disagg": "false"'))
    out = tmp_path / "out"
    result = run("import-curves", bad, "--from", "inferencex", "--rack", "r", "--gpus-per-rack",
                 8, "--hardware", "h200", "--out", out)  # fmt: skip
    assert result.exit_code == 3 and "disagg: 'false' is not true or false" in result.stderr
    assert not out.exists()


def test_a_file_name_with_a_line_break_stays_in_its_comment(tmp_path):
    # the name went raw into the header comment: its second line became a top-level YAML key
    odd = tmp_path / "rows\nracks: {evil: 1}\n.json"
    odd.write_bytes(INFERENCEX.read_bytes())
    out = tmp_path / "out"
    result = run("import-curves", odd, "--from", "inferencex", "--rack", "hgx-h200",
                 "--gpus-per-rack", 8, "--hardware", "h200", "--out", out)  # fmt: skip
    assert result.exit_code == 0, result.output
    written = (out / "systems" / "hgx-h200.yaml").read_text()
    assert set(yaml.safe_load(written)) == {"description", "racks", "curves"}
    assert "evil" not in yaml.safe_load(written)["racks"]


def test_a_deeply_nested_row_and_non_finite_numbers_exit_3(tmp_path):
    out = tmp_path / "out"
    deep = tmp_path / "deep.json"
    deep.write_text("[" + "[" * 100_000 + "]" * 100_000 + "]")  # RecursionError, exit 1
    result = run("import-curves", deep, "--from", "inferencex", "--rack", "r", "--gpus-per-rack",
                 8, "--out", out)  # fmt: skip
    assert result.exit_code == 3 and "line 1: a row nested too deeply" in result.stderr, (
        result.output
    )
    infinite = tmp_path / "inf.json"  # Python's JSON reader takes Infinity
    infinite.write_text(
        INFERENCEX.read_text().replace('"median_intvty": ', '"median_intvty": Infinity, "x": ', 1)
    )
    result = run("import-curves", infinite, "--from", "inferencex", "--rack", "hgx-h200",
                 "--gpus-per-rack", 8, "--hardware", "h200", "--out", out)  # fmt: skip
    assert result.exit_code == 3 and "'metrics.median_intvty' is inf" in result.stderr, (
        result.output
    )
    assert not out.exists()


@pytest.mark.parametrize("flag", ["--rack", "--model"])
def test_names_that_become_files_or_keys_follow_the_name_rule(tmp_path, flag):
    args = {"--rack": "hgx-h200", "--model": "deepseek-r1", flag: "../../escape"}
    result = run("import-curves", INFERENCEX, "--from", "inferencex", "--rack", args["--rack"],
                 "--model", args["--model"], "--gpus-per-rack", 8, "--out", tmp_path / "out")  # fmt: skip
    assert result.exit_code == 3 and f"{flag} '../../escape': not a catalog name" in result.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path.parent / "escape.yaml").exists()


def test_rows_are_counted_in_linear_time(tmp_path):
    # each row's line was counted from the start of the file: 6,000 rows took 20 s. Count the
    # newline scans instead of timing: with a counter on str.count the work is one pass.
    from planner.inputs import importers

    row = INFERENCEX.read_text().strip()[1:-1].split("\n  },\n", 1)[0] + "\n  }"
    big = tmp_path / "big.json"
    big.write_text("[\n" + ",\n".join([row] * 3000) + "\n]\n")
    text = big.read_text()
    seen = []

    class Counting(str):
        def count(self, sub, start=None, end=None):  # noqa: D102
            seen.append((end or len(self)) - (start or 0))
            return str.count(self, sub, start, end)

    req = importers.ImportRequest(big, "inferencex", "r", 8, "m")
    original = importers._read_text
    importers._read_text = lambda r: Counting(text)
    try:
        rows = importers._json_rows(req)
    finally:
        importers._read_text = original
    starts = [k for k, line in enumerate(text.splitlines(), 1) if line.strip() == "{"]
    assert [line for line, _ in rows] == starts  # still the line each row starts on
    assert sum(seen) <= len(text)  # quadratic: about 3000 x len(text) / 2
