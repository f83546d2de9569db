"""The HTML report: one self-contained file (inline CSS, charts embedded as base64 PNG)."""

from __future__ import annotations

import base64
import html
from datetime import date
from pathlib import Path

import pandas as pd

from planner.report import charts
from planner.report.finance import CASH_COLUMNS, answer, cash_flow, has_money, percentiles
from planner.results.files import atomic_write_text
from planner.results.present import human, input_label, label, money, show, words

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
.scroll { overflow-x: auto; max-width: 100%; }
"""
"""The page is at most 1,100 px wide (fits a 1,280 px window); a table wider than that scrolls
inside its own box, never the page."""
SWEEP_ROWS_SHOWN = 200


def document(title: str, body: str, css: str = CSS, body_attributes: str = "") -> str:
    """A self-contained page: the title (escaped here), inline CSS, and `body` (HTML)."""
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{css}</style></head>"
        f"<body{body_attributes}>\n{body}\n</body></html>\n"
    )


def image(png: bytes | None, alt: str) -> str:
    if png is None:
        return ""
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _table(frame: pd.DataFrame) -> str:
    """A table with words-and-units headers and human numbers (present.human), in a box that
    scrolls sideways when the table is wider than the page."""
    return boxed(human(frame).to_html(index=False, border=0, na_rep="", escape=True))


def boxed(table_html: str) -> str:
    return f'<div class="scroll">{table_html}</div>'


def _kpis(summary: pd.DataFrame, metrics: dict) -> str:
    row = summary.iloc[0]

    def get(name: str) -> float | None:
        value = row.get(name)
        return None if value is None or pd.isna(value) else float(value)

    items = [
        ("Status", str(row["status"])),
        ("Revenue a year", money(get("revenue_usd_per_year") or 0.0)),
        ("Profit a year", money(get("profit_usd_per_year") or 0.0)),
        ("Capex: racks", money(get("capex_racks_usd") or get("capex_usd") or 0.0)),
        ("Capex: building", money(get("capex_facility_usd") or 0.0)),
        ("Facility power used", f"{get('facility_power_mw') or 0.0:,.1f} MW"),
        ("Cost per million output tokens", f"${get('cost_usd_per_mtok') or 0.0:,.2f}"),
        ("NPV of profit", "-" if metrics["npv_usd"] is None else f"{money(metrics['npv_usd'])} at {metrics['rate_frac']:.0%}"),
        ("Value left at the end", "-" if metrics.get("value_left_usd") is None else money(metrics["value_left_usd"])),
        ("IRR", "-" if metrics["irr_frac"] is None else f"{metrics['irr_frac']:.0%}"),
        ("Payback", "-" if metrics["payback_years"] is None else f"{metrics['payback_years']:.1f} years"),
        ("Revenue on vendor claims", f"{get('vendor_claim_revenue_frac') or 0.0:.0%}"),
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


def _list(items: list[str], css: str = "words") -> str:
    return f"<ul class='{css}'>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>"


DETAIL_VIEWS = {
    "tiers_by_year": ["year", "scenario", "tier", "price_usd_per_mtok", "mtok_per_year",
                      "facility_power_mw", "revenue_usd_per_year", "cost_usd_per_year",
                      "margin_frac"],
}  # fmt: skip
"""Key columns of detail tables too wide for the page; every column is in the CSV and the
workbook, and the page says so."""
TIER_VIEW = ["tier", "input_tokens_per_request", "output_tokens_per_request", "min_tok_s_per_user",
             "price_usd_per_mtok", "input_price_usd_per_mtok", "mtok_per_year", "input_mtok_per_year",
             "facility_power_mw", "revenue_usd_per_year", "cost_usd_per_year", "margin_frac"]  # fmt: skip
DETAIL = (
    ("allocation", "Allocation: units of each system per tier"),
    ("serving_mix", "Racks each tier ties up, by phase (the prefill:decode and LPX:GPU ratios)"),
    ("rentals", "Rented capacity"), ("leases", "Racks leased out by the GPU-hour"),
    ("leases_by_year", "Racks leased out by year"), ("scenarios", "Scenarios"),
    ("summary_by_year", "Per year"), ("tiers_by_year", "Tiers by year"),
    ("allocation_by_year", "Allocation by year"), ("serving_by_year", "Racks by year and phase"),
    ("sensitivity", "Sensitivity (+10% of each input)"), ("binding", "Requirements"),
    ("entry", "Entry thresholds"), ("alternatives", "Alternatives"),
    ("infeasibility", "Infeasibility"), ("frontier", "Frontier"), ("sweep", "Sweep"),
)  # fmt: skip


def render_html(frames: dict[str, pd.DataFrame], run: dict | None = None) -> str:
    """The page: the answer, key figures, purchases, tiers, cash flow, scenarios, the
    explanation, charts, assumptions and the detail tables, all in words and units."""
    run = run or {}
    if "summary" not in frames:
        return render_sweep_html(frames, run)
    summary = frames["summary"]
    name = str(summary.iloc[0]["instance"])
    rate = float(run.get("discount_rate_frac", 0.08))
    if has_money(frames):
        cash, metrics = cash_flow(frames, rate)
    else:  # no plan: no cash flow to show
        cash = pd.DataFrame(columns=CASH_COLUMNS)
        metrics = {"npv_usd": None, "irr_frac": None, "payback_years": None, "rate_frac": rate}
    over_years = "build_schedule" in frames
    parts = [
        f"<h1>Token Factory plan: {html.escape(name)}</h1>",
        f"<p class='answer'>{html.escape(answer(frames, metrics))}</p>",
        _kpis(summary, metrics),
    ]
    if "plausibility" in frames:
        parts += [
            "<h2>Plausibility: ratios outside public ranges</h2>",
            _list(list(frames["plausibility"]["warning"]), "warn"),
        ]
    racks = frames["racks"]
    parts += [
        "<h2>Racks to buy" + (" over the plan" if over_years else "") + "</h2>",
        _table(racks[racks["count"] > 0] if "count" in racks else racks),
    ]
    if over_years:
        sched = frames["build_schedule"]
        first = sched["scenario"].iloc[0] if len(sched) else None
        shown = sched[
            (sched["scenario"] == first) & ((sched["bought"] > 0) | (sched["retired"] > 0))
        ]
        parts += ["<h2>Purchase schedule by year</h2>", _table(shown.drop(columns=["scenario"]))]
    tiers = frames["tiers"]
    parts += [
        "<h2>Tiers" + (", expected average year" if over_years else "") + "</h2>",
        _table(tiers[[c for c in TIER_VIEW if c in tiers]]),
    ]
    prices = frames.get("prices_by_year", frames.get("prices"))
    if prices is not None and not prices.empty:
        curves = frames.get("curves_by_year", frames.get("curves"))
        parts += [
            "<h2>Prices chosen on demand curves</h2>",
            "<p>Each tier's price is chosen on its demand curve (reference point, price range "
            "and breakpoints below); the market's volume at that price is what it can sell.</p>",
            image(charts.demand_curves(curves, prices), "demand curves"),
            _table(prices.drop(columns=["curve_points"], errors="ignore")),
        ]
    irr_text = "-" if metrics["irr_frac"] is None else f"{metrics['irr_frac']:.1%}"
    payback = metrics["payback_years"]
    payback_text = "-" if payback is None else f"{payback:.1f} years"
    note = CASH_NOTE_YEARS if over_years else CASH_NOTE
    parts += (
        []
        if cash.empty
        else [
            "<h2>Cash flow</h2>",
            f"<p>NPV of profit {html.escape(money(metrics['npv_usd'] or 0.0))} at {metrics['rate_frac']:.0%}, "
            f"with {html.escape(money(metrics.get('value_left_usd') or 0.0))} of value left at the end; IRR "
            f"{irr_text}; payback {payback_text}. {html.escape(note)}</p>",
            _table(cash),
        ]
    )
    if "stochastic" in frames and not frames["stochastic"].empty:
        parts += _scenarios(frames)
    explained = "explain" in frames and not frames["explain"].empty
    binding = run.get("binding") or {}
    if binding and not explained:
        items = [
            (f"{sc}: " if len(binding) > 1 else "")
            + (", ".join(words(f) for f in str(b).split()) or "nothing binds")
            for sc, b in binding.items()
        ]
        parts += ["<h2>Requirements that bind</h2>", _list(items)]
    if explained:
        parts += [
            "<h2>Why: binding requirements, marginal values, alternatives</h2>",
            _words(frames["explain"]),
        ]
    else:
        parts.append(
            "<p class='note'>Run <code>plan explain</code> with the same --out for binding "
            "requirements and marginal values in words, and the sensitivity tornado.</p>"
        )
    images = [
        image(charts.cash_flow(cash), "cash flow by year"),
        image(charts.scenario_outcomes(frames.get("scenarios")), "outcome by scenario"),
        image(charts.power_per_tier(tiers), "facility power per tier"),
        image(charts.revenue_per_tier(tiers), "revenue per tier"),
        image(charts.rack_mix(racks), "rack mix"),
        image(charts.frontier(frames.get("frontier")), "frontier"),
        image(charts.tornado(frames.get("sensitivity")), "sensitivity tornado"),
    ]
    parts += ["<h2>Charts</h2>", f'<div class="charts">{"".join(images)}</div>']
    parts += _assumptions(run)
    for key, title in DETAIL:
        frame = frames.get(key)
        if frame is None or frame.empty:
            continue
        frame = frame.drop(columns=[c for c in ("lever",) if c in frame])
        shown = frame.head(SWEEP_ROWS_SHOWN) if key == "sweep" else frame
        view = [c for c in DETAIL_VIEWS.get(key, shown.columns) if c in shown]
        parts += [f"<h2>{html.escape(title)}</h2>", _table(shown[view])]
        if len(shown) < len(frame):
            parts.append(f"<p class='note'>first {len(shown)} of {len(frame)} rows</p>")
        if len(view) < len(shown.columns):
            parts.append(
                f"<p class='note'>{len(view)} of its {len(shown.columns)} columns; the "
                "workbook and this table's CSV file have all of them</p>"
            )
    body = "\n".join(parts)
    return document(f"{name} plan report", body)


def render_sweep_html(frames: dict[str, pd.DataFrame], run: dict | None = None) -> str:
    """A sweep's page: P10/P50/P90 of the outcome, the tornado, what was varied and the base
    instance's inputs with their sources (from the sweep's run.json), then the cases."""
    run = run or {}
    sweep = frames.get("sweep", pd.DataFrame())
    ok = sweep[sweep["status"].isin(["optimal", "feasible"])] if "status" in sweep else sweep
    parts = [f"<h1>Token Factory sweep: {len(sweep):,} cases, {len(ok):,} solved</h1>"]
    summary = frames.get("sweep_summary")
    if summary is not None and not summary.empty:
        rows = summary.set_index("output")
        if "objective_value" in rows.index:
            r = rows.loc["objective_value"]
            parts.append(
                f"<p class='answer'>The objective is {html.escape(show(r['p50'], 'usd'))} in the "
                f"median case, {html.escape(show(r['p10'], 'usd'))} at P10 and "
                f"{html.escape(show(r['p90'], 'usd'))} at P90 (each case weighted equally).</p>"
            )
        kinds = [
            "usd" if "usd" in o or o == "objective_value" else "number0" for o in summary["output"]
        ]
        view = summary.assign(output=[label(o) for o in summary["output"]])
        view = view.rename(
            columns={
                "output": "Outcome",
                "cases": "Cases",
                "p10": "P10",
                "p50": "P50",
                "p90": "P90",
                "mean": "Mean",
                "min": "Lowest",
                "max": "Highest",
            }
        )
        for column in ("P10", "P50", "P90", "Mean", "Lowest", "Highest"):
            view[column] = [show(v, k) for v, k in zip(view[column], kinds, strict=True)]
        parts += ["<h2>Spread of the outcome</h2>", boxed(view.to_html(index=False, border=0))]
    tornado = frames.get("tornado")
    if tornado is not None and not tornado.empty:
        items = [
            f"{input_label(str(r.input))}: {show(r.objective_at_low, 'usd')} at "
            f"{show(r.low_value, 'number')} to {show(r.objective_at_high, 'usd')} at "
            f"{show(r.high_value, 'number')}"
            for r in tornado.itertuples()
        ]
        parts += [
            "<h2>Which input moves the outcome most</h2>",
            _list(items),
            image(charts.sweep_tornado(tornado), "tornado"),
        ]
    varied = run.get("varied") or []
    if varied:
        base = html.escape(str(run.get("instance_file", "the base instance")))
        items = [f"{input_label(str(v.get('input')))}: {v.get('how')}" for v in varied]
        parts += [
            "<h2>What was varied</h2>",
            f"<p>Every case is {base} with these inputs changed ({len(sweep):,} cases):</p>",
            _list(items),
        ]
    if run.get("inputs"):
        parts += _assumptions(run)
    if not sweep.empty:
        shown = sweep.head(SWEEP_ROWS_SHOWN).drop(columns=["case_id"], errors="ignore")
        shown = shown.rename(columns={c: input_label(c) for c in shown.columns if "." in c})
        parts += ["<h2>Cases</h2>", _table(shown)]
    body = "\n".join(parts)
    return document("sweep report", body)


CASH_NOTE = (
    "A single-year plan read as a steady state of five years: its capex at the start, "
    "its revenue and operating cost at the end of each year, and the capital those "
    "five years have not charged (the building's, at the discount rate) as the value "
    "left at the end; so the NPV is the year's profit over five years."
)
CASH_NOTE_YEARS = (
    "The plan's own years, expected over its scenarios: capex (racks and the "
    "building as it is energised) at the start of its year, revenue and "
    "operating cost at its end, and the value left at the end (the capital not "
    "yet charged: each rack's and building's remaining annuities at the discount "
    "rate). This NPV is the plan's objective."
)


def _scenarios(frames: dict[str, pd.DataFrame]) -> list[str]:
    scen, stoch = frames["scenarios"], frames["stochastic"].iloc[0]
    p = percentiles(scen)
    lines = [
        f"P10 {money(p['P10'])}, P50 {money(p['P50'])}, P90 {money(p['P90'])} of the present "
        "value of profit over the scenarios, weighted by their probabilities.",
    ]
    if pd.notna(stoch.get("vss_usd")):
        lines.append(
            f"Value of the stochastic solution (VSS) {money(float(stoch['vss_usd']))}: "
            "what buying for every future at once earns over buying for the average "
            "future."
        )
    if pd.notna(stoch.get("evpi_usd")):
        lines.append(
            f"Expected value of perfect information (EVPI) {money(float(stoch['evpi_usd']))}: "
            "what knowing the future before buying would add; the most worth paying "
            "for a better forecast."
        )
    return ["<h2>Outcomes over scenarios</h2>", _list(lines)]


def _assumptions(run: dict) -> list[str]:
    out = ["<h2>Assumptions: every input, its source and its label</h2>"]
    stamp = [f"Report written {date.today().isoformat()}"]
    if run.get("instance_file"):
        stamp.append(
            f"from {run['instance_file']} (SHA-256 {str(run.get('instance_sha256', ''))[:16]})"
        )
    versions = run.get("versions") or {}
    if versions:
        stamp.append("with " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    out.append(f"<p class='note'>{html.escape('; '.join(stamp))}.</p>")
    inputs = run.get("inputs") or []
    if inputs:
        frame = pd.DataFrame(inputs, columns=["input", "value", "source", "label"])
        frame["value"] = [v if isinstance(v, str) else show(v, "number") for v in frame["value"]]
        frame["input"] = [input_label(str(x)) for x in frame["input"]]
        out.append(
            boxed(frame.rename(columns=str.capitalize).to_html(index=False, border=0, escape=True))
        )
    return out


def write_html(frames: dict[str, pd.DataFrame], path: Path, run: dict | None = None) -> Path:
    atomic_write_text(path, render_html(frames, run))
    return path
