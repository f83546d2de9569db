"""Atomic writes of the result tables and run.json: a killed run never leaves a half file."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from planner.results.tables import Tables


def temp_pattern(path: Path) -> str:
    """Glob of the temporary files `atomic_write_text` uses for `path` (hidden, `.tmp`)."""
    return f".{path.name}.*.tmp"


def remove_stale_temps(path: Path) -> None:
    """Delete temporaries a killed writer of `path` left (SIGKILL skips the cleanup below)."""
    if path.parent.is_dir():
        for stale in path.parent.glob(temp_pattern(path)):
            stale.unlink(missing_ok=True)


def atomic_write_text(path: Path, text: str) -> None:
    """Write to a temporary file in the same folder, fsync, then rename over `path`.

    A run killed at any point leaves `path` either as it was or complete; only a SIGKILL
    between the two can leave a temporary (`.<name>.<random>.tmp`), which the next write of
    `path` removes.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Binary twin of `atomic_write_text` (e.g. an XLSX workbook)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def frame_csv(frame: pd.DataFrame) -> str:
    """CSV text a spreadsheet opens as is: header row, plain floats, empty cells for None."""
    return frame.to_csv(index=False, lineterminator="\n", float_format="%.10g")


def write_tables(
    outdir: Path,
    tables: Tables,
    multi_period: bool = False,
    extra: dict[str, pd.DataFrame] | None = None,
) -> list[Path]:
    """The plan kind's CSVs (+ extra tables), each atomically."""
    return write_frames(outdir, {**tables.files(multi_period), **(extra or {})})


def write_frames(outdir: Path, frames: dict[str, pd.DataFrame]) -> list[Path]:
    """One `<name>.csv` per frame, each atomically, in the given order."""
    written = []
    for name, frame in frames.items():
        path = outdir / f"{name}.csv"
        atomic_write_text(path, frame_csv(frame))
        written.append(path)
    return written


def write_json(path: Path, payload: dict[str, Any]) -> Path:
    """JSON with sorted keys, atomically."""
    atomic_write_text(path, json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n")
    return path
