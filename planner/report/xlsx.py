"""The XLSX workbook (openpyxl): one sheet per table, with native Excel charts."""

from __future__ import annotations

import io
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference, ScatterChart, Series
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from planner.report.finance import cash_flow, has_money
from planner.results.files import atomic_write_bytes, neutral_text
from planner.results.present import EXCEL_FORMATS, input_label, kind, label, show

SHEETS = (
    "summary", "plausibility", "purchase_order", "racks", "tiers", "prices", "prices_by_year", "leases",
    "leases_by_year", "cash_flow", "allocation", "serving_mix", "rentals", "stochastic", "scenarios", "summary_by_year", "build_schedule", "tiers_by_year",
    "allocation_by_year", "serving_by_year", "rentals_by_year", "sweep_summary", "tornado", "sweep",
    "frontier", "explain",
    "marginals", "sensitivity", "binding", "entry", "alternatives", "infeasibility", "inputs",
)  # fmt: skip
TITLES = {
    "summary": "Key figures", "plausibility": "Plausibility", "purchase_order": "Purchase order",
    "racks": "Racks", "tiers": "Tiers",
    "cash_flow": "Cash flow", "allocation": "Allocation", "serving_mix": "Serving mix",
    "rentals": "Rentals", "stochastic": "Stochastic", "scenarios": "Scenarios",
    "prices": "Prices", "prices_by_year": "Prices by year", "leases": "Leases",
    "leases_by_year": "Leases by year",
    "summary_by_year": "Per year", "build_schedule": "Build schedule",
    "tiers_by_year": "Tiers by year", "allocation_by_year": "Allocation by year",
    "serving_by_year": "Serving by year", "rentals_by_year": "Rentals by year", "sweep": "Sweep",
    "sweep_summary": "Outcome spread", "tornado": "Tornado",
    "frontier": "Frontier", "explain": "Explanation", "marginals": "Marginal values",
    "sensitivity": "Sensitivity", "binding": "Requirements", "entry": "Entry thresholds",
    "alternatives": "Alternatives", "infeasibility": "Infeasibility", "inputs": "Inputs",
}  # fmt: skip
TOTALS = {
    "racks": ("count", "facility_power_mw", "capex_usd"),
    "purchase_order": ("count", "capex_usd"),
    "tiers": ("facility_power_mw", "mtok_per_year", "revenue_usd_per_year", "cost_usd_per_year"),
    "cash_flow": ("revenue_usd", "operating_cost_usd", "capex_usd", "cash_flow_usd", "discounted_cash_usd"),
}  # fmt: skip
"""Sheets with a totals row (SUM formulas over the table's own numbers, never user text)."""


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def fill_sheet(ws: Worksheet, frame: pd.DataFrame, name: str) -> None:
    """Human headers, number formats by column kind, an Excel table, frozen header, widths,
    and a totals row for the sheets in TOTALS."""
    ws.append([neutral_text(label(str(c))) for c in frame.columns])  # headers are cells too
    for row in frame.itertuples(index=False):
        ws.append([_cell(v) for v in row])
    for j, column in enumerate(frame.columns, start=1):
        fmt = EXCEL_FORMATS[kind(column)]
        for (cell,) in ws.iter_rows(min_row=2, max_row=len(frame) + 1, min_col=j, max_col=j):
            if isinstance(cell.value, str):
                cell.data_type = "s"  # user text is never a formula
            elif cell.value is not None:
                cell.number_format = fmt
    if len(frame) and len(frame.columns):
        ref = f"A1:{get_column_letter(len(frame.columns))}{len(frame) + 1}"
        table = Table(displayName=f"T_{re.sub(r'[^A-Za-z0-9]', '_', name)}", ref=ref)
        table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
        ws.add_table(table)
    totals = [c for c in TOTALS.get(name, ()) if c in frame.columns]
    if totals and len(frame):
        last = len(frame) + 1
        ws.cell(row=last + 1, column=1, value="Total")
        for column in totals:
            j = list(frame.columns).index(column) + 1
            letter = get_column_letter(j)
            cell = ws.cell(row=last + 1, column=j, value=f"=SUM({letter}2:{letter}{last})")
            cell.number_format = EXCEL_FORMATS[kind(column)]
    for j, column in enumerate(frame.columns, start=1):
        shown = [len(show(v, kind(column))) for v in frame[column].head(50)]
        width = max([len(label(column))] + shown)
        ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 8), 60)
    ws.freeze_panes = "A2"


KEY_FIGURES = "Key figures"
RATE_CELL = f"'{KEY_FIGURES}'!$B$2"
"""The discount rate: an input cell on the Key figures sheet that the cash-flow sheet's
formulas, and the NPV, IRR and payback under it, read."""
FINANCE_ROWS = ("Discount rate (edit me)", "NPV ($)", "IRR", "Payback (years)")
"""The Key figures sheet's first rows (B2:B5) when the plan has a cash flow: the rate, then
formulas over the Cash flow sheet."""
TIMED_COLUMN, RUNNING_COLUMN, CROSSING_COLUMN = "J", "K", "L"
"""The Cash flow sheet's cash by date (at the start of year k its capex, plus the year before's
operating cash; one date after the last year, the value left), its running sum, and the
payback crossing of each date (the date before plus the share of the date's cash that brings
the running sum to zero, where it turns non-negative; blank elsewhere)."""


def _recalculating_cash_flow(ws: Worksheet, frame: pd.DataFrame) -> None:
    """Turn the cash-flow sheet's derived columns into formulas of the discount rate on the Key
    figures sheet: cash flow = revenue - operating cost - capex (+ value left), discounted =
    operating cash / (1 + r)^(k + 1) - capex / (1 + r)^k (the value left / (1 + r)^n),
    cumulative = the running sum; then the same flows by date, for IRR and payback. Change the
    rate in Excel and the NPV follows (the value left is the plan's number at the run's rate).
    Mirrors planner/results/npv.py `cash_flow` and `payback_years`."""
    cols = {c: get_column_letter(j) for j, c in enumerate(frame.columns, start=1)}
    n_years = len(frame) - 1  # the last row is the value left at the end
    rev, op, cap, left = (
        cols[c] for c in ("revenue_usd", "operating_cost_usd", "capex_usd", "value_left_usd")
    )
    for i in range(len(frame)):
        row = i + 2
        ws[f"{cols['cash_flow_usd']}{row}"] = f"={rev}{row}-{op}{row}-{cap}{row}+{left}{row}"
        if i < n_years:
            ws[f"{cols['discounted_cash_usd']}{row}"] = (
                f"=({rev}{row}-{op}{row})/(1+{RATE_CELL})^{i + 1}-{cap}{row}/(1+{RATE_CELL})^{i}"
            )
        else:
            ws[f"{cols['discounted_cash_usd']}{row}"] = f"={left}{row}/(1+{RATE_CELL})^{n_years}"
        before = f"+{cols['cumulative_cash_usd']}{row - 1}" if i else ""
        ws[f"{cols['cumulative_cash_usd']}{row}"] = f"={cols['cash_flow_usd']}{row}{before}"
    ws[f"{TIMED_COLUMN}1"] = "Cash by date ($, start of each year, then the end)"
    ws[f"{RUNNING_COLUMN}1"] = "Running cash by date ($)"
    ws[f"{CROSSING_COLUMN}1"] = "Pays back at (years)"
    for k in range(n_years + 1):
        row = k + 2
        parts = [] if k == n_years else [f"-{cap}{row}"]
        if k:
            parts.append(f"+{rev}{row - 1}-{op}{row - 1}")
        if k == n_years:
            parts.append(f"+{left}{row}")
        ws[f"{TIMED_COLUMN}{row}"] = "=" + "".join(parts)
        running = f"+{RUNNING_COLUMN}{row - 1}" if k else ""
        ws[f"{RUNNING_COLUMN}{row}"] = f"={TIMED_COLUMN}{row}{running}"
        if k:
            was, now = f"{RUNNING_COLUMN}{row - 1}", f"{RUNNING_COLUMN}{row}"
            ws[f"{CROSSING_COLUMN}{row}"] = (
                f'=IF(AND({was}<0,{now}>=0),{k - 1}-{was}/{TIMED_COLUMN}{row},"")'
            )
            ws[f"{CROSSING_COLUMN}{row}"].number_format = "0.0"
        for column in (TIMED_COLUMN, RUNNING_COLUMN):
            ws[f"{column}{row}"].number_format = EXCEL_FORMATS["usd"]
    for column in (TIMED_COLUMN, RUNNING_COLUMN, CROSSING_COLUMN):
        ws.column_dimensions[column].width = 24


def _finance_rows(ws: Worksheet, frame: pd.DataFrame, rate: float) -> None:
    """The Key figures sheet's rate cell and the NPV, IRR and payback formulas over the Cash
    flow sheet (`frame`: its table); payback is the first crossing, "never" without one."""
    sheet = f"'{TITLES['cash_flow']}'"
    last = len(frame) + 1
    discounted = get_column_letter(list(frame.columns).index("discounted_cash_usd") + 1)
    formulas = (
        rate,
        f"=SUM({sheet}!{discounted}2:{discounted}{last})",
        f'=IFERROR(IRR({sheet}!{TIMED_COLUMN}2:{TIMED_COLUMN}{last}),"none")',
        f'=IF(COUNT({sheet}!{CROSSING_COLUMN}3:{CROSSING_COLUMN}{last})=0,"never",'
        f"MIN({sheet}!{CROSSING_COLUMN}3:{CROSSING_COLUMN}{last}))",
    )
    for (item, formula), fmt in zip(
        zip(FINANCE_ROWS, formulas, strict=True),
        ("0.00%", EXCEL_FORMATS["usd"], "0.0%", "0.0"),
        strict=True,
    ):
        ws.append([item, formula])
        ws.cell(row=ws.max_row, column=2).number_format = fmt


def _key_figures(
    ws: Worksheet, summary: pd.DataFrame, cash: pd.DataFrame | None, rate: float
) -> None:
    """The summary row as two columns (item, value), each value in its own number format;
    with a cash flow, the discount-rate cell and the NPV, IRR and payback formulas come first
    (summary.csv's NPV is then that formula's value at the run's rate, not a second row)."""
    ws.append(["Item", "Value"])
    if cash is not None:
        _finance_rows(ws, cash, rate)
    row = summary.iloc[0]
    for column in summary.columns:
        if cash is not None and column == "npv_usd":
            continue
        value = _cell(row[column])
        ws.append([neutral_text(label(str(column))), value])
        cell = ws.cell(row=ws.max_row, column=2)
        if isinstance(value, str):
            cell.data_type = "s"
        elif value is not None:
            cell.number_format = EXCEL_FORMATS[kind(column)]
    ws.column_dimensions["A"].width = 42
    ws.column_dimensions["B"].width = 22
    ws.freeze_panes = "A2"


def _bar(
    ws: Worksheet, frame: pd.DataFrame, category: str, value: str, title: str, anchor: str
) -> None:
    if frame.empty or value not in frame or category not in frame:
        return
    chart = BarChart()
    chart.type = "bar"
    chart.title = title
    chart.y_axis.title = label(value)
    rows = len(frame) + 1
    col = list(frame.columns).index(value) + 1
    cat = list(frame.columns).index(category) + 1
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
    chart.x_axis.title = label(numeric[0])
    chart.y_axis.title = label(y_name)
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


def build_workbook(frames: dict[str, pd.DataFrame], run: dict | None = None) -> Workbook:
    """Sheets in SHEETS order for the tables present, with charts on tiers, racks,
    sensitivity (tornado) and frontier, a cash-flow sheet and an Inputs sheet."""
    run = run or {}
    frames = dict(frames)
    rate = float(run.get("discount_rate_frac", 0.08))
    if has_money(frames):
        frames["cash_flow"], _ = cash_flow(frames, rate)
    if run.get("inputs"):
        inputs = pd.DataFrame(run["inputs"], columns=["input", "value", "source", "label"])
        frames["inputs"] = inputs.assign(
            input=[input_label(str(x)) for x in inputs["input"]],
            value=[v if isinstance(v, int | float) else show(v, "number") for v in inputs["value"]],
        )
    wb = Workbook()
    wb.remove(wb.active)
    for name in SHEETS:
        frame = frames.get(name)
        if frame is None:
            continue
        ws = wb.create_sheet(TITLES[name])
        if name == "summary":
            _key_figures(ws, frame, frames.get("cash_flow"), rate)
            continue
        fill_sheet(
            ws,
            frame.drop(columns=[c for c in ("lever",) if c in frame and name != "sensitivity"]),
            name,
        )
        if name == "cash_flow":
            _recalculating_cash_flow(ws, frame)
        for lab, value, title, anchor in CHARTS.get(name, []):
            _bar(ws, frame, lab, value, title, anchor)
        if name == "frontier":
            _scatter(ws, frame, f"{get_column_letter(len(frame.columns) + 2)}2")
    return wb


def write_xlsx(frames: dict[str, pd.DataFrame], path: Path, run: dict | None = None) -> Path:
    buffer = io.BytesIO()
    build_workbook(frames, run).save(buffer)
    atomic_write_bytes(path, buffer.getvalue())
    return path
