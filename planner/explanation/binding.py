"""Which requirements bind at the optimum, in plain words, with their slack in user units."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyomo.environ as pyo

from planner.explanation.base import Baseline
from planner.inputs.data import PlanData
from planner.model import FLEET_FAMILIES
from planner.model.families import REQUIREMENTS

SLACK_TOL_FRAC = 1e-6
"""A row binds when its slack is within this fraction of its bound (at least 1e-6)."""

REQUIREMENT_UNITS: dict[str, tuple[str, float, str]] = {
    name: (r.unit, r.per_unit, r.words) for name, r in REQUIREMENTS.items()
}
"""Requirement component -> (user unit, model units per user unit, words), a view of the
registry (planner/model/families.py); {index} is filled from the row's tier or rack."""

BINDING_COLUMNS = ["constraint", "requirement", "binding", "slack_units", "unit", "words"]


def subject(index: object) -> str | None:
    """The tier or rack a row is about (its first index when that is a name), else None."""
    first = index[0] if isinstance(index, tuple) else index
    return first if isinstance(first, str) else None


def where(index: object, data: PlanData, family: str = "") -> str:
    """' in 2028' / ' in 2028, scenario high' for a row of a plan over years or scenarios."""
    if data.is_single:
        return ""
    keys = index if isinstance(index, tuple) else (index,)
    year = next((k for k in keys if isinstance(k, int)), None)
    scenario = keys[-1] if isinstance(keys[-1], str) and keys[-1] in data.scenarios else None
    if family in FLEET_FAMILIES and year in data.shared_years:
        scenario = None  # one fleet for every scenario
    parts = [] if year is None or len(data.years) == 1 else [f"in {year}"]
    if scenario is not None and len(data.scenarios) > 1:
        parts.append(f"scenario {scenario}" if parts else f"in scenario {scenario}")
    return (" " + ", ".join(parts)) if parts else ""


def row_label(con: Any, single: bool) -> str:
    """A row's name: `family[subject]` (or `family`) in a single-year plan, where year and
    scenario say nothing; the full Pyomo name (year and scenario included) otherwise."""
    if not single:
        return con.name
    family = con.parent_component().local_name
    about = subject(con.index())
    return f"{family}[{about}]" if about else family


def _slack(con: Any) -> float:
    """Distance to the nearer active bound, in model units (0 for a met equality)."""
    body = pyo.value(con.body)
    gaps = []
    if con.upper is not None:
        gaps.append(pyo.value(con.upper) - body)
    if con.lower is not None:
        gaps.append(body - pyo.value(con.lower))
    return max(min(gaps), 0.0)


def amount(x: float, unit: str) -> str:
    """A quantity in plain words: $1.2B, 28.9 MW, 84,424 Mtok/yr, 3 racks."""
    if unit == "usd":
        for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
            if abs(x) >= scale:
                return f"${x / scale:,.3g}{suffix}"
        return f"${x:,.0f}"
    words = {"MW": "MW", "mtok_per_year": "Mtok/yr", "rack": "racks", "block": "blocks"}[unit]
    return f"{x:,.4g} {words}" if abs(x) < 1e4 else f"{x:,.0f} {words}"


def _words(
    requirement: str, binding: bool, slack: float, unit: str, base: Baseline, name: str
) -> str:
    if binding:
        return f"{requirement} binds"
    text = f"{requirement} has {amount(slack, unit)} to spare"
    if name == "power_envelope":
        smallest = min(base.data.rack_power_mw.values()) * base.data.pue
        if slack < smallest:
            text += " (less than one rack: whole racks leave it unused)"
    return text


def binding_rows(base: Baseline) -> list[dict]:
    """Each requirement row of the solved MILP: binding or not, slack and a sentence."""
    rows = []
    for name, (unit, per_unit, template) in REQUIREMENT_UNITS.items():
        comp = getattr(base.model, name, None)
        if comp is None or not comp.active:
            continue
        for index, con in comp.items():
            if not con.active:
                continue
            bound = con.upper if con.upper is not None else con.lower
            slack = _slack(con)
            binding = slack <= SLACK_TOL_FRAC * max(1.0, abs(pyo.value(bound)))
            if name == "power_envelope" and base.data.energises:
                template = "the power energised"  # the blocks, not the envelope
            requirement = template.format(index=subject(index)) + where(index, base.data, name)
            slack_units = slack / per_unit
            rows.append(
                {
                    "constraint": row_label(con, base.data.is_single),
                    "requirement": requirement,
                    "binding": binding,
                    "slack_units": 0.0 if binding else slack_units,
                    "unit": unit,
                    "words": _words(requirement, binding, slack_units, unit, base, name),
                }
            )
    return rows


def binding_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=BINDING_COLUMNS)
