"""Where a run's time goes: contiguous laps that add up to the wall time.

A `Clock` starts when the process did (Linux: from /proc; elsewhere when this module was first
imported), and each `lap(name)` takes the time since the previous lap, so the laps always sum
to the time from the start to the last lap: nothing is left out or counted twice.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

_IMPORTED = time.perf_counter()


def process_start() -> float:
    """`time.perf_counter()` at the moment this process started (interpreter start-up and
    imports included); the first import of this module where /proc is not available."""
    try:
        with open("/proc/self/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        started_ticks = float(fields[19])  # field 22: start time in clock ticks after boot
        with open("/proc/uptime", encoding="ascii") as handle:
            uptime_s = float(handle.read().split()[0])
        age_s = uptime_s - started_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return _IMPORTED
    return time.perf_counter() - max(0.0, age_s)


@dataclass
class Clock:
    """Laps of a run, in order: (name, seconds); a name seen again adds to its lap."""

    start: float = field(default_factory=time.perf_counter)
    laps: dict[str, float] = field(default_factory=dict)
    _last: float | None = None
    budget_start: float | None = None
    """When the run's time budget (`--time-limit`) starts: after the interpreter's start-up and
    the solve path's imports (load, build and every solve count); the clock's start when None."""

    def lap(self, name: str) -> None:
        """The time since the previous lap (or the start) goes to `name`."""
        now = time.perf_counter()
        self.laps[name] = self.laps.get(name, 0.0) + now - (self._last or self.start)
        self._last = now

    @property
    def total_s(self) -> float:
        return sum(self.laps.values())

    def words(self) -> str:
        """'time: start-up 0.52 s, load 0.08 s, ...; 1.10 s in all'."""
        parts = [f"{name} {seconds:.2f} s" for name, seconds in self.laps.items()]
        return f"time: {', '.join(parts)}; {self.total_s:.2f} s in all"

    def record(self) -> dict[str, float]:
        """The laps for run.json, rounded to milliseconds, with their total."""
        out = {name: round(seconds, 3) for name, seconds in self.laps.items()}
        return out | {"total": round(self.total_s, 3)}
