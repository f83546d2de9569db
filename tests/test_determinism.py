"""The same inputs give the same files, byte for byte, apart from timing columns.

Two runs write to two folders; every CSV must match exactly once timing columns are blanked,
and run.json once its timing fields are dropped. The two runs are separate processes with
different PYTHONHASHSEEDs, so neither state kept in one process (caches, a warm solver) nor an
order that depends on set or dict hashing can make them agree by accident.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import INSTANCES, ROOT
from fuzzing import dump, small_seed

TIMING_COLUMNS = {"solve_s", "build_s"}
TIMING_KEYS = {"solve_s", "build_s", "solves_s", "timings_s"}


def without_timing_csv(text: str) -> str:
    rows = list(csv.reader(io.StringIO(text)))
    timed = [i for i, name in enumerate(rows[0]) if name in TIMING_COLUMNS] if rows else []
    for row in rows[1:]:
        for i in timed:
            row[i] = ""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def without_timing_json(text: str) -> dict:
    return {k: v for k, v in json.loads(text).items() if k not in TIMING_KEYS}


def assert_same_outputs(first: Path, second: Path) -> None:
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    assert "summary.csv" in names and "run.json" in names
    for name in names:
        a, b = (first / name).read_text(), (second / name).read_text()
        if name.endswith(".csv"):
            assert without_timing_csv(a) == without_timing_csv(b), name
        else:
            assert without_timing_json(a) == without_timing_json(b), name


def solve_in_two_processes(instance: Path, tmp_path: Path, *extra: str) -> None:
    plan = Path(sys.executable).with_name("plan")
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"run{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        command = [str(plan), "solve", str(instance), "--out", str(out), *extra]
        subprocess.run(command, check=True, capture_output=True, env=env, cwd=ROOT, timeout=120)
        outs.append(out)
    assert_same_outputs(*outs)


@pytest.mark.parametrize("instance", INSTANCES, ids=lambda p: p.stem)
def test_shipped_instances_write_identical_files(instance, tmp_path):
    solve_in_two_processes(instance, tmp_path)


@pytest.mark.parametrize("objective", ["revenue", "profit", "cost_per_token"])
def test_every_objective_writes_identical_files(objective, tmp_path):
    path = tmp_path / "case.yaml"
    path.write_text(dump({**small_seed(), "objective": objective}))
    solve_in_two_processes(path, tmp_path)


def test_timing_is_the_only_difference_allowed():
    """The comparison really compares: a changed number in a non-timing column is caught."""
    a = "instance,objective_value,solve_s\nx,1.5,0.01\n"
    assert without_timing_csv(a) == without_timing_csv(a.replace("0.01", "0.02"))
    assert without_timing_csv(a) != without_timing_csv(a.replace("1.5", "1.6"))
