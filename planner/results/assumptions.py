"""Every input a plan rests on, with its source and label, for run.json and the report.

- Instance fields: each value as validated (defaults included), its source the comment written
  on its line in the instance file (or on its tier's line), `--set` for overrides, `planner
  default` (with the default's own source) for fields the file leaves out.
- Catalog racks bought: power, price, life and opex with their `sources` entries.
- Performance: each (system, tier) the plan uses, with the weakest label of its numbers.
Labels: measured, derived, estimate, vendor claim, stated (quoted from a source), default.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from planner.inputs.load import LoadedInstance
from planner.inputs.yamlio import field_comments

DEFAULT_SOURCES = {
    "site.utilisation_frac": "planner default, economics-data.md section 9 (0.40-0.85)",
    "site.price_realisation_frac": "planner default, economics-data.md section 9 (0.4-0.9)",
    "site.pue": "planner default, economics-data.md section 9 (liquid-cooled new build)",
    "site.electricity_usd_per_mwh": "planner default, economics-data.md section 3 (EIA industrial)",
    "site.hours_per_year": "planner default: 365.25 days",
}
SKIPPED = ("description", "name", "catalog_dir", "racks_csv", "claim_source")


def _label(source: str) -> str:
    text = source.lower()
    if "default" in text and "planner" in text:
        return "default"
    if "estimate" in text:
        return "estimate"
    if "measured" in text:
        return "measured"
    if "derived" in text or " x " in text or "% of" in text:
        return "derived"
    if "claim" in text or "keynote" in text or "gtc" in text:
        return "vendor claim"
    return "stated"


def _leaves(value: Any, path: str) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in _leaves(v, f"{path}.{k}" if path else k)]
    return [(path, value)]


def instance_inputs(loaded: LoadedInstance) -> list[dict[str, Any]]:
    """Instance fields with value, source and label (one row each)."""
    try:
        comments = field_comments(loaded.source_text)
    except OSError:
        comments = {}
    overridden = {o.split("=", 1)[0] for o in loaded.overrides}
    data = loaded.instance.model_dump(exclude_none=True)
    given = _given(loaded)
    rows = []
    for path, value in _leaves(data, ""):
        if path.split(".")[-1] in SKIPPED or isinstance(value, list) and not value:
            continue
        parent = path.rsplit(".", 1)[0]
        if path in overridden:
            source = "override (--set)"
        elif path in comments:
            source = comments[path]
        elif parent in comments:
            source = comments[parent]
        elif path in DEFAULT_SOURCES:
            source = DEFAULT_SOURCES[path]
        else:
            source = "instance file" if path in given else "planner default"
        rows.append({"input": path, "value": value, "source": source, "label": _label(source)})
    return rows


def _given(loaded: LoadedInstance) -> set[str]:
    fields = loaded.instance.model_dump(exclude_unset=True, exclude_none=True)
    return {p for p, _ in _leaves(fields, "")}


def catalog_inputs(
    loaded: LoadedInstance, racks: pd.DataFrame, allocation: pd.DataFrame
) -> list[dict]:
    """Catalog numbers of the racks bought and the data basis of each route used."""
    rows = []
    bought = (
        [r for r, n in zip(racks["rack"], racks["count"], strict=True) if n] if len(racks) else []
    )
    for name in bought:
        rack = loaded.catalog.racks[name]
        for src in rack.sources:
            if src.field in ("power_kw", "capex_usd", "lifetime_years", "opex_usd_per_year"):
                rows.append(
                    {
                        "input": f"{name}: {src.field}",
                        "value": src.value,
                        "source": src.source,
                        "label": src.confidence,
                    }
                )
    if len(allocation):
        used = allocation[allocation["units"] > 1e-9]
        for system, tier, basis in zip(
            used["system"], used["tier"], used["data_basis"], strict=True
        ):
            rows.append(
                {
                    "input": f"throughput of {system} serving {tier}",
                    "value": "",
                    "source": f"models/systems/{system}.yaml and models/performance/",
                    "label": str(basis).replace("-", " "),
                }
            )
    return rows
