"""What every benchmark row module returns to bench/run.py, and how rows time a command."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
PLAN = str(Path(sys.executable).with_name("plan"))
"""The `plan` command of this Python's environment."""
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
"""Python writes .pyc files, as on a user's machine: with PYTHONDONTWRITEBYTECODE (set in some
containers) every planner module would be compiled from source on every run, while the
libraries of the floor have theirs from pip."""


def seconds(command: list[str]) -> float:
    """Wall seconds of a command run as a user runs it (a new process, from the project root)."""
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT, env=ENV)
    return time.perf_counter() - start


class Row(NamedTuple):
    """One line of the `make bench` table: a measurement against a baseline from the same run."""

    benchmark: str
    measured: str
    baseline: str
    ratio: str
    target: str
