"""Curve importers: benchmark exports -> catalog curve files, with every point's source.

Two formats:
- InferenceX: the JSON rows of its benchmarks API (a list of objects with hardware,
  framework, model, precision, spec_method, disagg, num_prefill_gpu, num_decode_gpu, isl,
  osl, conc, date, run_url and metrics: median_intvty (output tok/s per user), tput_per_gpu
  (input + output tok/s over all GPUs), input_tput_per_gpu (per prefill GPU),
  output_tput_per_gpu (per decode GPU; per GPU for aggregated rows), median_ttft (s)).
- AIConfigurator: its aggregated or disaggregated summary CSV (model, isl, osl, ttft and tpot
  in ms, tokens/s = seq/s x osl (output tokens), tokens/s/gpu over every GPU, tokens/s/user,
  num_total_gpus; disaggregated rows add (p)workers, (d)workers, (p)seq/s/worker,
  (d)seq/s/worker and each pool's tp, pp and dp). AIConfigurator's numbers come from a model
  built on kernel measurements, so its points are labelled `estimate` unless told otherwise.

A rack's numbers are per GPU x GPUs per rack. Aggregated rows (and disaggregated rows counted
over all their GPUs) give a bundle curve, prefill included (`systems/<rack>.yaml`); the
disaggregated rows' per-pool rates give the rack's prefill and decode curves
(`performance/<rack>.yaml`). Only the Pareto frontier of the rows is kept. Pure: the caller
writes the documents.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from planner.errors import InstanceError
from planner.inputs.base import NAME_PATTERN, NAME_RULE
from planner.inputs.catalog import Performance, System
from planner.inputs.yamlio import one_line, read_bounded, strict_number

FORMATS = ("inferencex", "aiconfigurator")


@dataclass(frozen=True)
class ImportRequest:
    """Which rows to read and how to name what they become."""

    path: Path
    fmt: str
    rack: str
    gpus_per_rack: int
    model: str
    """Catalog model name the curves are filed under (e.g. deepseek-r1)."""
    input_tokens: int = 8192
    output_tokens: int = 1024
    hardware: str | None = None
    """InferenceX `hardware` (e.g. gb300) or AIConfigurator `system` to keep; None keeps all."""
    source_model: str | None = None
    """The file's own model key (InferenceX `dsr1`, AIConfigurator `DEEPSEEK_V3`) to keep."""
    precision: str | None = None
    label: str | None = None
    """Label for every point; default measured (InferenceX) or estimate (AIConfigurator)."""


@dataclass(frozen=True)
class Point:
    """One operating point before the Pareto filter."""

    x: float
    y: float
    source: str
    note: str
    label: str


@dataclass(frozen=True)
class Imported:
    """The documents an import writes: relative path -> YAML-ready mapping."""

    documents: dict[str, dict[str, Any]]
    rows_read: int
    rows_kept: int


def _fail(req: ImportRequest, where: str, message: str) -> InstanceError:
    return InstanceError(f"{one_line(str(req.path))}: {where}: {message}")


def _name(req: ImportRequest) -> str:
    """The file's name on one line, as it is written into sources and descriptions (a name
    holding a line break must not start a new YAML line)."""
    return one_line(req.path.name)


def _read_text(req: ImportRequest) -> str:
    """The whole file, pipe or device, read once and bounded like an instance."""
    try:
        return read_bounded(req.path).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InstanceError(f"{req.path}: cannot read: {one_line(str(exc))}") from None


def _json_rows(req: ImportRequest) -> list[tuple[int, dict]]:
    """(line, row) for every object of the JSON array, with the line it starts on. Linear in
    the file: each row's line is counted on from the previous row's."""
    text = _read_text(req)
    decoder, out = json.JSONDecoder(), []
    pos = len(text) - len(text.lstrip())
    if not text[pos : pos + 1] == "[":
        raise _fail(req, "line 1", "an InferenceX export is a JSON array of benchmark rows")
    pos += 1
    line, counted = 1, 0
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            break
        line += text.count("\n", counted, pos)
        counted = pos
        try:
            row, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise _fail(req, f"line {exc.lineno}", f"not JSON ({exc.msg})") from None
        except RecursionError:
            raise _fail(
                req, f"line {line}", "a row nested too deeply to be a benchmark row"
            ) from None
        if not isinstance(row, dict):
            raise _fail(req, f"line {line}", "each element must be a benchmark row (an object)")
        out.append((line, row))
    return out


def _number(req: ImportRequest, where: str, row: dict, key: str, positive: bool = True) -> float:
    node: Any = row
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, bool) or not isinstance(node, int | float):
        raise _fail(req, where, f"missing or non-numeric '{key}'")
    if not math.isfinite(node):  # Python's JSON reads NaN and Infinity
        raise _fail(req, where, f"'{key}' is {node}; a finite number is needed")
    if positive and not node > 0:
        raise _fail(req, where, f"'{key}' is {node}; a positive number is needed")
    return float(node)


INFERENCEX_REQUIRED = ("hardware", "model", "isl", "osl", "disagg", "num_prefill_gpu",
                       "num_decode_gpu", "metrics")  # fmt: skip


def _inferencex(req: ImportRequest) -> tuple[list[Point], list[Point], list[Point], int, int]:
    rows = _json_rows(req)
    bundle: list[Point] = []
    decode: list[Point] = []
    prefill: list[Point] = []
    label = req.label or "measured"
    kept = 0
    for line, row in rows:
        where = f"line {line}"
        missing = [k for k in INFERENCEX_REQUIRED if k not in row]
        if missing:
            raise _fail(
                req,
                where,
                f"missing {', '.join(missing)} (an InferenceX benchmarks API row "
                f"has {', '.join(INFERENCEX_REQUIRED)})",
            )
        if (
            (req.hardware and row["hardware"] != req.hardware)
            or (req.source_model and row["model"] != req.source_model)
            or (req.precision and row.get("precision") != req.precision)
            or ((row["isl"], row["osl"]) != (req.input_tokens, req.output_tokens))
        ):
            continue
        kept += 1
        speed = _number(req, where, row, "metrics.median_intvty")
        run = row.get("run_url") or "run not given"
        src = f"InferenceX {row.get('date', '')}, {run}".strip()
        how = (
            f"{row.get('framework', '?')} {row.get('precision', '?')} "
            f"spec {row.get('spec_method', 'none')}, concurrency {row.get('conc', '?')}"
        )
        n = req.gpus_per_rack
        disagg = row["disagg"]
        if not isinstance(disagg, bool):  # "false" as text is true to Python: refuse it
            raise _fail(req, where, f"disagg: {disagg!r} is not true or false (a JSON boolean)")
        if not disagg:
            if "output_tput_per_gpu" in row["metrics"]:
                per_gpu = _number(req, where, row, "metrics.output_tput_per_gpu")
                note = f"{how}; {per_gpu:,.1f} output tok/s per GPU x {n}"
            else:
                total = _number(req, where, row, "metrics.tput_per_gpu")
                per_gpu = total * row["osl"] / (row["isl"] + row["osl"])
                note = f"{how}; {total:,.1f} tok/s per GPU x {row['osl']}/{row['isl'] + row['osl']} output x {n}"
            bundle.append(Point(speed, per_gpu * n, src, note, label))
            continue
        p_gpus = _number(req, where, row, "num_prefill_gpu")
        d_gpus = _number(req, where, row, "num_decode_gpu")
        out_gpu = _number(req, where, row, "metrics.output_tput_per_gpu")
        in_gpu = _number(req, where, row, "metrics.input_tput_per_gpu")
        ttft = _number(req, where, row, "metrics.median_ttft")
        pools = f"{p_gpus:g} prefill + {d_gpus:g} decode GPUs"
        _pool_points(
            decode,
            prefill,
            speed,
            ttft,
            out_gpu * n,
            in_gpu * n,
            src,
            label,
            f"{how}, {pools}; {out_gpu:,.1f} output tok/s per decode GPU x {n}",
            f"{how}, {pools}; {in_gpu:,.1f} input tok/s per prefill GPU x {n}",
        )
        share = d_gpus / (p_gpus + d_gpus)
        bundle.append(
            Point(
                speed,
                out_gpu * share * n,
                src,
                f"{how}, {pools}; {out_gpu:,.1f} x {d_gpus:g}/{p_gpus + d_gpus:g} GPUs x {n}",
                "derived" if label == "measured" else label,
            )
        )
    return bundle, decode, prefill, len(rows), kept


COLUMN = re.compile(r"^(?P<name>.+?)(?:\((?P<unit>[a-z]+)\)|_(?P<unit2>ms|s|us))?$")
TIME_UNITS = {"ms": 1e-3, "s": 1.0}


def _aiconfigurator(req: ImportRequest) -> tuple[list[Point], list[Point], list[Point], int, int]:
    text = _read_text(req)
    try:
        reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
        header = list(reader.fieldnames or [])
        rows = list(reader)
    except csv.Error as exc:
        raise InstanceError(f"{req.path}: cannot read: {one_line(str(exc))}") from None
    ttft_col: str | None = None
    ttft_scale = 1e-3  # AIConfigurator writes ms
    for col in header:
        if col.startswith("ttft"):
            m = COLUMN.match(col)
            unit = (m.group("unit") or m.group("unit2")) if m else None
            if unit is not None and unit not in TIME_UNITS:
                raise _fail(
                    req, f"line 1, column {col}", f"unknown unit '{unit}' (accepted: ms, s)"
                )
            ttft_col, ttft_scale = col, TIME_UNITS[unit or "ms"]
    required = ["model", "isl", "osl", "tokens/s/gpu", "tokens/s/user", "num_total_gpus"]
    missing = [c for c in required if c not in header] + ([] if ttft_col else ["ttft"])
    if missing:
        raise _fail(
            req,
            "line 1",
            f"missing columns {', '.join(missing)} (an AIConfigurator "
            "summary has model, isl, osl, ttft, tpot, tokens/s/gpu, tokens/s/user, ...)",
        )
    assert ttft_col is not None
    disagg = "(p)workers" in header
    label = req.label or "estimate"
    bundle: list[Point] = []
    decode: list[Point] = []
    prefill: list[Point] = []
    kept = 0
    n = req.gpus_per_rack
    for k, row in enumerate(rows, start=2):
        where = f"line {k}"
        values: dict[str, Any] = {}
        for col in ("isl", "osl", "tokens/s/gpu", "tokens/s/user", "num_total_gpus", ttft_col):
            values[col] = _cell(req, f"{where}, column {col}", row.get(col))
        if (
            (req.source_model and row["model"] != req.source_model)
            or (req.hardware and row.get("(d)system", row.get("system")) != req.hardware)
            or ((values["isl"], values["osl"]) != (req.input_tokens, req.output_tokens))
        ):
            continue
        kept += 1
        speed, per_gpu = values["tokens/s/user"], values["tokens/s/gpu"]
        if not speed > 0 or not per_gpu > 0:
            raise _fail(req, where, "tokens/s/user and tokens/s/gpu must be positive")
        src = f"AIConfigurator {row.get('(d)version', row.get('version', ''))} {_name(req)} line {k}".strip()
        bundle.append(
            Point(
                speed,
                per_gpu * n,
                src,
                f"modelled; {per_gpu:,.1f} output tok/s per GPU over {values['num_total_gpus']:g} GPUs x {n}",
                label,
            )
        )
        if not disagg:
            continue
        pools = {}
        for pool in ("p", "d"):
            cols = [f"({pool}){c}" for c in ("tp", "pp", "dp", "seq/s/worker")]
            if any(col not in row for col in cols):
                raise _fail(req, where, f"needs numeric {', '.join(cols)} for a disaggregated row")
            tp, pp, dp, rate = (_cell(req, f"{where}, column {col}", row[col]) for col in cols)
            for col, value in zip(cols, (tp, pp, dp, rate), strict=True):
                if not value > 0:  # a pool of 0 GPUs would divide by zero
                    raise _fail(
                        req, f"{where}, column {col}", f"{value:g}; a positive number is needed"
                    )
            pools[pool] = (rate, tp * pp * dp)
        (p_rate, p_gpus), (d_rate, d_gpus) = pools["p"], pools["d"]
        in_gpu = p_rate * values["isl"] / p_gpus
        out_gpu = d_rate * values["osl"] / d_gpus
        ttft = values[ttft_col] * ttft_scale
        _pool_points(
            decode,
            prefill,
            speed,
            ttft,
            out_gpu * n,
            in_gpu * n,
            src,
            label,
            f"modelled; {d_rate:g} seq/s per decode worker x {values['osl']:g} / {d_gpus:g} GPUs x {n}",
            f"modelled; {p_rate:g} seq/s per prefill worker x {values['isl']:g} / {p_gpus:g} GPUs x {n}",
        )
    return bundle, decode, prefill, len(rows), kept


def _cell(req: ImportRequest, where: str, raw: Any) -> float:
    """A CSV cell as a finite number, by the instance loader's rule (plain decimal only: no
    'nan', 'inf', '1_000' or other scripts' digits, which Python's float() would take)."""
    value = strict_number(raw) if isinstance(raw, str) else None
    if value is None or not math.isfinite(value):
        raise _fail(req, where, f"'{one_line(str(raw))}' is not a plain decimal number")
    return float(value)


def _pool_points(
    decode: list[Point],
    prefill: list[Point],
    speed: float,
    ttft: float,
    out_rack: float,
    in_rack: float,
    src: str,
    label: str,
    out_note: str,
    in_note: str,
) -> None:
    """A disaggregated row's two points: the decode pool's output rate at its speed and the
    prefill pool's input rate at its first-token time, per rack."""
    decode.append(Point(speed, out_rack, src, out_note, label))
    prefill.append(Point(ttft, in_rack, src, in_note, label))


def frontier(points: Iterable[Point], rising: bool) -> list[Point]:
    """The Pareto frontier. rising=False (speed curves): keep a point unless another is at
    least as fast with more throughput. rising=True (prefill against first-token time): keep
    a point unless another is at least as quick with more throughput."""
    ordered = sorted(points, key=lambda p: (p.x, -p.y) if rising else (-p.x, -p.y))
    kept: list[Point] = []
    for p in ordered:
        if not kept or p.y > kept[-1].y:
            if kept and p.x == kept[-1].x:
                continue
            kept.append(p)
    return sorted(kept, key=lambda p: p.x)


def _speed_curve(points: list[Point], req: ImportRequest, what: str) -> dict[str, Any]:
    return {
        "description": f"{what}, imported from {_name(req)}",
        "input_tokens": req.input_tokens,
        "output_tokens": req.output_tokens,
        "points": [
            {
                "tok_s_per_user": round(p.x, 3),
                "tok_s": round(p.y, 1),
                "source": p.source,
                "label": p.label,
                "note": p.note,
            }
            for p in points
        ],
    }


def import_curves(req: ImportRequest) -> Imported:
    """Read `req.path` and build the catalog documents; InstanceError (exit 3) names the file,
    the line and what would be accepted. Every document is validated before it is returned."""
    if req.fmt not in FORMATS:
        raise InstanceError(f"--format {req.fmt}: unknown (formats: {', '.join(FORMATS)})")
    for flag, name in (("--rack", req.rack), ("--model", req.model)):
        if not re.match(NAME_PATTERN, name) or len(name) > 64:
            raise InstanceError(
                f"{flag} {one_line(name)!r}: not a catalog name ({NAME_RULE}, "
                "at most 64 characters)"
            )
    read = _inferencex if req.fmt == "inferencex" else _aiconfigurator
    bundle, decode, prefill, total, kept = read(req)
    for point in (*bundle, *decode, *prefill):
        if not (math.isfinite(point.x) and point.x > 0 and math.isfinite(point.y) and point.y > 0):
            raise _fail(
                req,
                point.source,
                "out of range after scaling to a rack "
                f"({point.x:g} and {point.y:g}; positive finite numbers are needed)",
            )
    if not kept:
        raise InstanceError(
            f"{req.path}: no row matches (hardware {req.hardware or 'any'}, model "
            f"{req.source_model or 'any'}, {req.input_tokens}/{req.output_tokens} tokens) among "
            f"{total} rows"
        )
    docs: dict[str, dict[str, Any]] = {}
    if bundle:
        curve = _speed_curve(
            frontier(bundle, rising=False), req, "output tok/s per rack, prefill included"
        )
        doc = {"description": f"{req.rack} serving {req.model} (imported)",
               "racks": {req.rack: 1}, "curves": {req.model: curve}}  # fmt: skip
        docs[f"systems/{req.rack}.yaml"] = _checked(System, {"name": req.rack, **doc}, doc)
    phases: dict[str, Any] = {}
    if decode:
        phases["decode"] = _speed_curve(
            frontier(decode, rising=False), req, "output tok/s per rack of a decode pool"
        )
    if prefill:
        pts = frontier(prefill, rising=True)
        phases["prefill"] = {"description": f"input tok/s per rack of a prefill pool, imported from {_name(req)}",
                             "points": [{"ttft_s": round(p.x, 4), "input_tok_s": round(p.y, 1), "source": p.source,
                                         "label": p.label, "note": p.note} for p in pts]}  # fmt: skip
    if phases:
        doc = {"description": f"{req.rack} per serving phase (imported from {_name(req)})",
               "models": {req.model: phases}}  # fmt: skip
        docs[f"performance/{req.rack}.yaml"] = _checked(Performance, {"name": req.rack, **doc}, doc)
    return Imported(docs, total, kept)


def _checked(model: type[System] | type[Performance], data: dict, doc: dict) -> dict:
    """The document, once its model accepts it (curves monotone, labels known)."""
    try:
        model.model_validate(data)
    except ValidationError as exc:
        raise InstanceError(f"imported curves are not valid: {exc.errors()[0]['msg']}") from None
    return doc
