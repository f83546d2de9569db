"""How a number is shown to a person: column headers in words with units, values with
thousands separators, $B/$M scaling and percentages, never scientific notation or snake_case.

One table of known columns, plus a rule for the rest (the unit suffix of the name says the
kind), shared by the HTML page and the workbook (which gets Excel number formats instead of
strings, so cells stay numbers).
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any

import pandas as pd

# kind -> Excel number format
EXCEL_FORMATS = {
    "usd": '"$"#,##0',
    "usd_small": '"$"#,##0.00',
    "frac": "0.0%",
    "count": "#,##0",
    "number": "#,##0.00",
    "number0": "#,##0",
    "x": '0.00"x"',
    "years": '0.0" years"',
    "text": "@",
}

LABELS: dict[str, str] = {
    "instance": "Instance", "objective": "Objective", "status": "Status",
    "objective_value": "Objective value", "tier": "Tier", "rack": "Rack", "system": "System",
    "year": "Year", "scenario": "Scenario", "rental": "Rental", "phases": "Phases",
    "count": "Racks", "units": "Units", "bought": "Bought", "retired": "Retired",
    "in_service": "In service", "probability": "Probability", "binding": "Binding",
    "tok_s": "Output tokens/s", "mtok_per_year": "Output tokens (millions/yr)",
    "mtok": "Output tokens (millions)", "made_mtok_per_year": "Output tokens made (millions/yr)",
    "demand_mtok_per_year": "Forecast, output tokens (millions/yr)",
    "input_mtok_per_year": "Input tokens (millions/yr)",
    "price_usd_per_mtok": "Output price ($ per million)",
    "growth_frac_per_year": "Growth a year (fraction)", "derate": "Throughput derate (factor)",
    "price_scale": "Price scale (factor)", "demand_scale": "Demand scale (factor)",
    "input_price_usd_per_mtok": "Input price ($ per million)",
    "min_tok_s_per_user": "Speed (tokens/s per user)",
    "input_tokens_per_request": "Input tokens per request",
    "output_tokens_per_request": "Output tokens per request",
    "cost_usd_per_mtok": "Cost ($ per million output tokens)",
    "mip_gap_frac": "Optimality gap", "solve_s": "Solve time (s)",
    "it_power_mw": "IT power (MW)", "facility_power_mw": "Facility power (MW)",
    "site_power_mw": "Site power (MW)", "power_kw_each": "Power each (kW)",
    "capex_usd_each": "Unit price ($)",
    "market_usd_per_gpu_hour": "Quoted ($/GPU-h)", "market_usd_per_mtok": "At quoted ($/M)",
    "owned_usd_per_gpu_hour": "Owned ($/GPU-h)", "owned_usd_per_mtok": "Owned ($/M)",
    "power_share_frac": "Share of site power", "utilisation_frac": "Utilisation",
    "price_realisation_frac": "Price realisation", "margin_frac": "Margin",
    "rented_power_mw": "Power on rented racks (MW)",
    "vendor_claim_revenue_frac": "Revenue resting on vendor claims", "data": "Data used",
    "data_basis": "Data basis", "racks_rented": "Racks rented", "gpu_hours": "GPU-hours",
    "discount_factor": "Discount factor", "ratio_to_previous": "x previous",
    "ratio_to_first": "x first", "claimed_ratio_to_previous": "Claimed x previous",
    "claim_source": "Claim source", "racks": "Racks in use",
    "nonanticipativity": "Purchases shared", "note": "Note", "warning": "Warning",
    "words": "In words", "section": "Section", "lever": "Input", "description": "Meaning",
    "unit": "Unit", "constraint": "Requirement", "requirement": "Requirement",
    "cash_flow_usd": "Cash flow ($)", "cumulative_cash_usd": "Cumulative cash ($)",
    "discounted_cash_usd": "Discounted cash ($)", "payback_years": "Payback (years)",
    "pue": "PUE", "cvar_alpha_frac": "CVaR level", "cvar_weight_frac": "CVaR weight",
    "workload": "Model", "max_ttft_s": "Longest time to first token (s)",
    "hours_per_year": "Hours a year", "max_count": "Most racks bought",
    "npv_profit_usd": "NPV of profit ($)", "npv_revenue_usd": "NPV of revenue ($)",
    "pv_cost_usd": "PV of cost ($)", "pv_capex_usd": "PV of capex ($)",
    "pv_revenue_usd": "PV of revenue ($)", "pv_operating_cost_usd": "PV of operating cost ($)",
    "pv_value_left_usd": "PV of value left ($)",
    "expected_value_usd": "Expected value ($)", "cvar_usd": "CVaR ($)", "vss_usd": "VSS ($)",
    "evpi_usd": "EVPI ($)", "eev_usd": "EEV ($)", "wait_and_see_usd": "Wait-and-see ($)",
    "accelerator": "Accelerator", "accelerators": "Accelerators per rack", "power_label": "Power basis", "capex_label": "Price basis",
    "lifetime_years": "Life (years)", "tok_s_per_gpu": "Output tokens/s per GPU",
    "tok_s_per_mw": "Output tokens/s per MW", "power_kw": "Power (kW)",
    "energised_mw": "Energised (MW)", "npv_usd": "NPV of profit ($)", "irr_frac": "IRR",
    "racks_bought": "Racks bought",
    "value_left_usd": "Value left at the end ($)", "racks_leased": "Racks leased out",
    "price_frac_of_reference": "Price over the reference price", "curve_points": "Curve points",
    "demand_at_price_mtok_per_year": "Market at that price, output tokens (millions/yr)",
}  # fmt: skip
"""Known columns -> header words (units in brackets)."""

UNIT_SUFFIXES = (
    ("_usd_per_mw_year", "($ per MW-year)", "usd"), ("_usd_per_mwh", "($ per MWh)", "usd_small"),
    ("_usd_per_mw", "($ per MW)", "usd"), ("_usd_per_year", "($/yr)", "usd"), ("_usd_per_mtok", "($ per million)", "usd_small"),
    ("_usd_per_gpu_hour", "($ per GPU-hour)", "usd_small"), ("_usd", "($)", "usd"),
    ("_mw", "(MW)", "number"), ("_kw", "(kW)", "number"), ("_frac", "", "frac"),
    ("_mtok_per_year", "(million tokens/yr)", "number0"), ("_mtok", "(million tokens)", "number0"),
    ("_tok_s", "(tokens/s)", "number0"), ("_years", "(years)", "years"), ("_s", "(s)", "number"),
)  # fmt: skip
KINDS: dict[str, str] = {
    "count": "count", "bought": "count", "retired": "count", "in_service": "count",
    "year": "text", "units": "number", "racks": "number", "racks_rented": "number",
    "gpu_hours": "number0", "probability": "frac", "discount_factor": "number",
    "ratio_to_previous": "x", "ratio_to_first": "x", "claimed_ratio_to_previous": "x",
    "tok_s": "number0", "mtok_per_year": "number0", "mtok": "number0",
    "min_tok_s_per_user": "number0", "input_tokens_per_request": "count",
    "output_tokens_per_request": "count", "objective_value": "usd",
    "power_kw_each": "number", "capex_usd_each": "usd", "solve_s": "number", "power_kw": "number", "accelerators": "count",
    "lifetime_years": "number", "racks_leased": "number", "curve_points": "text",
    "price_frac_of_reference": "x", "racks_bought": "text",
}  # fmt: skip


def label(column: str) -> str:
    """Header words with the unit, e.g. revenue_usd_per_year -> 'Revenue ($/yr)'."""
    if column in LABELS:
        return LABELS[column]
    if column.startswith("racks_"):
        return f"Racks: {column[len('racks_') :]}"
    if column.startswith("power_mw_"):
        return f"Power of {column[len('power_mw_') :]} (MW)"
    for suffix, unit, _ in UNIT_SUFFIXES:
        if column.endswith(suffix) and len(column) > len(suffix):
            words = column[: -len(suffix)].replace("_", " ")
            return f"{words[0].upper()}{words[1:]} {unit}".strip()
    words = column.replace("_", " ")
    return words[:1].upper() + words[1:]


SECTIONS = {
    "site": "Site",
    "horizon": "Horizon",
    "stochastic": "Uncertainty",
    "comparison": "Comparison",
}
GROUPS = {"tiers": "Tier", "racks": "Rack", "rentals": "Rental", "scenarios": "Scenario"}


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


GROUPS_ALL = {"tiers": "every tier", "racks": "every rack", "rentals": "every rental",
              "scenarios": "every scenario", "systems": "every system"}  # fmt: skip
KNOB_WORDS = {"*": " (x factor)", "+": " (+ added)"}


def input_label(path: str) -> str:
    """An instance path in words, every part of it named: tiers.free.price_usd_per_mtok ->
    'Tier free: output price ($ per million)'; horizon.tiers.premium.price_usd_per_mtok.
    growth_frac_per_year -> 'Horizon, tier premium: output price ($ per million), growth
    a year'; tiers.*.price_usd_per_mtok* -> 'Every tier: output price ($ per million) (x
    factor)'; gb300-nvl72: power_kw -> 'gb300-nvl72: power (kW)'."""
    if ": " in path:
        whose, field = path.split(": ", 1)
        return f"{whose}: {_lower_first(label(field))}"
    op = path[-1] if path[-1:] in KNOB_WORDS else ""
    parts = [p for p in path.rstrip("*+").split(".") if p]
    if not parts:
        return path
    owner: list[str] = []
    if parts[0] in SECTIONS:
        owner.append(SECTIONS[parts[0]])
        parts = parts[1:]
    group = {**GROUPS, "systems": "System"}
    if len(parts) >= 3 and parts[0] in group:
        named = GROUPS_ALL[parts[0]] if parts[1] == "*" else f"{group[parts[0]].lower()} {parts[1]}"
        owner.append(named)
        parts = parts[2:]
    fields = [_lower_first(label(p)) if p != "*" else "each" for p in parts]
    what = ", ".join(fields) if fields else ""
    if not owner:
        return (what[:1].upper() + what[1:] if what else path) + KNOB_WORDS.get(op, "")
    head = ", ".join(owner)
    head = head[:1].upper() + head[1:]
    return f"{head}: {what}{KNOB_WORDS.get(op, '')}" if what else head


def kind(column: str) -> str:
    """How the column's numbers are shown (a key of EXCEL_FORMATS)."""
    if column in KINDS:
        return KINDS[column]
    if column.startswith("racks_"):
        return "count"
    for suffix, _, k in UNIT_SUFFIXES:
        if column.endswith(suffix):
            return k
    return "number"


def money(x: float) -> str:
    """$ with B/M/k scaling: $9.22B, $350.6k, -$1.05M."""
    sign, x = ("-" if x < 0 else ""), abs(x)
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if x >= scale:
            return f"{sign}${x / scale:,.2f}{suffix}"
    return f"{sign}${x:,.2f}"


def number(x: float, decimals: int = 2) -> str:
    """Thousands separators, no scientific notation, at most `decimals` places (trailing
    zeros dropped); very large values in words (12.3 billion)."""
    if abs(x) >= 1e12:
        return f"{x / 1e12:,.1f} trillion"
    if abs(x) >= 1e9:
        return f"{x / 1e9:,.2f} billion"
    text = f"{x:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@functools.cache
def identifier_words() -> dict[str, str]:
    """Identifiers that appear inside text cells (binding families, phases, objectives) in
    words: each family's short words from its registry entry (planner/model/families.py; read
    on first use, so showing a table does not import the model)."""
    from planner.model.families import BALANCES, REQUIREMENTS

    table = {
        **{name: r.short for name, r in REQUIREMENTS.items()}, **BALANCES,
        "cost_per_token": "cost per token", "decode_attention": "decode attention",
        "decode_ffn": "decode FFN",
    }  # fmt: skip
    return table


IDENTIFIER = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


def words(text: str) -> str:
    """Identifiers inside a text in words: 'rack_balance' -> 'racks in use', 'decode_ffn' ->
    'decode FFN'; other snake_case names lose their underscores. Other text is kept."""
    table = identifier_words()
    return IDENTIFIER.sub(lambda m: table.get(m.group(0), m.group(0).replace("_", " ")), text)


def show(value: Any, k: str) -> str:
    """One value as text for a person."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(show(v, k) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{words(str(a))} {show(b, k)}" for a, b in value.items())
    if isinstance(value, str) or k == "text":
        return words(str(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    x = float(value)
    if k in ("usd", "usd_small"):
        return money(x) if abs(x) >= 1000 or k == "usd" else f"${x:,.2f}"
    if k == "frac":
        return f"{x:.1%}"
    if k == "count":
        return f"{x:,.0f}"
    if k == "number0":
        return number(x, 0)
    if k == "x":
        return f"{x:,.2f}x"
    if k == "years":
        return f"{x:,.1f} years"
    return number(x)


def _column(values: pd.Series, k: str) -> list[str]:
    """A column's values as text, one scale for the whole column: where any number reaches a
    billion, every number says billions (or trillions), so "1.37 billion" never stands over
    "762,569,917"."""

    def finite(v: Any) -> bool:
        return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)

    top = max((abs(float(v)) for v in values if finite(v)), default=0.0)
    if k not in ("number", "number0") or top < 1e9:
        return [show(v, k) for v in values]
    scale, word = (1e12, "trillion") if top >= 1e12 else (1e9, "billion")
    return [f"{float(v) / scale:,.2f} {word}" if finite(v) else show(v, k) for v in values]


def human(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as strings with human headers, each column on one scale (`_column`)."""
    return pd.DataFrame({label(c): _column(frame[c], kind(c)) for c in frame.columns})


SCIENTIFIC = re.compile(r"\d[eE][+-]?\d")
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
