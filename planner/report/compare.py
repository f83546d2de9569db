"""`plan compare ... --report FILE`: plans side by side on one self-contained HTML page.

The answer (which plan has the highest NPV) and why (the present values of revenue, operating
cost, capex and the value left at the end, which add up to each NPV), the key figures with one
column per plan, the NPV's parts, the cash flows year by year side by side, and the cumulative
discounted cash of every plan on one chart.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from planner.report import charts
from planner.report.html import boxed, document, image
from planner.results.files import atomic_write_text
from planner.results.npv import CASH_COLUMNS
from planner.results.present import human, label, money
from planner.studies.compare import PV_PARTS, PV_SIGNS

FIGURES = ["status", "npv_usd", "profit_usd_per_year", "revenue_usd_per_year", "capex_usd",
           "capex_racks_usd", "capex_facility_usd", "payback_years", "irr_frac",
           "facility_power_mw", "mtok_per_year", "cost_usd_per_mtok", "racks_bought"]  # fmt: skip
"""The key figures, one row each (the CSV of `plan compare --out` has every column)."""


def _side_by_side(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Rows: the figures in words and units; columns: the plans (human numbers)."""
    shown = human(table[["instance", *[c for c in columns if c in table]]])
    out = shown.set_index(label("instance")).T.rename_axis("Figure").reset_index()
    out.columns.name = None
    return out


def _parts(table: pd.DataFrame) -> pd.DataFrame:
    """The NPV's parts per plan, present values in $ (costs as negative numbers)."""
    rows = {}
    for _, plan in table.iterrows():
        values = [PV_SIGNS[c] * float(plan[c]) if pd.notna(plan[c]) else None for c in PV_PARTS]
        values.append(float(plan["npv_usd"]) if pd.notna(plan["npv_usd"]) else None)
        rows[str(plan["instance"])] = [money(v) if v is not None else "" for v in values]
    words = [f"{w.capitalize()} (present value)" for w in PV_PARTS.values()] + ["NPV of profit"]
    return pd.DataFrame({"Part of the NPV": words, **rows})


def _cash(cash: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Year by year (the plan's own years, or a single-year plan's five steady years), each
    plan's cash flow and cumulative cash side by side; the value left at the end last."""
    longest = max(len(frame) for frame in cash.values())
    out = pd.DataFrame(
        {
            "Year of the plan": [f"year {k + 1}" for k in range(longest - 1)]
            + ["value left at the end"]
        }
    )
    for name, frame in cash.items():
        years, end = frame.iloc[:-1], frame.iloc[-1]
        pad = [""] * (longest - len(frame))
        calendar = [str(y) for y in years["year"]]
        out[f"{name}: year"] = calendar + pad + [""]
        out[f"{name}: cash flow"] = (
            [money(v) for v in years["cash_flow_usd"]] + pad + [money(float(end["cash_flow_usd"]))]
        )
        out[f"{name}: cumulative"] = (
            [money(v) for v in years["cumulative_cash_usd"]]
            + pad
            + [money(float(end["cumulative_cash_usd"]))]
        )
    return out


def render_compare_html(
    table: pd.DataFrame, cash: dict[str, pd.DataFrame], verdict: str, why: str
) -> str:
    names = ", ".join(str(n) for n in table["instance"])
    parts = [
        f"<h1>Token Factory plans side by side: {html.escape(names)}</h1>",
        f"<p class='answer'>{html.escape(verdict)}</p>" if verdict else "",
        f"<p>{html.escape(why)}</p>" if why else "",
        "<h2>Key figures</h2>",
        boxed(_side_by_side(table, FIGURES).to_html(index=False, border=0, escape=True)),
    ]
    if cash:
        parts += [
            "<h2>Where each NPV comes from</h2>",
            "<p class='note'>Present values at each plan's own discount rate: revenue and "
            "operating cost at the end of each year, capex at its start, the value left (the "
            "capital not yet charged) at the plan's end. A single-year plan is read as five "
            "steady years, as in its own report.</p>",
            boxed(_parts(table).to_html(index=False, border=0, escape=True)),
            "<h2>Cash flow side by side</h2>",
            image(charts.cumulative_cash(cash), "cumulative discounted cash of each plan"),
            boxed(_cash(cash).to_html(index=False, border=0, escape=True)),
        ]
    parts.append(
        "<p class='note'>Each plan's full report: <code>plan solve INSTANCE --report</code>.</p>"
    )
    return document(f"plans side by side: {names}", "\n".join(p for p in parts if p))


def write_compare_html(
    table: pd.DataFrame, cash: dict[str, pd.DataFrame], verdict: str, why: str, path: Path
) -> Path:
    atomic_write_text(path, render_compare_html(table, cash, verdict, why))
    return path


def compare_workbook_frames(
    table: pd.DataFrame, cash: dict[str, pd.DataFrame]
) -> dict[str, pd.DataFrame]:
    """The comparison as workbook sheets, numbers kept as numbers: every column per plan, the
    NPV's parts, and each plan's cash flow (one row per plan and year)."""
    parts = table[["instance", *PV_PARTS, "npv_usd"]]
    flows = [frame.assign(instance=name) for name, frame in cash.items()]
    cash_rows = (
        pd.concat(flows, ignore_index=True)[["instance", *CASH_COLUMNS]]
        if flows
        else pd.DataFrame()
    )
    return {"Plans": table, "NPV parts": parts, "Cash flows": cash_rows}


def write_compare_xlsx(table: pd.DataFrame, cash: dict[str, pd.DataFrame], path: Path) -> Path:
    """The comparison as a workbook (Plans, NPV parts, Cash flows), written atomically."""
    import io

    from openpyxl import Workbook

    from planner.report.xlsx import fill_sheet
    from planner.results.files import atomic_write_bytes

    book = Workbook()
    book.remove(book.active)
    for name, frame in compare_workbook_frames(table, cash).items():
        fill_sheet(
            book.create_sheet(name), frame.astype({"year": str}) if "year" in frame else frame, name
        )
    buffer = io.BytesIO()
    book.save(buffer)
    atomic_write_bytes(path, buffer.getvalue())
    return path
