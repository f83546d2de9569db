"""What every command shares: exit codes by status, one-line errors, instance options."""

from __future__ import annotations

import contextlib
import contextvars
import functools
import math
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import click

from planner.errors import (
    EXIT_INFEASIBLE,
    EXIT_NO_SOLUTION,
    EXIT_OK,
    EXIT_UNEXPECTED,
    PlannerError,
)
from planner.inputs.instance import OBJECTIVES
from planner.inputs.yamlio import one_line


class FiniteRange(click.FloatRange):
    """click's FloatRange that also refuses nan and infinity (a comparison with nan is always
    false, so FloatRange alone lets `--time-limit nan` through)."""

    name = "finite float range"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        import math

        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


STATUS_EXIT = {  # keyed by planner.solver.highs.SolveStatus values (a StrEnum), imported lazily
    "optimal": EXIT_OK,
    "feasible": EXIT_OK,
    "infeasible": EXIT_INFEASIBLE,
    "unbounded": EXIT_INFEASIBLE,
    "no_solution": EXIT_NO_SOLUTION,
    "error": EXIT_UNEXPECTED,
}
DEFAULT_INSTANCE = "instances/1gw.yaml"


def guarded(func: Callable[..., Any]) -> Callable[..., Any]:
    """One-line errors with documented exit codes; a traceback only with --debug."""

    @functools.wraps(func)
    def wrapper(*args: Any, debug: bool = False, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PlannerError as exc:
            if debug:
                traceback.print_exc()
            echo(f"error: {one_line(str(exc))}", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - last line of defence for users
            if debug:
                traceback.print_exc()
            echo(
                f"error: unexpected {type(exc).__name__}: {one_line(str(exc))}"
                " (run with --debug for details)",
                err=True,
            )
            sys.exit(EXIT_UNEXPECTED)

    return click.option("--debug", is_flag=True, help="Show tracebacks.")(wrapper)


def load_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by every command that reads an instance. `--data measured` is the
    instance field `data: measured`, passed on as an override."""

    @functools.wraps(command)
    def func(*args: Any, data: str | None = None, **kwargs: Any) -> Any:
        if data is not None:
            kwargs["overrides"] = (*kwargs.get("overrides", ()), f"data={data}")
        return command(*args, **kwargs)

    func = click.option(
        "--data",
        type=click.Choice(["measured", "derived", "partner", "estimate", "all"]),
        help="The weakest data basis to trust: measured > derived > partner > estimate > all "
        "(vendor claims too); weaker points are set aside.",
    )(func)
    func = click.option(
        "--set",
        "overrides",
        multiple=True,
        metavar="PATH=VALUE",
        help="Override any instance field, e.g. tiers.ultra.price_usd_per_mtok=120 (repeatable).",
    )(func)
    func = click.option(
        "--catalog", "catalog_dir", type=click.Path(), help="Catalog folder (default: models/)."
    )(func)
    func = click.option(
        "--racks-csv", type=click.Path(), help="Procurement CSV overriding rack data."
    )(func)
    return click.option(
        "--objective", type=click.Choice(OBJECTIVES), help="Override the instance's objective."
    )(func)


_JSON_MODE = contextvars.ContextVar("json_mode", default=False)


def json_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--format table|json` for a command: in json mode the command's text on stdout is
    replaced by the one JSON document it passes to `emit` (warnings and errors stay on stderr)."""

    @functools.wraps(command)
    def func(*args: Any, output_format: str = "table", **kwargs: Any) -> Any:
        token = _JSON_MODE.set(output_format == "json")
        try:
            return command(*args, **kwargs)
        finally:
            _JSON_MODE.reset(token)

    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["table", "json"]),
        default="table",
        show_default=True,
        help="table: words for people; json: one JSON document for scripts.",
    )(func)


def is_json() -> bool:
    """Whether the command runs with --format json."""
    return _JSON_MODE.get()


def emit(payload: dict[str, Any]) -> None:
    """Print the command's result as JSON when --format json was asked for."""
    if _JSON_MODE.get():
        from planner.results.files import json_text

        click.echo(json_text(payload), nl=False)


def records(frame: Any) -> list[dict[str, Any]]:
    """A DataFrame as JSON-ready records (NaN as null)."""
    import json

    return json.loads(frame.to_json(orient="records"))


def echo(message: str = "", err: bool = False, nl: bool = True) -> None:
    """click.echo that ends quietly on a closed pipe (`plan solve ... | head`): the rest of the
    output goes nowhere and the command still exits with its status's code. In --format json
    mode, text for stdout is dropped (the command emits one JSON document instead)."""
    if _JSON_MODE.get() and not err:
        return
    try:
        click.echo(message, err=err, nl=nl)
    except BrokenPipeError:
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, (sys.stderr if err else sys.stdout).fileno())
        os.close(devnull)


def show_warnings(loaded: Any) -> None:
    """Print a loaded instance's plausibility warnings to stderr, one line each."""
    for line in loaded.warnings:
        echo(f"warning: {one_line(line)}", err=True)


def quiet_option(func: Any) -> Any:
    """`--quiet`: no progress lines (they go to stderr every few seconds of a long run)."""
    return click.option(
        "--quiet",
        is_flag=True,
        help="No progress lines (otherwise one on stderr every few seconds of a long run).",
    )(func)


def _progress_every_s() -> float:
    """Seconds between progress lines: PLAN_PROGRESS_EVERY_S when it is a positive finite
    number, else the default (a bad value must not stop a run)."""
    from planner.results.progress import EVERY_S

    try:
        every = float(os.environ.get("PLAN_PROGRESS_EVERY_S", EVERY_S))
    except ValueError:
        return EVERY_S
    return every if math.isfinite(every) and every > 0 else EVERY_S


@contextlib.contextmanager
def progress_lines(quiet: bool) -> Iterator[Any]:
    """A Progress saying its lines on stderr (every PLAN_PROGRESS_EVERY_S seconds, default 5),
    or a silent one with --quiet; stopped on the way out."""
    from planner.results.progress import Progress

    ticker = Progress(None if quiet else (lambda line: echo(line, err=True)), _progress_every_s())
    try:
        yield ticker
    finally:
        ticker.close()


def case_lines(total: int) -> Callable[[str, dict], None]:
    """An `on_row` callback for sweeps when stderr is not a terminal (a log, CI): a line
    `progress: 12 of 40 cases done (1 failed), 35 s` at most every few seconds."""
    import time

    gap = _progress_every_s()
    start = last = time.perf_counter()
    seen = {"done": 0, "failed": 0}

    def on_row(_cid: str, row: dict) -> None:
        nonlocal last
        seen["done"] += 1
        seen["failed"] += row.get("status") in ("error", "invalid")
        now = time.perf_counter()
        if now - last >= gap or seen["done"] == total:
            last = now
            echo(
                f"progress: {seen['done']} of {total} cases solved this run "
                f"({seen['failed']} failed or invalid), {now - start:.0f} s",
                err=True,
            )

    return on_row
