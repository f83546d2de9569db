"""The XLSX workbook (openpyxl): one sheet per table, with native Excel charts."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference, ScatterChart, Series
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from planner.results.files import atomic_write_bytes

SHEETS = (
    "summary", "plausibility", "racks", "tiers", "allocation", "serving_mix", "serving_by_year", "stochastic", "scenarios", "summary_by_year",
    "build_schedule", "tiers_by_year", "allocation_by_year", "sweep", "frontier", "explain", "marginals",
    "sensitivity", "binding", "entry", "alternatives", "infeasibility",
)  # fmt: skip


def _cell(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _fill(ws: Worksheet, frame: pd.DataFrame) -> None:
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        ws.append([_cell(v) for v in row])
    for cells in ws.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # user text is never a formula
    for i, column in enumerate(frame.columns, start=1):
        width = max([len(str(column))] + [len(str(v)) for v in frame[column].head(50)])
        ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 60)
    ws.freeze_panes = "A2"


def _bar(ws: Worksheet, frame: pd.DataFrame, label: str, value: str, title: str, anchor: str):
    if frame.empty or value not in frame:
        return
    chart = BarChart()
    chart.type = "bar"
    chart.title = title
    chart.y_axis.title = value
    rows = len(frame) + 1
    col = list(frame.columns).index(value) + 1
    cat = list(frame.columns).index(label) + 1
    chart.add_data(Reference(ws, min_col=col, min_row=1, max_row=rows), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=cat, min_row=2, max_row=rows))
    chart.legend = None
    ws.add_chart(chart, anchor)


def _scatter(ws: Worksheet, frame: pd.DataFrame, anchor: str) -> None:
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    if len(numeric) < 2 or frame.empty:
        return
    x_col = list(frame.columns).index(numeric[0]) + 1
    y_name = "objective_value" if "objective_value" in numeric else numeric[1]
    y_col = list(frame.columns).index(y_name) + 1
    chart = ScatterChart()
    chart.title = "Frontier"
    chart.x_axis.title = numeric[0]
    chart.y_axis.title = y_name
    rows = len(frame) + 1
    series = Series(
        Reference(ws, min_col=y_col, min_row=1, max_row=rows),
        Reference(ws, min_col=x_col, min_row=2, max_row=rows),
        title_from_data=True,
    )
    series.marker.symbol = "circle"
    chart.series.append(series)
    ws.add_chart(chart, anchor)


CHARTS = {
    "tiers": [("tier", "facility_power_mw", "Facility power per tier (MW)", "K2"),
              ("tier", "revenue_usd_per_year", "Revenue per tier ($/yr)", "K20")],
    "racks": [("rack", "count", "Rack mix (count)", "H2")],
    "sensitivity": [("lever", "objective_change", "Sensitivity: +10% of each input", "H2")],
}  # fmt: skip


def build_workbook(frames: dict[str, pd.DataFrame]) -> Workbook:
    """Sheets in SHEETS order for the tables present, with charts on tiers, racks,
    sensitivity (tornado) and frontier."""
    wb = Workbook()
    wb.remove(wb.active)
    for name in SHEETS:
        frame = frames.get(name)
        if frame is None:
            continue
        ws = wb.create_sheet(name)
        _fill(ws, frame)
        for label, value, title, anchor in CHARTS.get(name, []):
            _bar(ws, frame, label, value, title, anchor)
        if name == "frontier":
            _scatter(ws, frame, f"{get_column_letter(len(frame.columns) + 2)}2")
    return wb


def write_xlsx(frames: dict[str, pd.DataFrame], path: Path) -> Path:
    buffer = io.BytesIO()
    build_workbook(frames).save(buffer)
    atomic_write_bytes(path, buffer.getvalue())
    return path
