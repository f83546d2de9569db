"""Honest clocks: the time split `plan solve` prints and writes is contiguous laps from the
process's start, so it adds up (no phase left out or counted twice) and never exceeds the
wall time measured outside."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

from conftest import ROOT

from planner.results.clock import Clock, process_start


def test_laps_add_up():
    clock = Clock()
    for name in ("a", "b", "a"):
        clock.lap(name)
    assert list(clock.laps) == ["a", "b"]
    assert clock.total_s == sum(clock.laps.values())
    assert clock.record()["total"] == round(clock.total_s, 3)
    assert process_start() <= time.perf_counter()


def test_plan_solve_prints_and_writes_a_split_that_adds_up(tmp_path):
    plan = Path(sys.executable).with_name("plan")
    start = time.perf_counter()
    proc = subprocess.run([str(plan), "solve", str(ROOT / "instances" / "1gw-2026-2030.yaml"),
                           "--out", str(tmp_path / "o"), "--report"],
                          capture_output=True, text=True, cwd=ROOT, check=True)  # fmt: skip
    wall = time.perf_counter() - start
    line = next(x for x in proc.stdout.splitlines() if x.startswith("time: "))
    laps = {name: float(s) for name, s in re.findall(r"([a-zA-Z -]+?) ([\d.]+) s", line[6:])}
    total = float(re.search(r"; ([\d.]+) s in all", line).group(1))
    names = {k.strip() for k in laps}
    assert {"start-up", "imports", "load", "build", "solve", "tables and checks", "files",
            "report"} <= names  # fmt: skip
    assert abs(sum(v for k, v in laps.items() if "in all" not in k) - total) < 0.02 * len(laps)
    assert total <= wall + 0.05
    recorded = json.loads((tmp_path / "o" / "run.json").read_text())["timings_s"]
    assert abs(sum(v for k, v in recorded.items() if k != "total") - recorded["total"]) < 0.01


def test_plan_explain_prints_a_split_that_adds_up(tmp_path):
    # every plan kind's command says where its time went: explain's re-solves are one lap
    plan = Path(sys.executable).with_name("plan")
    start = time.perf_counter()
    proc = subprocess.run([str(plan), "explain", str(ROOT / "instances" / "1gw.yaml"), "--out",
                           str(tmp_path / "o"), "--no-entry", "--no-bases", "--quiet"],
                          capture_output=True, text=True, cwd=ROOT, check=True)  # fmt: skip
    wall = time.perf_counter() - start
    line = next(x for x in proc.stdout.splitlines() if x.startswith("time: "))
    laps = dict(re.findall(r"([a-zA-Z (),-]+?) ([\d.]+) s", line[6:].split(";")[0]))
    total = float(re.search(r"; ([\d.]+) s in all", line).group(1))
    assert {k.strip(" ,") for k in laps} >= {"start-up", "imports", "load",
                                              "explanations (every solve)", "files"}  # fmt: skip
    assert abs(sum(float(v) for v in laps.values()) - total) < 0.02 * len(laps)
    assert total <= wall + 0.05
