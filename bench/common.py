"""What every benchmark row module returns to bench/run.py."""

from __future__ import annotations

from typing import NamedTuple


class Row(NamedTuple):
    """One line of the `make bench` table: a measurement against a baseline from the same run."""

    benchmark: str
    measured: str
    baseline: str
    ratio: str
    target: str
