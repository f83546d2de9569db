"""A solve killed at any point leaves no partial file, and a re-run completes.

The slow case is real: instances/1gw.yaml without budget or forecasts at --mip-gap 0 keeps
HiGHS branching until --time-limit, so SIGKILLs at seeded random delays land during start-up,
the solve and the writes. After each kill every file in the out dir is absent or complete
(parses, has the contract columns), and no temporary is left but `.<name>.*.tmp` ones, which
the next run removes.
"""

from __future__ import annotations

import csv
import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT

from planner.results.files import atomic_write_text, temp_pattern
from planner.results.tables import ALLOCATION_COLUMNS, RACK_COLUMNS, SUMMARY_COLUMNS, TIER_COLUMNS

COLUMNS = {
    "summary.csv": SUMMARY_COLUMNS,
    "racks.csv": RACK_COLUMNS,
    "tiers.csv": TIER_COLUMNS,
    "allocation.csv": ALLOCATION_COLUMNS,
}
UNLIMITED = ["--set", "site.capex_budget_usd=null"] + [
    arg
    for tier in ("medium", "high", "premium", "ultra")
    for arg in ("--set", f"tiers.{tier}.demand_mtok_per_year=null")
]


def slow_solve(out: Path, time_limit_s: float) -> list[str]:
    plan = Path(sys.executable).with_name("plan")
    return [str(plan), "solve", str(ROOT / "instances" / "1gw.yaml"), *UNLIMITED,
            "--objective", "revenue", "--mip-gap", "0", "--time-limit", str(time_limit_s),
            "--out", str(out)]  # fmt: skip


def assert_complete_or_absent(out: Path) -> None:
    if not out.exists():
        return
    for path in out.iterdir():
        if path.name.endswith(".tmp"):
            target = path.name[1:].split(".tmp")[0].rsplit(".", 1)[0]
            assert path.match(temp_pattern(out / target)), f"unexpected temporary {path.name}"
            continue
        text = path.read_text()
        assert text.endswith("\n"), f"{path.name} is truncated"
        if path.name == "run.json":
            assert json.loads(text)["status"] in ("optimal", "feasible")
        else:
            rows = list(csv.reader(text.splitlines()))
            assert rows[0] == COLUMNS[path.name] and len(rows) >= 2, path.name
            assert all(len(row) == len(rows[0]) for row in rows), f"{path.name} has a short row"


def test_killed_solves_leave_no_partial_file_and_a_rerun_completes(tmp_path):
    out = tmp_path / "out"
    rng = random.Random(5)
    for delay in sorted(rng.uniform(0.2, 2.8) for _ in range(5)):
        proc = subprocess.Popen(slow_solve(out, 1.0), cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert_complete_or_absent(out)
    done = subprocess.run(slow_solve(out, 0.5), cwd=ROOT, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert_complete_or_absent(out)
    assert sorted(p.name for p in out.iterdir()) == sorted([*COLUMNS, "run.json"])


KILL_IN_FSYNC = """
import os, sys, time
from pathlib import Path
from planner.results.files import atomic_write_text
os.fsync = lambda fd: (print("writing", flush=True), time.sleep(60))
atomic_write_text(Path(sys.argv[1]), "new,content\\n" * 1000)
"""


def test_kill_mid_write_keeps_the_old_file_and_the_next_write_cleans_up(tmp_path):
    """SIGKILL after the temporary is written but before the rename (fsync made to hang)."""
    target = tmp_path / "summary.csv"
    target.write_text("old\n")
    command = [sys.executable, "-c", KILL_IN_FSYNC, str(target)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None and proc.stdout.readline() == "writing\n"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert target.read_text() == "old\n"
    assert len(list(tmp_path.glob(temp_pattern(target)))) == 1
    atomic_write_text(target, "new\n")
    assert target.read_text() == "new\n"
    assert list(tmp_path.iterdir()) == [target]


def test_interrupt_during_write_removes_the_temporary(tmp_path, monkeypatch):
    target = tmp_path / "racks.csv"

    def interrupted(*_args):
        raise KeyboardInterrupt

    monkeypatch.setattr("planner.results.files.os.replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_text(target, "x\n")
    assert list(tmp_path.iterdir()) == []
