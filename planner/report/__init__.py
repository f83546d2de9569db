"""`plan report OUTDIR`: a self-contained HTML page and an XLSX workbook from the CSVs in OUTDIR.

matplotlib and openpyxl are imported here only, so `plan solve` without --report never
pays for them.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path


def write_report(outdir: Path) -> list[Path]:
    """report.html (inline CSS, charts as base64 PNG) and report.xlsx (tables + native charts)."""
    from planner.report.html import write_html
    from planner.report.tables import read_outputs
    from planner.report.xlsx import write_xlsx
    from planner.results.files import add_to_manifest, output_lock, read_run

    with output_lock(outdir):
        frames = read_outputs(outdir)
        run = read_run(outdir)
        written = [
            write_html(frames, outdir / "report.html", run),
            write_xlsx(frames, outdir / "report.xlsx", run),
        ]
        add_to_manifest(outdir, written)  # the report goes when a later result replaces this one
        return written


class _CallableModule(types.ModuleType):
    """`planner.report(outdir)` is the API function, but importing this package makes
    `planner.report` this module: calling the module writes the report just the same."""

    def __call__(self, outdir: str | Path) -> list[Path]:
        return write_report(Path(outdir))


sys.modules[__name__].__class__ = _CallableModule

__all__ = ["write_report"]
