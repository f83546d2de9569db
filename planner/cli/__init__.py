"""`plan`: the command line. It composes pipeline steps and prints; nothing imports it.

The group and its commands live in planner/cli/group.py; this module only starts them, so the
console script can set up the interpreter before the libraries load.
"""

from __future__ import annotations

import gc
from typing import Any


def main() -> None:
    """Console-script entry point.

    Python's cyclic garbage collector is off while the command's modules import (Pyomo,
    pandas, pydantic and the planner's own models make long-lived objects, not garbage;
    collecting meanwhile took about 50 ms of a 0.8 s `plan solve`), and the objects they made
    are then frozen out of later collections. bench/solve_vs_import.py compares against a bare
    import with the collector off too, so the saving on the libraries' own import is not
    counted as the planner's.
    """
    gc.disable()
    try:
        from planner.cli.group import cli
    finally:
        gc.enable()
    gc.freeze()
    cli()


def __getattr__(name: str) -> Any:
    """`from planner.cli import cli` (tests, scripts) without importing it at start-up."""
    if name in ("cli", "STATUS_EXIT"):
        from planner.cli import group

        return getattr(group, name)
    raise AttributeError(name)


__all__ = ["STATUS_EXIT", "cli", "main"]
