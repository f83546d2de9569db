"""Progress lines while a long run works: every few seconds, the stage under way and the time.

A run names its stages (`with progress.stage("solve"):`); a daemon thread wakes every
`every_s` seconds and, while a stage is under way, says `progress: solve, 35 s so far (run
1 min 05 s)` through the callback (the CLI: a line on stderr, on a terminal or not; `--quiet`
passes no callback). A run shorter than `every_s` says nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

EVERY_S = 5.0
"""Seconds between progress lines by default (PLAN_PROGRESS_EVERY_S overrides it in the CLI)."""


def _span(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"


class Progress:
    """Say what is under way every `every_s` seconds while a stage runs (no callback: silent)."""

    def __init__(
        self, say: Callable[[str], None] | None = None, every_s: float | None = None
    ) -> None:
        self.say = say
        self.every_s = EVERY_S if every_s is None else every_s
        self.start = time.perf_counter()
        self._stage: tuple[str, float] | None = None
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Mark `name` as under way for the ticker; stages may nest (the inner one is said)."""
        if self.say is None:
            yield
            return
        with self._lock:
            outer = self._stage
            self._stage = (name, time.perf_counter())
            if self._thread is None:
                self._thread = threading.Thread(target=self._tick, daemon=True)
                self._thread.start()
        try:
            yield
        finally:
            with self._lock:
                self._stage = outer

    def _tick(self) -> None:
        while not self._wake.wait(self.every_s):
            with self._lock:
                current = self._stage
            if current is not None and self.say is not None:
                name, since = current
                now = time.perf_counter()
                self.say(
                    f"progress: {name}, {_span(now - since)} so far (run {_span(now - self.start)})"
                )

    def close(self) -> None:
        """Stop the ticker (idempotent)."""
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)


SILENT = Progress()
"""A Progress that never says anything (the default of every API function)."""
