"""Write an explanation's CSVs (and the plan's own tables) and render the terminal summary."""

from __future__ import annotations

from pathlib import Path

from planner.explanation.compose import Explanation
from planner.results.files import (
    atomic_write_text,
    finish_result,
    frame_csv,
    output_lock,
    write_tables,
)
from planner.results.run import decision_info, provenance
from planner.results.tables import build_tables

EXPLAIN_FILES = ("explain", "marginals", "binding", "entry", "alternatives", "infeasibility")


def write_explanation(expl: Explanation, outdir: Path) -> list[Path]:
    """The plan's own tables and run.json (so the folder holds one plan, not a mix with an
    earlier `plan solve`), then the explain tables that have rows."""
    with output_lock(outdir):
        base = expl.base
        if expl.plan is not None:  # the plan as `plan solve` solves and writes it
            tables, report, settings = expl.plan.tables, expl.plan.solved.report, expl.plan.settings
        else:
            tables = build_tables(base.model, base.data, base.loaded.instance, base.solved)
            report, settings = base.solved.report, base.settings
        paths = write_tables(outdir, tables, base.loaded.instance.is_multi_period)
        info = provenance(base.loaded, report, settings, 0.0, tables.summary)
        info |= decision_info(base.loaded, tables, report.status.has_solution, base.data)
        frames = {
            "explain": expl.frame(),
            "marginals": expl.marginals,
            "binding": expl.binding,
            "entry": expl.entry,
            "alternatives": expl.alternatives,
            "infeasibility": expl.infeasibility,
        }
        for name, frame in frames.items():
            if frame.empty and name != "explain":
                continue  # an earlier result's table of this name goes with it (finish_result)
            path = outdir / f"{name}.csv"
            atomic_write_text(path, frame_csv(frame))
            paths.append(path)
        # one result: the plan and its explanation, named in run.json (explain's files carry
        # the instance hash of the plan they explain there)
        return finish_result(outdir, paths, info | {"command": "explain"})


TITLES = {
    "marginal": "What one more unit is worth",
    "binding": "Requirements",
    "entry": "What unused systems would need",
    "alternative": "Alternatives",
    "basis": "Without each data basis (solved again)",
    "infeasible": "Why there is no plan",
    "status": "Status",
}


def render_explanation(expl: Explanation) -> str:
    """Sections of plain sentences, in the order of explain.csv."""
    base = expl.base
    lines = [f"{base.data.name}: objective {base.objective}, status {base.status}"]
    section = None
    for sec, _, words in expl.lines:
        if sec != section:
            lines.append(TITLES.get(sec, sec))
            section = sec
        lines.append(f"  {words}")
    return "\n".join(lines)
