"""The HTML report: one self-contained file (inline CSS, charts embedded as base64 PNG)."""

from __future__ import annotations

import base64
import html
from pathlib import Path

import pandas as pd

from planner.report import charts
from planner.results.files import atomic_write_text

CSS = """
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1100px; color: #222; background: #fff; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { border-bottom: 2px solid #1f5f8b;
       padding-bottom: 0.2em; margin-top: 1.6em; }
.kpis { display: flex; flex-wrap: wrap; gap: 1em; }
.kpi { background: #f0f4f8; border-radius: 6px; padding: 0.7em 1em; min-width: 10em; }
.kpi b { display: block; font-size: 1.3em; color: #1f5f8b; }
.charts { display: flex; flex-wrap: wrap; gap: 1em; }
.charts img { width: 48%; border: 1px solid #ddd; border-radius: 4px; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.6em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th { background: #1f5f8b; color: #fff; } td:first-child, th:first-child { text-align: left; }
ul.words li { margin: 0.2em 0; } .note { color: #666; font-size: 0.9em; }
"""
SWEEP_ROWS_SHOWN = 200


def _img(png: bytes | None, alt: str) -> str:
    if png is None:
        return ""
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, border=0, na_rep="", float_format=lambda x: f"{x:,.6g}")


def _money(x) -> str:
    if x is None or pd.isna(x):
        return "-"
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= scale:
            return f"${x / scale:,.2f}{suffix}"
    return f"${x:,.2f}"


def _kpis(summary: pd.DataFrame) -> str:
    row = summary.iloc[0]
    items = [
        ("status", str(row["status"])),
        ("objective", f"{row['objective']}"),
        ("revenue / yr", _money(row["revenue_usd_per_year"])),
        ("profit / yr", _money(row["profit_usd_per_year"])),
        ("capex", _money(row["capex_usd"])),
        ("facility power", f"{row['facility_power_mw']:,.1f} MW"
         if pd.notna(row["facility_power_mw"]) else "-"),
        ("cost / Mtok", _money(row["cost_usd_per_mtok"])),
    ]  # fmt: skip
    cells = "".join(
        f'<div class="kpi">{html.escape(k)}<b>{html.escape(v)}</b></div>' for k, v in items
    )
    return f'<div class="kpis">{cells}</div>'


def _words(explain: pd.DataFrame) -> str:
    out = []
    for section, group in explain.groupby("section", sort=False):
        items = "".join(f"<li>{html.escape(str(w))}</li>" for w in group["words"])
        out.append(f"<h3>{html.escape(str(section))}</h3><ul class='words'>{items}</ul>")
    return "".join(out)


def render_html(frames: dict[str, pd.DataFrame]) -> str:
    """The page as a string: key figures, charts, explanation, then every table."""
    summary = frames["summary"]
    name = str(summary.iloc[0]["instance"])
    images = [
        _img(charts.power_per_tier(frames["tiers"]), "facility power per tier"),
        _img(charts.revenue_per_tier(frames["tiers"]), "revenue per tier"),
        _img(charts.rack_mix(frames["racks"]), "rack mix"),
        _img(charts.frontier(frames.get("frontier")), "frontier"),
        _img(charts.tornado(frames.get("sensitivity")), "sensitivity tornado"),
    ]
    parts = [
        f"<h1>Token Factory plan: {html.escape(name)}</h1>",
        _kpis(summary),
        "<h2>Charts</h2>",
        f'<div class="charts">{"".join(images)}</div>',
    ]
    if "sensitivity" not in frames:
        parts.append("<p class='note'>No marginals.csv here: run <code>plan explain</code> "
                     "with the same --out for the sensitivity tornado.</p>")  # fmt: skip
    if "plausibility" in frames:
        items = "".join(f"<li>{html.escape(w)}</li>" for w in frames["plausibility"]["warning"])
        parts += [
            "<h2>Plausibility: ratios outside public ranges</h2>",
            f"<ul class='warn'>{items}</ul>",
        ]
    if "explain" in frames and not frames["explain"].empty:
        parts += ["<h2>Explanation</h2>", _words(frames["explain"])]
    over_years = "build_schedule" in frames
    for key, title in (
        ("racks", "Racks bought over the plan" if over_years else "Racks"),
        ("tiers", "Tiers, expected average year" if over_years else "Tiers"),
        ("allocation", "Allocation"),
        ("serving_mix", "Racks each tier ties up, by phase (the prefill:decode and LPX:GPU ratios)"),
        ("serving_by_year", "Racks each tier ties up, by year and phase"),
        ("stochastic", "Value of the stochastic solution"),
        ("scenarios", "Scenarios"), ("summary_by_year", "Per year"),
        ("build_schedule", "Build schedule"), ("tiers_by_year", "Tiers by year"),
        ("allocation_by_year", "Allocation by year"),
        ("marginals", "Marginal values"), ("sensitivity", "Sensitivity (+10%)"),
        ("binding", "Requirements"), ("entry", "Entry thresholds"),
        ("alternatives", "Alternatives"), ("infeasibility", "Infeasibility"),
        ("frontier", "Frontier"), ("sweep", "Sweep"),
    ):  # fmt: skip
        frame = frames.get(key)
        if frame is None or frame.empty:
            continue
        shown = frame.head(SWEEP_ROWS_SHOWN) if key == "sweep" else frame
        parts += [f"<h2>{title}</h2>", _table(shown)]
        if len(shown) < len(frame):
            parts.append(f"<p class='note'>first {len(shown)} of {len(frame)} rows</p>")
    body = "\n".join(parts)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(name)} plan report</title><style>{CSS}</style></head>"
        f"<body>\n{body}\n</body></html>\n"
    )


def write_html(frames: dict[str, pd.DataFrame], path: Path) -> Path:
    atomic_write_text(path, render_html(frames))
    return path
