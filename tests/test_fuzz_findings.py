"""Regression tests for what the fuzzer (tests/test_fuzz.py) found, one per finding."""

from __future__ import annotations

from click.testing import CliRunner
from fuzzing import copy_catalog, dump, small_seed

from planner.cli import cli


def validate(tmp_path, doc, *extra: str):
    path = tmp_path / "case.yaml"
    path.write_text(dump(doc), encoding="utf-8")
    return CliRunner().invoke(cli, ["validate", str(path), *extra])


def one_line_error(result) -> str:
    assert result.exit_code == 3, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_empty_catalog_dir_is_invalid_not_the_default(tmp_path):
    # Found: catalog_dir "" silently meant models/, so the error blamed systems[0].
    err = one_line_error(validate(tmp_path, {**small_seed(), "catalog_dir": ""}))
    assert "catalog_dir" in err


def test_missing_catalog_dir_and_racks_csv_name_their_field(tmp_path):
    # Found: a catalog_dir without racks/ and systems/ was reported without the field name.
    err = one_line_error(validate(tmp_path, {**small_seed(), "catalog_dir": "nowhere"}))
    assert "catalog_dir: " in err and "nowhere" in err
    err = one_line_error(validate(tmp_path, {**small_seed(), "racks_csv": "nowhere.csv"}))
    assert "racks_csv: " in err and "file not found" in err


def test_line_breaks_in_values_stay_on_one_line(tmp_path):
    # Found: a value holding U+0085 (NEL) or a newline split the error over two lines.
    err = one_line_error(validate(tmp_path, {**small_seed(), "catalog_dir": "a\x85b\nc"}))
    assert "catalog_dir" in err
    path = tmp_path / "ctl.yaml"
    path.write_text("\x1f", encoding="utf-8")  # libyaml's message has a line break
    one_line_error(CliRunner().invoke(cli, ["validate", str(path)]))


def test_wrong_unit_key_is_reported_as_unknown_with_a_hint(tmp_path):
    # Found: power_kw written for power_mw was reported only as "power_mw missing".
    doc = small_seed()
    doc["site"] = {"power_kw": 1000}
    err = one_line_error(validate(tmp_path, doc))
    assert "site.power_kw: unknown field; did you mean 'power_mw'?" in err


def test_rack_csv_rows_longer_than_the_header(tmp_path):
    # Found: a row with more cells than columns (or a blank header line) crashed with exit 1.
    quotes = tmp_path / "q.csv"
    for text in ("rack\nalpha,1\n", "\n-1\n"):
        quotes.write_text(text)
        err = one_line_error(validate(tmp_path, small_seed(), "--racks-csv", str(quotes)))
        assert "q.csv" in err


def test_system_needing_an_unknown_rack_names_file_and_field(tmp_path):
    # Found (once the field check was made strict): the message named only the folder.
    catalog = copy_catalog(tmp_path / "catalog")
    (catalog / "systems" / "beta.yaml").write_text(
        dump({"racks": {"ghost": 1}, "curves": {"test": {"points": [
            {"tok_s_per_user": 10, "tok_s": 1, "source": "t", "confidence": "estimate"}]}}})
    )  # fmt: skip
    err = one_line_error(validate(tmp_path, {**small_seed(), "catalog_dir": str(catalog)}))
    assert "systems/beta.yaml: racks.ghost: unknown rack" in err
