"""A sweep task function for tests: the worker process kills itself on one marked case.

Spawned workers import it by name (multiprocessing passes sys.path), so it stands in for
planner.studies.runner.evaluate in the parent's engine module.
"""

from __future__ import annotations

import os
import signal

from planner.studies.runner import evaluate

KILLER_POWER_MW = 0.666


def evaluate_or_die(spec, case):
    if case.get("site.power_mw") == KILLER_POWER_MW:
        os.kill(os.getpid(), signal.SIGKILL)
    return evaluate(spec, case)
