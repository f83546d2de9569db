"""What each data basis is worth to the plan: the plan solved again with that basis (and every
weaker one) set aside, and the revenue and objective it loses.

The basis ladder (catalog.BASES) is measured > derived > partner > estimate > vendor claim. A
plan's token revenue is split by the weakest basis each route rests on (summary.csv
`revenue_frac_<basis>`); the share is not what setting a basis aside costs, since the plan can
serve the same tiers on other systems. So for each basis the plan's revenue rests on, weakest
first, the instance is solved again at the `data` level just above it, and the difference is
reported (a re-solve, not an accounting split).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from planner.errors import InstanceError
from planner.inputs.catalog import BASES, BASIS_WORDS, DATA_LEVELS, LABEL_RANK
from planner.inputs.load import LoadedInstance, cross_check
from planner.results.present import money
from planner.results.run import PlanResult, solve_loaded
from planner.results.tables import basis_column
from planner.solver.highs import SolveSettings

LEAST_SHARE = 0.005
"""A basis under half a percent of the plan's token revenue is not re-solved."""


def bases_used(plan: PlanResult) -> list[str]:
    """The bases (weaker than measured) the plan's token revenue rests on, weakest first."""
    summary = plan.tables.summary.iloc[0]
    shares = {b: summary.get(basis_column(b)) or 0.0 for b in BASES}
    return [b for b in reversed(BASES[1:]) if shares[b] >= LEAST_SHARE]


def without_basis_rows(
    loaded: LoadedInstance, plan: PlanResult, settings: SolveSettings | None
) -> list[dict[str, Any]]:
    """One row per basis the plan rests on: the plan with it and every weaker basis set aside
    (`--data` one level stronger), its status, objective, revenue and what they lose."""
    summary = plan.tables.summary.iloc[0]
    rows: list[dict[str, Any]] = []
    for basis in bases_used(plan):
        level = DATA_LEVELS[LABEL_RANK[basis] - 1]
        if LABEL_RANK[basis] > loaded.instance.data_rank:
            continue  # already set aside by the instance's own `data`
        stricter = replace(loaded, instance=loaded.instance.model_copy(update={"data": level}))
        name = f"without {BASIS_WORDS[basis]} (--data {level})"
        try:  # a tier that must be served may have no route left at this level
            cross_check(stricter.instance, loaded.catalog, f"{name}: no plan")
        except InstanceError as exc:
            rows.append({"alternative": name, "status": "invalid", "words": str(exc)})
            continue
        again = solve_loaded(stricter, settings, with_values=False)
        status = str(again.solved.report.status)
        if not again.solved.report.status.has_solution:
            rows.append(
                {"alternative": name, "status": status, "words": f"{name}: no plan ({status})"}
            )
            continue
        other = again.tables.summary.iloc[0]
        lost = summary["revenue_usd_per_year"] - other["revenue_usd_per_year"]
        sign = -1.0 if plan.data.objective == "cost_per_token" else 1.0
        loss = sign * (summary["objective_value"] - other["objective_value"])
        racks = again.tables.racks
        mix = ", ".join(
            f"{r} {int(n)}" for r, n in zip(racks["rack"], racks["count"], strict=True) if n
        )
        row: dict[str, Any] = {
            "alternative": name, "status": status,
            "objective_value": float(other["objective_value"]), "objective_loss": float(loss),
            "objective_loss_frac": float(loss / abs(summary["objective_value"]))
            if summary["objective_value"] else None,
            "racks": mix, "revenue_usd_per_year": float(other["revenue_usd_per_year"]),
            "revenue_loss_usd_per_year": float(lost),
            "words": _basis_words(name, other["revenue_usd_per_year"], lost,
                                  loss / abs(summary["objective_value"]))
                     if summary["objective_value"] else f"{name}: {mix}",
        }  # fmt: skip
        rows.append(row)
    return rows


def _basis_words(name: str, revenue: float, lost: float, loss_frac: float) -> str:
    """One line for a solve without a data basis: what revenue and the objective lose (or, as
    when rental parity follows a dearer route to higher prices, gain)."""
    change = f"{money(lost)} less" if lost >= 0 else f"{money(-lost)} more"
    verb = f"loses {loss_frac:.1%}" if loss_frac >= 0 else f"gains {-loss_frac:.1%}"
    return (
        f"{name}: token and lease revenue {money(revenue)} a year, {change}; the objective {verb}"
    )
