"""`plan solve`, `plan validate`, `plan schema`, `plan catalog`, `plan compare`.

Commands only compose pipeline steps and print; the steps are imported inside each command
so that `plan --help` and `plan validate` do not pay for pandas and Pyomo.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from planner.cli.common import (
    DEFAULT_INSTANCE,
    STATUS_EXIT,
    FiniteRange,
    echo,
    emit,
    guarded,
    json_option,
    load_options,
    progress_lines,
    quiet_option,
    records,
    show_warnings,
)
from planner.errors import UsageError
from planner.inputs.catalog import NEW_LABELS
from planner.inputs.yamlio import one_line

if TYPE_CHECKING:
    from planner.inputs.instance import Objective


@click.command()
@click.argument("instance", type=click.Path())
@load_options
@click.option(
    "--out", "outdir", type=click.Path(), help="Output folder (default: outputs/<name>/)."
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option(
    "--time-limit",
    type=FiniteRange(min=0, min_open=True),
    help="Seconds for the run: load, build and every solve.",
)
@click.option("--mip-gap", type=FiniteRange(min=0, max=1), default=1e-4, show_default=True)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="HiGHS threads (one: every command finds the same plan on any machine).",
)
@click.option("--verbose", is_flag=True, help="Show the HiGHS log.")
@click.option("--report", "with_report", is_flag=True, help="Also write report.html/.xlsx.")
@quiet_option
@guarded
def solve(
    instance: str,
    overrides: tuple[str, ...],
    catalog_dir: str | None,
    racks_csv: str | None,
    objective: Objective | None,
    outdir: str | None,
    fmt: str,
    time_limit: float | None,
    mip_gap: float,
    threads: int,
    verbose: bool,
    with_report: bool,
    quiet: bool,
) -> None:
    """Solve INSTANCE, print a summary and write the CSVs and run.json."""
    from planner.results.clock import Clock, process_start

    clock = Clock(start=process_start())
    clock.lap("start-up")  # the interpreter and the planner's imports
    from planner.inputs.load import load_instance
    from planner.results.run import solve_loaded, write_result
    from planner.results.text import render_json, render_table
    from planner.solver.highs import SolveSettings

    clock.lap("imports")  # the solve path's modules (pyomo, highspy, pandas)
    clock.budget_start = time.perf_counter()  # --time-limit counts from here: load, build, ...
    cpus = os.cpu_count() or 1
    if threads > cpus:  # HiGHS starts a scheduler per thread and aborts when it cannot
        raise UsageError(f"--threads {threads}: this machine has {cpus} CPUs; give at most {cpus}")
    loaded = load_instance(instance, overrides, objective, catalog_dir, racks_csv)
    show_warnings(loaded)
    from planner.inputs.load import coverage_notes

    for note in coverage_notes(loaded):  # as validate says them: thin data, unused racks
        echo(f"note: {one_line(note)}", err=True)
    clock.lap("load")
    settings = SolveSettings(time_limit, mip_gap, threads, verbose)
    target = Path(outdir) if outdir else Path("outputs") / loaded.instance.name
    with progress_lines(quiet) as progress:
        result = solve_loaded(loaded, settings, clock=clock, progress=progress)
    paths = write_result(result, target)
    if with_report and result.solved.report.status.has_solution:
        from planner.report import write_report

        paths += write_report(target)
        clock.lap("report")
    echo(render_json(result) if fmt == "json" else render_table(result))
    for finding in result.plausibility:
        echo(f"warning: implausible: {one_line(finding.words())}", err=True)
    if fmt == "table":
        echo(f"Wrote {target}/ ({', '.join(p.name for p in paths)})")
        clock.lap("summary")
        echo(clock.words())  # adds up to the wall time from the process's start
    status = result.solved.report.status
    if not status.has_solution:
        from planner.explanation.infeasible import explain_failure  # noqa: I001

        echo(f"error: {one_line(explain_failure(result))}", err=True)
    sys.exit(STATUS_EXIT[status])


@click.command()
@click.argument("instance", type=click.Path())
@load_options
@json_option
@guarded
def validate(
    instance: str,
    overrides: tuple[str, ...],
    catalog_dir: str | None,
    racks_csv: str | None,
    objective: Objective | None,
) -> None:
    """Check INSTANCE (schema, catalog references, servable tiers) without solving; notes say
    which tiers nothing can serve and which racks nothing uses."""
    from planner.inputs.load import coverage_notes, load_instance

    loaded = load_instance(instance, overrides, objective, catalog_dir, racks_csv)
    show_warnings(loaded)
    notes = coverage_notes(loaded)
    for note in notes:
        echo(f"note: {note}", err=True)
    inst = loaded.instance
    systems = len(inst.systems or loaded.catalog.systems)
    echo(
        f"{instance}: valid ({len(inst.tiers)} tiers, {systems} systems, objective {inst.objective})"
    )
    emit(
        {
            "instance": str(instance),
            "valid": True,
            "tiers": len(inst.tiers),
            "systems": systems,
            "objective": inst.objective,
            "notes": notes,
            "warnings": list(loaded.warnings),
        }
    )


@click.command(name="init")
@click.argument("path", type=click.Path(dir_okay=False), default="instance.yaml")
@click.option(
    "--site-mw",
    type=FiniteRange(min=0, min_open=True, max=1e6),
    default=1000.0,
    show_default=True,
    help="Site power envelope, MW.",
)
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
@json_option
@guarded
def init_cmd(
    path: str,
    site_mw: float,
    force: bool,
) -> None:
    """Write a commented starter instance to PATH (the 1 GW instance scaled to --site-mw)."""
    from planner.inputs.starter import starter_text
    from planner.results.files import atomic_write_text

    target = Path(path)
    if target.exists() and not force:
        raise UsageError(f"{target}: exists; choose another PATH or add --force")
    name = re.sub(r"[^A-Za-z0-9._-]", "-", target.stem).lstrip(".-_") or "instance"
    atomic_write_text(target, starter_text(site_mw, name))
    echo(f"Wrote {target}: edit it, then `plan validate {target}` and `plan solve {target}`")
    emit({"written": [str(target)], "site_power_mw": site_mw})


@click.command()
@click.option(
    "--out",
    "outfile",
    type=click.Path(dir_okay=False),
    help="Write the schema to this file (for editors: yaml-language-server).",
)
@json_option
@guarded
def schema(
    outfile: str | None,
) -> None:
    """Print (or write) the JSON schema of the instance format (it is JSON either way)."""
    from planner.inputs.instance import Instance
    from planner.inputs.schema import instance_schema

    document = instance_schema(Instance)
    text = json.dumps(document, indent=2) + "\n"
    if outfile is None:
        echo(text, nl=False)
        emit(document)
        return
    from planner.results.files import atomic_write_text

    path = Path(outfile)
    atomic_write_text(path, text)
    echo(f"Wrote {path}")
    emit({"written": [str(path)]})


@click.command()
@click.argument("instance", type=click.Path(), default=DEFAULT_INSTANCE)
@load_options
@click.option("--pue", type=FiniteRange(min=1.0, max=3.0), help="Override the site PUE.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@click.option(
    "--out",
    "outfile",
    type=click.Path(dir_okay=False),
    default="racks-catalog.csv",
    show_default=True,
    help="With `plan catalog export`: the racks CSV to write.",
)
@click.option(
    "--wide",
    is_flag=True,
    help="Every column (output tokens/s per unit and per GPU, $/GPU-hour); the default "
    "view fits 120 characters.",
)
@guarded
def catalog(
    instance: str,
    overrides: tuple[str, ...],
    catalog_dir: str | None,
    racks_csv: str | None,
    objective: Objective | None,
    pue: float | None,
    fmt: str,
    outfile: str | None,
    wide: bool,
) -> None:
    """The racks in the catalog (with the basis of their power and price), and per system and
    tier of INSTANCE: tok/s, tok/s per MW, cost per GPU-hour and per Mtok.

    `plan catalog export [--out FILE]` writes the racks as a procurement CSV that
    `--racks-csv` reads back (edit prices there, then solve with it)."""
    if instance == "export":
        _export_racks(catalog_dir, racks_csv, Path(outfile or "racks.csv"))
        return
    import pandas as pd

    from planner.inputs.load import load_instance
    from planner.results.present import human
    from planner.studies.catalog_costs import (
        SEED_SPEED_TOK_S_PER_USER,
        catalog_table,
        seed_reconciled,
        seed_table,
    )

    extra = (*overrides, f"site.pue={pue}") if pue is not None else overrides
    loaded = load_instance(instance, extra, objective, catalog_dir, racks_csv)
    table = catalog_table(loaded.catalog, loaded.instance)
    if fmt == "csv":
        echo(table.to_csv(index=False, float_format="%.6g"), nl=False)
        return
    if fmt == "json":
        from planner.results.files import json_text

        payload = {"racks": _rack_rows(loaded.catalog), "systems": records(table),
                   "seed_table": records(seed_table(loaded.catalog))}  # fmt: skip
        echo(json_text(payload), nl=False)
        return
    racks = human(pd.DataFrame(_rack_rows(loaded.catalog)))
    systems = human(table if wide else table[NARROW_CATALOG])
    if not wide:
        racks = racks.rename(columns=NARROW_HEADERS)
        systems = systems.rename(columns=NARROW_HEADERS)
    echo("Racks in the catalog")
    echo(racks.to_string(index=False))
    echo(
        _wrapped(
            "\nPer system and tier of the instance (owned: capex, opex, energy and the building's "
            "share; quoted: the rack's TCO or rental basis; $/M: per million output tokens"
            + ("" if wide else "; --wide for tokens/s per unit and per GPU and $/GPU-hour")
            + ")"
        )
    )
    echo(systems.to_string(index=False))
    seed = seed_table(loaded.catalog)
    echo(
        _wrapped(
            f"\nSeed 001's cost per million tokens, recomputed (catalog: its quoted $/GPU-hour and "
            f"measured curve at {SEED_SPEED_TOK_S_PER_USER:g} tok/s per user, input + output tokens)"
        )
    )
    for row in cast(list[Any], list(seed.itertuples())):
        ours = (
            ""
            if pd.isna(row.catalog_usd_per_mtok)
            else f"; catalog ${row.catalog_usd_per_gpu_hour:g}/GPU-h at {row.catalog_tok_s_per_gpu:,.0f} "
            f"tok/s per GPU = ${row.catalog_usd_per_mtok:,.2f}"
        )
        echo(_wrapped(f"  {row.generation}: seed ${row.seed_usd_per_mtok:g}; {row.why}{ours}"))
    echo(_wrapped(f"  Reconciled: {seed_reconciled(seed)}."))


CATALOG_WIDTH = 120
"""Characters a `plan catalog` line may take (the default view; `--wide` shows every column)."""
NARROW_CATALOG = ["system", "tier", "min_tok_s_per_user", "tok_s_per_mw", "owned_usd_per_mtok",
                  "market_usd_per_mtok", "data_basis"]  # fmt: skip
NARROW_HEADERS = {"Accelerators per rack": "Accelerators",
                  "Speed (tokens/s per user)": "Speed (tok/s per user)",
                  "Output tokens/s per MW": "Output tok/s per MW",
                  "At quoted ($/M)": "Quoted ($/M)"}  # fmt: skip
"""Shorter headers for the default view; its lead line says what they mean."""


def _wrapped(text: str) -> str:
    """Prose lines of `plan catalog` folded to CATALOG_WIDTH, continuation lines indented."""
    import textwrap

    lead = "\n" if text.startswith("\n") else ""
    indent = " " * (len(text) - len(text.lstrip(" ")) + 2)
    return lead + textwrap.fill(text.strip("\n"), CATALOG_WIDTH, subsequent_indent=indent)


def _export_racks(
    catalog_dir: str | None,
    racks_csv: str | None,
    path: Path,
) -> None:
    """The catalog's racks in the columns `--racks-csv` reads (RACK_CSV_COLUMNS)."""
    import pandas as pd

    from planner.inputs.catalog import default_catalog_dir, load_catalog
    from planner.inputs.load import RACK_CSV_COLUMNS, read_rack_csv
    from planner.results.files import atomic_write_text, frame_csv

    catalog = load_catalog(Path(catalog_dir) if catalog_dir else default_catalog_dir())
    if racks_csv:
        catalog = read_rack_csv(Path(racks_csv), catalog)
    rows = [
        {c: (name if c == "rack" else getattr(rack, c)) for c in RACK_CSV_COLUMNS}
        for name, rack in sorted(catalog.racks.items())
    ]
    atomic_write_text(path, frame_csv(pd.DataFrame(rows, columns=list(RACK_CSV_COLUMNS))))
    echo(f"Wrote {path} ({len(rows)} racks; edit it and pass it back with --racks-csv)")
    emit({"written": [str(path)], "racks": len(rows)})


def _rack_rows(
    catalog: Any,
) -> list[dict]:
    """One row per catalog rack: what procurement buys, and the label of its price and power."""
    rows = []
    for name, rack in sorted(catalog.racks.items()):
        basis = {src.field: src.confidence for src in rack.sources}
        rows.append(
            {
                "rack": name,
                "accelerator": rack.accelerator,
                "accelerators": rack.accelerators,
                "power_kw": rack.power_kw,
                "capex_usd": rack.capex_usd,
                "lifetime_years": rack.lifetime_years,
                "market_usd_per_gpu_hour": rack.market_usd_per_gpu_hour,
                "power_label": basis.get("power_kw", "unsourced"),
                "capex_label": basis.get("capex_usd", "unsourced"),
            }
        )
    return rows


@click.command(name="compare")
@click.argument("instances", nargs=-1, required=True, type=click.Path())
@click.option("--out", "outfile", type=click.Path(), help="Also write the table as CSV here.")
@click.option(
    "--report",
    "report_file",
    type=click.Path(dir_okay=False),
    help="Also write one HTML page with the plans, their NPVs' parts and cash flows side by "
    "side, and why the best earns more.",
)
@click.option(
    "--workbook",
    "workbook_file",
    type=click.Path(dir_okay=False),
    help="Also write the comparison as an XLSX workbook (plans, NPV parts, cash flows).",
)
@click.option(
    "--catalog", "catalog_dir", type=click.Path(), help="Catalog folder (default: models/)."
)
@json_option
@guarded
def compare_cmd(
    instances: tuple[str, ...],
    outfile: str | None,
    report_file: str | None,
    workbook_file: str | None,
    catalog_dir: str | None,
) -> None:
    """Solve INSTANCES in order and print them side by side: NPV, profit, revenue, capex,
    payback, IRR and racks (the CSV adds revenue ratios, the NPV's parts and more), which
    earns most and why."""
    from planner.inputs.load import load_instance
    from planner.results.files import atomic_write_text, frame_csv
    from planner.results.present import human
    from planner.studies.compare import SHOWN, compare_plans, verdict, why

    comparison = compare_plans([load_instance(p, catalog_dir=catalog_dir) for p in instances])
    table = comparison.table
    echo(human(table[SHOWN]).to_string(index=False))
    for line in (verdict(table), why(table)):
        if line:
            echo(line)
    written = []
    if outfile:
        atomic_write_text(Path(outfile), frame_csv(table))
        written.append(outfile)
    if report_file:
        from planner.report.compare import write_compare_html

        write_compare_html(table, comparison.cash, verdict(table), why(table), Path(report_file))
        written.append(report_file)
        echo(f"Wrote {report_file}")
    if workbook_file:
        from planner.report.compare import write_compare_xlsx

        write_compare_xlsx(table, comparison.cash, Path(workbook_file))
        written.append(workbook_file)
        echo(f"Wrote {workbook_file}")
    emit({"instances": records(table), "written": written})


@click.command(name="import-curves")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--from",
    "fmt",
    type=click.Choice(["inferencex", "aiconfigurator"]),
    required=True,
    help="inferencex: the JSON rows of its benchmarks API; aiconfigurator: its summary CSV.",
)
@click.option("--rack", required=True, help="Catalog rack the rows describe (e.g. gb300-nvl72).")
@click.option(
    "--gpus-per-rack",
    type=click.IntRange(min=1),
    required=True,
    help="GPUs in one rack (72 for an NVL72 rack, 8 for an HGX server).",
)
@click.option(
    "--model",
    default="deepseek-r1",
    show_default=True,
    help="Model name the curves are filed under in the catalog.",
)
@click.option(
    "--source-model",
    help="The file's own model key to keep (InferenceX dsr1, AIConfigurator DEEPSEEK_V3).",
)
@click.option(
    "--hardware", help="Keep rows of this hardware (InferenceX hardware, AIConfigurator system)."
)
@click.option("--precision", help="Keep rows of this precision (InferenceX: fp4, fp8).")
@click.option(
    "--isl",
    type=click.IntRange(min=0),
    default=8192,
    show_default=True,
    help="Input tokens of the rows to keep.",
)
@click.option(
    "--osl",
    type=click.IntRange(min=1),
    default=1024,
    show_default=True,
    help="Output tokens of the rows to keep.",
)
@click.option(
    "--label",
    type=click.Choice(NEW_LABELS),
    help="Label for every point (default: measured for InferenceX, estimate for AIConfigurator).",
)
@click.option(
    "--out",
    "outdir",
    type=click.Path(file_okay=False),
    default="imported",
    show_default=True,
    help="Catalog folder to write systems/RACK.yaml and performance/RACK.yaml into.",
)
@click.option("--force", is_flag=True, help="Overwrite files that exist.")
@json_option
@guarded
def import_curves_cmd(
    file: Any,
    fmt: str,
    rack: Any,
    gpus_per_rack: Any,
    model: Any,
    source_model: Any,
    hardware: Any,
    precision: Any,
    isl: Any,
    osl: Any,
    label: Any,
    outdir: str | None,
    force: bool,
) -> None:
    """Turn an InferenceX export or an AIConfigurator CSV into catalog curve files (the
    Pareto frontier of the rows, per rack, every point with its run and label)."""
    import yaml

    from planner.errors import OutputError
    from planner.inputs.importers import ImportRequest, import_curves
    from planner.results.files import atomic_write_text, output_lock

    request = ImportRequest(
        path=Path(file),
        fmt=fmt,
        rack=rack,
        gpus_per_rack=gpus_per_rack,
        model=model,
        input_tokens=isl,
        output_tokens=osl,
        hardware=hardware,
        source_model=source_model,
        precision=precision,
        label=label,
    )
    result = import_curves(request)
    folder = Path(outdir or ".")
    with output_lock(folder):
        targets = {folder / rel: doc for rel, doc in result.documents.items()}
        existing = [str(t) for t in targets if t.exists()]
        if existing and not force:
            raise OutputError(f"{', '.join(existing)}: exists; pass --force to overwrite")
        for target, doc in targets.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            head = (
                f"# Imported by `plan import-curves` from {one_line(Path(file).name)} ({fmt}), "
                f"{result.rows_kept} of {result.rows_read} rows; Pareto frontier only.\n"
            )
            atomic_write_text(target, head + yaml.safe_dump(doc, sort_keys=False, width=100))
    echo(
        f"Read {result.rows_kept} of {result.rows_read} rows; wrote "
        + ", ".join(str(t) for t in targets)
    )
    emit(
        {
            "rows_read": result.rows_read,
            "rows_kept": result.rows_kept,
            "written": [str(t) for t in targets],
        }
    )
