"""Run a study's cases: in this process, on local worker processes or on a Dask cluster.

Each finished case is written atomically to OUT/cases/<case id>.json, so a killed sweep re-run
with the same arguments skips the cases already done; sweep.csv is assembled (atomically) from
those files at the end.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import pandas as pd

from planner.errors import UsageError
from planner.inputs.yamlio import check_knob_path
from planner.results.files import atomic_write_text, finite_json, frame_csv, output_lock
from planner.studies.cases import Case, case_id
from planner.studies.runner import SUMMARY_KEYS, BaseSpec, CaseRunner, case_file, evaluate

FAILED = {"invalid", "error", "no_solution"}
INFEASIBLE = {"infeasible", "unbounded"}


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)


def _load_done(outdir: Path | None, ids: list[str]) -> dict[str, dict]:
    done: dict[str, dict] = {}
    if outdir is None:
        return done
    for cid in ids:
        path = case_file(outdir, cid)
        try:
            row = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue  # missing or damaged: solved again
        if not isinstance(row, dict) or not isinstance(row.get("summary"), dict):
            continue  # not a case this engine wrote ({} or []): solved again
        if row.get("status") not in (None, "error"):  # unexpected failures are retried
            done[cid] = row
    return done


def _serial(spec: BaseSpec, todo: list[tuple[str, Case]]) -> Generator[tuple[str, dict]]:
    runner = CaseRunner(spec)
    for cid, case in todo:
        yield cid, runner.run(case)


WORKER_RETRIES = 1
"""A case whose worker process died is tried this many more times, then recorded as failed."""


def _die_with_parent() -> None:
    """Worker initializer: on Linux, ask the kernel to end this worker when the sweep dies
    (even by SIGKILL), so no worker is left running; elsewhere a no-op."""
    import ctypes
    import multiprocessing
    import os
    import signal
    import sys

    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:  # it died while this one started
        os._exit(1)


def _worker_died(case: Case, tries: int) -> dict:
    return {
        "inputs": case,
        "status": "error",
        "summary": {},
        "racks": {},
        "power_mw": {},
        "message": f"the worker process died {tries} times on this case",
    }


def _processes(spec: BaseSpec, todo: list[tuple[str, Case]], workers: int) -> Generator:
    """Cases on `workers` spawned processes. A worker that dies (killed, out of memory) breaks
    the pool and fails every case still queued in it, so the unfinished cases go on in a pool
    of one worker, where a break names the case that was running: it is tried once more
    (WORKER_RETRIES) and then recorded as an error; no other case is lost."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context("spawn")  # no fork: safe with threads, any platform
    tries = dict.fromkeys((cid for cid, _ in todo), 0)
    pending = dict(todo)
    size = workers
    while pending:
        order = list(pending)
        pool = ProcessPoolExecutor(
            max_workers=size, mp_context=context, initializer=_die_with_parent
        )
        broken = False
        try:
            futures = {pool.submit(evaluate, spec, pending[cid]): cid for cid in order}
            for future in as_completed(futures):
                cid = futures[future]
                try:
                    row = future.result()
                except BrokenProcessPool:
                    broken = True
                    continue
                del pending[cid]
                yield cid, row
        finally:  # interrupted: drop the queued cases instead of waiting for them all
            pool.shutdown(wait=True, cancel_futures=True)
        if not broken:
            break
        if size == 1:  # one worker runs cases in order: the first unfinished one killed it
            culprit = next(cid for cid in order if cid in pending)
            tries[culprit] += 1
            if tries[culprit] > WORKER_RETRIES:
                yield culprit, _worker_died(pending.pop(culprit), tries[culprit])
        size = 1


def _dask(spec: BaseSpec, todo: list[tuple[str, Case]], address: str) -> Generator:
    from distributed import Client, as_completed

    try:
        client = Client(address, timeout="20s")
    except (OSError, ValueError, TypeError) as exc:  # unreachable, or not an address at all
        raise UsageError(f"--scheduler {address}: cannot connect ({exc})") from None
    with client:
        futures = client.map(evaluate, [spec] * len(todo), [c for _, c in todo], pure=False)
        ids = {f.key: cid for f, (cid, _) in zip(futures, todo, strict=True)}
        for future in as_completed(futures):
            yield ids[future.key], future.result()


def _progress(total: int, done: int, enabled: bool) -> Any:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn("sweep"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[failed]} failed, {task.fields[infeasible]} infeasible"),
        console=Console(stderr=True),
        disable=not enabled,
    )
    task = progress.add_task("sweep", total=total, completed=done, failed=0, infeasible=0)
    return progress, task


def run_cases(
    spec: BaseSpec,
    cases: list[Case],
    outdir: Path | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    progress: bool = False,
    on_row: Callable[[str, dict], None] | None = None,
) -> pd.DataFrame:
    """Solve every case (skipping those already in OUT/cases/) and return the sweep table.

    The whole sweep holds OUT's lock: a second sweep into the same folder exits at once (7).
    """
    if outdir is None:
        return _run_cases(spec, cases, None, workers, scheduler, progress, on_row)
    with output_lock(outdir, wait_s=0):
        return _run_cases(spec, cases, outdir, workers, scheduler, progress, on_row)


def _run_cases(
    spec: BaseSpec,
    cases: list[Case],
    outdir: Path | None,
    workers: int,
    scheduler: str | None,
    progress: bool,
    on_row: Any,
) -> pd.DataFrame:
    base = spec.load()  # also validates the base instance (exit 3)
    raw = base.instance.model_dump()
    for path in cases[0] if cases else {}:
        keys = path.split(".")
        if not (len(keys) == 3 and keys[0] == "systems" and keys[2] == "derate"):
            check_knob_path(raw, path, "--vary")
    fingerprint = spec.fingerprint(base)
    ids = [case_id(fingerprint, case) for case in cases]
    done = _load_done(outdir, ids)
    resumed = len(done)
    pending = {cid: case for cid, case in zip(ids, cases, strict=True) if cid not in done}
    todo = list(pending.items())  # a case given twice is solved once
    if scheduler:
        stream = _dask(spec, todo, scheduler)
    elif workers > 1 and len(todo) > 1:
        stream = _processes(spec, todo, min(workers, len(todo)))
    else:
        stream = _serial(spec, todo)
    bar, task = _progress(len(cases), len(done), progress)
    counts = {
        "failed": sum(row["status"] in FAILED for row in done.values()),
        "infeasible": sum(row["status"] in INFEASIBLE for row in done.values()),
    }
    with bar, contextlib.closing(stream):
        for cid, row in stream:
            row = row | {"case_id": cid}
            if outdir is not None:
                text = json.dumps(
                    finite_json(row), default=_jsonable, sort_keys=True, allow_nan=False
                )
                atomic_write_text(case_file(outdir, cid), text + "\n")
            done[cid] = row
            counts["failed"] += row["status"] in FAILED
            counts["infeasible"] += row["status"] in INFEASIBLE
            bar.update(task, advance=1, **counts)
            if on_row:
                on_row(cid, row)
    frame = sweep_frame([done[cid] for cid in ids], list(cases[0]) if cases else [])
    if outdir is not None:
        atomic_write_text(outdir / "sweep.csv", frame_csv(frame))
    frame.attrs["resumed_cases"] = resumed
    return frame


def sweep_frame(rows: list[dict], paths: list[str]) -> pd.DataFrame:
    """One row per case: id, inputs, status, key summary columns, racks_<rack>, power_mw_<tier>."""
    racks = sorted({r for row in rows for r in row.get("racks", {})})
    tiers = sorted({t for row in rows for t in row.get("power_mw", {})})  # resumed rows too
    records = []
    for row in rows:
        solved = bool(row.get("racks"))
        record = {"case_id": row["case_id"], **{p: row["inputs"].get(p) for p in paths}}
        record["status"] = row["status"]
        record.update({k: row["summary"].get(k) for k in SUMMARY_KEYS})
        for rack in racks:
            record[f"racks_{rack}"] = row["racks"].get(rack, 0) if solved else None
        for tier in tiers:
            record[f"power_mw_{tier}"] = row["power_mw"].get(tier, 0.0) if solved else None
        record["message"] = row.get("message", "")
        records.append(record)
    columns = ["case_id", *paths, "status", *SUMMARY_KEYS]
    columns += [f"racks_{r}" for r in racks] + [f"power_mw_{t}" for t in tiers] + ["message"]
    return pd.DataFrame(records, columns=columns)
