"""Errors the planner raises on purpose, each with the exit code the CLI documents.

Exit codes (README, "Exit codes"):
    0 solved (optimal, or feasible within the limits)
    1 unexpected error
    2 usage (bad command-line arguments)
    3 invalid instance (file, YAML, schema or cross-reference)
    4 infeasible or unbounded
    5 no solution within the time limit
    6 output error (the output folder cannot be created or written: a file in its place, no
      permission, a full disk)
    7 output folder busy (another plan command kept writing to it for OUTPUT_LOCK_WAIT_S)
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_USAGE = 2
EXIT_INVALID = 3
EXIT_INFEASIBLE = 4
EXIT_NO_SOLUTION = 5
EXIT_OUTPUT = 6
EXIT_BUSY = 7


class PlannerError(Exception):
    """Base class: a one-line message meant for the user, and an exit code."""

    exit_code = EXIT_UNEXPECTED


class InstanceError(PlannerError):
    """The instance (or catalog) cannot be read or is invalid. Message names the YAML path."""

    exit_code = EXIT_INVALID


class UsageError(PlannerError):
    """A command-line argument is malformed (e.g. a --set without '=')."""

    exit_code = EXIT_USAGE


class OutputError(PlannerError):
    """An output file or folder cannot be written. Message names the path and the reason."""

    exit_code = EXIT_OUTPUT


class OutputBusyError(PlannerError):
    """Another plan command holds the output folder's lock."""

    exit_code = EXIT_BUSY


class TimeLimitError(PlannerError):
    """The time limit ran out before any plan could be found (during the model's build)."""

    exit_code = EXIT_NO_SOLUTION
