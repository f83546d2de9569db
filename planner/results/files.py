"""Safe writes of every output file.

- Atomic: a temporary in the target folder, fsynced, then renamed, so a killed run never
  leaves a half file.
- Locked: a command holds an exclusive lock on its output folder (flock on the folder itself:
  no lock file) while it writes, so concurrent runs into one folder never delete or mix each
  other's files; the second waits up to OUTPUT_LOCK_WAIT_S, then exits 7 with a message.
- Readable: files get the mode the umask gives new files (0644 by default), not the 0600 of
  a temporary file.
- Strict JSON: no NaN or Infinity (null, and the field named under `nonfinite`).
- Failures (a file where the folder should be, no permission, a full disk) are OutputError,
  exit 6, with the path and the reason.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.errors import OutputBusyError, OutputError
from planner.results.tables import Tables


def temp_pattern(path: Path) -> str:
    """Glob of the temporary files `atomic_write_text` uses for `path` (hidden, `.tmp`)."""
    return f".{path.name}.*.tmp"


def remove_stale_temps(path: Path) -> None:
    """Delete temporaries a killed writer of `path` left (SIGKILL skips the cleanup below)."""
    if path.parent.is_dir():
        for stale in path.parent.glob(temp_pattern(path)):
            stale.unlink(missing_ok=True)


OUTPUT_LOCK_WAIT_S = 60.0
_UMASK = os.umask(0)
os.umask(_UMASK)
FILE_MODE = 0o666 & ~_UMASK
"""The mode a new file gets under this process's umask (0644 with the usual 022)."""
_held = threading.local()


def output_folder(path: Path) -> Path:
    """Create the output folder (and parents); OutputError when it cannot be."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"{path}: exists and is not a folder; choose another --out") from None
    except OSError as exc:
        raise OutputError(f"{path}: cannot create the output folder: {exc.strerror}") from None
    return path


@contextlib.contextmanager
def output_lock(folder: Path, wait_s: float = OUTPUT_LOCK_WAIT_S) -> Iterator[Path]:
    """Hold the folder's exclusive lock (re-entrant within a thread) while writing into it."""
    folder = output_folder(folder)
    key = str(folder.resolve())
    held: dict[str, int] = getattr(_held, "folders", None) or {}
    _held.folders = held
    if held.get(key):
        held[key] += 1
        try:
            yield folder
        finally:
            held[key] -= 1
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise OutputBusyError(
                        f"{folder}: another plan command is writing to this folder; wait for "
                        "it or choose another --out"
                    ) from None
                time.sleep(0.05)
        held[key] = 1
        try:
            yield folder
        finally:
            held[key] = 0
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _atomic_write(path: Path, data: bytes) -> None:
    with output_lock(path.parent):
        remove_stale_temps(path)
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        except OSError as exc:
            raise OutputError(f"{path}: cannot write: {exc.strerror}") from None
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, FILE_MODE)
            os.replace(tmp, path)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise OutputError(f"{path}: cannot write: {exc.strerror}") from None
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write to a temporary file in the same folder, fsync, then rename over `path`.

    A run killed at any point leaves `path` either as it was or complete; only a SIGKILL
    between the two can leave a temporary (`.<name>.<random>.tmp`), which the next write of
    `path` removes (under the folder's lock, so never another run's temporary).
    """
    _atomic_write(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Binary twin of `atomic_write_text` (e.g. an XLSX workbook)."""
    _atomic_write(path, data)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A text cell starting with one of these is a formula to a spreadsheet (OWASP CSV injection)."""


def neutral_text(value: Any) -> Any:
    """A text cell a spreadsheet shows as text: a leading ' before a formula start."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def frame_csv(frame: pd.DataFrame) -> str:
    """CSV text a spreadsheet opens as is: header row, plain floats, empty cells for None, and
    no text cell that a spreadsheet would run as a formula (`neutral_text`)."""
    text_columns = [
        c
        for c in frame.columns
        if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c].dtype)
    ]
    if text_columns:
        frame = frame.assign(**{c: frame[c].map(neutral_text) for c in text_columns})
    # headers too: a study's input name or a CSV read back becomes a header
    frame = frame.set_axis([neutral_text(str(c)) for c in frame.columns], axis=1)
    return frame.to_csv(index=False, lineterminator="\n", float_format=plain_number)


def plain_number(x: object) -> str:
    """Ten significant digits written out in full (12224828910, 0.000001), never 1.2e+10."""
    value = float(x)  # type: ignore[arg-type]
    return np.format_float_positional(value, precision=10, unique=False, fractional=False, trim="-")


def write_tables(
    outdir: Path,
    tables: Tables,
    multi_period: bool = False,
    extra: dict[str, pd.DataFrame] | None = None,
) -> list[Path]:
    """The plan kind's CSVs (+ extra tables), each atomically."""
    return write_frames(outdir, {**tables.files(multi_period), **(extra or {})})


def write_frames(outdir: Path, frames: dict[str, pd.DataFrame]) -> list[Path]:
    """One `<name>.csv` per frame, each atomically, in the given order, under one lock."""
    written = []
    with output_lock(outdir):
        for name, frame in frames.items():
            path = outdir / f"{name}.csv"
            atomic_write_text(path, frame_csv(frame))
            written.append(path)
    return written


def finite_json(payload: Any, where: str = "", nonfinite: dict[str, str] | None = None) -> Any:
    """`payload` with every NaN or infinity replaced by None; their paths and values are
    recorded in `nonfinite` (JSON has no NaN or Infinity)."""
    found = {} if nonfinite is None else nonfinite
    if isinstance(payload, float) and not math.isfinite(payload):
        found[where or "(top level)"] = str(payload)
        return None
    if isinstance(payload, dict):
        return {
            k: finite_json(v, f"{where}.{k}" if where else str(k), found)
            for k, v in payload.items()
        }
    if isinstance(payload, list | tuple):
        return [finite_json(v, f"{where}[{i}]", found) for i, v in enumerate(payload)]
    if hasattr(payload, "item") and not isinstance(payload, str):  # numpy scalars
        return finite_json(payload.item(), where, found)
    return payload


def json_text(payload: dict[str, Any]) -> str:
    """Strict JSON text (sorted keys): non-finite numbers become null and are listed, with
    their value, under `nonfinite`."""
    nonfinite: dict[str, str] = {}
    clean = finite_json(payload, "", nonfinite)
    if nonfinite:
        clean["nonfinite"] = nonfinite
    options: dict[str, Any] = {"sort_keys": True, "default": str, "allow_nan": False}
    compact = json.dumps(clean, **options)  # Python's C encoder: indented output is pure Python
    if len(compact) <= INDENTED_JSON_CHARS:
        return json.dumps(clean, indent=2, **options)
    lines = (f"  {json.dumps(k)}: {json.dumps(clean[k], **options)}" for k in sorted(clean))
    return "{\n" + ",\n".join(lines) + "\n}"


INDENTED_JSON_CHARS = 200_000
"""Largest JSON (compact) written indented; a larger one (run.json of an 8,000-tier instance,
about 0.4 s to indent) gets one line per top-level key."""


def write_json(path: Path, payload: dict[str, Any]) -> Path:
    """Strict JSON with sorted keys (`json_text`), atomically."""
    atomic_write_text(path, json_text(payload) + "\n")
    return path


RUN_FILE = "run.json"
MANIFEST = "files"
"""run.json's list of the files that make the folder's result (the result's own manifest)."""


def read_run(outdir: Path) -> dict[str, Any]:
    """run.json of the folder (provenance, inputs with sources, plausibility, manifest), or {}
    when there is none or it is not a JSON object."""
    try:
        run = json.loads((outdir / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return run if isinstance(run, dict) else {}


def read_manifest(outdir: Path) -> list[str] | None:
    """The file names the folder's current result wrote (run.json's `files`), or None when
    the folder has no run.json with a manifest (empty, foreign or from an older planner)."""
    names = read_run(outdir).get(MANIFEST)
    if not isinstance(names, list):
        return None
    return [n for n in names if isinstance(n, str) and n == Path(n).name and n != RUN_FILE]


def finish_result(outdir: Path, written: list[Path], info: dict[str, Any]) -> list[Path]:
    """Close a result: remove what the folder's previous result wrote and this one did not
    (only names in the previous run.json's manifest: never a file of the user's, whatever its
    name), then write run.json naming this result's files. Call under the folder's lock."""
    names = [p.name for p in written]
    for old in read_manifest(outdir) or []:
        path = outdir / old
        if old not in names and path.is_file() and not path.is_symlink():
            path.unlink()
    written.append(write_json(outdir / RUN_FILE, info | {MANIFEST: names}))
    return written


def add_to_manifest(outdir: Path, written: list[Path]) -> None:
    """Name files derived from the folder's result (its report) in run.json's manifest, so a
    later result in the folder removes them with the rest. Call under the folder's lock."""
    run = read_run(outdir)
    if not isinstance(run.get(MANIFEST), list):
        return
    run[MANIFEST] = list(dict.fromkeys([*run[MANIFEST], *(p.name for p in written)]))
    write_json(outdir / RUN_FILE, run)
